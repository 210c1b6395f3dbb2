"""An Atlas-like page renderer written for the property tests, independently of the parser's
label tables and of the sample generator: its own copy of the labels (as the site writes them)
and its own markups, chosen by a `Plan` that hypothesis draws.

A `Partnership` is the little record the tests render; `render(p, plan)` gives the page's bytes
and the content type to serve them with. Whatever the plan, a careful reader sees the same
partnership, so parsing must give the same values.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal

DETAIL = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"
FOREIGN = "detailCollectiviteEtrangere.html?criteres.colId={}"

# The labels as the Atlas shows them (typed from the real page; `’` may replace `'`).
L_TITLE = "Titre"
L_FIRST_YEAR = "Année de première signature de la convention"
L_THEME = "Thématique d'intervention"
L_SUB_THEME = "Sous-thématique d'intervention"
L_START = "Année de début du partenariat"
L_STATUS = "Le partenariat est"
L_CONTEXT = "Contexte"
L_PARTNERS = "Partenaires étrangers du partenariat"
L_FINANCING = "Financement du partenariat"
TRIENNIAL = {True: "Le partenariat est triennal", False: "Le partenariat n'est pas triennal"}
POST = 'Contacts dans le poste diplomatique "{}"'
FOOTER = "PIED DE PAGE"
PARTNER_HEADER = ["Nom de la collectivité étrangère", "Pays"]
FINANCING_HEADER = [
    "Nom du financeur",
    "Montant en euros",
    "Montant 1% Eau (Loi Oudin 2005)",
    "Année",
]


@dataclass
class Partner:
    name: str
    country: str
    col_id: int

    @property
    def url(self) -> str:
        return DETAIL + FOREIGN.format(self.col_id)


@dataclass
class Funding:
    funder: str
    amount: Decimal
    water: Decimal | None
    year: int


@dataclass
class Contact:
    function: str
    name: str
    email: str


@dataclass
class Partnership:
    title: str
    first_year: int
    theme: str
    sub_theme: str
    start_year: int
    status: str
    context: list[str]  # paragraphs
    partners: list[Partner]
    financing: list[Funding]
    triennial: bool
    post: str
    contacts: list[Contact]


@dataclass
class Plan:
    """How to write the page: every choice the property tests vary."""

    field_markup: str = "dl"  # dl, table, headings, spans, inline, br
    table_markup: str = "plain"  # plain, thead, rowheader, noheader
    link_form: str = "relative"  # relative, rooted, absolute
    link_on: str = "magnifier"  # magnifier, name
    # whitespace a hand-written href may carry, which browsers drop: around it, and a line
    # break or tab inside it (WHATWG URL: "remove all ASCII tab or newline")
    href_noise: str = ""
    post_markup: str = "h4p"  # h4p, dl, table, divs
    wrappers: list[str] = field(default_factory=list)  # elements wrapped around every block
    upper_tags: bool = False
    curly_apostrophes: bool = False
    colon_after_labels: bool = False
    entities: str = "none"  # none, named, decimal, hex
    spacing: list[str] = field(default_factory=lambda: [" "])  # runs used for spaces in text
    encoding: str = "utf-8"  # utf-8, utf-8-bom, windows-1252, windows-1252-undeclared, utf-16
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, quote
    amount_commas: bool = False  # 1500,50 rather than 1500.50


class _Writer:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.n = 0

    def tag(self, name: str) -> str:
        return name.upper() if self.plan.upper_tags else name

    def attrs(self) -> str:
        out = []
        for name, value, quote in self.plan.attributes:
            out.append(f"{name}={quote}{value}{quote}" if quote else f"{name}={value}")
        return (" " + " ".join(out)) if out else ""

    def el(self, name: str, inner: str, extra: str = "") -> str:
        t = self.tag(name)
        return f"<{t}{self.attrs()}{extra}>{inner}</{t}>"

    def text(self, value: str) -> str:
        """Escaped as the plan says; spaces replaced by the plan's whitespace runs."""
        out = []
        for ch in value:
            if ch == " ":
                self.n += 1
                out.append(self.plan.spacing[self.n % len(self.plan.spacing)])
            elif ch in "&<>":
                out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[ch])
            elif ord(ch) > 127 and self.plan.entities != "none":
                out.append(_entity(ch, self.plan.entities))
            else:
                out.append(ch)
        return "".join(out)

    def label(self, text: str, colon: bool = True) -> str:
        if self.plan.curly_apostrophes:
            text = text.replace("'", "’")
        colon = colon and self.plan.colon_after_labels
        return self.text(text) + (" :" if colon else "")

    def wrap(self, block: str) -> str:
        for name in self.plan.wrappers:
            block = self.el(name, block)
        return block

    def field(self, label: str, values: list[str]) -> str:
        """A label and its value (one or more lines) in the plan's markup."""
        lab = self.label(label)
        vals = [self.text(v) for v in values]
        m = self.plan.field_markup
        if m == "dl":
            return self.el("dl", self.el("dt", lab) + "".join(self.el("dd", v) for v in vals))
        if m == "table":
            cell = "<br>".join(vals) if len(vals) > 1 else "".join(vals)
            return self.el("table", self.el("tr", self.el("th", lab) + self.el("td", cell)))
        if m == "headings":
            return self.el("h3", lab) + "".join(self.el("p", v) for v in vals)
        if m == "spans":
            inner = "".join(self.el("span", v) for v in vals[:1]) + "".join(
                self.el("div", v) for v in vals[1:]
            )
            return self.el("div", self.el("span", lab) + inner)
        if m == "inline" and len(vals) == 1:
            return self.el("p", f"{self.label(label, colon=False)} : {vals[0]}")
        return self.el("div", "<br>".join([lab, *vals]))  # br-separated lines

    def table(self, label: str, header: list[str], rows: list[list[str]]) -> str:
        """A labelled table; cells are already markup."""
        head = "".join(self.el("th", self.text(h)) for h in header)
        body = []
        for row in rows:
            first = "th" if self.plan.table_markup == "rowheader" else "td"
            cells = self.el(first, row[0], ' scope="row"' if first == "th" else "")
            body.append(self.el("tr", cells + "".join(self.el("td", c) for c in row[1:])))
        m = self.plan.table_markup
        if m == "noheader":
            inner = "".join(body)
        elif m == "thead":
            inner = self.el("thead", self.el("tr", head)) + self.el("tbody", "".join(body))
        else:
            inner = self.el("tr", head) + "".join(body)
        lab = self.label(label)
        if self.plan.field_markup == "headings":
            return self.el("h3", lab) + self.el("table", inner)
        return self.el("div", self.el("div", lab) + self.el("table", inner))

    def link(self, partner: Partner, name_markup: str) -> tuple[str, str]:
        """The name cell and the magnifier cell of a partner's row."""
        target = FOREIGN.format(partner.col_id)
        href = {
            "relative": target,
            "rooted": "/cncdext/dyn/public/atlas/" + target,
            "absolute": DETAIL + target,
        }[self.plan.link_form].replace("&", "&amp;")
        if noise := self.plan.href_noise:
            cut = href.index("?")
            href = f"{noise}{href[:cut]}{noise.strip(' ') or ''}{href[cut:]}{noise}"
        if self.plan.link_on == "name":
            return f'<a href="{href}">{name_markup}</a>', ""
        return name_markup, f'<a href="{href}"><img src="loupe.png" alt="Icone d\'une loupe"></a>'

    def post(self, p: Partnership) -> str:
        heading = self.text(POST.format(p.post))
        m = self.plan.post_markup
        blocks = []
        for c in p.contacts:
            mail = self.text(c.email.replace("@", "[at]"))
            f, n = self.text(c.function), self.text(c.name)
            if m == "h4p":
                blocks.append(
                    self.el("h4", f) + self.el("p", n) + self.el("p", f"Courriel : {mail}")
                )
            elif m == "dl":
                blocks.append(
                    self.el(
                        "dl",
                        self.el("dt", f)
                        + self.el("dd", n)
                        + self.el("dt", "Courriel")
                        + self.el("dd", mail),
                    )
                )
            elif m == "table":
                blocks.append(
                    self.el("tr", self.el("th", f) + self.el("td", n))
                    + self.el("tr", self.el("th", "Courriel") + self.el("td", mail))
                )
            else:
                blocks.append(
                    self.el("div", f) + self.el("div", n) + self.el("div", f"Courriel : {mail}")
                )
        if m == "table":
            return self.el(
                "table", self.el("tr", self.el("th", heading, ' colspan="2"')) + "".join(blocks)
            )
        return self.el("h3", heading) + "".join(blocks)


