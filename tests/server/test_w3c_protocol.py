"""The W3C SPARQL 1.1 Protocol tests, read from the official manifest, against the running server.

Query tests must pass as written. The endpoint is read-only, so the update tests that expect a
successful update are checked the other way round: the update must be refused with a 4xx. The
`bad_*` tests expect a 4xx already. Paths starting with `/sparql/` go to this server.
"""

from __future__ import annotations

import json

import pytest
import rdflib
import requests
from rdflib import RDF, Namespace
from rdflib.collection import Collection

from .conftest import W3C_DIR

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
TABULAR_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)


def _manifest() -> tuple[rdflib.Graph, list]:
    if not (W3C_DIR / "manifest.ttl").is_file():
        return rdflib.Graph(), []
    graph = rdflib.Graph().parse(W3C_DIR / "manifest.ttl", format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return graph, list(entries)


GRAPH, ENTRIES = _manifest()


def _requests(test) -> list:
    action = GRAPH.value(test, MF.action)
    return list(Collection(GRAPH, GRAPH.value(action, HT.requests)))


def _send(base_url: str, request) -> requests.Response:
    path = str(GRAPH.value(request, HT.absolutePath))
    assert path.startswith("/sparql/")
    headers = {}
    header_list = GRAPH.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(GRAPH, header_list):
            headers[str(GRAPH.value(header, HT.fieldName))] = str(
                GRAPH.value(header, HT.fieldValue)
            )
    body = GRAPH.value(request, HT.body)
    data = None
    if body is not None:
        encoding = str(GRAPH.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(GRAPH.value(body, CNT.chars)).encode(encoding)
    method = str(GRAPH.value(request, HT.methodName))
    return requests.request(method, base_url + path, data=data, headers=headers, timeout=30)


def _expected_statuses(response_node) -> set[int]:
    return {
        int(str(code).rsplit("StatusCode", 1)[1][0])
        for code in GRAPH.objects(response_node, MF.expectedStatus)
    }


def _check_response(response: requests.Response, expected) -> None:
    statuses = _expected_statuses(expected)
    assert response.status_code // 100 in statuses, response.text
    media = response.headers.get("content-type", "").split(";")[0].strip()
    fmt = GRAPH.value(expected, MF.expectedFormat)
    if fmt is not None and str(fmt) == "RDF":
        assert media in RDF_TYPES
        rdflib.Graph().parse(data=response.content, format=media)
    elif fmt is not None and str(fmt) == "tabular":
        assert media in TABULAR_TYPES
    boolean = GRAPH.value(expected, MF.expectedBoolean)
    if boolean is not None:
        assert media in ("application/sparql-results+json", "application/sparql-results+xml")
        if media.endswith("json"):
            assert json.loads(response.content)["boolean"] is boolean.toPython()
        else:
            text = response.text
            assert f"<boolean>{str(boolean.toPython()).lower()}</boolean>" in text


def run_w3c_test(url: str, test) -> None:
    """Send one manifest entry's requests to the endpoint at `url` and check each answer."""
    name = str(test).rsplit("#", 1)[-1]
    steps = _requests(test)
    if name.startswith("update_"):
        # A read-only endpoint passes an update test by refusing the update (before anything
        # reaches a remote engine).
        response = _send(url, steps[0])
        assert 400 <= response.status_code < 500, response.text
        return
    for step in steps:
        _check_response(_send(url, step), GRAPH.value(step, HT.resp))


@pytest.mark.parametrize("test", ENTRIES, ids=[str(e).rsplit("#", 1)[-1] for e in ENTRIES])
def test_w3c_protocol(w3c_server, test):
    run_w3c_test(w3c_server.url, test)


def test_manifest_was_read():
    if not ENTRIES:
        raise AssertionError(f"W3C protocol tests missing from the repository: {W3C_DIR}")
    names = {str(e).rsplit("#", 1)[-1] for e in ENTRIES}
    assert {"query_get", "bad_query_syntax", "update_post_form"} <= names
