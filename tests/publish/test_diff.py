"""`atlas-ld diff` and `dump --previous`: exactly what changed, and a patch that applies.

OLD is the sample without page 134; NEW is the sample without page 135 and with one amount of
page 106 changed. So NEW has one partnership added (134), one removed (135) and one changed (a
financing row of 106), and nothing else.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.release import ReleaseManifest
from atlas_ld.publish.release import dump

from .conftest import BASE, sample_variant

P = f"{BASE}id/partnership/"


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("diff")
    old = sample_variant(root / "old", drop=("134",))
    new = sample_variant(root / "new", drop=("135",), amount=("106", "45500", "45600"))
    return old, new


@pytest.fixture(scope="module")
def releases(stores, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("releases")
    old, new = stores
    dump(ox.Store.read_only(str(old)), root / "old", base=BASE, store_dir=old)
    new_store = ox.Store.read_only(str(new))
    dump(new_store, root / "new", base=BASE, store_dir=new, previous=root / "old")
    return root / "old", root / "new"


def nquads_lines(release: Path) -> list[str]:
    return gzip.decompress((release / "atlas.nq.gz").read_bytes()).decode().splitlines()


def apply_patch(lines: list[str], patch: str) -> tuple[list[str], dict[str, str]]:
    """An RDF Patch applier written from Jena's format description, independent of the writer:
    `H key value .` headers, `TX .`/`TC .` around a transaction, `A`/`D` then an N-Quads
    statement. A deletion must find its statement and an addition must not."""
    state = set(lines)
    headers: dict[str, str] = {}
    in_transaction = False
    for row in patch.splitlines():
        op, _, rest = row.partition(" ")
        if op == "H":
            key, _, value = rest.partition(" ")
            headers[key] = value.removesuffix(" .")
        elif op in ("TX", "TC"):
            assert rest == "."
            in_transaction = op == "TX"
        elif op in ("A", "D"):
            assert in_transaction, "A/D outside a transaction"
            assert "_:" not in rest.split('"')[0], "blank node in a patch"
            if op == "D":
                assert rest in state, f"deleting a statement OLD does not have: {rest}"
                state.remove(rest)
            else:
                assert rest not in state, f"adding a statement OLD already has: {rest}"
                state.add(rest)
        else:
            raise AssertionError(f"not an RDF Patch line: {row!r}")
    assert not in_transaction, "transaction not committed"
    return sorted(state), headers


def run_diff(old: Path, new: Path, out: Path) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "changes.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_diff_of_two_stores_reports_exactly_what_changed(stores, tmp_path: Path):
    rows = run_diff(*stores, tmp_path / "changes")
    kinds = {(r["partnership"], r["change"]) for r in rows}
    assert kinds == {(f"{P}134", "added"), (f"{P}135", "removed"), (f"{P}106", "changed")}
    changed = [r for r in rows if r["change"] == "changed"]
    assert len(changed) == 1
    row = changed[0]
    assert row["field"] == "financing Conseil départemental de la Côte-d'Or, 2007"
    # the page's row: amount, water part (0), year
    assert (row["old"], row["new"]) == ("45500 EUR (1 % eau : 0)", "45600 EUR (1 % eau : 0)")
    markdown = (tmp_path / "changes" / "changes.md").read_text(encoding="utf-8")
    assert "45500 EUR (1 % eau : 0) → 45600 EUR (1 % eau : 0)" in markdown


def test_patch_applied_to_old_nquads_gives_new_nquads(stores, releases, tmp_path: Path):
    run_diff(*stores, tmp_path / "changes")
    patch = (tmp_path / "changes" / "changes.rdfp").read_text(encoding="utf-8")
    old_release, new_release = releases
    applied, headers = apply_patch(nquads_lines(old_release), patch)
    assert applied == sorted(nquads_lines(new_release))
    old_id = ReleaseManifest.read(old_release).release_id
    new_id = ReleaseManifest.read(new_release).release_id
    assert headers == {
        "id": f"<urn:atlas-ld:release:{new_id}>",
        "prev": f"<urn:atlas-ld:release:{old_id}>",
    }


def test_diff_of_releases_equals_diff_of_their_stores(stores, releases, tmp_path: Path):
    from_stores = run_diff(*stores, tmp_path / "a")
    from_releases = run_diff(*releases, tmp_path / "b")
    assert from_stores == from_releases
    assert (tmp_path / "a" / "changes.rdfp").read_bytes() == (
        tmp_path / "b" / "changes.rdfp"
    ).read_bytes()


def test_dump_previous_puts_the_change_log_in_release_and_catalogue(releases):
    old_release, new_release = releases
    manifest = ReleaseManifest.read(new_release)
    assert manifest.previous == ReleaseManifest.read(old_release).release_id
    assert {k: manifest.changes[k] for k in ("added", "removed", "changed")} == {
        "added": 1,
        "removed": 1,
        "changed": 1,
    }
    paths = {f.path for f in manifest.files}
    assert {"changes/changes.rdfp", "changes/changes.csv", "changes/changes.md"} <= paths
    catalog = rdflib.Graph().parse(new_release / "catalog.ttl")
    urls = {str(o) for o in catalog.objects(None, rdflib.namespace.DCAT.downloadURL)}
    assert f"{BASE}release/changes/changes.rdfp" in urls


def test_patches_of_successive_releases_chain(releases, stores, tmp_path: Path):
    _, new_release = releases
    _, new_store = stores
    third = tmp_path / "third"
    dump(ox.Store.read_only(str(new_store)), third, base=BASE, previous=new_release)
    second_patch = (new_release / "changes" / "changes.rdfp").read_text().splitlines()
    third_patch = (third / "changes" / "changes.rdfp").read_text().splitlines()
    second_id = second_patch[0].removeprefix("H id ")
    assert third_patch[1] == f"H prev {second_id}"
    assert third_patch[2:] == ["TX .", "TC ."]  # same store: an empty transaction
