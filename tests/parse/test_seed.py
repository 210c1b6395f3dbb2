"""The real seed page (its visible text) read into the record a careful human would write."""

from __future__ import annotations

import json

from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page

from .conftest import SEED_TEXT


def test_seed_text_gives_the_expected_record(expected_seed, schema_validator):
    record = parse_page(read_page(str(SEED_TEXT))).to_json()
    schema_validator.validate(record)
    # the sample folder's manifest.csv names the file
    assert record == expected_seed | {"source": str(SEED_TEXT), "id_source": "manifest"}


def test_seed_financing_rows_keep_missing_water_amounts_null():
    record = parse_page(read_page(str(SEED_TEXT)))
    rows = [(f.funder, f.amount_eur, f.water_oudin_eur, f.year) for f in record.financing]
    assert rows == [
        ("Autre", 0, 0, 2011),
        ("Conseil régional de la Nouvelle-Aquitaine", 15000, 0, 2011),
        ("Ministère de l'Europe et des Affaires étrangères", 50000, None, 2011),
        ("Régions et IRTS Bretagne, Basse-Normandie, Lorrain", 35000, None, 2011),
    ]
    assert sum(f.amount_eur for f in record.financing) == 100_000


def test_cli_json_for_one_page_is_one_schema_valid_object(expected_seed, schema_validator):
    result = CliRunner().invoke(main, ["parse", "--json", str(SEED_TEXT)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    schema_validator.validate(record)
    assert record["title"] == expected_seed["title"]


def test_cli_json_lines_for_several_pages_and_errors_do_not_stop_the_others(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    args = [
        "parse",
        "--json",
        str(SEED_TEXT),
        str(empty),
        str(tmp_path / "missing.html"),
        str(SEED_TEXT),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 2
    errors = result.stderr.splitlines()
    assert errors == [
        f"atlas-ld: error: {empty}: empty page",
        f"atlas-ld: error: {tmp_path / 'missing.html'}: no such file",
    ]


def test_cli_summary_names_title_partners_and_total():
    result = CliRunner().invoke(main, ["parse", str(SEED_TEXT)])
    assert result.exit_code == 0
    assert "FFQCD 2011-2012 : Partenariat en travail social" in result.output
    assert "Province du Québec (Canada)" in result.output
    assert "4 rows, 100 000 €" in result.output
