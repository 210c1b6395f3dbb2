"""`atlas-ld build --archive DIR` reads the latest captures and keeps their provenance."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.namespaces import sparql_prefixes
from atlas_ld.sample.corpus import atlas_url
from atlas_ld.store.canned import run_query
from atlas_ld.store.disk import open_store

from .conftest import SEED, archive_seed


def test_build_from_an_archive_names_the_capture(tmp_path):
    archive_seed(tmp_path / "archive", 17384)
    store = tmp_path / "store"
    args = ["build", "--archive", str(tmp_path / "archive"), "--store", str(store), "-j", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = run_query(
        open_store(store, read_only=True),
        sparql_prefixes()
        + """SELECT ?p ?url ?time ?capture WHERE { ?p a atlas:Partnership ;
               prov:wasDerivedFrom ?page . ?page dcterms:source ?url ;
               prov:generatedAtTime ?time ; atlas:captureId ?capture }""",
    ).records()
    assert len(rows) == 1
    row = rows[0]
    assert row["p"] == "https://atlas-ld.example/id/partnership/17384"
    assert row["url"] == atlas_url(17384)
    assert row["time"].startswith("2026-11-02T09:30:00")
    assert row["capture"].startswith("<urn:uuid:")


def test_one_damaged_capture_is_one_page_left_out(tmp_path):
    """Issue 9, item 6: a capture that cannot be read is reported, the others load."""
    archive = tmp_path / "archive"
    archive_seed(archive, 17384)
    other = SEED.read_bytes().replace(b"FFQCD 2011-2012", b"FFQCD 2013")
    archive_seed(archive, 17385, run="run2", body=other)
    with sqlite3.connect(archive / "index.sqlite") as index:  # point it at another record
        index.execute("UPDATE captures SET offset = 0 WHERE prj_id = 17385")
    store = tmp_path / "store"
    args = ["build", "--archive", str(archive), "--store", str(store), "-j", "1"]
    result = CliRunner().invoke(main, [*args, "--max-failures", "50"])
    assert result.exit_code == 1
    assert f"{atlas_url(17385)}: read: " in result.output
    assert "does not match its SHA-256" in result.output
    assert "1 partnerships from 2 pages" in result.output
