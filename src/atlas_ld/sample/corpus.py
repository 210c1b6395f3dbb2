"""The bundled sample corpus, and a generator of Atlas-like pages at any scale.

`data/sample/` holds the one real page we have (`17384.txt`, its visible text; 17384 is the
prjId we give it), the same page as HTML, and invented pages, each named `<prjId>.html|txt`.
`manifest.csv` says which prjId, markup and encoding each file has; `role` is `page` for the
corpus proper (one page per prjId) and `variant` for another rendering of a corpus page. The
corpus is rebuilt by `write_corpus` (a test checks the bundled files are what it writes).
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from atlas_ld.core.atlas_urls import ATLAS_BASE_URL, page_url
from atlas_ld.core.model import Page, ProjectRecord
from atlas_ld.core.resources import data_dir
from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page
from atlas_ld.sample.invent import foreign_authority_url, french_authority_url, invent, invent_style
from atlas_ld.sample.markups import MARKUPS, Style, french_date, shown_rows, write_page

SEED_PRJ_ID = 17384
CORPUS_SEED = 2023  # the first seed from 2016 whose 30 pages cover every feature tested
CORPUS_SIZE = 30
MANIFEST = "manifest.csv"
_FIELDS = ["file", "prj_id", "url", "markup", "encoding", "role"]


def atlas_url(prj_id: int | str) -> str:
    return page_url(ATLAS_BASE_URL, prj_id)


@dataclass(frozen=True, slots=True)
class Generated:
    """One invented page: what it says, how it is written, its bytes."""

    record: ProjectRecord
    style: Style
    body: bytes

    @property
    def file_name(self) -> str:
        suffix = "txt" if self.style.markup == "text" else "html"
        return f"{self.record.atlas_id}.{suffix}"


def _sample_dir() -> Path:
    return Path(str(data_dir() / "sample"))


def _manifest(directory: Path) -> list[dict[str, str]]:
    with (directory / MANIFEST).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sample_pages() -> list[Page]:
    """The bundled corpus, one page per prjId, in manifest order, each with its Atlas URL."""
    directory = _sample_dir()
    pages = []
    for row in _manifest(directory):
        if row["role"] != "page":
            continue
        page = read_page(str(directory / row["file"]))
        pages.append(replace(page, url=row["url"]))
    return pages


def generate_pages(
    n: int,
    seed: int = 0,
    first_id: int = 1,
    restyle: Callable[[int, Style], Style] | None = None,
) -> Iterator[Generated]:
    """N invented pages, deterministic for `seed`; prjIds from `first_id` upwards with gaps
    (about one in ten ids is skipped, as on the Atlas where projects get deleted). `restyle`
    (page index, drawn style) -> style imposes a style. The style comes first: a plain-text row
    cannot show a given name with a space, so only HTML pages get them."""
    rng = random.Random(seed)
    prj_id = first_id
    for i in range(n):
        style = invent_style(rng)
        if restyle is not None:
            style = restyle(i, style)
        record = invent(rng, prj_id, spaced_names=style.markup != "text")
        yield Generated(record, style, write_page(record, style))
        prj_id += 1 + (rng.randint(1, 4) if rng.random() < 0.1 else 0)


def expected_record(generated: Generated, source: str) -> ProjectRecord:
    """What parsing the generated page must give: its record, minus what its markup cannot carry
    (plain text has no links behind the magnifier)."""
    record = replace(generated.record, source=source, warnings=[])
    record.financing = [  # the parser reads money as the exact Decimal the page writes
        replace(f, amount_eur=_money(f.amount_eur), water_oudin_eur=_money(f.water_oudin_eur))
        for f in record.financing
    ]
    record.end_date_text = french_date(record.end_date)
    for name, texts in shown_rows(record, generated.style).items():
        setattr(
            record,
            name,
            [replace(row, text=t) for row, t in zip(getattr(record, name), texts, strict=True)],
        )
    if generated.style.markup == "text":
        record.foreign_partners = [replace(a, atlas_url=None) for a in record.foreign_partners]
        record.french_authorities = [replace(a, atlas_url=None) for a in record.french_authorities]
    return record


def _money(value: float | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _write_atomic(path: Path, body: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_manifest(out_dir: Path, rows: list[dict[str, str]]) -> None:
    lines = [",".join(_FIELDS)]
    lines += [",".join(str(row[k]) for k in _FIELDS) for row in rows]
    _write_atomic(out_dir / MANIFEST, ("\n".join(lines) + "\n").encode("utf-8"))


def _row(name: str, prj_id: int | str, style: Style, role: str = "page") -> dict[str, str]:
    return {
        "file": name,
        "prj_id": str(prj_id),
        "url": atlas_url(prj_id),
        "markup": style.markup,
        "encoding": style.encoding if style.declare_charset else f"{style.encoding} (undeclared)",
        "role": role,
    }


def generate(n: int, out_dir: Path, seed: int = 0) -> list[Path]:
    """Write N invented pages and their manifest into `out_dir`; the written pages' paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, rows = [], []
    for page in generate_pages(n, seed):
        path = out_dir / page.file_name
        _write_atomic(path, page.body)
        paths.append(path)
        rows.append(_row(page.file_name, page.record.atlas_id, page.style))
    _write_manifest(out_dir, rows)
    return paths


