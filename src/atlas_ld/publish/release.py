"""Write a release: the whole graph as files people download, diff and load elsewhere.

A release is a directory (see docs/publish.md): the union graph as Turtle and gzipped N-Triples,
every named graph with its provenance as gzipped N-Quads, compact JSON-LD with the project's
`@context`, CSV tables with CSVW descriptions, VoID, the DCAT-AP catalogue, a manifest and
`SHA256SUMS`. The same store gives the same bytes: statements are sorted before they are
serialised, gzip headers carry no time or name, and no field depends on the clock.

Each release has an id (`core.release.release_id`: newest capture date plus the digest of its
sorted N-Quads), is described in the catalogue as one version of a `dcat:DatasetSeries`, and holds
how to cite it (`CITATION.cff`, `.zenodo.json`), the partnerships as IATI activities
(`iati-activities.xml`), the build's SHACL results (`quality/`) and, with `previous=`, the change
log since an earlier release (`changes/`).

The release is written into a hidden sibling directory and renamed into place at the end, so an
interrupted or failed dump (full disk, read-only folder) leaves the previous release as it was
and removes what it wrote; the next dump clears what a killed one left.
"""

from __future__ import annotations

import csv
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
from atlas_ld.core.processes import process_alive
from atlas_ld.core.release import (
    MANIFEST_NAME,
    ReleaseFile,
    ReleaseManifest,
    ServedRelease,
    nquads_digest,
    release_id,
    store_fingerprint,
    write_served_release,
)
from atlas_ld.graph import catalogue as dcat
from atlas_ld.graph import validate
from atlas_ld.publish import citation as cite
from atlas_ld.publish import diff as changelog
from atlas_ld.publish import iati, tables
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


def write_tables(root: Path, store: ox.Store) -> tuple[list[ReleaseFile], dict[str, tables.Table]]:
    """The CSV tables and their CSVW files; the tables too, which IATI and the change log read."""
    folder = root / "tables"
    folder.mkdir()
    files = []
    results = {}
    for query in tables.table_queries():
        table = tables.run_table(store, query)
        results[query.name] = table
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
    return files, results


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
    """Drop what dumps that were killed left (their process is gone): staging directories, and
    the replaced release kept while the new one was renamed in. A dump killed between its two
    renames left no release at `target`, only `.NAME.old-PID`: that one is put back."""
    for stale in sorted(target.parent.glob(f".{target.name}.old-*")):
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        if not target.exists() and (stale / MANIFEST_NAME).exists():
            stale.rename(target)
        else:
            shutil.rmtree(stale, ignore_errors=True)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


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


QUALITY_FINDINGS = "quality/findings.csv"
QUALITY_COUNTS = "quality/counts.csv"
FINDING_COLUMNS = [
    "severity",
    "partnership",
    "focus",
    "path",
    "value",
    "source_shape",
    "constraint",
    "message_fr",
    "message_en",
]


def write_quality(root: Path, issues: list[validate.Issue]) -> list[ReleaseFile]:
    """pySHACL's results graph whole, one CSV row per result, and counts per shape/severity."""
    (root / "quality").mkdir()
    (root / dcat.QUALITY_REPORT).write_bytes(validate.issues_turtle(issues))
    findings = io.StringIO()
    writer = csv.writer(findings, lineterminator="\r\n")
    writer.writerow(FINDING_COLUMNS)
    for issue in issues:
        writer.writerow(
            [
                issue.severity,
                issue.partnership,
                issue.focus,
                issue.result_path.strip("<>"),
                issue.value,
                issue.source_shape.strip("<>"),
                issue.constraint.strip("<>"),
                issue.message_fr,
                issue.message_en,
            ]
        )
    (root / QUALITY_FINDINGS).write_text(findings.getvalue(), encoding="utf-8", newline="")
    counts = io.StringIO()
    writer = csv.writer(counts, lineterminator="\r\n")
    writer.writerow(["shape", "severity", "results"])
    writer.writerows(validate.shape_counts(issues))
    (root / QUALITY_COUNTS).write_text(counts.getvalue(), encoding="utf-8", newline="")
    return [
        describe(
            root,
            dcat.QUALITY_REPORT,
            "text/turtle",
            "TURTLE",
            title="Rapport SHACL (graphe de résultats de pySHACL)",
        ),
        describe(
            root,
            QUALITY_FINDINGS,
            "text/csv",
            "CSV",
            statements=len(issues),
            title="Résultats SHACL, un par ligne",
        ),
        describe(root, QUALITY_COUNTS, "text/csv", "CSV", title="Résultats SHACL par forme"),
    ]


