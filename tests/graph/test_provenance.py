"""A page's provenance says what is known about it and nothing else: same page, same triples."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pyoxigraph

from atlas_ld.core.namespaces import ATLAS, PROV
from atlas_ld.graph.pipeline import process_pages


def _page_node_facts(page) -> dict[str, list[str]]:
    (result,), _reused = process_pages([page], processes=1, validate=False)
    facts: dict[str, list[str]] = {}
    for quad in pyoxigraph.parse(result.nquads.encode(), format=pyoxigraph.RdfFormat.N_QUADS):
        if quad.subject.value.endswith("/page"):
            facts.setdefault(quad.predicate.value, []).append(quad.object.value)
    return facts


def test_a_page_read_from_a_file_has_no_retrieval_time(seed_page):
    assert seed_page.fetched_at is None
    facts = _page_node_facts(seed_page)
    assert f"{PROV}generatedAtTime" not in facts
    assert facts[f"{ATLAS}sha256"] == [seed_page.sha256]
    assert _page_node_facts(seed_page) == facts  # read again later: the same triples


def test_a_fetched_page_keeps_its_own_retrieval_time(seed_page):
    fetched = replace(seed_page, fetched_at=datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC))
    facts = _page_node_facts(fetched)
    assert facts[f"{PROV}generatedAtTime"] == ["2026-11-02T09:30:05+00:00"]
