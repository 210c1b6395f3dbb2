"""`atlas-ld dump` and `atlas-ld publish udata|graph-store`: releases and where they go."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
import pyoxigraph as ox

from atlas_ld.cli.group import main
from atlas_ld.cli.options import personal_data_option, store_option, stored_base_option
from atlas_ld.core.errors import PublishError
from atlas_ld.store.disk import open_store, read_manifest


def open_read_only(path: Path) -> tuple[ox.Store, str]:
    """The store as the build left it, and the base IRI it was built with."""
    return open_store(path, read_only=True), read_manifest(path).base


_store_option = store_option("The store to read (written by `atlas-ld build`).")
_personal_option = personal_data_option(
    "Also publish the graph/personal/* graphs (names, e-mails and functions of contact "
    "people). Off by default: only do this where the law allows it."
)
_base_option = stored_base_option(
    "Base IRI of the catalogue's own IRIs and default URLs (default: the base the store was "
    "built with)."
)


@main.command()
@_store_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Release directory to write. A previous release there is replaced only once the new "
    "one is complete.",
)
@_personal_option
@_base_option
@click.option(
    "--release-version",
    "version",
    default=None,
    help="Version of the release in the catalogue (default: date of the newest capture).",
)
@click.option(
    "--download-url",
    default=None,
    help="URL the release directory will be served from, ending with '/' "
    "(default: BASE + 'release/'); the catalogue's download links start with it.",
)
@click.option(
    "--endpoint-url",
    default=None,
    help="URL of the public SPARQL endpoint, described in the catalogue as a dcat:DataService "
    "(default: BASE + 'sparql').",
)
@click.option(
    "--publisher",
    default=None,
    help="Name of the organisation publishing the release, for the catalogue (default: atlas-ld).",
)
@click.option(
    "--contact-email",
    default=None,
    help="E-mail of the catalogue's contact point (default: contact@ the host of the base).",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="An earlier release directory (or store): the release gets the change log since it "
    "(changes/) and the catalogue names it as dcat:previous.",
)
@click.option(
    "--iati-prefix",
    default="XI-ATLASLD",
    show_default=True,
    help="Prefix of each iati-identifier (PREFIX-prjId); set your IATI organisation identifier.",
)
@click.option(
    "--iati-reporting-ref",
    default="XI-ATLASLD",
    show_default=True,
    help="ref of the IATI reporting-org (your IATI organisation identifier).",
)
@click.option(
    "--iati-reporting-name",
    default=None,
    help="Name of the IATI reporting-org (default: --publisher).",
)
@click.option("-v", "--verbose", is_flag=True, help="Print each step and its time on stderr.")
def dump(
    store_dir: Path,
    out: Path,
    include_personal_data: bool,
    base: str | None,
    version: str | None,
    download_url: str | None,
    endpoint_url: str | None,
    publisher: str | None,
    contact_email: str | None,
    previous: Path | None,
    iati_prefix: str,
    iati_reporting_ref: str,
    iati_reporting_name: str | None,
    verbose: bool,
) -> None:
    """Write a release of the store: RDF dumps, CSV tables, IATI, citation, quality, catalogue.

    \b
    OUT/atlas.ttl            union graph, Turtle
    OUT/atlas.nt.gz          union graph, N-Triples (gzip)
    OUT/atlas.nq.gz          every named graph with its provenance, N-Quads (gzip)
    OUT/atlas.jsonld         union graph, compact JSON-LD with the project's @context
    OUT/tables/NAME.csv      partnerships, actors, roles, financing, territories, themes
    OUT/tables/NAME.csv-metadata.json   CSVW description of each table
    OUT/iati-activities.xml  the partnerships as IATI 2.03 activities
    OUT/quality/             the build's SHACL results (pySHACL's graph, CSV, counts per shape)
    OUT/changes/             with --previous: changes.rdfp (RDF Patch), changes.csv, changes.md
    OUT/CITATION.cff         how to cite this release; OUT/.zenodo.json for a Zenodo upload
    OUT/void.ttl             VoID statistics
    OUT/catalog.ttl, .jsonld DCAT-AP 3 catalogue: this release as a version in a dataset series
    OUT/manifest.json        release id, sizes, SHA-256 and statement counts
    OUT/SHA256SUMS           checksums (`sha256sum -c SHA256SUMS`)

    The release id is the newest capture's date plus a digest of the content: the same store
    always gives the same id and the same bytes, so releases diff cleanly. The dump also leaves
    STORE.release.json, which the server reads to say which release it serves.
    """
    from atlas_ld.graph.catalogue import Publisher
    from atlas_ld.publish.iati import IatiConfig
    from atlas_ld.publish.release import dump as write_release

    if download_url is not None and not download_url.endswith("/"):
        raise PublishError("must end with '/'", where="--download-url")
    store, store_base = open_read_only(store_dir)
    base = base or store_base
    default = Publisher.default(base)
    name = publisher or default.name
    manifest = write_release(
        store,
        out,
        base=base,
        version=version,
        include_personal_data=include_personal_data,
        download_url=download_url,
        endpoint_url=endpoint_url or f"{base}sparql",
        publisher=Publisher(
            name=name, email=contact_email or default.email, homepage=default.homepage
        ),
        progress=say_step if verbose else None,
        store_dir=store_dir,
        previous=previous,
        iati_config=IatiConfig(
            prefix=iati_prefix,
            reporting_ref=iati_reporting_ref,
            reporting_name=iati_reporting_name or name,
        ),
        log=lambda message: click.echo(f"warning: {message}", err=True),
    )
    total = sum(f.byte_size for f in manifest.files)
    click.echo(
        f"{out}: release {manifest.release_id}, {manifest.triples} triples, {manifest.quads} "
        f"quads in {manifest.graphs} graphs, {len(manifest.files)} files, {total} bytes"
    )
    if manifest.previous:
        c = manifest.changes
        click.echo(
            f"since {manifest.previous}: {c['added']} partnerships added, {c['removed']} removed, "
            f"{c['changed']} changed"
        )


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("new", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write changes.rdfp, changes.csv and changes.md into.",
)
def diff_command(old: Path, new: Path, out: Path) -> None:
    """Say what changed from OLD to NEW (each a release directory or a store).

    \b
    OUT/changes.rdfp  RDF Patch (Apache Jena's format): applied to OLD's atlas.nq.gz, gives NEW's
    OUT/changes.csv   per partnership: added, removed, or each changed field, old and new
    OUT/changes.md    the same, to read

    Personal-data graphs are never compared: a store is read as its release would be.
    """
    from atlas_ld.publish.diff import diff, write_changes

    log = diff(old, new)
    try:
        write_changes(out, log)
    except OSError as exc:
        reason = exc.strerror or exc
        raise PublishError(f"could not write the change log: {reason}", where=str(out)) from None
    c = log.counts()
    click.echo(
        f"{out}: {log.old_id} -> {log.new_id}: {c['added']} partnerships added, {c['removed']} "
        f"removed, {c['changed']} changed; {c['statements_added']} statements added, "
        f"{c['statements_deleted']} deleted"
    )


def say_step(name: str, seconds: float) -> None:
    click.echo(f"{name:16} {seconds:7.2f} s", err=True)


@main.group()
def publish() -> None:
    """Send a release to an open-data portal or the store to another triple store."""


def api_key_from(variable: str) -> str:
    key = os.environ.get(variable)
    if not key:
        raise PublishError(f"environment variable {variable} is not set", where="--api-key-env")
    return key


def parse_auth(auth: str | None, auth_env: str | None) -> tuple[str, str] | None:
    if auth and auth_env:
        raise PublishError("give --auth or --auth-env, not both", where="publish graph-store")
    if auth_env:
        auth = os.environ.get(auth_env)
        if not auth:
            raise PublishError(f"environment variable {auth_env} is not set", where="--auth-env")
    if auth is None:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user:
        raise PublishError("credentials must be USER:PASSWORD", where="--auth")
    return user, password


class _Progress:
    """Graphs and triples sent so far, on stderr, at most every two seconds and at the end."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, done: int, total: int, triples: int) -> None:
        now = time.monotonic()
        if done < total and now - self.shown < 2:
            return
        self.shown = now
        rate = triples / max(now - self.started, 1e-6)
        click.echo(f"{done}/{total} graphs, {triples} triples ({rate:,.0f} triples/s)", err=True)


@publish.command("graph-store")
@click.argument("url")
@_store_option
@_personal_option
@click.option("--auth", default=None, help="USER:PASSWORD for HTTP authentication.")
@click.option(
    "--digest",
    is_flag=True,
    help="Send the credentials with HTTP digest authentication (Virtuoso's "
    "/sparql-graph-crud-auth) instead of basic.",
)
@click.option(
    "--auth-env",
    default=None,
    metavar="VAR",
    help="Read USER:PASSWORD from this environment variable (keeps it out of the shell history).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Triples per request: per N-Quads batch (whole graphs) with --method dataset, per "
    "request for large graphs with --method graph.",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "dataset", "graph"]),
    default="auto",
    show_default=True,
    help="dataset: N-Quads batches POSTed to the dataset after emptying their graphs (Oxigraph's "
    "bulk loader; Fuseki, GraphDB); graph: one PUT per graph (any Graph Store endpoint, "
    "Virtuoso). auto: dataset for Oxigraph, else graph.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Retries of a request after a network error or an HTTP 5xx, with exponential backoff.",
)
def graph_store(
    url: str,
    store_dir: Path,
    include_personal_data: bool,
    auth: str | None,
    auth_env: str | None,
    digest: bool,
    batch_size: int,
    method: str,
    retries: int,
) -> None:
    """Load every named graph of the store into another triple store.

    URL is the store's SPARQL 1.1 Graph Store HTTP Protocol endpoint, for example
    http://localhost:7878/store (Oxigraph), http://localhost:3030/ds/data (Fuseki),
    http://localhost:7200/repositories/REPO/rdf-graphs/service (GraphDB).

    Each graph is replaced, so publishing again updates rather than duplicates; graphs that
    exist only on the other side are left alone. A run stopped by a failure resumes where it
    stopped when run again with the same store and URL.
    """
    import requests

    from atlas_ld.publish.graph_store import publish_graphs
    from atlas_ld.store.repo import open_repo

    if not url.startswith(("http://", "https://")):
        raise PublishError("must be an http(s) URL", where=url)
    repo = open_repo(store_dir, include_personal=include_personal_data)
    credentials = parse_auth(auth, auth_env)
    if digest and credentials is not None:
        credentials = requests.auth.HTTPDigestAuth(*credentials)
    report = publish_graphs(
        repo,
        url,
        auth=credentials,
        include_personal_data=include_personal_data,
        batch_size=batch_size,
        retries=retries,
        progress=_Progress(),
        method=method,
        store_dir=store_dir,
    )
    resumed = f", {report.resumed} loaded before" if report.resumed else ""
    click.echo(
        f"{url}: {report.graphs} graphs, {report.triples} triples in {report.requests} requests "
        f"({report.retries} retries, {report.method} method, {report.seconds:.1f} s{resumed})"
    )


