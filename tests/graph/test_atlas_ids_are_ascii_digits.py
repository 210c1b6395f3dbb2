"""Regression: an id parameter that was not a number became an actor's Atlas id.

`detailCollectivite.html?colId=7%0001` decodes to `7`, NUL, `01`: the actor became
`id/actor/atlas-7-01` with `atlas:atlasActorId "7\\u000001"`, and the release's RDF/XML held
a NUL no XML parser reads (found by fuzz/fuzz_page.py). `str.isdigit` also took `１２`
(full-width) and `²` as prjIds. The Atlas's ids are ASCII digits; any other value is no id,
the link is kept, and the actor is named by its name. Expected IRIs are written by hand.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from lxml import etree

from atlas_ld.core.atlas_urls import link_id, project_id
from atlas_ld.core.iris import Ids
from atlas_ld.core.model import Page
from atlas_ld.graph.mapping import map_record
from atlas_ld.parse.parser import parse_page

PAGE = Path(__file__).parents[1] / "parse" / "pages" / "th_td.html"
LINK = b"detailCollectivite.html?collId=35238"
BASE = "https://atlas-ld.example/"


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/detailProjet.html?prjId=%EF%BC%91%EF%BC%92",  # full-width 12
        "https://a.example/detailProjet.html?prjId=%C2%B2",  # superscript two
        "https://a.example/detailProjet.html?prjId=7%0001",
        "https://a.example/detailProjet.html?prjId=-12",
    ],
    ids=["full-width", "superscript", "nul", "negative"],
)
def test_no_prjid_but_ascii_digits(url):
    assert project_id(url) is None
    assert link_id(url) is None


def test_ascii_digits_are_ids():
    assert project_id("https://a.example/detailProjet.html?criteres.prjId=0017384") == "0017384"
    assert link_id("https://a.example/detailCollectivite.html?colId=x&collId=51001") == "51001"


def test_an_actor_whose_link_carries_no_id_is_named_by_its_name():
    body = PAGE.read_bytes()
    assert LINK in body
    page = Page("th_td.html", body.replace(LINK, b"detailCollectivite.html?collId=7%0001"), None)
    mapped = map_record(parse_page(page), Ids(BASE), page)
    triples = [quad.triple for quad in mapped.quads] + sorted(mapped.reference, key=str)
    subjects = {t.subject.value for t in triples}
    assert f"{BASE}id/actor/rennes-metropole" in subjects
    assert not any(s.endswith("atlas-7-01") for s in subjects)
    assert not any("\x00" in t.object.value for t in triples)
    etree.fromstring(pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.RDF_XML))
