"""Write a release: the whole graph as files people download, diff and load elsewhere.

A release is a directory (see docs/publish.md): the union graph as Turtle and gzipped N-Triples,
every named graph with its provenance as gzipped N-Quads, compact JSON-LD with the project's
`@context`, CSV tables with CSVW descriptions, VoID, the DCAT-AP catalogue, a manifest and
`SHA256SUMS`. The same store gives the same bytes: statements are sorted before they are
serialised, gzip headers carry no time or name, and no field depends on the clock.

The release is written into a hidden sibling directory and renamed into place at the end, so an
interrupted dump leaves the previous release as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core import jsonld as jsonld_writer
from atlas_ld.core import resources
from atlas_ld.core.errors import PublishError
from atlas_ld.core.namespaces import PREFIXES, prov
from atlas_ld.core.release import MANIFEST_NAME, ReleaseFile, ReleaseManifest
from atlas_ld.graph import catalogue as dcat
from atlas_ld.publish import tables
from atlas_ld.store.personal import may_see

SUMS_NAME = "SHA256SUMS"


def release_quads(store: ox.Store, *, include_personal_data: bool = False) -> list[ox.Quad]:
    """Every quad to publish, sorted so that serialising them always gives the same bytes."""
    quads = [
        quad
        for quad in store.quads_for_pattern(None, None, None, None)
        if may_see(quad.graph_name, include_personal=include_personal_data)
    ]
    quads.sort(key=str)  # the N-Quads line: subject, predicate, object, graph
    return quads


def union_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The union graph: each triple once, however many graphs state it, sorted."""
    return sorted({q.triple for q in quads}, key=str)


def newest_capture(quads: Iterable[ox.Quad]) -> str | None:
    """The latest `prov:generatedAtTime`: the release's modification date, stable for a store."""
    times = [q.object.value for q in quads if q.predicate == prov.generatedAtTime]
    return max(times) if times else None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_gzip(path: Path, write: Callable[[io.BufferedIOBase], None]) -> None:
    """Gzip without a file name or time in the header, so equal content gives equal bytes."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        write(gz)


def describe(root: Path, relative: str, media_type: str, fmt: str, **extra) -> ReleaseFile:
    path = root / relative
    return ReleaseFile(
        path=relative,
        media_type=media_type,
        format=fmt,
        byte_size=path.stat().st_size,
        sha256=sha256_file(path),
        **extra,
    )


def write_turtle(root: Path, triples: list[ox.Triple]) -> ReleaseFile:
    ox.serialize(triples, str(root / "atlas.ttl"), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return describe(
        root,
        "atlas.ttl",
        "text/turtle",
        "TURTLE",
        statements=len(triples),
        title="Graphe complet (Turtle)",
    )


def write_ntriples(root: Path, triples: list[ox.Triple]) -> ReleaseFile:
    write_gzip(root / "atlas.nt.gz", lambda out: ox.serialize(triples, out, ox.RdfFormat.N_TRIPLES))
    return describe(
        root,
        "atlas.nt.gz",
        "application/n-triples",
        "RDF_N_TRIPLES",
        statements=len(triples),
        title="Graphe complet (N-Triples, gzip)",
    )


def write_nquads(root: Path, nquads: bytes, count: int) -> ReleaseFile:
    write_gzip(root / "atlas.nq.gz", lambda out: out.write(nquads))
    return describe(
        root,
        "atlas.nq.gz",
        "application/n-quads",
        "RDF_N_QUADS",
        statements=count,
        title="Graphes nommés et provenance (N-Quads, gzip)",
    )


def project_context() -> dict:
    """The `@context` that ships with the ontology, so dumps and the server compact alike."""
    path = resources.ontology_dir() / "atlas.context.jsonld"
    return json.loads(path.read_text(encoding="utf-8"))


def write_jsonld(root: Path, triples: list[ox.Triple]) -> ReleaseFile:
    """Compact JSON-LD of the union graph with the project's context written inline, so the
    file expands offline to the same triples."""
    with (root / "atlas.jsonld").open("w", encoding="utf-8") as out:
        jsonld_writer.write_jsonld(triples, project_context()["@context"], out)
    return describe(
        root,
        "atlas.jsonld",
        "application/ld+json",
        "JSON_LD",
        statements=len(triples),
        title="Graphe complet (JSON-LD)",
    )


def write_tables(root: Path, store: ox.Store) -> list[ReleaseFile]:
    folder = root / "tables"
    folder.mkdir()
    files = []
    for query in tables.table_queries():
        table = tables.run_table(store, query)
        csv_path, meta_path = tables.write_table(folder, table)
        files.append(
            describe(
                root,
                f"tables/{csv_path.name}",
                "text/csv",
                "CSV",
                statements=len(table.rows),
                title=query.title,
            )
        )
        files.append(
            describe(
                root,
                f"tables/{meta_path.name}",
                "application/csvm+json",
                "JSON",
                title=f"{query.title} (CSVW)",
            )
        )
    return files


def replace_directory(staging: Path, target: Path) -> None:
    """Move a finished release into place; the old one is removed only once the new one is there."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old)


