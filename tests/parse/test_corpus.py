"""The bundled sample corpus: reproducible, parsed without warnings, and covering every feature."""

from __future__ import annotations

import csv
import shutil

import pytest

from atlas_ld.core.model import ProjectRecord
from atlas_ld.parse.parser import atlas_id_of, parse_page
from atlas_ld.sample.corpus import (
    SEED_PRJ_ID,
    corpus_pages,
    expected_record,
    sample_pages,
    write_corpus,
)

from .conftest import SAMPLE_DIR, page_of


@pytest.fixture(scope="module")
def corpus() -> list[ProjectRecord]:
    return [parse_page(page) for page in sample_pages()]


def test_bundled_corpus_is_what_write_corpus_writes(tmp_path):
    shutil.copyfile(SAMPLE_DIR / f"{SEED_PRJ_ID}.txt", tmp_path / f"{SEED_PRJ_ID}.txt")
    write_corpus(tmp_path)
    bundled = sorted(p.name for p in SAMPLE_DIR.iterdir() if not p.name.startswith("."))
    assert sorted(p.name for p in tmp_path.iterdir()) == bundled
    for name in bundled:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


def test_sample_pages_one_per_prj_id_with_their_atlas_urls():
    pages = sample_pages()
    ids = [atlas_id_of(page.url) for page in pages]
    assert len(pages) >= 27
    assert len(set(ids)) == len(ids) and None not in ids
    assert ids[0] == str(SEED_PRJ_ID)
    assert all(
        p.url.startswith(
            "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"
            "detailProjet.html?criteres.prjId="
        )
        for p in pages
    )
    assert [p.source for p in sample_pages()] == [p.source for p in pages]  # stable order


def test_manifest_lists_every_file_once():
    with (SAMPLE_DIR / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    files = {p.name for p in SAMPLE_DIR.iterdir() if p.suffix in (".html", ".txt")}
    assert sorted(r["file"] for r in rows) == sorted(files)


def test_corpus_pages_parse_to_the_records_they_were_written_from(schema_validator):
    for page in corpus_pages():
        parsed = parse_page(page_of(page.body, source=page.file_name))
        expected = expected_record(page, page.file_name)
        expected.id_source = "file name"  # `101.html`: the file's name gives the prjId
        schema_validator.validate(parsed.to_json())
        assert parsed == expected, page.file_name


def test_corpus_parses_without_warnings(corpus, schema_validator):
    for record in corpus:
        schema_validator.validate(record.to_json())
        assert record.warnings == [], record.source
        assert record.atlas_id is not None


def _files(**where) -> list[dict]:
    with (SAMPLE_DIR / "manifest.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if all(r[k] == v for k, v in where.items())]


def test_corpus_covers_every_feature_the_parser_must_handle(corpus):
    def some(predicate) -> bool:
        return any(predicate(r) for r in corpus)

    bodies = [p.body for p in sample_pages()]
    countries = {p.country for r in corpus for p in r.foreign_partners}
    markups = {row["markup"] for row in _files(role="page")}
    assert len(countries) >= 6
    assert markups == {"div", "span", "dl", "table", "headings", "text"}
    assert _files(encoding="windows-1252") and _files(encoding="windows-1252 (undeclared)")
    assert some(lambda r: r.status == "Terminé" and r.end_date)
    assert some(lambda r: r.triennial is True) and some(lambda r: r.triennial is False)
    assert some(
        lambda r: any(
            (f.water_oudin_eur or 0) > 0 and "Agence de l'eau" in f.funder for f in r.financing
        )
    )
    assert some(lambda r: any(f.water_oudin_eur is None for f in r.financing))
    assert some(lambda r: r.volunteers)
    assert some(lambda r: len(r.other_themes) > 5)  # the table has a pager between pages
    assert some(lambda r: len(r.description or "") > 3000)
    assert some(lambda r: r.post_contacts) and some(lambda r: r.foreign_partner_contacts)
    assert some(lambda r: (r.diplomatic_post or "").startswith("Consulat général de France à"))
    assert some(lambda r: any(" " in (c.given_name or "") for c in r.foreign_partner_contacts))
    assert some(lambda r: any(" " in (v.given_name or "") for v in r.volunteers))
    assert some(lambda r: r.first_agreement_year is None)
    assert some(lambda r: r.pre_reform_authority)
    assert some(lambda r: (r.context or "").startswith("FRANCE\n"))
    assert some(lambda r: "https://" in (r.description or ""))
    assert some(lambda r: len({c.name for c in r.post_contacts}) < len(r.post_contacts))
    assert some(lambda r: any("diplomaite.gouv.fr" in (c.email or "") for c in r.post_contacts))
    assert some(lambda r: r.communication_france is False) and some(lambda r: r.evaluation)
    assert any(b"???menu.atlas" in b for b in bodies)
    assert any(b"pagination.page.precedent" in b for b in bodies)
    assert any("\u00a0".encode() in b for b in bodies)
    assert any("\u00a0000".encode() in b for b in bodies)  # amounts grouped by no-break spaces
    assert any(b"\t" in b for b in bodies)  # a browser copy with tabs between cells
    assert any("’".encode() in b for b in bodies) and any(b"'" in b for b in bodies)