def write_changes(root: Path, log: changelog.ChangeLog) -> list[ReleaseFile]:
    names = changelog.write_changes(root / "changes", log)
    formats = {
        changelog.PATCH_NAME: ("application/rdf-patch", "RDF_PATCH", "Changements (RDF Patch)"),
        changelog.CSV_NAME: ("text/csv", "CSV", "Changements par partenariat (CSV)"),
        changelog.MD_NAME: ("text/markdown", "MARKDOWN", "Changements par partenariat"),
    }
    return [
        describe(root, f"changes/{name}", *formats[name][:2], title=formats[name][2])
        for name in names
    ]


def write_iati(
    root: Path,
    store: ox.Store,
    results: dict[str, tables.Table],
    *,
    base: str,
    config: iati.IatiConfig | None,
    generated: str | None,
) -> tuple[ReleaseFile, iati.IatiReport]:
    report = iati.write_iati(
        root / "iati-activities.xml",
        store,
        results,
        base=base,
        config=config,
        generated=generated,
    )
    file = describe(
        root,
        "iati-activities.xml",
        "application/xml",
        "XML",
        statements=report.activities,
        title="Activités IATI 2.03",
    )
    return file, report


Log = Callable[[str], None]


def _quality_record(store_dir: Path | None, log: Log) -> validate.QualityRecord | None:
    record = validate.read_quality(store_dir) if store_dir is not None else None
    if record is None or not record.validated:
        log(
            "no SHACL results next to the store (built without validation or before results "
            "were kept): the release has no quality report; rebuild the store to get one"
        )
        return None
    return record


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
    store_dir: Path | None = None,
    previous: Path | None = None,
    iati_config: iati.IatiConfig | None = None,
    log: Log | None = None,
) -> ReleaseManifest:
    """Write a complete release of `store` to `out`, replacing any previous release there.

    `download_url` is where the release will be served (default `{base}release/`); the
    catalogue and VoID link every file from there. `store_dir` (the store's directory) is where
    the build left its SHACL results, and where the dump leaves `STORE.release.json` for the
    server. `previous` (an earlier release directory or a store) adds the change log since it.
    Warnings (what a file could not hold) go to `log`. Disk errors (full disk, read-only or
    forbidden folder) raise `PublishError`, the previous release untouched."""
    log = log or (lambda message: None)
    download_url = download_url or f"{base}release/"
    publisher = publisher or dcat.Publisher.default(base)
    out = Path(out).absolute()
    check_target(out)
    old = changelog.snapshot_of(previous) if previous is not None else None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as exc:
        raise _disk_error(exc, out) from None
    try:
        manifest, served = _write(
            staging,
            store,
            base,
            version,
            include_personal_data,
            download_url,
            endpoint_url,
            publisher,
            progress,
            store_dir,
            old,
            iati_config,
            log,
        )
        replace_directory(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _disk_error(exc, out) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if store_dir is not None:
        try:
            write_served_release(store_dir, served)
        except OSError as exc:
            log(f"{store_dir}: could not note the release for the server: {exc.strerror}")
    return manifest


def _disk_error(exc: OSError, out: Path) -> PublishError:
    """One line naming the release and the system's reason (ENOSPC, EROFS, EACCES...)."""
    return PublishError(
        f"could not write the release: {exc.strerror or exc}; the previous release is unchanged",
        where=str(out),
    )


def _write(
    staging: Path,
    store: ox.Store,
    base: str,
    version: str | None,
    include_personal_data: bool,
    download_url: str,
    endpoint_url: str | None,
    publisher: dcat.Publisher,
    progress: Progress | None,
    store_dir: Path | None,
    old: changelog.Snapshot | None,
    iati_config: iati.IatiConfig | None,
    log: Log,
) -> tuple[ReleaseManifest, ServedRelease]:
    with step("read and sort", progress):
        quads = release_quads(store, include_personal_data=include_personal_data)
        triples = union_triples(quads)
        modified = newest_capture(quads)
        nquads = ox.serialize(quads, None, ox.RdfFormat.N_QUADS)
        content = nquads_digest(nquads)
        rid = release_id(modified, content)
    files = []
    with step("atlas.ttl", progress):
        files.append(write_turtle(staging, triples))
    with step("atlas.nt.gz", progress):
        files.append(write_ntriples(staging, triples))
    with step("atlas.nq.gz", progress):
        files.append(write_nquads(staging, nquads, len(quads)))
    with step("atlas.jsonld", progress):
        files.append(write_jsonld(staging, triples))
    with step("tables", progress):
        snapshot = ox.Store()  # the published graphs only, for the table queries
        snapshot.bulk_load(nquads, ox.RdfFormat.N_QUADS)
        table_files, results = write_tables(staging, snapshot)
        files.extend(table_files)
    with step("iati", progress):
        iati_file, iati_report = write_iati(
            staging, snapshot, results, base=base, config=iati_config, generated=modified
        )
        files.append(iati_file)
        _log_iati(iati_report, log)
    quality: dict[str, int] = {}
    with step("quality", progress):
        record = _quality_record(store_dir, log)
        if record is not None:
            files.extend(write_quality(staging, record.issues))
            quality = validate.severity_counts(record.issues)
    log_of_changes = None
    with step("changes", progress):
        if old is not None:
            new = changelog.Snapshot(
                rid, nquads.decode().splitlines(), changelog.store_facts(snapshot, results)
            )
            log_of_changes = changelog.compare(old, new)
            files.extend(write_changes(staging, log_of_changes))
    with step("void.ttl", progress):
        void = dcat.void_graph(
            snapshot,
            base=base,
            endpoint_url=endpoint_url,
            data_dumps=[f"{download_url}{f.path}" for f in files if f.path.startswith("atlas.")],
            triples=triples,
        )
        (staging / "void.ttl").write_bytes(dcat.sorted_turtle(void))
        files.append(describe(staging, "void.ttl", "text/turtle", "TURTLE", title="VoID"))
    manifest = ReleaseManifest(
        version=version or rid,
        modified=modified,
        include_personal_data=include_personal_data,
        triples=len(triples),
        quads=len(quads),
        graphs=len({q.graph_name for q in quads}),
        files=list(files),
        release_id=rid,
        content_sha256=content,
        previous=old.release_id if old is not None else None,
        changes=log_of_changes.counts() if log_of_changes is not None else {},
        quality=quality,
    )
    citation = cite.citation_of(
        manifest,
        publisher=publisher.name,
        dataset_iri=str(dcat.release_iri(base, rid)),
        download_url=download_url,
    )
    with step("citation", progress):
        for name in cite.write_citation_files(staging, citation):
            media = "application/x-yaml" if name.endswith(".cff") else "application/json"
            title = "Citation (Citation File Format)" if name.endswith(".cff") else "Zenodo"
            files.append(
                describe(staging, name, media, "YAML" if ".cff" in name else "JSON", title=title)
            )
        manifest.files = list(files)
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
    served = ServedRelease(
        citation=citation,
        store_fingerprint=store_fingerprint(store_dir) if store_dir is not None else "",
        changes=[{k: getattr(c, k) for k in changelog.CSV_COLUMNS} for c in log_of_changes.changes]
        if log_of_changes is not None
        else [],
        change_counts=manifest.changes,
        quality=quality,
    )
    return manifest, served


def _log_iati(report: iati.IatiReport, log: Log) -> None:
    for line in report.left_out:
        log(f"iati-activities.xml: left out {line}")
    if report.roles_without_iati:
        log(
            f"iati-activities.xml: {report.roles_without_iati} participations whose role has no "
            "IATI organisation role (beneficiary, other partner) left out of participating-org"
        )
    if report.financing_without_year:
        log(
            f"iati-activities.xml: {report.financing_without_year} financing rows without a year "
            "or amount left out of the transactions"
        )
