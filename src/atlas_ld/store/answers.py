"""Answers kept on disk next to the store: the server's result cache and the canned queries'
answers computed ahead.

A published store does not change until the next build, so an answer computed once holds until
then. Answers live in `<store>.answers/<build id>/`, one `KEY.body` file (the bytes sent to
clients) and one `KEY.json` (media type, rows, whether and why it was cut) per answer. The key
(`answer_key`) is a digest of everything the bytes depend on: build, query as tokens (comments
and spacing do not count), dataset, format, limits, bound values, and the base IRI when the
query has relative IRIs. The build id is a digest of the store's manifest, which every build
rewrites, so a new build never meets an old answer; the folders of other builds are removed when
a server or a build opens the folder (`open_answers`).

`precompute` runs the canned queries of `queries/` on the public copy at the end of a build (or a
server runs them in the background at its first start on a store that lacks them), so the first
click on a canned query does not wait for an aggregate over the whole graph.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core.errors import AtlasError, StoreError
from atlas_ld.store.disk import MANIFEST, read_manifest
from atlas_ld.store.guard import normalise
from atlas_ld.store.memory import ENGINE_SUFFIX, SERVER_COPIES, Engine
from atlas_ld.store.memory import choose as choose_engine

log = logging.getLogger("atlas_ld.store.answers")

# The server's defaults (`atlas-ld serve --max-rows / --max-result-bytes`): answers computed ahead
# are keyed with them, so a server started with other limits computes its own.
DEFAULT_ROW_LIMIT = 100_000
DEFAULT_MAX_BYTES = 50_000_000
MEDIA_TYPES = {"json": "application/sparql-results+json", "csv": "text/csv"}
DEFAULT_BUDGET = 300.0  # seconds spent on the canned answers at most, by a server or a build
# SPARQL JSON as pyoxigraph writes it: compact, non-ASCII as it is, a term's `type` and `value`
# first. Every writer of the project gives an answer's rows that way (`results_json`, the
# endpoint's row writer), so an answer has one representation under its ETag whichever way it
# was made: evaluated, or cut from a kept answer.
JSON_SEPARATORS = (",", ":")


def results_json(data: dict) -> bytes:
    """A SPARQL JSON document (`head`, `results`) as pyoxigraph writes it."""
    return json.dumps(data, ensure_ascii=False, separators=JSON_SEPARATORS).encode()


@dataclass(frozen=True, slots=True)
class BuildStamp:
    """Which build a store holds (`id`, a digest of its manifest) and when it was written."""

    id: str
    time: float  # seconds since the epoch, the manifest's modification time

    @classmethod
    def of(cls, store_dir: Path) -> BuildStamp:
        manifest = Path(store_dir) / MANIFEST
        try:
            data = manifest.read_bytes()
            mtime = manifest.stat().st_mtime
        except OSError as exc:
            msg = f"cannot read the store's manifest: {exc}"
            raise StoreError(msg, where=str(manifest)) from None
        return cls(hashlib.sha256(data).hexdigest()[:16], mtime)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An answer on disk: its file and what the response says about it."""

    path: Path
    media_type: str
    rows: int
    truncated: bool
    cut_by: str
    max_bytes: int
    size: int


