"""Releases researchers can cite: ids, versions in a DCAT series, CITATION.cff, Zenodo metadata."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest
import rdflib
import yaml
from rdflib.namespace import DCAT, DCTERMS

from atlas_ld.core.release import ReleaseManifest, read_served_release
from atlas_ld.publish.release import dump

from .conftest import BASE, sample_variant
from .test_dcat import REFERENCE, validate

ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")
DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
DCAT3 = rdflib.Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 terms rdflib's DCAT lacks


def release_of(store_dir: Path, out: Path, **options) -> ReleaseManifest:
    return dump(ox.Store.read_only(str(store_dir)), out, base=BASE, store_dir=store_dir, **options)


@pytest.fixture(scope="module")
def changed_amount(tmp_path_factory) -> Path:
    """The sample with one financing amount of page 106 changed (45500 -> 45600 euros)."""
    return sample_variant(
        tmp_path_factory.mktemp("amount") / "store", amount=("106", "45500", "45600")
    )


def test_release_id_is_capture_date_and_content_digest(release: Path):
    manifest = ReleaseManifest.read(release)
    nquads = gzip.decompress((release / "atlas.nq.gz").read_bytes())
    digest = hashlib.sha256(nquads).hexdigest()  # the oracle: the published N-Quads themselves
    date = manifest.modified[:10] if manifest.modified else "undated"
    assert manifest.release_id == f"{date}-{digest[:12]}"
    assert manifest.content_sha256 == digest
    assert manifest.version == manifest.release_id  # no --release-version given


def test_two_builds_of_the_same_pages_give_the_same_release_id(
    store_dir: Path, tmp_path: Path, release: Path
):
    again = sample_variant(tmp_path / "again")
    assert release_of(again, tmp_path / "r").release_id == ReleaseManifest.read(release).release_id


def test_changing_one_amount_changes_the_release_id(
    changed_amount: Path, release: Path, tmp_path: Path
):
    changed = release_of(changed_amount, tmp_path / "r")
    assert changed.release_id != ReleaseManifest.read(release).release_id
    assert (
        changed.release_id.rsplit("-", 1)[0]
        == ReleaseManifest.read(release).release_id.rsplit("-", 1)[0]
    )  # same captures, other content


@pytest.fixture(scope="module")
def second_release(store_dir: Path, changed_amount: Path, tmp_path_factory) -> Path:
    """A release of the changed store that follows a release of the sample (`--previous`)."""
    first = tmp_path_factory.mktemp("first") / "release"
    release_of(store_dir, first)
    out = tmp_path_factory.mktemp("second") / "release"
    release_of(changed_amount, out, previous=first, endpoint_url=f"{BASE}sparql")
    return out


def test_catalogue_describes_the_release_as_a_version_in_a_series(second_release: Path):
    manifest = ReleaseManifest.read(second_release)
    catalog = rdflib.Graph().parse(second_release / "catalog.ttl")
    version = rdflib.URIRef(f"{BASE}dataset/atlas/release/{manifest.release_id}")
    series = catalog.value(version, DCAT3.inSeries)
    assert (series, rdflib.RDF.type, DCAT3.DatasetSeries) in catalog
    assert str(catalog.value(version, DCAT3.version)) == manifest.release_id
    dataset = rdflib.URIRef(f"{BASE}dataset/atlas")
    assert (dataset, DCAT3.hasVersion, version) in catalog
    assert (dataset, DCTERMS.hasVersion, version) in catalog
    previous = rdflib.URIRef(f"{BASE}dataset/atlas/release/{manifest.previous}")
    assert catalog.value(version, DCAT3.previous) == previous
    notes = {n.language: str(n) for n in catalog.objects(version, ADMS.versionNotes)}
    assert manifest.previous in notes["en"] and "1 changed" in notes["en"]
    assert len(list(catalog.objects(version, DCAT.distribution))) == len(
        [f for f in manifest.files if not f.path.startswith("catalog.")]
    )


@pytest.mark.parametrize("shapes_file", ["shapes.ttl", "range.ttl"])
def test_versioned_catalogue_conforms_to_dcat_ap(second_release: Path, shapes_file: str):
    catalog = rdflib.Graph().parse(second_release / "catalog.ttl")
    conforms, _, text = validate(catalog, shapes_file)
    assert conforms, text


def test_citation_cff_follows_the_cff_1_2_0_schema(release: Path):
    schema = json.loads((REFERENCE / "cff-1.2.0" / "schema.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(cff, schema)  # the official schema, not a list of fields kept here
    manifest = ReleaseManifest.read(release)
    assert cff["version"] == manifest.version
    assert cff["identifiers"][0]["value"] == f"{BASE}dataset/atlas/release/{manifest.release_id}"


def test_zenodo_metadata_has_the_deposition_fields(release: Path):
    # Required by Zenodo's deposition API (developers.zenodo.org, "Deposit metadata"):
    # upload_type, title, creators (name), description, access_right (+ license when open).
    metadata = json.loads((release / ".zenodo.json").read_text(encoding="utf-8"))["metadata"]
    assert metadata["upload_type"] == "dataset"
    assert metadata["title"] and metadata["description"]
    assert all(creator["name"] for creator in metadata["creators"])
    assert metadata["access_right"] == "open" and metadata["license"]
    assert metadata["version"] == ReleaseManifest.read(release).version
    if "publication_date" in metadata:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", metadata["publication_date"])


def test_dump_leaves_the_release_for_the_server(store_dir: Path, tmp_path: Path):
    copy = sample_variant(tmp_path / "store")
    manifest = release_of(copy, tmp_path / "release")
    served = read_served_release(copy)
    assert served is not None
    assert served.citation.release_id == manifest.release_id
    assert manifest.release_id in served.citation.text()
