"""The seeded generator: deterministic, Atlas-like ids, every page parses back to its record."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.parse.parser import parse_page, parse_pages
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import expected_record, generate, generate_pages

from .conftest import page_of


def test_same_seed_same_pages_other_seed_other_pages(tmp_path):
    first = generate(40, tmp_path / "a", seed=7)
    again = generate(40, tmp_path / "b", seed=7)
    other = generate(40, tmp_path / "c", seed=8)
    assert [p.name for p in first] == [p.name for p in again]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, again, strict=True))
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


def test_ids_rise_from_one_with_gaps_and_manifest_gives_urls(tmp_path):
    paths = generate(200, tmp_path, seed=1)
    ids = [int(p.stem) for p in paths]
    assert ids[0] == 1 and ids == sorted(ids) and len(set(ids)) == 200
    assert ids[-1] > 200  # some ids are skipped
    with (tmp_path / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["file"] for r in rows] == [p.name for p in paths]
    assert rows[0]["url"].endswith("detailProjet.html?criteres.prjId=1")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_generated_pages_parse_back_to_their_records():
    styles = set()
    for page in generate_pages(400, seed=11):
        styles.add((page.style.markup, page.style.encoding, page.style.declare_charset))
        parsed = parse_page(page_of(page.body, source=page.file_name))
        expected = expected_record(page, page.file_name)
        expected.id_source = "file name"  # `101.html`
        assert parsed == expected, page.file_name
    assert len(styles) >= 10  # six markups, two encodings, declared or not


def test_written_files_parse_with_their_url_in_a_process_pool(tmp_path):
    paths = generate(30, tmp_path, seed=5)
    pages = [read_page(str(p)) for p in paths]
    serial = list(parse_pages(pages, processes=1))
    pooled = list(parse_pages(pages, processes=2, chunksize=4))
    assert serial == pooled
    assert all(r.warnings == [] for r in serial)


def test_cli_sample_writes_generated_pages_or_the_bundled_corpus(tmp_path):
    result = CliRunner().invoke(main, ["sample", "--pages", "12", "--out", str(tmp_path / "g")])
    assert result.exit_code == 0, result.output
    assert "wrote 12 pages" in result.output
    assert len(list((tmp_path / "g").glob("*.*"))) == 13  # with the manifest
    result = CliRunner().invoke(main, ["sample", "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "17384.txt").exists() and (tmp_path / "c" / "manifest.csv").exists()
    parsed = CliRunner().invoke(
        main, ["parse", "--json", *map(str, (tmp_path / "c").glob("*.html"))]
    )
    assert parsed.exit_code == 0, parsed.stderr


def test_cli_parse_on_two_processes_keeps_the_argument_order(tmp_path):
    paths = [str(p) for p in generate(9, tmp_path, seed=2)]
    args = ["parse", "--json", *paths]
    serial = CliRunner().invoke(main, args)
    pooled = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert serial.exit_code == pooled.exit_code == 0
    assert pooled.stdout == serial.stdout
    sources = [json.loads(line)["source"] for line in pooled.stdout.splitlines()]
    assert sources == paths