def answer_key(
    build_id: str,
    query: str,
    fmt: str,
    *,
    row_limit: int,
    max_bytes: int,
    dataset: tuple = (),
    substitutions: tuple = (),
    base_iri: str | None = None,
) -> str:
    """The digest naming one answer (see the module's docstring for what it covers)."""
    text, relative = normalise(query)
    parts = [
        build_id,
        text,
        fmt,
        str(row_limit),
        str(max_bytes),
        repr(dataset),
        repr(substitutions),
        base_iri if relative and base_iri else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def answers_root(store_dir: Path) -> Path:
    store_dir = Path(store_dir)
    return store_dir.with_name(store_dir.name + ".answers")


def open_answers(store_dir: Path, build_id: str) -> Path:
    """The answers folder of this build (made if missing); other builds' folders are removed.

    `build_id` may carry a suffix (`ID-personal`, answers that hold personal data): folders of
    the same build with another suffix stay."""
    root = answers_root(store_dir)
    folder = root / build_id
    folder.mkdir(parents=True, exist_ok=True)
    build = build_id.split("-", 1)[0]
    for other in root.iterdir():
        if other.name.split("-", 1)[0] != build and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
    return folder


def read_answer(folder: Path, key: str) -> StoredAnswer | None:
    try:
        meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        body = folder / f"{key}.body"
        size = body.stat().st_size
    except (OSError, ValueError):
        return None
    return StoredAnswer(
        body,
        meta["media_type"],
        meta["rows"],
        meta["truncated"],
        meta.get("cut_by", ""),
        meta.get("max_bytes", DEFAULT_MAX_BYTES),
        size,
    )


def write_answer(
    folder: Path,
    key: str,
    body: bytes | Path,
    *,
    media_type: str,
    rows: int,
    truncated: bool,
    cut_by: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StoredAnswer:
    """Keep one answer; `body` is the bytes, or a file in `folder`'s file system to move in.

    The body is in place before its metadata, so a reader never finds metadata without a body.
    """
    target = folder / f"{key}.body"
    if isinstance(body, Path):
        os.replace(body, target)
    else:
        _write_atomic(target, body)
    meta = {
        "media_type": media_type,
        "rows": rows,
        "truncated": truncated,
        "cut_by": cut_by,
        "max_bytes": max_bytes,
    }
    _write_atomic(folder / f"{key}.json", json.dumps(meta).encode())
    return StoredAnswer(
        target, media_type, rows, truncated, cut_by, max_bytes, target.stat().st_size
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def precompute(
    store_dir: Path,
    *,
    row_limit: int = DEFAULT_ROW_LIMIT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    budget: float | None = DEFAULT_BUDGET,
    engine: str = "auto",
) -> int:
    """Compute the canned queries' answers (SPARQL JSON and CSV) on the store's public copy, as
    the server would give them (cut at `row_limit` rows); returns how many were written. An
    answer over `max_bytes` is left to the server, which cuts it while writing; a failure is
    logged, never fatal to a build.

    pyoxigraph cannot stop a query, so with a `budget` (seconds) the work runs in a child
    process that is killed when the budget is spent: a canned query that grew slow never holds
    a build up. Answers written until then stay; a server computes the rest in the background.

    They are kept for the `engine` a server would read the store with (`store.memory`; "auto":
    the one a server here would choose), whose N-Quads file is written first for memory.
    """
    quads = read_manifest(Path(store_dir)).quads
    engine, _ = choose_engine(engine, quads, copies=SERVER_COPIES)
    if budget is None:
        return _precompute(Path(store_dir), row_limit, max_bytes, engine)
    child = Precomputation.start(store_dir, row_limit=row_limit, max_bytes=max_bytes, engine=engine)
    return child.wait(budget)


@dataclass(slots=True)
class Precomputation:
    """`precompute` running in a child process that can be killed when its budget is spent: a
    server starts one at its first start on a store without the answers and goes on serving
    meanwhile. The child makes the public copy first when it is missing (`repo.open_embedded`)."""

    root: Path
    before: int
    child: multiprocessing.process.BaseProcess
    started: float

    @classmethod
    def start(
        cls,
        store_dir: Path,
        *,
        row_limit: int = DEFAULT_ROW_LIMIT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        engine: Engine = "disk",
    ) -> Precomputation:
        root = answers_root(Path(store_dir))
        before = _answer_count(root)
        child = multiprocessing.get_context("spawn").Process(
            target=_precompute, args=(Path(store_dir), row_limit, max_bytes, engine), daemon=True
        )
        child.start()
        return cls(root, before, child, time.monotonic())

    def wait(self, budget: float = DEFAULT_BUDGET) -> int:
        """Wait until `budget` seconds after the start at most, then kill the child; returns how
        many answers were written."""
        self.child.join(max(0.0, self.started + budget - time.monotonic()))
        if self.child.is_alive():
            self.stop()
            log.warning("canned answers: %g s spent, the rest is left to the server", budget)
        return _answer_count(self.root) - self.before

    def stop(self) -> None:
        """Kill the child (answers it wrote stay: each is written whole, then renamed)."""
        self.child.kill()
        self.child.join()


def answered(folder: Path, json_key: str, csv_key: str, whole: str) -> bool:
    """Has this build's canned query been answered ahead (`json_key`, `csv_key`: its full
    answer's keys; `whole`: its `whole_key`)?

    Both formats come from one evaluation: the SPARQL JSON on disk, or the CSV with the kinds
    of its terms, means it ran, and the other format was over the byte limit (at Atlas scale
    the JSON of `roles`). Waiting for both made every unchanged rebuild run `roles` again. An
    answer cut at the row limit also needs its whole CSV. What an earlier version kept without
    these (a CSV without its kinds, no whole CSV) is answered again, so pages can be cut."""
    kept = read_answer(folder, json_key)
    if kept is None:
        kept = read_answer(folder, csv_key)
        if kept is None or read_types(folder, csv_key) is None:
            return False
    if kept.truncated and kept.cut_by == "rows":
        return read_answer(folder, whole) is not None and read_types(folder, whole) is not None
    return True


def _answer_count(root: Path) -> int:
    return sum(1 for _ in root.glob("*/*.json")) if root.is_dir() else 0


def _precompute(store_dir: Path, row_limit: int, max_bytes: int, engine: Engine = "disk") -> int:
    from atlas_ld.store.canned import list_queries
    from atlas_ld.store.repo import open_embedded

    store_dir = Path(store_dir)
    stamp = BuildStamp.of(store_dir)
    stamp = BuildStamp(stamp.id + ENGINE_SUFFIX[engine], stamp.time)  # as the server keys them
    try:
        folder = open_answers(store_dir, stamp.id)
        repo = open_embedded(store_dir)
        if engine == "memory":
            repo = repo.in_memory(store_dir)
    except (OSError, AtlasError) as exc:
        log.warning("canned answers not computed ahead: %s", exc)
        return 0
    written = 0
    for canned in list_queries():
        keys = {
            fmt: answer_key(stamp.id, canned.sparql, fmt, row_limit=row_limit, max_bytes=max_bytes)
            for fmt in MEDIA_TYPES
        }
        if answered(folder, keys["json"], keys["csv"], whole_key(stamp.id, canned.sparql)):
            continue
        try:
            result = repo.query(canned.sparql, use_default_graph_as_union=True)
            if not isinstance(result, ox.QuerySolutions):
                continue
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        except (OSError, SyntaxError, AtlasError) as exc:
            log.warning("canned query %s not computed ahead: %s", canned.name, exc)
            continue
        data = json.loads(body)
        # (key, bytes, rows, cut at the row limit, byte limit, kinds of a CSV's terms)
        outputs: list[tuple[str, bytes, int, bool, int, dict | None]] = []
        # A long answer is cut at the row limit, as the server would cut it (and says so): at
        # Atlas scale `roles` takes longer than the time limit, and answers this way at once.
        # Its whole CSV is kept beside, never sent whole: the pages past the cut come from it.
        truncated = len(data["results"]["bindings"]) > row_limit
        if truncated:
            total = len(data["results"]["bindings"])
            whole = whole_key(stamp.id, canned.sparql)
            outputs.append((whole, _csv(data), total, False, 0, column_types(data)))
            del data["results"]["bindings"][row_limit:]
            body = results_json(data)
        rows = len(data["results"]["bindings"])
        # One evaluation, two formats: the CSV is written from the JSON answer; a format over
        # the byte limit is left out (the server cuts it when asked).
        for fmt, answer in (("json", body), ("csv", _csv(data))):
            if len(answer) <= max_bytes:
                kinds = column_types(data) if fmt == "csv" else None
                outputs.append((keys[fmt], answer, rows, truncated, max_bytes, kinds))
        for key, answer, count, cut, limit, kinds in outputs:
            try:
                if kinds is not None:
                    write_types(folder, key, kinds)
                write_answer(
                    folder,
                    key,
                    answer,
                    media_type=MEDIA_TYPES["csv" if kinds is not None else "json"],
                    rows=count,
                    truncated=cut,
                    cut_by="rows" if cut else "",
                    max_bytes=limit,
                )
            except OSError as exc:
                log.warning("canned answers not kept: %s", exc)
                return written
            written += 1
    return written


def whole_key(build_id: str, query: str) -> str:
    """The key of a canned query's whole answer as CSV, kept when its answer is cut at the row
    limit so that pages past the cut are cut from it (no row or byte limit: never sent whole)."""
    return answer_key(build_id, query, "csv", row_limit=0, max_bytes=0)


def _csv(data: dict) -> bytes:
    """SPARQL 1.1 CSV results (plain values; blank nodes as `_:label`) from SPARQL JSON."""
    names = data["head"]["vars"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for binding in data["results"]["bindings"]:
        cells = []
        for name in names:
            term = binding.get(name)
            if term is None:
                cells.append("")
            elif term["type"] == "bnode":
                cells.append("_:" + term["value"])
            else:
                cells.append(term["value"])
        writer.writerow(cells)
    return out.getvalue().encode()


# A CSV answer drops the terms' kinds (IRI, literal, language, datatype). Where the build keeps
# an answer as CSV only (at Atlas scale the SPARQL JSON of `roles` is over the byte limit), the
# kinds are kept beside it, so that a page of the answer can be given as SPARQL JSON (and as the
# HTML table, which is drawn from it) cut from the CSV instead of evaluating the query again.
TYPES_SUFFIX = ".types"  # not `.json`: `KEY.json` files are the answers' metadata


def column_types(data: dict) -> dict:
    """The kinds of the terms of a SPARQL JSON answer, as a small document: each distinct kind
    once (`shapes`, a binding without its value), and per column the index of its kind, one
    number when every row has the same (the usual case), else one per row; -1 is unbound."""
    shapes: list[dict] = []
    index: dict[tuple, int] = {}
    columns: dict[str, int | list[int]] = {}
    bindings = data["results"]["bindings"]
    for name in data["head"]["vars"]:
        per_row = []
        for binding in bindings:
            term = binding.get(name)
            if term is None:
                per_row.append(-1)
                continue
            shape = {k: v for k, v in term.items() if k != "value"}
            found = index.setdefault(tuple(sorted(shape.items())), len(shapes))
            if found == len(shapes):
                shapes.append(shape)
            per_row.append(found)
        columns[name] = per_row[0] if per_row and len(set(per_row)) == 1 else per_row
    return {"vars": data["head"]["vars"], "shapes": shapes, "columns": columns}


def typed_bindings(types: dict, cells: list[list[str]], start: int) -> list[dict]:
    """SPARQL JSON bindings of CSV rows `start`, `start + 1`... of the answer `types` describes
    (the inverse of `_csv`: a blank node's `_:` goes, every other cell is the term's value)."""
    shapes = types["shapes"]
    columns = [(name, i, types["columns"][name]) for i, name in enumerate(types["vars"])]
    out = []
    for offset, row in enumerate(cells):
        binding = {}
        for name, position, kinds in columns:
            kind = kinds if isinstance(kinds, int) else kinds[start + offset]
            if kind < 0:
                continue
            shape = shapes[kind]
            value = row[position]
            if shape["type"] == "bnode":
                value = value.removeprefix("_:")
            binding[name] = {"type": shape["type"], "value": value, **shape}  # in that order
        out.append(binding)
    return out


def write_types(folder: Path, key: str, types: dict) -> None:
    _write_atomic(folder / f"{key}{TYPES_SUFFIX}", json.dumps(types).encode())


def read_types(folder: Path, key: str) -> dict | None:
    """The kinds kept beside the CSV answer `key`, or None when there are none."""
    try:
        return json.loads((folder / f"{key}{TYPES_SUFFIX}").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
