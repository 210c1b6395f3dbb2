"""Coverage-guided fuzzing of the endpoint's promise: no query makes the server fetch a URL.

    pip install -e ".[fuzz]"
    python fuzz/fuzz_query.py fuzz/query-corpus -max_total_time=600   # libFuzzer's options

pyoxigraph evaluates `SERVICE <url>` by connecting to `url`, with no switch to turn that off, so
the guard (`atlas_ld.store.guard.inspect_query`) must refuse every text pyoxigraph would read as
a SERVICE, however it is written: escapes, case, comments, strings, prefixed names, nesting.
The oracle is pyoxigraph itself and a socket: each input the guard accepts is evaluated on an
empty store, with every SERVICE IRI of the seeds pointing at a port this process listens on.
Every reading the server makes of an accepted query (cache key, "trivial?", columns, dataset)
must not raise either. A connection to that port is a failure, and so is an `OSError` out of
the evaluation (pyoxigraph raises it for nothing but a fetch, to any address a mutation made),
and the guard raising anything but `QueryError`.

The seeds (written into the corpus on the first run) are SERVICE queries in the forms the
guard knows about; libFuzzer mutates them and keeps what reaches new code of the guard.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["atlas_ld"]):
    from atlas_ld.core.errors import QueryError
    from atlas_ld.store.guard import (
        dataset_clauses,
        inspect_query,
        is_trivial,
        normalise,
        star_columns,
        where_group_start,
    )

import pyoxigraph

# fixed, so the corpus keeps the seeds' URLs from one run to the next (0: any free port)
_LISTENER = socket.create_server(("127.0.0.1", int(os.environ.get("ATLAS_LD_FUZZ_PORT", 47811))))
PORT = _LISTENER.getsockname()[1]
_CONNECTIONS: list[int] = []
URL = f"http://127.0.0.1:{PORT}/sparql"
SEEDS = [
    f"SELECT * WHERE {{ SERVICE <{URL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICE SILENT <{URL}> {{ ?s ?p ?o }} }}",
    f"PREFIX e: <http://127.0.0.1:{PORT}/> SELECT * {{ SERVICE e:sparql {{ ?s ?p ?o }} }}",
    f"SELECT * {{ \\u0053ERVICE <{URL}> {{ ?s ?p ?o }} }}",
    f'SELECT * {{ "\\u0022" SERVICE <{URL}> {{ ?s ?p ?o }} "\\u0022" }}',
    f"ASK {{ {{ ?s ?p ?o }} UNION {{ service <{URL}> {{ ?s ?p ?o }} }} }}",
    f"SELECT * {{ BIND(<{URL}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ #x\n SERVICE <{URL}> {{ ?s ?p ?o }} }}",
    f"DESCRIBE ?s WHERE {{ OPTIONAL {{ SERVICE <{URL}> {{ ?s ?p ?o }} }} }}",
    f"SELECT * {{ SERVICE\t<{URL}>{{?s ?p ?o}} }}",
]


def _accept() -> None:
    while True:
        connection, _ = _LISTENER.accept()
        _CONNECTIONS.append(1)
        connection.close()


STORE = pyoxigraph.Store()


def one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the server refuses a body that is not UTF-8 before the guard sees it
    try:
        inspect_query(text)
    except QueryError:
        return
    # what the server reads of an accepted query before evaluating it: none of these may raise
    for reading in (normalise, is_trivial, star_columns, where_group_start, dataset_clauses):
        reading(text)
    before = len(_CONNECTIONS)
    try:
        result = STORE.query(text, use_default_graph_as_union=True)
        if not isinstance(result, pyoxigraph.QueryBoolean):
            for _ in result:
                pass
    except OSError as exc:
        raise AssertionError(f"the guard let through a query that fetched: {text!r}") from exc
    except (SyntaxError, ValueError, RuntimeError):
        pass
    if len(_CONNECTIONS) != before:
        raise AssertionError(f"the guard let through a query that fetched a URL: {text!r}")


def main() -> None:
    threading.Thread(target=_accept, daemon=True).start()
    args = sys.argv[1:]
    folders = [a for a in args if not a.startswith("-")]
    if folders and not Path(folders[0]).exists():
        corpus = Path(folders[0])
        corpus.mkdir(parents=True)
        for n, seed in enumerate(SEEDS):
            (corpus / f"seed-{n}.rq").write_text(seed, encoding="utf-8")
    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
