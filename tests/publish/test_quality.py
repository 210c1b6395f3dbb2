"""The quality report of a release is pySHACL's own results graph, whole, and the catalogue
points to it with DQV."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from atlas_ld.core.release import ReleaseManifest
from atlas_ld.graph.validate import shapes_graph

from .conftest import BASE

DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
FIELDS = (
    SH.focusNode,
    SH.resultPath,
    SH.value,
    SH.sourceShape,
    SH.sourceConstraintComponent,
    SH.resultSeverity,
)


def result_rows(graph: rdflib.Graph) -> Counter:
    """Each sh:ValidationResult as the tuple of its fields and messages (blank node ids aside)."""
    rows = Counter()
    for result in graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        values = tuple(graph.value(result, p) for p in FIELDS)
        messages = frozenset(graph.objects(result, SH.resultMessage))
        rows[(*values, messages)] += 1
    return rows


def pyshacl_on_the_public_graph(store_dir: Path) -> rdflib.Graph:
    """The oracle: pySHACL run once on the whole published graph (not the build's chunks).

    The ontology's own statements are left out, as the build leaves them out: with its
    rdfs:subClassOf in the data graph, sh:targetClass atlas:Actor would also reach every typed
    actor, and `untypedActor` (rdf:type minCount 2) would flag them all."""
    store = ox.Store.read_only(str(store_dir))
    data = rdflib.Graph()
    ontology = "https://atlas-ld.example/def/atlas"
    public = [
        q.triple
        for q in store
        if not (isinstance(q.graph_name, ox.NamedNode) and "/graph/personal/" in q.graph_name.value)
        and not q.subject.value.startswith(ontology)
    ]
    data.parse(data=ox.serialize(public, None, ox.RdfFormat.N_TRIPLES), format="nt")
    _, results, _ = shacl_validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    return results


def test_release_carries_pyshacls_results_graph_whole(release: Path, store_dir: Path):
    report = rdflib.Graph().parse(release / "quality" / "shacl-report.ttl")
    expected = result_rows(pyshacl_on_the_public_graph(store_dir))
    assert expected, "the sample is expected to give some warnings or notes"
    assert result_rows(report) == expected
    for row in expected:  # nothing dropped: path, shape and IRI values are there
        assert row[1] is not None and row[3] is not None


def test_counts_per_shape_and_severity_and_dqv(release: Path):
    with (release / "quality" / "findings.csv").open(encoding="utf-8", newline="") as handle:
        findings = list(csv.DictReader(handle))
    with (release / "quality" / "counts.csv").open(encoding="utf-8", newline="") as handle:
        counts = {(r["shape"], r["severity"]): int(r["results"]) for r in csv.DictReader(handle)}
    # findings.csv has a row per result and partnership it concerns; counts are per result
    report = rdflib.Graph().parse(release / "quality" / "shacl-report.ttl")
    results = list(report.subjects(rdflib.RDF.type, SH.ValidationResult))
    per_shape = Counter(
        (str(report.value(r, SH.sourceShape)), str(report.value(r, SH.resultSeverity)))
        for r in results
    )
    assert {(shape, f"{SH}{severity}"): n for (shape, severity), n in counts.items()} == per_shape
    assert {(f["source_shape"], f["severity"]) for f in findings} == set(counts)
    manifest = ReleaseManifest.read(release)
    per_severity = Counter(str(report.value(r, SH.resultSeverity)).split("#")[1] for r in results)
    assert {k: v for k, v in manifest.quality.items() if v} == dict(per_severity)
    catalog = rdflib.Graph().parse(release / "catalog.ttl")
    version = rdflib.URIRef(f"{BASE}dataset/atlas/release/{manifest.release_id}")
    measured = {}
    for measurement in catalog.objects(version, DQV.hasQualityMeasurement):
        metric = str(catalog.value(measurement, DQV.isMeasurementOf))
        measured[metric.rsplit("shacl-", 1)[-1]] = int(catalog.value(measurement, DQV.value))
    assert measured == {k.lower(): v for k, v in manifest.quality.items()}
    metadata = catalog.value(version, DQV.hasQualityMetadata)
    assert str(catalog.value(metadata, rdflib.FOAF.page)).endswith("quality/shacl-report.ttl")


def test_validate_keeps_result_path_source_shape_and_iri_values():
    """Finding: graph/validate.py rebuilt the report from strings and dropped sh:resultPath,
    sh:sourceShape and the kind of sh:value (an IRI came back as a plain literal)."""
    from atlas_ld.graph.validate import issues_turtle, validate_graph

    atlas = "https://atlas-ld.example/def/atlas#"
    data = rdflib.Graph().parse(
        data=f"""
        <{BASE}id/partnership/1> a <{atlas}Partnership> ;
            <http://purl.org/dc/terms/title> "Un titre"@fr ;
            <{atlas}status> <{atlas}Unknown> .""",
        format="turtle",
    )
    _, expected, _ = shacl_validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    issues = validate_graph(data, partnership=f"{BASE}id/partnership/1", source="test")
    report = rdflib.Graph().parse(data=issues_turtle(issues), format="turtle")
    assert result_rows(report) == result_rows(expected)
    status = [r for r in result_rows(report) if r[1] == rdflib.URIRef(f"{atlas}status")]
    assert status and status[0][2] == rdflib.URIRef(f"{atlas}Unknown")  # an IRI, not a literal
    assert status[0][3] == rdflib.URIRef("https://atlas-ld.example/def/shapes#status")
