"""Publishing a release on a udata portal: creation, idempotence, dry run, errors, retries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import PublishError
from atlas_ld.core.release import ReleaseManifest
from atlas_ld.publish.release import dump
from atlas_ld.publish.udata import UdataClient, UdataSync

BASE = "https://atlas-ld.example/"


@pytest.fixture
def release(store: ox.Store, tmp_path: Path) -> Path:
    out = tmp_path / "release"
    dump(store, out, base=BASE)
    return out


def sync(
    portal, release: Path, *, key: str | None = "secret-key", dry_run: bool = False
) -> UdataSync:
    client = UdataClient(portal.url, key, retries=2, backoff_s=0)
    return UdataSync(client, release, dry_run=dry_run)


def test_create_then_second_run_changes_nothing(udata_portal, release: Path):
    first = sync(udata_portal, release).run(None, create=True)
    dataset = udata_portal.datasets[first.dataset_id]
    files = {f.path: f for f in ReleaseManifest.read(release).files}
    titles = {r["title"] for r in dataset["resources"]}
    assert titles == {*files, "manifest.json", "SHA256SUMS"}
    for resource in dataset["resources"]:
        data = (release / resource["title"]).read_bytes()
        assert resource["checksum"]["value"] == hashlib.sha1(data).hexdigest()
    assert dataset["license"] == "lov2"
    writes = len(udata_portal.writes)

    second = sync(udata_portal, release).run(first.dataset_id)
    assert second.actions == []
    assert len(second.unchanged) == len(titles)
    assert len(udata_portal.writes) == writes
    again = sync(udata_portal, release).run(None, create=True)
    assert again.dataset_id == first.dataset_id and again.actions == []
    assert len(udata_portal.datasets) == 1


def test_changed_file_is_replaced_in_place(udata_portal, store: ox.Store, release: Path):
    first = sync(udata_portal, release).run(None, create=True)
    resources = len(udata_portal.datasets[first.dataset_id]["resources"])
    dump(store, release, base=BASE, version="2.0")  # new version: manifest and catalogue change
    report = sync(udata_portal, release).run(first.dataset_id)
    kinds = {a.target: a.kind for a in report.actions}
    assert kinds["manifest.json"] == "replace" and kinds["catalog.ttl"] == "replace"
    assert "atlas.ttl" not in kinds
    assert len(udata_portal.datasets[first.dataset_id]["resources"]) == resources


def test_dry_run_writes_nothing(udata_portal, release: Path):
    for key in ("secret-key", None):
        report = sync(udata_portal, release, key=key, dry_run=True).run(None, create=True)
        assert report.actions[0].kind == "create-dataset"
        assert udata_portal.writes == [] and udata_portal.datasets == {}


def test_retries_after_5xx_without_duplicates(udata_portal, release: Path):
    udata_portal.fail_next = 2
    first = sync(udata_portal, release).run(None, create=True)
    resources = udata_portal.datasets[first.dataset_id]["resources"]
    resources.remove(next(r for r in resources if r["title"] == "tables/themes.csv"))
    udata_portal.fail_after_write = True  # the upload is stored but answered with a 502
    report = sync(udata_portal, release).run(first.dataset_id)
    titles = [r["title"] for r in udata_portal.datasets[first.dataset_id]["resources"]]
    assert sorted(titles) == sorted(set(titles))
    assert "tables/themes.csv" in titles
    assert [(a.kind, a.target) for a in report.actions] == [
        ("upload", "tables/themes.csv"),
        ("update-resource", "tables/themes.csv"),
    ]


def test_errors_are_one_clear_line(udata_portal, release: Path):
    with pytest.raises(PublishError, match=r"refused the API key.*Invalid API Key"):
        sync(udata_portal, release, key="wrong").run(None, create=True)
    with pytest.raises(PublishError, match=r"dataset nope does not exist.*404"):
        sync(udata_portal, release).run("nope")
    udata_portal.max_upload = 1000
    with pytest.raises(PublishError, match=r"larger than the portal accepts \(HTTP 413\)"):
        sync(udata_portal, release).run(None, create=True)
    udata_portal.fail_next = 100
    with pytest.raises(PublishError, match="gave up after 3 attempts: HTTP 502"):
        sync(udata_portal, release).run("whatever")


def test_a_changed_release_is_not_published(udata_portal, release: Path):
    with (release / "tables" / "roles.csv").open("a", encoding="utf-8") as f:
        f.write("ligne ajoutée à la main\n")
    with pytest.raises(PublishError, match="changed since the dump"):
        sync(udata_portal, release).run(None, create=True)
    assert udata_portal.writes == []


def test_cli(udata_portal, release: Path, monkeypatch):
    monkeypatch.setenv("TEST_UDATA_KEY", "secret-key")
    args = ["publish", "udata", "--release", str(release), "--portal", udata_portal.url]
    args += ["--api-key-env", "TEST_UDATA_KEY"]
    created = CliRunner().invoke(main, [*args, "--create", "--exclude", "tables/*.json"])
    assert created.exit_code == 0, created.output
    dataset_id = next(iter(udata_portal.datasets))
    titles = {r["title"] for r in udata_portal.datasets[dataset_id]["resources"]}
    assert "tables/roles.csv" in titles and "tables/roles.csv-metadata.json" not in titles
    again = CliRunner().invoke(main, [*args, "--dataset", dataset_id, "--exclude", "tables/*.json"])
    assert again.exit_code == 0, again.output
    assert "changed 0" in again.output
    monkeypatch.delenv("TEST_UDATA_KEY")
    missing = CliRunner().invoke(main, [*args, "--dataset", dataset_id])
    assert missing.exit_code == 1
    assert "TEST_UDATA_KEY is not set" in missing.output


@pytest.mark.parametrize("bad_path", ["/etc/hostname", "../outside.txt", "tables/../../x.csv"])
def test_udata_manifest_path_confined(udata_portal, release: Path, bad_path: str):
    """Finding (issue 10, item 9): udata.py joined paths read from the manifest, so an absolute
    path (or `..`) made it read, hash and upload a file outside the release folder."""
    import json

    (release.parent / "outside.txt").write_text("not part of the release")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    target = Path(bad_path) if bad_path.startswith("/") else release / bad_path
    manifest["files"][0]["path"] = bad_path
    if target.is_file():  # a checksum that matches, so only the path rule can refuse it
        manifest["files"][0]["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(PublishError, match="outside the release"):
        sync(udata_portal, release, dry_run=True).run(None, create=True)
    assert udata_portal.writes == []
