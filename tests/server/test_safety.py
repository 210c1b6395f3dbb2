"""What makes the endpoint safe on the internet: no outgoing connections, killable queries,
read-only, hidden personal data, bounded requests, no tracebacks."""

from __future__ import annotations

import concurrent.futures
import re
import socket

import pytest
import requests

from .conftest import BASE

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture
def listener():
    """A socket the test owns: any connection the server made to it would be queued here."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(1.0)
    yield sock
    sock.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?x ?y ?z . {{ SELECT ?s {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        "PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r: {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        'SELECT * {{ BIND("\\u0022" AS ?a) SERVICE <{url}> {{ ?s ?p ?o }} BIND("\\u0022" AS ?b) }}',
        "LOAD <{url}>",
    ],
)
def test_service_and_load_never_connect(server, listener, template):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    query = template.format(url=url)
    for response in (
        requests.get(f"{server.url}/sparql", params={"query": query}, timeout=10),
        requests.post(
            f"{server.url}/sparql",
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query"},
            timeout=10,
        ),
    ):
        assert response.status_code == 400
        assert "not allowed" in response.text
    with pytest.raises(TimeoutError):
        listener.accept()


def test_service_words_inside_names_and_strings_are_fine(server):
    query = 'SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) } # SERVICE'
    response = requests.get(f"{server.url}/sparql", params={"query": query}, timeout=10)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["service"]["value"].startswith("SERVICE")


def test_long_query_is_stopped_while_others_are_answered(server):
    before = server.children()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        slow = pool.submit(
            requests.get, f"{server.url}/sparql", params={"query": ENDLESS}, timeout=120
        )
        fast = requests.get(
            f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=120
        )
        # The simple query was answered while the endless one was still running.
        assert fast.status_code == 200 and fast.json()["boolean"] is True
        assert not slow.done()
        answer = slow.result()
    assert answer.status_code == 503
    assert "limit" in answer.text and "Traceback" not in answer.text
    after = server.children()
    # The worker that ran it was killed and replaced: its process is gone.
    assert before - after and after - before
    again = requests.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=30)
    assert again.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP GRAPH <http://a>",
    ],
)
def test_updates_are_refused(server, query):
    for response in (
        requests.post(f"{server.url}/sparql", data={"update": query}, timeout=10),
        requests.post(
            f"{server.url}/sparql",
            data=query,
            headers={"Content-Type": "application/sparql-update"},
            timeout=10,
        ),
        requests.get(f"{server.url}/sparql", params={"query": query}, timeout=10),
    ):
        assert 400 <= response.status_code < 500
        assert "read-only" in response.text
    count = requests.get(
        f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10
    ).json()
    assert count["boolean"] is True


def test_syntax_error_names_line_and_column(server):
    response = requests.get(
        f"{server.url}/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"}, timeout=10
    )
    assert response.status_code == 400
    assert re.match(r"line 3, column \d+: SPARQL syntax error: expected", response.text)
    assert "\n" not in response.text.strip()


def test_body_size_limit(server):
    query = "ASK {}" + " " * 1_200_000
    response = requests.post(
        f"{server.url}/sparql",
        data=query,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413


def test_row_limit_cuts_and_says_so(server):
    response = requests.get(
        f"{server.url}/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, timeout=30
    )
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 1000
    assert response.headers["X-Atlas-Truncated"] == "results cut at 1000 rows"


PERSONAL_QUERIES = [
    "SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(CONTAINS(STR(?g), '/graph/personal/')) }}",
    "SELECT * WHERE {{ ?s a <http://xmlns.com/foaf/0.1/Person> }}",
    "SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", PERSONAL_QUERIES)
def test_personal_data_is_not_served(server, personal_graph, template):
    query = template.format(graph=personal_graph)
    response = requests.get(f"{server.url}/sparql", params={"query": query}, timeout=10)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    named = requests.get(
        f"{server.url}/sparql",
        params={"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": personal_graph},
        timeout=10,
    )
    assert named.json()["results"]["bindings"] == []


def test_personal_data_is_in_the_store(sample_store, personal_graph):
    """The queries above return nothing because of the server, not because the data is absent."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(sample_store))
    assert any(store.quads_for_pattern(None, None, None, ox.NamedNode(personal_graph)))


def test_from_clause_still_narrows_the_dataset(server, known):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{known.graph}> WHERE {{ ?s ?p ?o }}"
    response = requests.get(f"{server.url}/sparql", params={"query": query}, timeout=10)
    whole = requests.get(
        f"{server.url}/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        timeout=10,
    )
    one = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert 0 < one < int(whole.json()["results"]["bindings"][0]["n"]["value"])


def test_cors_and_no_tracebacks(server):
    response = requests.get(
        f"{server.url}/sparql",
        params={"query": "ASK {}"},
        headers={"Origin": "https://example.org"},
        timeout=10,
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(
        f"{server.url}/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    bad = requests.get(f"{server.url}/sparql", params={"query": "SELECT"}, timeout=10)
    assert bad.status_code == 400 and "Traceback" not in bad.text


def test_security_headers(server, known):
    page = requests.get(f"{server.url}/{known.path}", headers={"Accept": "text/html"}, timeout=10)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    error = requests.get(f"{server.url}/sparql", params={"query": "<b>x</b>"}, timeout=10)
    assert error.status_code == 400
    assert error.headers["X-Content-Type-Options"] == "nosniff"
    assert error.headers["content-type"].startswith("text/plain")


def test_no_route_shows_a_personal_fact(server, sample_store, personal_graph):
    """Pages, descriptions and DESCRIBE of the people and of the partnership they belong to."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(sample_store))
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(personal_graph)))
    people = {q.subject.value for q in quads if q.subject.value.startswith(BASE)}
    identifying = {
        "http://xmlns.com/foaf/0.1/name",
        "http://xmlns.com/foaf/0.1/familyName",
        "http://www.w3.org/2006/vcard/ns#hasEmail",
    }
    names = {q.object.value for q in quads if q.predicate.value in identifying}
    assert people and names
    for iri in people:
        path = iri.removeprefix(BASE)
        for suffix in ("", ".ttl", ".jsonld"):
            response = requests.get(f"{server.url}/{path}{suffix}", timeout=10)
            assert not any(name in response.text for name in names), f"{path}{suffix}"
        described = requests.get(
            f"{server.url}/sparql",
            params={"query": f"DESCRIBE <{iri}>", "format": "nt"},
            timeout=10,
        ).text
        assert not any(name in described for name in names), f"DESCRIBE <{iri}>"
