"""Issue 10, the hostile queries: one regression test per finding, on the real server.

Each test is named after the finding it shows fixed (items 1-4 and 11 of the issue).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
import rdflib
import requests

import atlas_ld.api as api
from atlas_ld.core.errors import QueryError

from .conftest import ATLAS_LD, BASE, Server, start_server

NESTED = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
DEEP = "SELECT * WHERE " + "{" * 100 + "}" * 100  # under the token limit: the depth limit
# A one-row answer that doubles a string 20 times (about 2 MB from a 2-character literal).
DOUBLING = (
    'SELECT ?v WHERE { BIND("ab" AS ?v0) '
    + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(20))
    + " BIND(?v20 AS ?v) }"
)
CROSS_PRODUCT = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f"


def _get(server: Server, query: str, **headers) -> requests.Response:
    return requests.get(
        f"{server.url}/sparql", params={"query": query}, headers=headers, timeout=60
    )


def _healthy(server: Server) -> None:
    response = _get(server, "ASK { ?s ?p ?o }", **{"Cache-Control": "no-cache"})
    assert response.status_code == 200 and response.json()["boolean"] is True


@pytest.fixture(scope="module")
def tight_server(sample_store) -> Iterator[Server]:
    """Small memory and result limits, so the tests reach them quickly."""
    yield from start_server(
        sample_store,
        "--workers",
        "2",
        "--timeout",
        "60",
        "--query-memory",
        "300MiB",
        "--max-result-bytes",
        "200kB",
        "--trusted-host",
        "127.0.0.1",
        "--public-url",
        "https://data.example.org/atlas/",
    )


def test_finding_1_nested_braces_get_400_and_no_worker_dies(server):
    workers = server.children()
    for query in (NESTED, DEEP):
        response = _get(server, query)
        assert response.status_code == 400
        text = response.text.strip()
        assert ("\n" not in text and "limit is" in text) or "more than 64 levels" in text
    assert server.children() == workers  # the same worker processes: none died
    _healthy(server)


def test_finding_1_nested_braces_in_cli_and_api(sample_store, tmp_path):
    query_file = tmp_path / "deep.rq"
    query_file.write_text(DEEP, encoding="utf-8")
    done = subprocess.run(
        [str(ATLAS_LD), "query", str(query_file), "--store", str(sample_store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # an error, not a crash (139)
    assert done.stderr.startswith("atlas-ld: error: ") and "64 levels" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(QueryError, match="limit is 8000"):
        api.query(NESTED, sample_store)


def test_finding_2_a_query_over_the_memory_limit_gets_503_and_the_others_answer(tight_server):
    workers = tight_server.children()
    response = _get(tight_server, CROSS_PRODUCT, **{"Cache-Control": "no-cache"})
    assert response.status_code == 503
    assert "ran out of memory" in response.text and "\n" not in response.text.strip()
    _healthy(tight_server)
    after = tight_server.children()
    assert len(after) == len(workers) and len(after - workers) == 1  # one worker replaced


def test_finding_3_a_result_over_the_byte_limit_is_cut_and_says_so(tight_server):
    response = _get(tight_server, DOUBLING, Accept="application/sparql-results+json")
    assert response.status_code == 200
    assert "200000 byte limit" in response.headers["X-Atlas-Truncated"]
    assert len(response.content) <= 200_000
    assert json.loads(response.content)["results"]["bindings"] == []
    xml = _get(tight_server, DOUBLING, Accept="application/sparql-results+xml")
    assert "<!-- results cut at 0 rows" in xml.text
    # Many small rows are cut at the byte limit too, not only at the row limit.
    many = _get(tight_server, "SELECT * { ?s ?p ?o }", Accept="text/csv")
    assert "byte limit" in many.headers["X-Atlas-Truncated"]
    assert 150_000 < len(many.content) <= 200_000


def test_finding_3_large_answers_stream_whole_from_disk(server):
    """An answer over the spool size (256 KB) comes from a file, complete and well formed."""
    response = _get(server, "SELECT * { ?s ?p ?o }", Accept="application/sparql-results+xml")
    assert response.status_code == 200 and len(response.content) > 256 * 1024
    assert int(response.headers["Content-Length"]) == len(response.content)
    root = ElementTree.fromstring(response.content)
    results = root.findall(".//{http://www.w3.org/2005/sparql-results#}result")
    assert len(results) == 1000  # the test server's row limit
    assert response.headers["X-Atlas-Truncated"] == "results cut at 1000 rows"


def test_finding_4_the_host_header_never_reaches_the_catalogue(server):
    for path in ("/catalog.ttl", "/.well-known/void", "/sparql"):
        hostile = requests.get(
            f"{server.url}{path}",
            headers={"Host": "evil.example", "Accept": "text/turtle"},
            timeout=60,
        )
        assert "evil.example" not in hostile.text
        later = requests.get(f"{server.url}{path}", headers={"Accept": "text/turtle"}, timeout=60)
        assert "evil.example" not in later.text
        assert f"{BASE}sparql" in later.text  # the public URL: by default the base


def test_finding_4_public_url_and_trusted_hosts(tight_server):
    refused = requests.get(f"{tight_server.url}/catalog.ttl", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    catalog = requests.get(f"{tight_server.url}/catalog.ttl", timeout=60)
    assert "https://data.example.org/atlas/sparql" in catalog.text
    description = requests.get(f"{tight_server.url}/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=description.content, format="turtle")
    limits = {
        str(p).rsplit("#", 1)[1]: str(o) for p, o in graph.predicate_objects() if "atlas#" in p
    }
    assert limits == {"rowLimit": "100000", "timeLimit": "60.0", "resultByteLimit": "200000"}


def test_finding_11_errors_are_one_line(server):
    response = _get(server, "SELECT *\nWHERE {\n  ?s ?p \n}\n")
    assert response.status_code == 400
    assert response.text.count("\n") == 1 and response.text.endswith("\n")


def test_hostile_set_gives_no_500_and_no_death_the_server_did_not_choose(server):
    """A burst of every hostile query above, with health checks between: no 500, no worker
    lost except those the server replaced itself (none here: no limit was reached)."""
    workers = server.children()
    statuses = []
    started = time.monotonic()
    for query in (NESTED, DEEP, DOUBLING, "SELECT * { FILTER(" + "!" * 9000 + "true) }"):
        statuses.append(_get(server, query).status_code)
        _healthy(server)
    assert 500 not in statuses
    assert server.children() == workers
    assert time.monotonic() - started < 60
