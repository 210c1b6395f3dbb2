"""Property: the same partnership, rendered through random markup transformations, parses to the
same values. The renderer (`renderer.py`) is the tests' own: its labels are typed from the real
page, not imported from the parser, and its markups are not the sample generator's.

Transformations drawn: the markup of label/value pairs (dl/dt/dd, th/td, headings and
paragraphs, spans and divs, `Label : value`, `<br>`-separated lines), of tables (header row,
thead, row headers, none) and of the embassy-contact block; wrappers re-nesting every block;
attribute sets in any order and quoting; upper-case tags; curly apostrophes and colons in labels;
character references (named, decimal, hex); whitespace runs (tabs, newlines, no-break spaces);
relative, root-relative and absolute links, on the name or behind the magnifier; five encodings.
"""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas_ld.core.errors import AtlasError
from atlas_ld.core.model import Page
from atlas_ld.parse.parser import parse_page

from .renderer import Contact, Funding, Partner, Partnership, Plan, render

WORDS = [
    "coopération",
    "décentralisée",
    "Hué",
    "l’œuvre",
    "élus",
    "Île-de-France",
    "santé",
    "eau",
    "&",
    "<école>",
    "« jumelage »",
    "Dschang",
    "ZIGUINCHOR",
    "d'accès",
    "à",
    "réseau",
    "Kaya",
    "femmes",
    "maraîchères",
    "Ouahigouya",
    "Œuvre",
    "façade",
    "naïf",
    "Noël",
    "déchets",
]
PLACES = ["Dschang", "Kaya", "Hué", "Sétif", "Ziguinchor", "Kolda", "Bafang", "Foumbot"]
COUNTRIES = ["Sénégal", "Cameroun", "Vietnam", "Burkina Faso", "Côte d'Ivoire", "Algérie"]
FUNCTIONS = [
    "Correspondant coopération décentralisée",
    "Conseiller de coopération et d'action culturelle",
    "Chef du service de coopération",
]
PEOPLE = [("Jean", "DUPONT"), ("Aminata", "SOW"), ("Hervé", "LE BRIS"), ("Thi Lan", "NGUYEN")]
STATUSES = ["En cours", "Terminé", "Suspendu"]
POSTS = ["Ambassade de France au Sénégal", "Consulat général de France à Québec"]

phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)
money = st.one_of(
    st.integers(0, 500_000).map(Decimal),
    st.integers(0, 50_000_000).map(lambda cents: Decimal(cents) / 100),
)
partners = st.lists(
    st.builds(
        Partner,
        st.sampled_from(PLACES).map(lambda p: f"Commune de {p}"),
        st.sampled_from(COUNTRIES),
        st.integers(1, 99_999),
    ),
    max_size=3,
)
financing = st.lists(
    st.builds(
        Funding,
        st.sampled_from(PLACES).map(lambda p: f"Ville de {p}"),
        money,
        st.one_of(st.none(), money),
        st.integers(1995, 2030),
    ),
    max_size=4,
)
contacts = st.lists(
    st.builds(
        lambda f, person: Contact(
            f, f"{person[0]} {person[1]}", f"{person[0][0].lower()}.x@diplomatie.gouv.fr"
        ),
        st.sampled_from(FUNCTIONS),
        st.sampled_from(PEOPLE),
    ),
    min_size=1,
    max_size=3,
)
partnerships = st.builds(
    Partnership,
    title=phrase,
    first_year=st.integers(1990, 2030),
    theme=phrase,
    sub_theme=phrase,
    start_year=st.integers(1990, 2030),
    status=st.sampled_from(STATUSES),
    context=st.lists(phrase, min_size=1, max_size=3),
    partners=partners,
    financing=financing,
    triennial=st.booleans(),
    post=st.sampled_from(POSTS),
    contacts=contacts,
)
attribute = st.tuples(
    st.sampled_from(["class", "id", "data-x", "style", "title", "lang"]),
    st.sampled_from(["libelle", "valeur", "a b", "x-1", "fr", "color: red"]),
    st.sampled_from(['"', "'", ""]),
).filter(lambda a: a[2] or (" " not in a[1] and ":" not in a[1]))
plans = st.builds(
    Plan,
    field_markup=st.sampled_from(["dl", "table", "headings", "spans", "inline", "br"]),
    table_markup=st.sampled_from(["plain", "thead", "rowheader", "noheader"]),
    link_form=st.sampled_from(["relative", "rooted", "absolute"]),
    link_on=st.sampled_from(["magnifier", "name"]),
    href_noise=st.sampled_from(["", " ", "\n", "\t", " \n\t "]),
    post_markup=st.sampled_from(["h4p", "dl", "table", "divs"]),
    wrappers=st.lists(st.sampled_from(["div", "section", "span", "article", "font"]), max_size=3),
    upper_tags=st.booleans(),
    curly_apostrophes=st.booleans(),
    colon_after_labels=st.booleans(),
    entities=st.sampled_from(["none", "named", "decimal", "hex"]),
    spacing=st.lists(
        st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", " \n  "]), min_size=1, max_size=4
    ),
    encoding=st.sampled_from(
        ["utf-8", "utf-8-bom", "windows-1252", "windows-1252-undeclared", "utf-16"]
    ),
    attributes=st.lists(attribute, max_size=3, unique_by=lambda a: a[0]),
    amount_commas=st.booleans(),
)


def _seen(p: Partnership) -> dict:
    """What a careful reader of any rendering sees."""
    return {
        "title": p.title,
        "first_agreement_year": p.first_year,
        "theme": (p.theme, p.sub_theme),
        "start_year": p.start_year,
        "status": p.status,
        "context": "\n".join(p.context),
        "partners": [(a.name, a.country, a.url) for a in p.partners],
        "financing": [(f.funder, f.amount, f.water, f.year) for f in p.financing],
        "triennial": p.triennial,
        "post": p.post,
        "contacts": [(c.function, c.name, c.email) for c in p.contacts],
        "warnings": [],
    }


def _parsed(page: Page) -> dict:
    r = parse_page(page)
    return {
        "title": r.title,
        "first_agreement_year": r.first_agreement_year,
        "theme": (r.theme.theme, r.theme.sub_theme),
        "start_year": r.start_year,
        "status": r.status,
        "context": r.context,
        "partners": [(a.name, a.country, a.atlas_url) for a in r.foreign_partners],
        "financing": [(f.funder, f.amount_eur, f.water_oudin_eur, f.year) for f in r.financing],
        "triennial": r.triennial,
        "post": r.diplomatic_post,
        "contacts": [(c.function, c.name, c.email) for c in r.post_contacts],
        "warnings": r.warnings,
    }


# ATLAS_LD_EXAMPLES=5000 for a longer search than the suite's
EXAMPLES = int(os.environ.get("ATLAS_LD_EXAMPLES", "150"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnerships, plans)
def test_any_markup_of_a_partnership_parses_to_what_it_says(partnership, plan):
    body, content_type = render(partnership, plan)
    assert _parsed(Page("page.html", body, content_type)) == _seen(partnership)


@settings(max_examples=max(EXAMPLES // 4, 10), deadline=None)
@given(partnerships, plans, plans)
def test_two_markups_of_one_partnership_give_the_same_record(partnership, one, other):
    first = parse_page(Page("page.html", *render(partnership, one)))
    second = parse_page(Page("page.html", *render(partnership, other)))
    for record in (first, second):  # what only differs by rendering: the rows' text as shown
        for row in (*record.foreign_partners, *record.financing):
            row.text = None
    assert first == second


@settings(max_examples=max(EXAMPLES, 100), deadline=None)
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(alphabet="<>/=\"' &;#abcdehlprtuvxyTi\u00e9\n", max_size=2000).map(
            lambda t: ("<dl><dt>Titre</dt><dd>x</dd></dl>" + t).encode()
        ),
    ),
    st.sampled_from([None, "text/html", "text/plain", "text/html; charset=utf-16"]),
)
def test_any_bytes_give_a_record_or_a_parse_error_never_a_crash(body, content_type):
    try:
        record = parse_page(Page("page", body, content_type))
    except AtlasError as exc:
        assert "\n" not in str(exc)
    else:
        assert record.title