def check_target(target: Path) -> None:
    """Refuse to replace a directory that is not a release, so a typo cannot delete files."""
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MANIFEST_NAME).exists())
    ):
        raise PublishError(
            "exists and is not a release (no manifest.json); refusing to replace it",
            where=str(target),
            hint="choose a new or empty directory",
        )


def remove_stale_staging(target: Path) -> None:
    """Drop staging directories left by dumps that were killed (their process is gone)."""
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_version(modified: str | None, files: list[ReleaseFile]) -> str:
    """The newest capture's date, or, for pages read from files, a digest of the content: both
    depend only on the store, never on the clock."""
    if modified:
        return modified[:10]
    quads = next(f for f in files if f.path == "atlas.nq.gz")
    return f"sha256-{quads.sha256[:12]}"


def write_sums(root: Path, files: Iterable[ReleaseFile]) -> None:
    lines = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path))
    (root / SUMS_NAME).write_text(lines, encoding="utf-8")


Progress = Callable[[str, float], None]


@contextmanager
def step(name: str, progress: Progress | None) -> Iterator[None]:
    """Time one stage of a dump for whoever asked (the benchmark, a verbose CLI)."""
    started = time.perf_counter()
    yield
    if progress is not None:
        progress(name, time.perf_counter() - started)


def dump(
    store: ox.Store,
    out: Path,
    *,
    base: str,
    version: str | None = None,
    include_personal_data: bool = False,
    download_url: str | None = None,
    endpoint_url: str | None = None,
    publisher: dcat.Publisher | None = None,
    progress: Progress | None = None,
) -> ReleaseManifest:
    """Write a complete release of `store` to `out`, replacing any previous release there.

    `download_url` is where the release will be served (default `{base}release/`); the
    catalogue and VoID link every file from there."""
    download_url = download_url or f"{base}release/"
    out = Path(out).absolute()
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        with step("read and sort", progress):
            quads = release_quads(store, include_personal_data=include_personal_data)
            triples = union_triples(quads)
            modified = newest_capture(quads)
        files = []
        with step("atlas.ttl", progress):
            files.append(write_turtle(staging, triples))
        with step("atlas.nt.gz", progress):
            files.append(write_ntriples(staging, triples))
        with step("atlas.nq.gz", progress):
            nquads = ox.serialize(quads, None, ox.RdfFormat.N_QUADS)
            files.append(write_nquads(staging, nquads, len(quads)))
        with step("atlas.jsonld", progress):
            files.append(write_jsonld(staging, triples))
        with step("tables", progress):
            snapshot = ox.Store()  # the published graphs only, for the table queries
            snapshot.bulk_load(nquads, ox.RdfFormat.N_QUADS)
            files.extend(write_tables(staging, snapshot))
        with step("void.ttl", progress):
            void = dcat.void_graph(
                snapshot,
                base=base,
                endpoint_url=endpoint_url,
                data_dumps=[
                    f"{download_url}{f.path}" for f in files if f.path.startswith("atlas.")
                ],
                triples=triples,
            )
            (staging / "void.ttl").write_bytes(dcat.sorted_turtle(void))
            files.append(describe(staging, "void.ttl", "text/turtle", "TURTLE", title="VoID"))
        manifest = ReleaseManifest(
            version=version or default_version(modified, files),
            modified=modified,
            include_personal_data=include_personal_data,
            triples=len(triples),
            quads=len(quads),
            graphs=len({q.graph_name for q in quads}),
            files=list(files),
        )
        with step("catalog", progress):
            # The catalogue describes the files written so far; the manifest lists it as well.
            catalog_names = dcat.write_catalog(
                staging,
                snapshot,
                base=base,
                release=manifest,
                download_url=download_url,
                endpoint_url=endpoint_url,
                publisher=publisher,
                triples=triples,
            )
            manifest.files = [
                *files,
                describe(
                    staging,
                    catalog_names[0],
                    "text/turtle",
                    "TURTLE",
                    title="Catalogue DCAT-AP (Turtle)",
                ),
                describe(
                    staging,
                    catalog_names[1],
                    "application/ld+json",
                    "JSON_LD",
                    title="Catalogue DCAT-AP (JSON-LD)",
                ),
            ]
        (staging / MANIFEST_NAME).write_text(
            json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        manifest_file = describe(staging, MANIFEST_NAME, "application/json", "JSON")
        write_sums(staging, [*manifest.files, manifest_file])
        replace_directory(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest
