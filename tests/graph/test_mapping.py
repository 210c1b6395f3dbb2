"""Mapping details that queries rely on."""

from __future__ import annotations

from atlas_ld.core.iris import Ids
from atlas_ld.core.model import Authority, Financing, ProjectRecord
from atlas_ld.core.namespaces import ATLAS
from atlas_ld.graph.mapping import map_record

COLL = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/detailCollectiviteEtrangere.html?collId=76727"


def _agents(record: ProjectRecord) -> dict[str, set[str]]:
    mapped = map_record(record, Ids("https://atlas-ld.example/"))
    roles: dict[str, set[str]] = {}
    for quad in mapped.quads:
        if quad.predicate.value == ATLAS + "agent":
            role = quad.subject.value.split("/role/")[1].split("/")[0]
            roles.setdefault(role, set()).add(quad.object.value.rsplit("/", 1)[1])
    return roles


def test_an_authority_named_again_in_prose_or_funding_is_one_node():
    record = ProjectRecord(
        source="p.html",
        title="Titre",
        atlas_id="5",
        foreign_partners=[Authority("Province du Québec", "Canada", COLL)],
        french_authorities=[Authority("Conseil régional de Bretagne")],
        other_partners_abroad="Province du Québec",
        financing=[Financing("Conseil régional de Bretagne", 1000, None, 2020)],
    )
    roles = _agents(record)
    assert roles["foreign-partner"] == roles["other-partner"] == {"atlas-76727"}
    assert roles["funder"] == roles["french-authority"] == {"conseil-regional-de-bretagne"}


def test_repeated_funder_and_year_get_distinct_rows():
    record = ProjectRecord(
        source="p.html",
        title="Titre",
        atlas_id="5",
        financing=[Financing("Autre", 10, None, 2020), Financing("Autre", 20, None, 2020)],
    )
    mapped = map_record(record, Ids("https://atlas-ld.example/"))
    rows = {q.subject.value for q in mapped.quads if q.object.value == ATLAS + "Financing"}
    assert {r.rsplit("/", 1)[1] for r in rows} == {"2020", "2020-2"}
