"""Regression: `atlas-ld query` printed a SPARQL syntax error over four lines.

pyoxigraph's message lists every token it expected, Unicode ranges included, with newlines
and indentation: `atlas-ld query` and `api.query` passed it on as it was, where the server
already folded it into one line with the position apart. One rule now serves every reader
(`core.errors.syntax_error`): one line, `line L, column C`, the list cut at 300 characters.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import QueryError
from atlas_ld.store.canned import run_query


def test_the_command_says_it_in_one_line(sample_store_dir, tmp_path):
    query = tmp_path / "cut.rq"
    query.write_text("SELECT * {", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "--store", str(sample_store_dir), str(query)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("atlas-ld: error: line 1, column 11: SPARQL syntax error: ")
    assert len(lines[0]) < 400


@pytest.mark.parametrize("query", ["SELECT * {", "ASK { ?s ?p }", "SELECT ?x { ?x ?y ?z } GROUP"])
def test_the_python_api_too(sample_store, query):
    with pytest.raises(QueryError) as info:
        run_query(sample_store, query)
    assert "\n" not in str(info.value) and info.value.where.startswith("line 1, column ")
