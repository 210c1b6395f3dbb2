"""Pages for people: escaped text, figures, entry points, search, canned queries."""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
import requests
from markupsafe import escape

from .conftest import BASE, XSS_AMOUNT, XSS_TITLE

HTML = {"Accept": "text/html"}


def search(server, params: dict, timeout: float = 30) -> requests.Response:
    """GET /search, waiting while the server builds its search index (503, Retry-After)."""
    deadline = time.monotonic() + 120
    while True:
        response = requests.get(f"{server.url}/search", params=params, timeout=timeout)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(float(response.headers.get("Retry-After", "1")))


def test_markup_in_a_title_renders_as_text(server):
    page = requests.get(f"{server.url}/id/partnership/xss", headers=HTML, timeout=30).text
    assert "<script>alert" not in page
    assert str(escape(XSS_TITLE)) in page
    assert "&lt;script&gt;alert(&#39;atlas&#39;)&lt;/script&gt; Jumelage &amp; co" in page
    found = search(server, {"q": "Jumelage"}, timeout=30).text
    assert "<script>alert" not in found and "&lt;script&gt;" in found


def test_home_shows_figures_and_entry_points(server, sample_store_rows):
    count = sample_store_rows("SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a atlas:Partnership }")[0]
    count = count["n"].value
    page = requests.get(f"{server.url}/", headers=HTML, timeout=30).text
    assert f"<strong>{count}</strong> partenariats" in page
    for facet in ("country", "theme", "french-authority", "year", "status"):
        assert f'href="/browse/{facet}"' in page
        listing = requests.get(f"{server.url}/browse/{facet}", timeout=30)
        assert listing.status_code == 200 and "<td" in listing.text


def test_partnership_page_has_roles_financing_and_provenance(server, known):
    page = requests.get(f"{server.url}/{known.path}", headers=HTML, timeout=30).text
    assert f"<h1>{escape(known.title)}</h1>" in page
    assert "<h2>Acteurs</h2>" in page and f'href="/{known.actor_path}"' in page
    assert "Financements" in page and re.search(
        r"<tfoot><tr><th scope=\"row\" colspan=\"2\">Total</th>", page
    )
    assert f'href="/{known.path}/page"' in page  # prov:wasDerivedFrom, in the data section
    assert 'Source (fiche de l&#39;Atlas) : <a href="https://pastel.diplomatie.gouv.fr/' in page


def test_actor_page_lists_its_partnerships(server, known):
    page = requests.get(f"{server.url}/{known.actor_path}", headers=HTML, timeout=30).text
    assert f'href="/{known.path}"' in page


def test_search_by_title_and_year(server, known):
    page = search(server, {"q": known.word.lower()}, timeout=30).text
    assert f'href="/{known.path}"' in page
    by_year = search(server, {"year": known.start_year}, timeout=30)
    assert f'href="/{known.path}"' in by_year.text
    bad = search(server, {"year": "20x6"}, timeout=30)
    assert bad.status_code == 400


def test_canned_queries_as_html_csv_and_json(server):
    index = requests.get(f"{server.url}/queries", timeout=30).text
    assert 'href="/queries/partnerships-by-country"' in index
    as_csv = requests.get(f"{server.url}/queries/partnerships-by-country.csv", timeout=30)
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["country", "partnerships"] and len(rows) > 5
    as_json = requests.get(f"{server.url}/queries/partnerships-by-country.json", timeout=30)
    bindings = as_json.json()["results"]["bindings"]
    assert [b["country"]["value"] for b in bindings] == [row[0] for row in rows[1:]]
    by_accept = requests.get(
        f"{server.url}/queries/partnerships-by-country", headers={"Accept": "text/csv"}, timeout=30
    )
    assert by_accept.text == as_csv.text
    html = requests.get(f"{server.url}/queries/partnerships-by-country", headers=HTML, timeout=30)
    assert "<table" in html.text and rows[1][0] in html.text
    missing = requests.get(f"{server.url}/queries/no-such-query", headers=HTML, timeout=30)
    assert missing.status_code == 404


