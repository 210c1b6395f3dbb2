"""A page without a prjId is named by what it says, not by where it was read from."""

from __future__ import annotations

import shutil
from pathlib import Path

from atlas_ld.core.iris import Ids
from atlas_ld.core.namespaces import DEFAULT_BASE
from atlas_ld.graph.mapping import map_record
from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page

SEED = Path(__file__).parent / "data" / "seed.txt"


def _partnership_iri(path: Path) -> str:
    page = read_page(str(path))
    return map_record(parse_page(page), Ids(DEFAULT_BASE), page).partnership.value


def test_same_page_in_two_places_gets_one_iri(tmp_path):
    elsewhere = tmp_path / "copies" / "renamed.txt"
    elsewhere.parent.mkdir()
    shutil.copy(SEED, elsewhere)
    iri = _partnership_iri(SEED)
    assert iri.startswith(f"{DEFAULT_BASE}id/partnership/h")
    assert _partnership_iri(elsewhere) == iri


def test_a_different_page_gets_another_iri(tmp_path):
    changed = tmp_path / "changed.txt"
    text = SEED.read_text(encoding="utf-8")
    changed.write_text(text.replace("Partenariat en travail social", "Autre partenariat"))
    assert _partnership_iri(changed) != _partnership_iri(SEED)