def _entity(ch: str, style: str) -> str:
    if style == "named" and (name := html.entities.codepoint2name.get(ord(ch))):
        return f"&{name};"
    if style == "hex":
        return f"&#x{ord(ch):x};"
    return f"&#{ord(ch)};"


def _amount(value: Decimal, commas: bool) -> str:
    text = format(value, "f")
    return text.replace(".", ",") if commas else text


def render(p: Partnership, plan: Plan) -> tuple[bytes, str | None]:
    w = _Writer(plan)
    blocks = [
        w.el(
            "h1",
            w.text(
                "Atlas français de la coopération décentralisée et des autres actions extérieures"
            ),
        ),
        w.post(p),
        w.field(L_TITLE, [p.title]),
        w.field(L_FIRST_YEAR, [str(p.first_year)]),
        w.field(L_THEME, [p.theme]),
        w.field(L_SUB_THEME, [p.sub_theme]),
        w.field(L_START, [str(p.start_year)]),
        w.field(L_STATUS, [p.status]),
        w.field(L_CONTEXT, p.context),
    ]
    rows = []
    for partner in p.partners:
        name, magnifier = w.link(partner, w.text(partner.name))
        rows.append([name, w.text(partner.country), magnifier])
    blocks.append(w.table(L_PARTNERS, [*PARTNER_HEADER, ""], rows))
    money = [
        [
            w.text(f.funder),
            _amount(f.amount, plan.amount_commas),
            "" if f.water is None else _amount(f.water, plan.amount_commas),
            str(f.year),
        ]
        for f in p.financing
    ]
    blocks.append(w.table(L_FINANCING, FINANCING_HEADER, money))
    blocks.append(w.el("p", w.label(TRIENNIAL[p.triennial], colon=False)))
    blocks.append(w.el("p", FOOTER))
    body = "\n".join(w.wrap(b) for b in blocks)

    meta = {
        "utf-8": '<meta charset="utf-8">',
        "utf-8-bom": "",
        "windows-1252": '<meta http-equiv="Content-Type" '
        'content="text/html; charset=windows-1252">',
        "windows-1252-undeclared": "",
        "utf-16": "",
    }[plan.encoding]
    head = f"<head>{meta}<title>Atlas</title></head>"
    page = f"<!DOCTYPE html>\n<html>{head}\n<body>{body}</body></html>"
    if plan.encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + page.encode("utf-8"), None
    if plan.encoding == "utf-16":
        return page.encode("utf-16"), "text/html"
    if plan.encoding.startswith("windows-1252"):
        return page.encode("cp1252", "xmlcharrefreplace"), None
    return page.encode("utf-8"), None
