"""One bad page never sinks a build (issue 9, item 6): each page that fails is left out and
reported with its stage; a build that would lose too much leaves the store exactly as it was."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import AtlasError
from atlas_ld.core.iris import Ids
from atlas_ld.graph import pipeline
from atlas_ld.graph.mapping import map_record
from atlas_ld.graph.pipeline import BuildRefused, build
from atlas_ld.parse.parser import parse_page
from atlas_ld.store.disk import open_store

from .conftest import SEED

ATLAS_LD = [str(Path(sys.executable).parent / "atlas-ld")]
PARTNERSHIP = "https://atlas-ld.example/id/partnership/"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """atlas-ld in its own process, as a user runs it (stderr is what they would see)."""
    return subprocess.run(
        [*ATLAS_LD, *args], cwd=cwd, capture_output=True, text=True, timeout=240, check=False
    )


def snapshot(store: Path) -> dict[str, bytes]:
    """Every file of a store (through its link), by relative path, plus where the link points."""
    files = {"->": os.readlink(store).encode() if store.is_symlink() else b"dir"}
    for path in sorted(store.rglob("*")):
        if path.is_file():
            files[str(path.relative_to(store))] = path.read_bytes()
    return files


def partnership_iris(store: Path) -> set[str]:
    query = "SELECT DISTINCT ?p WHERE { ?p a <https://atlas-ld.example/def/atlas#Partnership> }"
    rows = open_store(store, read_only=True).query(query, use_default_graph_as_union=True)
    return {row["p"].value for row in rows}


@pytest.fixture(scope="module")
def sample_folder(tmp_path_factory) -> Path:
    """60 pages written by `atlas-ld sample`, with the manifest.csv that names their prjIds."""
    out = tmp_path_factory.mktemp("pages") / "pages"
    result = CliRunner().invoke(main, ["sample", "--pages", "60", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_sample_pages_built_from_their_folder_get_prjid_iris(tmp_path):
    """Done when: `sample --pages 200 --out X && build X --store S` gives 200 prjId IRIs."""
    pages = tmp_path / "X"
    made = run_cli("sample", "--pages", "200", "--out", str(pages), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    with (pages / "manifest.csv").open(encoding="utf-8") as handle:
        prj_ids = {row["prj_id"] for row in csv.DictReader(handle) if row["prj_id"]}
    assert len(prj_ids) == 200
    built = run_cli("build", str(pages), "--store", str(tmp_path / "S"), "-j", "2", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert partnership_iris(tmp_path / "S") == {PARTNERSHIP + i for i in prj_ids}


def test_binary_file_and_non_atlas_page_are_reported_with_their_stage(tmp_path, sample_folder):
    """Done when: good pages plus one binary file and one non-Atlas HTML page: the good pages
    load, both others are reported with their stage, exit 1, no traceback."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in sample_folder.iterdir():
        (folder / page.name).write_bytes(page.read_bytes())
    (folder / "broken.html").write_bytes(bytes(range(256)) * 40)
    (folder / "other.html").write_text(
        "<html><head><title>Mairie</title></head><body><p>Horaires d'ouverture</p></body></html>",
        encoding="utf-8",
    )
    store = tmp_path / "S"
    result = run_cli("build", str(folder), "--store", str(store), "-j", "2", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{folder / 'broken.html'}: decode: binary content" in result.stderr
    assert f"{folder / 'other.html'}: parse: not an Atlas project page" in result.stderr
    assert "60 partnerships from 62 pages" in result.stdout
    assert len(partnership_iris(store)) == 60
    with (tmp_path / "S.build-report.csv").open(encoding="utf-8") as handle:
        errors = [row for row in csv.DictReader(handle) if row["kind"] == "error"]
    assert [(Path(r["source"]).name, r["stage"]) for r in errors] == [
        ("broken.html", "decode"),
        ("other.html", "parse"),
    ]


def test_a_build_of_a_missing_page_leaves_the_store_byte_for_byte(tmp_path):
    """Done when: `atlas-ld build missing.html --store S` on a good store leaves S as it was."""
    store = tmp_path / "S"
    first = run_cli("build", str(SEED), "--store", str(store), "-j", "1", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(store)
    result = run_cli("build", "missing.html", "--store", str(store), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "missing.html: read: no such file" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("atlas-ld: error: ") and "no partnership to load" in last
    assert "the store was left as it was" in last
    assert snapshot(store) == before


def test_more_failures_than_allowed_leave_the_store_as_it_was(tmp_path, sample_folder):
    pages = [str(p) for p in sorted(sample_folder.glob("*.*")) if p.name != "manifest.csv"][:10]
    store = tmp_path / "S"
    runner = CliRunner()
    assert (
        runner.invoke(main, ["build", *pages[:3], "--store", str(store), "-j", "1"]).exit_code == 0
    )
    before = snapshot(store)
    missing = [str(tmp_path / "gone-1.html")]
    refused = runner.invoke(main, ["build", *pages, *missing, "--store", str(store), "-j", "1"])
    assert refused.exit_code == 1
    assert "1 of 11 pages failed (9%), more than the 5% allowed" in refused.output
    assert snapshot(store) == before
    allowed = ["--max-failures", "10", "--store", str(store), "-j", "1"]
    loaded = runner.invoke(main, ["build", *pages, *missing, *allowed])
    assert loaded.exit_code == 1
    assert len(partnership_iris(store)) == 10


def test_relative_actor_link_is_a_mapping_failure_not_a_crash(seed_page):
    """Issue 9: a relative link stopped the build with `ValueError: No scheme found`."""
    record = parse_page(seed_page)
    assert record.foreign_partners
    for link in ("detailCollectivite.html?criteres.colId=51001", "javascript:void(0)", "data:,x"):
        partner = replace(record.foreign_partners[0], atlas_url=link)
        broken = replace(record, foreign_partners=[partner, *record.foreign_partners[1:]])
        with pytest.raises(AtlasError, match="not an absolute http"):
            map_record(broken, Ids("https://atlas-ld.example/"), seed_page)


def test_a_page_whose_record_has_a_javascript_link_fails_at_map(tmp_path, seed_page, monkeypatch):
    other = replace(seed_page, source="other.txt", body=seed_page.body.replace(b"2011", b"2012"))
    real_parse = parse_page

    def parse(page):
        record = real_parse(page)
        if page.source == "other.txt":
            partner = replace(record.foreign_partners[0], atlas_url="javascript:ouvrir(51001)")
            record = replace(record, atlas_id="99", foreign_partners=[partner])
        return record

    monkeypatch.setattr("atlas_ld.parse.parser.parse_page", parse)
    report = build([seed_page, other], tmp_path / "S", processes=1, max_failures=0.5)
    assert [(source, stage) for source, stage, _ in report.failed] == [("other.txt", "map")]
    assert "javascript:ouvrir(51001)" in report.failed[0][2]
    assert report.partnerships == 1


def test_a_page_pyshacl_cannot_take_fails_at_validate(tmp_path, seed_page, monkeypatch):
    body = seed_page.body.replace(b"travail social", b"travail XYZZY")
    other = replace(seed_page, source="other.txt", body=body.replace(b"2011", b"2012"))
    real_validate = pipeline.validate_graph

    def validate(graph, **kwargs):
        if any("XYZZY" in str(o) for o in graph.objects()):
            raise ValueError("cannot validate this graph")
        return real_validate(graph, **kwargs)

    monkeypatch.setattr(pipeline, "validate_graph", validate)
    report = build([seed_page, other], tmp_path / "S", processes=1, max_failures=0.5)
    assert report.failed == [("other.txt", "validate", "ValueError: cannot validate this graph")]
    assert report.partnerships == 1


def test_an_empty_build_is_refused(tmp_path):
    with pytest.raises(BuildRefused, match="no partnership to load"):
        build([], tmp_path / "S", processes=1)
    assert not (tmp_path / "S").exists()


def test_a_page_over_max_bytes_is_left_out_at_read(tmp_path):
    """Issue 10, item 9: a 50 MB local page took 2.0 GB and 52 s; build had no --max-bytes."""
    big = tmp_path / "big.html"
    big.write_bytes(SEED.read_bytes() + b" " * 2_000_000)
    args = ["build", str(SEED), str(big), "--store", str(tmp_path / "S"), "-j", "1"]
    result = CliRunner().invoke(main, [*args, "--max-bytes", "1000000", "--max-failures", "50"])
    assert result.exit_code == 1
    assert f"{big}: read: page is " in result.output and "(--max-bytes)" in result.output
    assert "1 partnerships from 2 pages" in result.output


def test_a_folder_holding_a_store_reads_only_its_pages(tmp_path, sample_folder):
    """The store, its generations and cache inside a folder of pages are not read as pages;
    a page saved under its URL's name is."""
    folder = tmp_path / "pages"
    folder.mkdir()
    names = sorted(p.name for p in sample_folder.glob("*.html"))[:3]
    for name in names:
        (folder / name).write_bytes((sample_folder / name).read_bytes())
    saved = folder / "detailProjet.html?criteres.prjId=424242"
    saved.write_bytes((sample_folder / names[0]).read_bytes().replace(b"2011", b"2012"))
    runner = CliRunner()
    store = folder / "S"
    first = runner.invoke(main, ["build", str(SEED), "--store", str(store), "-j", "1"])
    assert first.exit_code == 0, first.output
    result = runner.invoke(main, ["build", str(folder), "--store", str(store), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "from 4 pages" in result.output
