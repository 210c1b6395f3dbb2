"""The graph commands as a user runs them: build, query, validate, rdf, ontology-docs."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph
import pytest
from click.testing import CliRunner

from atlas_ld.cli import main

from .conftest import SEED, seed_variant


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = tmp_path_factory.mktemp("cli") / "store"
    result = CliRunner().invoke(main, ["build", "--store", str(store), "-j", "1", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "1 partnerships from 1 pages" in result.output
    return store


def test_query_prints_csv_for_r_and_pandas(built):
    result = CliRunner().invoke(main, ["query", "financing-by-funder", "--store", str(built)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert sum(float(r["total_eur"]) for r in rows) == 100000
    assert len(rows) == 4


def test_query_formats(built):
    runner = CliRunner()
    tsv = runner.invoke(main, ["query", "actors", "--store", str(built), "--format", "tsv"])
    assert tsv.output.startswith("?actor\t?name\t?kind\t?partnerships")
    out = runner.invoke(main, ["query", "water-oudin", "--store", str(built), "--format", "json"])
    assert json.loads(out.output)["head"]["vars"] == ["funder", "total_water_eur"]
    bad = runner.invoke(main, ["query", "actors", "--store", str(built), "--format", "ttl"])
    assert bad.exit_code == 1 and "use --format csv" in bad.output


def test_query_without_a_store_says_so(tmp_path):
    result = CliRunner().invoke(main, ["query", "actors", "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("atlas-ld: error: ")
    assert "no store here" in result.output and len(result.output.strip().splitlines()) == 1


def test_query_lists_the_canned_queries():
    result = CliRunner().invoke(main, ["query"])
    names = [line.split()[0] for line in result.output.splitlines()]
    assert "financing-by-funder" in names and "regions-before-after-reform" in names


def test_validate_reports_and_fails_on_violations_only(tmp_path):
    label = "Date de fin du partenariat\n"
    broken = seed_variant(tmp_path, label, label + "2005\n")
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["validate", "-j", "1", "--out", str(out), str(broken)])
    assert result.exit_code == 1
    assert "Violation:" in result.output and "startYear" in result.output
    rows = list(csv.DictReader(out.with_suffix(".csv").open(encoding="utf-8")))
    assert {r["path"] for r in rows if r["severity"] == "Violation"} == {"startYear"}
    assert rows[0]["source"] == str(broken)
    report = pyoxigraph.parse(
        out.with_suffix(".ttl").read_bytes(), format=pyoxigraph.RdfFormat.TURTLE
    )
    assert any(
        t.predicate.value.endswith("#conforms") and t.object.value == "false" for t in report
    )
    good = CliRunner().invoke(main, ["validate", "-j", "1", "--out", str(out), str(SEED)])
    assert good.exit_code == 0, good.output


def test_build_reports_unreadable_pages_and_keeps_the_rest(tmp_path):
    store = tmp_path / "store"
    args = ["build", "--store", str(store), "-j", "1", "--max-failures", "50", str(SEED)]
    args.append(str(tmp_path / "missing.html"))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "missing.html" in result.output and "1 partnerships" in result.output


def test_rdf_prints_turtle_and_jsonld_without_personal_data():
    runner = CliRunner()
    ttl = runner.invoke(main, ["rdf", str(SEED)])
    assert ttl.exit_code == 0, ttl.output
    triples = list(pyoxigraph.parse(ttl.output.encode(), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) > 200
    assert "vaillant" not in ttl.output.lower()
    personal = runner.invoke(main, ["rdf", "--include-personal-data", "--format", "nq", str(SEED)])
    assert "sarah.vaillant@diplomatie.gouv.fr" in personal.output
    jsonld = runner.invoke(main, ["rdf", "--format", "jsonld", str(SEED)])
    doc = json.loads(jsonld.output)
    assert "@context" in doc and "Partnership" in jsonld.output


def test_ontology_docs_are_generated_from_the_turtle(tmp_path):
    out = tmp_path / "atlas.html"
    result = CliRunner().invoke(main, ["ontology-docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Partnership" in html and "Centre jeunesse" in html


def test_validate_into_a_folder_it_cannot_write_gives_one_line(tmp_path):
    """Issue 10, item 8: a report that cannot be written is one line, and no partial file."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the report's folder should be", encoding="utf-8")
    out = blocked / "report"
    result = CliRunner().invoke(main, ["validate", "-j", "1", "--out", str(out), str(SEED)])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"atlas-ld: error: {out}.ttl: cannot write: ")
    assert result.exc_info is None or result.exc_info[0] is SystemExit