def test_editor_prefills_and_runs_without_javascript(server):
    page = requests.get(f"{server.url}/query", params={"name": "themes"}, timeout=30).text
    assert "<textarea" in page and "Résultats" in page and "<table" in page
    plain = requests.get(f"{server.url}/sparql", headers=HTML, timeout=30).text
    assert "<textarea" in plain and "/static/editor.js" in plain
    script = requests.get(f"{server.url}/static/editor.js", timeout=30)
    assert script.status_code == 200


@pytest.mark.parametrize(
    ("link", "header"),
    [("atlas:region", "Acteur de la région"), ("atlas:territory", "Acteur du territoire")],
)
def test_territory_page_lists_the_partnerships_of_its_authorities(
    server, sample_store_rows, link, header
):
    row = sample_store_rows(
        f"SELECT ?place ?p {{ ?a {link} ?place . ?x atlas:agent ?a ; "
        "atlas:inPartnership ?p } LIMIT 1"
    )[0]
    place, partnership = (row[n].value.removeprefix(BASE) for n in ("place", "p"))
    page = requests.get(f"{server.url}/{place}", headers=HTML, timeout=30).text
    assert f'href="/{partnership}"' in page
    assert header in page


def test_amounts_with_cents_are_shown_to_the_cent(server):
    page = requests.get(f"{server.url}/id/partnership/xss", headers=HTML, timeout=30).text
    whole, cents = XSS_AMOUNT.split(".")
    # French: narrow no-break space between thousands, no-break space before the sign
    assert f"{int(whole):,}".replace(",", "\u202f") + f",{cents.ljust(2, '0')}\xa0€" in page
    english = requests.get(
        f"{server.url}/id/partnership/xss", params={"lang": "en"}, headers=HTML, timeout=30
    ).text
    assert f"€{int(whole):,}.{cents.ljust(2, '0')}" in english


def test_unknown_lists_and_queries_are_404(server, tmp_path):
    for path in ("browse/nope", "queries/nope", "queries/nope.csv", "query?name=nope"):
        response = requests.get(f"{server.url}/{path}", timeout=30)
        assert response.status_code == 404, path
        assert "nope" in response.text
    # A name is only ever looked up among the shipped queries, never read as a file.
    response = requests.get(f"{server.url}/query", params={"name": "-rq"}, timeout=30)
    assert response.status_code == 404


def test_title_search_ignores_accents_case_and_spacing(server, sample_store_rows):
    row = sample_store_rows(
        "SELECT ?p ?t { ?p a atlas:Partnership ; dcterms:title ?t "
        "FILTER REGEX(?t, '[éèêàôùç]') } ORDER BY ?p LIMIT 1"
    )[0]  # the sample corpus has accented titles
    words = row["t"].value.split()
    accented = next(i for i, w in enumerate(words) if not w.isascii())
    typed = " ".join(words[max(0, accented - 1) : accented + 1])
    typed = unicodedata.normalize("NFD", typed).encode("ascii", "ignore").decode().upper()
    typed = typed.replace(" ", "   ")
    page = search(server, {"q": typed}, timeout=30).text
    assert f'href="/{row["p"].value.removeprefix(BASE)}"' in page, typed


