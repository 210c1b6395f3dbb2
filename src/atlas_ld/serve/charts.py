"""What the chart and map macros (`templates/_charts.html`) need from Python.

Charts are Vega-Lite specifications drawn in the browser by `static/charts.js`; their data goes
into the page as `<script type="application/json">` (no inline script, so the pages' CSP holds)
and the same rows are always in a `<table>`, which is what a reader without JavaScript, a screen
reader or a crawler gets.

The world map joins the rows to world-atlas's Natural Earth shapes, whose ids are ISO 3166-1
numeric codes: `world_rows` adds that code (from pycountry) to each row's alpha-3 code.

The map of French regions is a tile map drawn here as SVG: one square per region placed roughly
where the region lies. No licensed geometry is needed (the npm geometry of French regions is
CC BY-NC, see static/vendor/README.md), links work without script, and the 2016 regions and the
pre-2016 ones each get a grid of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pycountry
from markupsafe import Markup

# (column, row, short name) of each region in the tile grids, by INSEE code.
REGIONS_2016: dict[str, tuple[int, int, str]] = {
    "32": (2, 0, "HDF"),
    "28": (1, 1, "NOR"),
    "11": (2, 1, "IDF"),
    "44": (3, 1, "GES"),
    "53": (0, 2, "BRE"),
    "52": (1, 2, "PDL"),
    "24": (2, 2, "CVL"),
    "27": (3, 2, "BFC"),
    "75": (1, 3, "NAQ"),
    "76": (2, 3, "OCC"),
    "84": (3, 3, "ARA"),
    "93": (3, 4, "PAC"),
    "94": (4, 5, "COR"),
    "01": (0, 5, "GP"),
    "02": (0, 6, "MQ"),
    "03": (1, 6, "GF"),
    "04": (2, 6, "RE"),
    "06": (3, 6, "YT"),
}
# Regions that ended on 2015-12-31 (codes shared with a 2016 region are drawn there).
REGIONS_BEFORE_2016: dict[str, tuple[int, int, str]] = {
    "31": (3, 0, "NPC"),
    "25": (1, 1, "BNO"),
    "23": (2, 1, "HNO"),
    "22": (3, 1, "PIC"),
    "21": (4, 1, "CHA"),
    "41": (5, 1, "LOR"),
    "42": (6, 1, "ALS"),
    "26": (4, 2, "BOU"),
    "43": (5, 2, "FCO"),
    "54": (1, 3, "POC"),
    "74": (2, 3, "LIM"),
    "83": (3, 3, "AUV"),
    "82": (4, 3, "RHA"),
    "72": (1, 4, "AQU"),
    "73": (2, 4, "MPY"),
    "91": (3, 4, "LRO"),
}
TILE = 58  # px, with a 4 px gap
# Sequential blues (ColorBrewer "Blues", 5 classes): readable in grey, darkest last.
SHADES = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
EMPTY = "#eeeeee"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot put {type(value).__name__} in a chart")


def chart_json(data: Any) -> Markup:
    """JSON safe inside `<script type="application/json">`: `<`, `>`, `&` and `'` escaped as
    `\\u` sequences, so harvested text cannot close the element."""
    text = json.dumps(data, default=_plain, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escape)
    return Markup(text)


def world_rows(rows: list[dict]) -> list[dict]:
    """The rows with world-atlas's id (ISO 3166-1 numeric, as text: "854" for BFA)."""
    out = []
    for row in rows:
        country = pycountry.countries.get(alpha_3=str(row.get("iso3", "")).upper())
        out.append({**row, "id": country.numeric if country else None})
    return out


@dataclass(frozen=True, slots=True)
class Tile:
    code: str
    short: str
    x: int
    y: int
    fill: str
    dark: bool  # white text on a dark fill
    label: str
    value: Any
    href: str | None


@dataclass(frozen=True, slots=True)
class TileGrid:
    tiles: list[Tile]
    width: int
    height: int


def _shade(value: Any, top: float) -> tuple[str, bool]:
    if value in (None, "", 0) or top <= 0:
        return EMPTY, False
    step = min(len(SHADES) - 1, int(float(value) / top * len(SHADES) - 1e-9))
    return SHADES[max(step, 0)], step >= 3


def region_grids(rows: list[dict]) -> list[tuple[str, TileGrid]]:
    """("2016", grid) always, and ("before-2016", grid) when a row names a pre-2016 region."""
    by_code = {str(row.get("code", "")): row for row in rows}
    numbers = [float(r["value"]) for r in rows if isinstance(r.get("value"), int | float | Decimal)]
    top = max(numbers, default=0)
    grids = [("2016", _grid(REGIONS_2016, by_code, top))]
    if any(code in REGIONS_BEFORE_2016 for code in by_code):
        grids.append(("before-2016", _grid(REGIONS_BEFORE_2016, by_code, top)))
    return grids


def _grid(layout: dict[str, tuple[int, int, str]], rows: dict[str, dict], top: float) -> TileGrid:
    tiles = []
    for code, (col, line, short) in layout.items():
        row = rows.get(code, {})
        fill, dark = _shade(row.get("value"), top)
        tiles.append(
            Tile(
                code=code,
                short=short,
                x=col * (TILE + 4),
                y=line * (TILE + 4),
                fill=fill,
                dark=dark,
                label=row.get("label", short),
                value=row.get("value"),
                href=row.get("href"),
            )
        )
    width = (max(c for c, _, _ in layout.values()) + 1) * (TILE + 4)
    height = (max(r for _, r, _ in layout.values()) + 1) * (TILE + 4)
    return TileGrid(tiles, width, height)


TEMPLATE_GLOBALS = {
    "chart_json": chart_json,
    "world_rows": world_rows,
    "region_grids": region_grids,
    "TILE": TILE,
}
