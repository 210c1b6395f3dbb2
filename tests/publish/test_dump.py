"""The release dump: every format parses to the same graph, bytes are stable, nothing leaks."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic as bnode_isomorphic

from atlas_ld.cli import main
from atlas_ld.core.errors import PublishError
from atlas_ld.core.release import ReleaseManifest
from atlas_ld.publish.release import dump

BASE = "https://atlas-ld.example/"


def isomorphic(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Graph isomorphism; plain set equality when there is no blank node (much faster)."""
    if any(isinstance(term, rdflib.BNode) for graph in (a, b) for t in graph for term in t):
        return bnode_isomorphic(a, b)
    return set(a) == set(b)


def published_graph(store_dir: Path, *, personal: bool = False) -> rdflib.Graph:
    """The store's union graph read independently of the dump code (rdflib over N-Quads)."""
    store = ox.Store.read_only(str(store_dir))
    data = rdflib.Dataset()
    data.parse(data=store.dump(format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
    graph = rdflib.Graph()
    for s, p, o, g in data.quads():
        if personal or "/graph/personal/" not in str(g):
            graph.add((s, p, o))
    return graph


def test_same_store_gives_same_bytes(
    store: ox.Store, store_dir: Path, tmp_path: Path, release: Path
):
    again = tmp_path / "again"
    dump(store, again, base=BASE, endpoint_url=f"{BASE}sparql", store_dir=store_dir)
    files = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (release / name).read_bytes() == (again / name).read_bytes(), name


def test_turtle_and_ntriples_parse_to_the_store_graph(store_dir: Path, release: Path):
    expected = published_graph(store_dir)
    turtle = rdflib.Graph().parse(release / "atlas.ttl", format="turtle")
    ntriples = rdflib.Graph().parse(
        data=gzip.decompress((release / "atlas.nt.gz").read_bytes()).decode(), format="nt"
    )
    assert len(expected) > 0
    assert isomorphic(turtle, expected)
    assert isomorphic(ntriples, expected)
    by_oxigraph = rdflib.Graph().parse(
        data=ox.serialize(
            ox.parse(path=str(release / "atlas.ttl"), format=ox.RdfFormat.TURTLE),
            None,
            ox.RdfFormat.N_TRIPLES,
        ).decode(),
        format="nt",
    )
    assert isomorphic(by_oxigraph, expected)


def test_nquads_keep_graphs_and_provenance(store_dir: Path, release: Path):
    data = rdflib.Dataset()
    data.parse(data=gzip.decompress((release / "atlas.nq.gz").read_bytes()), format="nquads")
    graphs = {str(g) for _, _, _, g in data.quads()}
    assert f"{BASE}graph/partnership/17384" in graphs
    assert f"{BASE}graph/reference" in graphs
    derived = rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    partnership = rdflib.URIRef(f"{BASE}id/partnership/17384")
    page_graph = data.graph(rdflib.URIRef(f"{BASE}graph/partnership/17384"))
    page = page_graph.value(partnership, derived)
    assert page is not None
    source = page_graph.value(page, rdflib.URIRef("http://purl.org/dc/terms/source"))
    assert "prjId=17384" in str(source)


def graphs_by_name(nquads: bytes) -> dict[str, rdflib.Graph]:
    """Each named graph of an N-Quads document, as read by pyoxigraph, as rdflib graphs."""
    lines: dict[str, list[str]] = {}
    for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS):
        lines.setdefault(quad.graph_name.value, []).append(f"{quad.triple} .")
    return {g: rdflib.Graph().parse(data="\n".join(ls), format="nt") for g, ls in lines.items()}


def test_nquads_parse_alike_with_rdflib_and_pyoxigraph(store_dir: Path, release: Path):
    raw = gzip.decompress((release / "atlas.nq.gz").read_bytes())
    by_rdflib = rdflib.Dataset()
    by_rdflib.parse(data=raw, format="nquads")
    by_oxigraph = graphs_by_name(raw)
    assert len(by_oxigraph) > 2
    for name, graph in by_oxigraph.items():
        assert isomorphic(by_rdflib.graph(rdflib.URIRef(name)), graph), name
    union = rdflib.Graph()
    for graph in by_oxigraph.values():
        union += graph
    assert isomorphic(union, published_graph(store_dir))


def test_rapper_reads_the_same_graph(store_dir: Path, release: Path, tmp_path: Path):
    if shutil.which("rapper") is None:
        pytest.skip("rapper (Debian raptor2-utils) is not installed")
    (tmp_path / "atlas.nt").write_bytes(gzip.decompress((release / "atlas.nt.gz").read_bytes()))
    expected = published_graph(store_dir)
    for path, syntax in ((release / "atlas.ttl", "turtle"), (tmp_path / "atlas.nt", "ntriples")):
        out = subprocess.run(
            ["rapper", "-q", "-i", syntax, "-o", "ntriples", str(path)],
            check=True,
            capture_output=True,
        ).stdout
        assert isomorphic(rdflib.Graph().parse(data=out.decode(), format="nt"), expected)
    (tmp_path / "atlas.nq").write_bytes(gzip.decompress((release / "atlas.nq.gz").read_bytes()))
    out = subprocess.run(
        ["rapper", "-q", "-i", "nquads", "-o", "nquads", str(tmp_path / "atlas.nq")],
        check=True,
        capture_output=True,
    ).stdout
    by_rapper = graphs_by_name(out)
    for name, graph in graphs_by_name((tmp_path / "atlas.nq").read_bytes()).items():
        assert isomorphic(by_rapper[name], graph), name


def test_jsonld_expands_to_the_same_triples(store_dir: Path, release: Path):
    from pyld import jsonld

    document = json.loads((release / "atlas.jsonld").read_text(encoding="utf-8"))
    assert "@context" in document
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    graph = rdflib.Graph().parse(data=nquads, format="nt")
    assert isomorphic(graph, published_graph(store_dir))


def test_personal_data_only_on_request(store: ox.Store, release: Path, tmp_path: Path):
    names = {
        row["name"].value.encode()
        for row in store.query(
            "SELECT DISTINCT ?name { GRAPH ?g { ?person <http://xmlns.com/foaf/0.1/name> ?name } "
            "FILTER (CONTAINS(STR(?g), '/graph/personal/')) }"
        )
    }
    assert names, "the sample names contact people"
    for path in release.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            text = gzip.decompress(raw) if path.suffix == ".gz" else raw
            assert b"graph/personal" not in text, path
            assert not any(name in text for name in names), path
    with_personal = tmp_path / "with-personal"
    manifest = dump(store, with_personal, base=BASE, include_personal_data=True)
    assert manifest.include_personal_data
    nquads = gzip.decompress((with_personal / "atlas.nq.gz").read_bytes())
    assert all(name in nquads for name in names)


def test_manifest_and_sums_describe_the_files(release: Path):
    manifest = ReleaseManifest.read(release)
    assert {f.path for f in manifest.files} >= {"atlas.ttl", "atlas.nt.gz", "tables/roles.csv"}
    for file in manifest.files:
        data = (release / file.path).read_bytes()
        assert file.byte_size == len(data)
        assert file.sha256 == hashlib.sha256(data).hexdigest()
    ttl = next(f for f in manifest.files if f.path == "atlas.ttl")
    assert ttl.statements == manifest.triples == len(rdflib.Graph().parse(release / "atlas.ttl"))
    for line in (release / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest


def test_tables_have_headers_labels_and_csvw(release: Path):
    with (release / "tables" / "partnerships.csv").open(encoding="utf-8", newline="") as f:
        rows = {row["atlas_id"]: row for row in csv.DictReader(f)}
    assert rows["17384"]["title"] == "FFQCD 2011-2012 : Partenariat en travail social"
    assert rows["17384"]["status_label"] == "En cours"
    for meta_path in (release / "tables").glob("*.csv-metadata.json"):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with (release / "tables" / meta["url"]).open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert [c["name"] for c in meta["tableSchema"]["columns"]] == header
    with (release / "tables" / "roles.csv").open(encoding="utf-8", newline="") as f:
        roles = [r for r in csv.DictReader(f) if r["partnership"].endswith("/17384")]
    assert {"Province du Québec", "financeur"} <= {v for r in roles for v in r.values()}


def test_refuses_to_replace_a_directory_that_is_not_a_release(store: ox.Store, tmp_path: Path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me")
    with pytest.raises(PublishError, match="not a release"):
        dump(store, precious, base=BASE)
    assert (precious / "thesis.tex").read_text() == "keep me"


def test_cli_dump(store_dir: Path, tmp_path: Path):
    out = tmp_path / "cli-release"
    result = CliRunner().invoke(main, ["dump", "--store", str(store_dir), "--out", str(out), "-v"])
    assert result.exit_code == 0, result.output
    assert "atlas.jsonld" in result.stderr and "tables" in result.stderr
    assert ReleaseManifest.read(out).triples > 0
    missing = CliRunner().invoke(
        main, ["dump", "--store", str(tmp_path / "none"), "--out", str(tmp_path / "x")]
    )
    assert missing.exit_code == 1
    assert "no store here" in missing.output