def test_a_broad_theme_lists_the_partnerships_of_its_narrower_themes(server, sample_store_rows):
    row = sample_store_rows(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?top ?p { ?p atlas:mainTheme ?t . ?t skos:broader+ ?top "
        "FILTER NOT EXISTS { ?top skos:broader ?up } "
        "FILTER NOT EXISTS { ?q atlas:mainTheme|atlas:otherTheme ?top } } ORDER BY ?p LIMIT 1"
    )[0]  # a top theme no partnership names directly
    top, partnership = (row[n].value.removeprefix(BASE) for n in ("top", "p"))
    page = requests.get(f"{server.url}/{top}", headers=HTML, timeout=30).text
    assert '<th scope="col">Sous-thématique</th>' in page
    assert f'<td><a href="/{partnership}">' in page


def test_participations_show_as_tables_not_as_bare_iris(server, known):
    for path in (known.path, known.actor_path):
        page = requests.get(f"{server.url}/{path}", headers=HTML, timeout=30).text
        assert "/role/" not in page, path
    # They stay in the data.
    turtle = requests.get(f"{server.url}/{known.path}.ttl", timeout=30).text
    assert "/role/" in turtle


def test_a_country_page_lists_its_partnerships_with_their_start(server, known):
    turtle = rdflib.Graph().parse(f"{server.url}/{known.path}.ttl", format="turtle")
    atlas = rdflib.Namespace("https://atlas-ld.example/def/atlas#")
    country = next(turtle.objects(rdflib.URIRef(BASE + known.path), atlas.country))
    page = requests.get(str(country).replace(BASE, f"{server.url}/"), headers=HTML, timeout=30)
    row = re.search(rf'<td><a href="/{known.path}">[^<]*</a></td><td>([^<]*)</td>', page.text)
    assert row and row.group(1) == known.start_year


def _summary(page: str) -> str:
    """The page from its <h1> to the first long text or table: what the reader sees first."""
    start = page.index("<h1>")
    ends = [page.find(mark, start) for mark in ('<section class="text">', "<table", "<details")]
    return page[start : min(e for e in ends if e > 0)]


def test_partnership_summary_comes_first(server, sample_store_rows):
    """Who works with whom, where, on what, when and with how much money, before anything else;
    every expected value is read from the store."""
    row = sample_store_rows(
        "SELECT ?p (SUM(?v) AS ?total) { ?p atlas:financing/<https://schema.org/amount>/"
        "<https://schema.org/value> ?v . ?p atlas:status ?s ; atlas:country ?c } "
        "GROUP BY ?p ORDER BY DESC(?total) ?p LIMIT 1"
    )[0]
    iri, total = row["p"].value, Decimal(row["total"].value)
    path = iri.removeprefix(BASE)
    names = {
        role: {
            r["n"].value
            for r in sample_store_rows(
                f"SELECT ?n {{ ?x atlas:inPartnership <{iri}> ; atlas:role atlas:{role} ; "
                "atlas:agent/<https://schema.org/name> ?n }"
            )
        }
        for role in ("FrenchPartnerAuthority", "ForeignPartner")
    }
    labels = sample_store_rows(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?country ?status {{ <{iri}> atlas:country/skos:prefLabel ?country ; "
        "atlas:status/skos:prefLabel ?status "
        "FILTER (LANG(?country) = 'fr' && LANG(?status) = 'fr') }"
    )[0]
    page = requests.get(f"{server.url}/{path}", headers=HTML, timeout=30).text
    summary = _summary(page)
    for name in names["FrenchPartnerAuthority"] | names["ForeignPartner"]:
        assert str(escape(name)) in summary, name
    who = re.search(r'<p class="who">(.*?)</p>', summary).group(1)
    french_end = max(who.index(str(escape(n))) for n in names["FrenchPartnerAuthority"])
    assert (
        french_end
        < who.index("→")
        < min(who.index(str(escape(n))) for n in names["ForeignPartner"])
    )
    assert labels["country"].value in summary and labels["status"].value in summary
    assert f"{int(total):,}".replace(",", "\u202f") in summary  # total financing, French style
    # The raw statements stay, folded away; no table of incoming links.
    assert re.search(r'<details class="data">\s*<summary>Données</summary>', page)
    assert "Liens entrants" not in page


def test_each_actor_is_one_row_with_all_its_roles(server, sample_store_rows):
    row = sample_store_rows(
        "SELECT ?p ?a (COUNT(DISTINCT ?r) AS ?n) { ?x atlas:inPartnership ?p ; atlas:agent ?a ; "
        "atlas:role ?r } GROUP BY ?p ?a HAVING (COUNT(DISTINCT ?r) > 1) ORDER BY ?p ?a LIMIT 1"
    )[0]
    path, actor = (row[n].value.removeprefix(BASE) for n in ("p", "a"))
    page = requests.get(f"{server.url}/{path}", headers=HTML, timeout=30).text
    actors = page[page.index('<table class="actors">') :]
    actors = actors[: actors.index("</table>")]
    assert actors.count(f'href="/{actor}"') == 1
    cells = re.search(rf'href="/{actor}">[^<]*</a></td><td>([^<]*)</td>', actors).group(1)
    assert len(cells.split(", ")) == int(row["n"].value)


def test_long_texts_keep_their_line_breaks(server, sample_store_rows):
    row = sample_store_rows(
        "SELECT ?p ?text { ?p atlas:objectives ?text FILTER (CONTAINS(?text, '\\n')) } "
        "ORDER BY ?p LIMIT 1"
    )[0]
    page = requests.get(
        f"{server.url}/{row['p'].value.removeprefix(BASE)}", headers=HTML, timeout=30
    ).text
    assert f'<div class="prose">{escape(row["text"].value)}</div>' in page
    css = requests.get(f"{server.url}/static/atlas.css", timeout=30).text
    assert re.search(r"\.prose\s*\{[^}]*white-space:\s*pre-line", css)


@pytest.mark.parametrize(
    ("kind", "query"),
    [
        (
            "actor",
            "SELECT ?x (COUNT(DISTINCT ?p) AS ?n) { ?y atlas:agent ?x ; atlas:inPartnership ?p }",
        ),
        (
            "country",
            "SELECT ?x (COUNT(DISTINCT ?p) AS ?n) { ?p a atlas:Partnership ; atlas:country ?x }",
        ),
        (
            "theme",
            "SELECT ?x (COUNT(DISTINCT ?p) AS ?n) { ?p atlas:mainTheme|atlas:otherTheme ?t . "
            "?t <http://www.w3.org/2004/02/skos/core#broader>* ?x }",
        ),
    ],
)
def test_summary_pages_count_partnerships(server, sample_store_rows, kind, query):
    row = sample_store_rows(query + " GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 1")[0]
    page = requests.get(
        f"{server.url}/{row['x'].value.removeprefix(BASE)}", headers=HTML, timeout=30
    ).text
    summary = _summary(page)
    assert f"<dt>Partenariats</dt><dd>{row['n'].value}</dd>" in summary, kind
    listed = page[page.index('<table class="partnerships">') :]
    assert listed[: listed.index("</table>")].count("<tr><td>") == int(row["n"].value)


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void"])
def test_catalogue_and_void_are_pages_for_browsers_and_turtle_for_programs(server, path):
    page = requests.get(f"{server.url}{path}", headers=BROWSER, timeout=60)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count("<h1>") == 1 and '<a class="brand" href="/">' in page.text
    for accept in (None, "*/*", "text/turtle"):
        data = requests.get(
            f"{server.url}{path}", headers={"Accept": accept} if accept else {}, timeout=60
        )
        assert data.headers["content-type"].startswith("text/turtle"), accept
        rdflib.Graph().parse(data=data.text, format="turtle")


def test_the_ontology_page_has_one_title_and_both_languages(server):
    turtle = rdflib.Graph().parse(f"{server.url}/def/atlas.ttl", format="turtle")
    dcterms = rdflib.namespace.DCTERMS
    ontology = next(turtle.subjects(rdflib.RDF.type, rdflib.OWL.Ontology))
    titles = {t.language: str(t) for t in turtle.objects(ontology, dcterms.title)}
    for lang in ("fr", "en"):
        page = requests.get(
            f"{server.url}/def/atlas", params={"lang": lang}, headers=BROWSER, timeout=30
        ).text
        assert re.findall(r"<h1>(.*?)</h1>", page) == [str(escape(titles[lang]))]
        assert '<a class="brand" href="/">' in page
        # every class of the ontology has its row, its anchor and both labels
        for cls in turtle.subjects(rdflib.RDF.type, rdflib.OWL.Class):
            if not str(cls).startswith("https://atlas-ld.example/def/atlas#"):
                continue
            name = str(cls).split("#")[1]
            row = re.search(rf'<tr id="{name}">(.*?)</tr>', page, re.S).group(1)
            for label in turtle.objects(cls, rdflib.RDFS.label):
                assert str(escape(str(label))) in row, (name, label)


def test_favicon(server):
    icon = requests.get(f"{server.url}/favicon.ico", timeout=30)
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"  # ICO header
    page = requests.get(f"{server.url}/", headers=HTML, timeout=30).text
    assert '<link rel="icon" href="/favicon.ico"' in page


def test_canned_query_pages_in_both_languages_with_formatted_numbers(server):
    from atlas_ld.store.canned import read_header

    url = f"{server.url}/queries/partnerships-by-country"
    sparql = requests.get(f"{server.url}/queries", timeout=30)  # index in French
    assert sparql.status_code == 200
    french = requests.get(url, headers=HTML, timeout=30).text
    english = requests.get(url, params={"lang": "en"}, headers=HTML, timeout=30).text
    meta = read_header(
        (Path(__file__).parents[2] / "queries/partnerships-by-country.rq").read_text()
    )
    assert f"<h1>{escape(meta['title'])}</h1>" in french
    assert f"<h1>{escape(meta['title@en'])}</h1>" in english
    assert f'<th scope="col">{escape(meta["column@en country"])}</th>' in english
    for page in (french, english):
        assert "xsd:" not in page[page.index('<table class="results">') :]


def test_home_years_span_survives_a_partnership_without_start_year(server, sample_store_rows):
    """Regression: MIN/MAX over an OPTIONAL start year were unbound as soon as one partnership
    (here the escaping test's) had none, and the home page lost its span of years."""
    years = sorted(
        int(r["y"].value) for r in sample_store_rows("SELECT ?y { ?p atlas:startYear ?y }")
    )
    missing = sample_store_rows(
        "SELECT ?p { ?p a atlas:Partnership FILTER NOT EXISTS { ?p atlas:startYear ?y } }"
    )
    assert missing  # the situation of the bug
    page = requests.get(f"{server.url}/", headers=HTML, timeout=60).text
    assert f"<strong>{years[0]}</strong>" in page and f"<strong>{years[-1]}</strong>" in page


def test_home_figures_are_kept_next_to_the_store_per_build(server, sample_store, sample_store_rows):
    """Computed when the server starts, in both languages, under a folder named after the
    build (a digest of the store's manifest), so a rebuilt store never shows old figures."""
    import hashlib
    import json

    build = hashlib.sha256((sample_store / "atlas-ld.json").read_bytes()).hexdigest()[:24]
    folder = sample_store.with_name(sample_store.name + ".pages") / build
    requests.get(f"{server.url}/", headers=HTML, timeout=60)
    for _ in range(100):
        if all((folder / f"home-{lang}.json").is_file() for lang in ("fr", "en")):
            break
        time.sleep(0.2)
    count = sample_store_rows("SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a atlas:Partnership }")
    for lang in ("fr", "en"):
        saved = json.loads((folder / f"home-{lang}.json").read_text(encoding="utf-8"))
        assert saved["figures"]["partnerships"] == int(count[0]["n"].value)


def test_home_counts_partnerships_per_broad_theme(server, sample_store_rows):
    rows = sample_store_rows(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?top (COUNT(DISTINCT ?p) AS ?n) { ?p atlas:mainTheme/skos:broader* ?top . "
        "?top skos:topConceptOf ?s } GROUP BY ?top ORDER BY DESC(?n) ?top"
    )
    page = requests.get(f"{server.url}/", headers=HTML, timeout=60).text
    for _ in range(50):  # figures computed when the server starts
        if 'id="themes"' in page:
            break
        time.sleep(0.2)
        page = requests.get(f"{server.url}/", headers=HTML, timeout=60).text
    themes = page[page.index('id="themes"') :]
    themes = themes[: themes.index("</table>")]
    for row in rows:
        href = row["top"].value.removeprefix(BASE)
        cell = re.search(rf'href="/{href}">[^<]*</a></th>\s*<td class="num">(\d+)</td>', themes)
        assert cell and cell.group(1) == row["n"].value, href