@publish.command()
@click.option(
    "--release",
    "release_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    required=True,
    help="Release directory written by `atlas-ld dump`.",
)
@click.option(
    "--portal",
    required=True,
    help="The udata portal, e.g. https://www.data.gouv.fr or https://demo.data.gouv.fr.",
)
@click.option("--dataset", "dataset_id", default=None, help="Id or slug of the dataset to update.")
@click.option(
    "--create",
    is_flag=True,
    help="Create the dataset (or reuse the API key's dataset with the same title).",
)
@click.option(
    "--api-key-env",
    default="UDATA_API_KEY",
    show_default=True,
    metavar="VAR",
    help="Environment variable holding the portal API key (sent as X-API-KEY).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Do not upload release files whose path matches (repeatable), e.g. --exclude atlas.ttl "
    "--exclude atlas.jsonld to offer only the compressed dumps.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def udata(
    release_dir: Path,
    portal: str,
    dataset_id: str | None,
    create: bool,
    api_key_env: str,
    exclude: tuple[str, ...],
    dry_run: bool,
) -> None:
    """Create or update the dataset on a udata portal (data.gouv.fr) from a release.

    The dataset gets the catalogue's title and description and the Licence Ouverte 2.0; every
    release file becomes a resource titled by its path in the release. Only differences are sent:
    a file is uploaded when the portal has no resource of that title, replaced when the portal's
    checksum differs, so running it again with the same release changes nothing.
    """
    from atlas_ld.publish.udata import UdataClient, UdataSync

    if bool(dataset_id) == create:
        raise PublishError("give exactly one of --dataset ID and --create", where="publish udata")
    if not portal.startswith(("http://", "https://")):
        raise PublishError("must be an http(s) URL", where="--portal")
    key = os.environ.get(api_key_env) if dry_run else api_key_from(api_key_env)
    sync = UdataSync(
        UdataClient(portal, key), release_dir, dry_run=dry_run, exclude=exclude, log=click.echo
    )
    report = sync.run(dataset_id, create=create)
    verb = "would change" if dry_run else "changed"
    click.echo(
        f"{portal}: dataset {report.dataset_id or '(new)'}: {verb} {len(report.actions)}, "
        f"unchanged {len(report.unchanged)}"
    )
