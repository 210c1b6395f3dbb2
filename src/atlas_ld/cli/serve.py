"""`atlas-ld serve`: the SPARQL endpoint, linked-data IRIs, pages and query editor over a store."""

from __future__ import annotations

import re
from pathlib import Path

import click

from atlas_ld.cli.group import main
from atlas_ld.cli.options import personal_data_option, store_option, stored_base_option

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")


class ByteSize(click.ParamType):
    """A size in bytes: `1000000`, `50MB`, `1GiB`."""

    name = "size"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value).lower())
        if not match or match.group(2) not in _UNITS:
            self.fail(f"{value!r} is not a size (examples: 1000000, 50MB, 1GiB)", param, ctx)
        return int(float(match.group(1)) * _UNITS[match.group(2)])


@main.command()
@store_option(
    "Store to serve, opened read-only. When the directory does not exist, the bundled "
    "sample is built there first, so a fresh machine shows the whole product."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@stored_base_option(
    "Base IRI of the data to serve (default: the base the store was built with). Request "
    "paths are read relative to it, so data minted under https://atlas-ld.example/ can be "
    "browsed at http://127.0.0.1:8000/.",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a query may run; past that its worker process is killed and replaced.",
)
@click.option(
    "--max-rows",
    default=100_000,
    show_default=True,
    type=click.IntRange(1),
    help="Most rows (or triples) a result may hold; longer results are cut and flagged with "
    "an X-Atlas-Truncated header.",
)
@click.option(
    "--max-body",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest POST body accepted, in bytes.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 256),
    help="Query worker processes [default: one per core, at least 3]. Queries sent to /sparql "
    "may hold all but one, which stays free for the pages.",
)
@click.option(
    "--sparql-endpoint",
    metavar="URL",
    help="Serve the data of this SPARQL 1.1 query endpoint (Oxigraph, Virtuoso, Fuseki, "
    "GraphDB, QLever...) instead of --store: same pages, queries and limits (docs/engines.md).",
)
@click.option(
    "--graph-prefix",
    metavar="IRI",
    help="With --sparql-endpoint: serve only the named graphs whose IRI starts with this (e.g. "
    "BASE + 'graph/'), leaving out the engine's own graphs and other datasets.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "memory", "disk"]),
    default="auto",
    show_default=True,
    help="Where queries read the store: in memory (3 to 14 times faster, about 600 bytes per "
    "quad, held twice: the server's copy and its workers' shared one), on disk, or auto: "
    "memory when both copies fit in half the memory available (docs/server.md).",
)
@click.option(
    "--query-memory",
    default="1GiB",
    show_default=True,
    type=ByteSize(),
    help="Memory each query worker may use beyond the store it holds (KiB, MiB, GiB suffixes; "
    "0: no limit). A query that needs more is stopped with 503 and its worker replaced; the "
    "others keep answering.",
)
@click.option(
    "--max-result-bytes",
    default="50MB",
    show_default=True,
    type=ByteSize(),
    help="Largest answer sent, in bytes (kB, MB, GB suffixes too); a larger one is cut as at "
    "--max-rows, with the same X-Atlas-Truncated header.",
)
@click.option(
    "--public-url",
    metavar="URL",
    default=None,
    help="Address the server is reached at, written in the catalogue, VoID, service "
    "description and pages [default: the base IRI]. Never taken from request headers.",
)
@click.option(
    "--trusted-host",
    "trusted_hosts",
    multiple=True,
    metavar="HOST",
    help="Answer only requests whose Host header is this (repeatable; *.example.org allowed); "
    "others get 400. Default: any.",
)
@click.option(
    "--cache-control",
    default="public, max-age=300",
    show_default=True,
    help="Cache-Control header of answers and pages (they change only with a new build).",
)
@click.option(
    "--cache-memory",
    default="64MiB",
    show_default=True,
    type=ByteSize(),
    help="Memory for cached answers; every answer is also kept on disk in STORE.answers/.",
)
@personal_data_option(
    "Also serve the graph/personal/* graphs (names, e-mails and functions of contact "
    "people). Off by default: only do this where the law allows it."
)
def serve(
    store_dir: Path,
    host: str,
    port: int,
    base: str | None,
    timeout: float,
    max_rows: int,
    max_body: int,
    workers: int | None,
    sparql_endpoint: str | None,
    graph_prefix: str | None,
    engine: str,
    query_memory: int,
    max_result_bytes: int,
    public_url: str | None,
    trusted_hosts: tuple[str, ...],
    cache_control: str,
    cache_memory: int,
    include_personal_data: bool,
) -> None:
    """Serve a store over HTTP: SPARQL 1.1 endpoint at /sparql, pages for people at /.

    Read-only and safe to expose: updates, SERVICE and LOAD are refused, every query has a time,
    memory, row and byte limit, and personal data stays hidden unless asked for. Answers are
    cached per build and validated (ETag, Last-Modified). Prints the address it listens on
    (`--port 0` picks a free port). Stop with Ctrl-C.
    """
    from atlas_ld.serve.app import ServerConfig
    from atlas_ld.serve.app import serve as run
    from atlas_ld.store.disk import sample_may_be_built

    if sparql_endpoint is None and sample_may_be_built(store_dir):
        from atlas_ld.graph.pipeline import build_sample

        click.echo(
            f"atlas-ld: no store at {store_dir}: building the bundled sample there", err=True
        )
        build_sample(store_dir)
    config = ServerConfig(
        store=store_dir,
        base=base,
        timeout=timeout,
        max_rows=max_rows,
        max_body=max_body,
        workers=workers,
        include_personal=include_personal_data,
        sparql_endpoint=sparql_endpoint,
        graph_prefix=graph_prefix,
        query_memory=query_memory or None,
        max_result_bytes=max_result_bytes,
        public_url=public_url,
        trusted_hosts=list(trusted_hosts),
        cache_control=cache_control,
        cache_memory=cache_memory,
        engine=engine,
    )
    run(config, host=host, port=port)
