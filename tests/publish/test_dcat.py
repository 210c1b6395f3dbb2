"""The DCAT-AP catalogue against the official 3.0.1 shapes, and the VoID counts."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, SH, VOID

from atlas_ld.core.release import ReleaseManifest
from atlas_ld.graph.catalogue import catalog_graph, void_graph

BASE = "https://atlas-ld.example/"
# The official conformance material, copied with its licences (tests/data/reference/README.md).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
SHAPES = REFERENCE / "dcat-ap-3.0.1"
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VCARD = "http://www.w3.org/2006/vcard/ns#"


def validate(data: rdflib.Graph, shapes_file: str) -> tuple[bool, rdflib.Graph, str]:
    import pyshacl

    if not SHAPES.is_dir():
        raise AssertionError(f"DCAT-AP 3.0.1 shapes missing from the repository: {SHAPES}")
    shapes = rdflib.Graph().parse(SHAPES / shapes_file)
    return pyshacl.validate(data, shacl_graph=shapes, allow_warnings=True)


@pytest.mark.parametrize("shapes_file", ["shapes.ttl", "range.ttl"])
def test_catalog_conforms_to_dcat_ap(release: Path, shapes_file: str):
    for name, syntax in (("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")):
        catalog = rdflib.Graph().parse(release / name, format=syntax)
        conforms, _, text = validate(catalog, shapes_file)
        assert conforms, text


def test_recommended_shapes_give_warnings_only(release: Path):
    catalog = rdflib.Graph().parse(release / "catalog.ttl")
    conforms, results, _ = validate(catalog, "shapes_recommended.ttl")
    severities = set(results.objects(None, SH.resultSeverity))
    assert conforms and severities <= {SH.Warning, SH.Info}


def test_one_distribution_per_file_with_checksum(release: Path):
    catalog = rdflib.Graph().parse(release / "catalog.ttl")
    manifest = ReleaseManifest.read(release)
    dataset = rdflib.URIRef(f"{BASE}dataset/atlas/release/{manifest.release_id}")
    downloads = {
        str(catalog.value(d, DCAT.downloadURL)): d
        for d in catalog.objects(dataset, DCAT.distribution)
        if catalog.value(d, DCAT.downloadURL) is not None
    }
    described = [f for f in manifest.files if not f.path.startswith("catalog.")]
    assert set(downloads) == {f"{BASE}release/{f.path}" for f in described}
    for file in described:
        node = downloads[f"{BASE}release/{file.path}"]
        assert int(catalog.value(node, DCAT.byteSize)) == file.byte_size
        checksum = catalog.value(node, SPDX.checksum)
        assert str(catalog.value(checksum, SPDX.checksumValue)) == file.sha256
        if file.path.startswith("tables/") and file.format == "CSV":  # its CSVW description
            schema = f"{BASE}release/{file.path}-metadata.json"
            assert catalog.value(node, DCTERMS.conformsTo) == rdflib.URIRef(schema)
            assert schema.removeprefix(f"{BASE}release/") in {f.path for f in described}
    assert catalog.value(dataset, DCTERMS.identifier) is not None
    titles = {t.language for t in catalog.objects(dataset, DCTERMS.title)}
    assert titles == {"fr", "en"}


def test_catalog_without_release_describes_the_endpoint(store: ox.Store):
    catalog = catalog_graph(store, base=BASE, endpoint_url=f"{BASE}sparql")
    services = list(catalog.subjects(rdflib.RDF.type, DCAT.DataService))
    assert len(services) == 1
    assert catalog.value(services[0], DCAT.endpointURL) == rdflib.URIRef(f"{BASE}sparql")
    conforms, _, text = validate(catalog, "shapes.ttl")
    assert conforms, text


def test_void_counts_match_the_published_graph(store: ox.Store, release: Path):
    void = void_graph(store, base=BASE)
    dataset = rdflib.URIRef(f"{BASE}dataset/atlas")
    turtle = rdflib.Graph().parse(release / "atlas.ttl")
    assert int(void.value(dataset, VOID.triples)) == len(turtle)
    assert int(void.value(dataset, VOID.distinctSubjects)) == len(set(turtle.subjects()))
    assert int(void.value(dataset, VOID.properties)) == len(set(turtle.predicates()))
    classes = set(turtle.objects(None, rdflib.RDF.type))
    assert int(void.value(dataset, VOID.classes)) == len(classes)
    released = rdflib.Graph().parse(release / "void.ttl")
    dumps = {str(o) for o in released.objects(dataset, VOID.dataDump)}
    assert f"{BASE}release/atlas.nt.gz" in dumps and len(dumps) == 4


def test_publisher_and_contact_from_the_command_line(store_dir: Path, tmp_path: Path):
    from click.testing import CliRunner

    from atlas_ld.cli import main

    out = tmp_path / "release"
    args = ["dump", "--store", str(store_dir), "--out", str(out)]
    args += ["--publisher", "Région Exemple", "--contact-email", "opendata@region.example"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    catalog = rdflib.Graph().parse(out / "catalog.ttl")
    names = {str(o) for o in catalog.objects(None, rdflib.FOAF.name)}
    assert "Région Exemple" in names
    emails = {str(o) for o in catalog.objects(None, rdflib.URIRef(f"{VCARD}hasEmail"))}
    assert emails == {"mailto:opendata@region.example"}