def seed_html_record() -> ProjectRecord:
    """The real page's record with the links an HTML page carries behind its magnifier icons."""
    record = parse_page(read_page(str(_sample_dir() / f"{SEED_PRJ_ID}.txt")))
    record.foreign_partners = [
        replace(a, atlas_url=foreign_authority_url(a.name)) for a in record.foreign_partners
    ]
    record.french_authorities = [
        replace(a, atlas_url=french_authority_url(a.name)) for a in record.french_authorities
    ]
    return record


def _corpus_style(i: int, style: Style) -> Style:
    """Every markup in turn, every fifth HTML page in windows-1252 (alternately with and without
    a declared charset)."""
    markup = MARKUPS[i % len(MARKUPS)]
    cp1252 = markup != "text" and i % 5 == 1
    return replace(
        style,
        markup=markup,
        encoding="windows-1252" if cp1252 else "utf-8",
        declare_charset=not cp1252 or i % 10 == 1,
        tabs=markup == "text" and style.tabs,
    )


def corpus_pages() -> Iterator[Generated]:
    """The invented part of the corpus."""
    return generate_pages(CORPUS_SIZE, CORPUS_SEED, first_id=101, restyle=_corpus_style)


def write_corpus(out_dir: Path) -> list[Path]:
    """Rebuild the bundled corpus into `out_dir` (the seed text must already be there)."""
    seed_style = Style(markup="div")
    seed_html = write_page(seed_html_record(), seed_style)
    paths = [out_dir / f"{SEED_PRJ_ID}.html"]
    _write_atomic(paths[0], seed_html)
    rows = [
        _row(f"{SEED_PRJ_ID}.html", SEED_PRJ_ID, seed_style),
        _row(f"{SEED_PRJ_ID}.txt", SEED_PRJ_ID, Style(markup="text"), role="variant"),
    ]
    for page in corpus_pages():
        path = out_dir / page.file_name
        _write_atomic(path, page.body)
        paths.append(path)
        rows.append(_row(page.file_name, page.record.atlas_id, page.style))
    _write_manifest(out_dir, rows)
    return paths


def copy_corpus(out_dir: Path) -> list[Path]:
    """Copy the bundled corpus (pages and manifest) into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    source = _sample_dir()
    paths = []
    for row in _manifest(source):
        _write_atomic(out_dir / row["file"], (source / row["file"]).read_bytes())
        paths.append(out_dir / row["file"])
    _write_atomic(out_dir / MANIFEST, (source / MANIFEST).read_bytes())
    return paths
