"""Write a `ProjectRecord` back out as an Atlas project page, in one of several markups.

The sample corpus and the benchmark generator need pages whose content is known exactly, in the
variety the parser must survive: the same sequence of labels and values as the real page (its
plain-text rendering is reproduced line for line), laid out as `div`s, `span`s, `dl`/`dt`/`dd`,
`table` `th`/`td`, headings and paragraphs, or plain text; in UTF-8 or windows-1252, with or
without a declared charset, with the quirks seen on real pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from atlas_ld.core.model import ProjectRecord
from atlas_ld.core.text import clean
from atlas_ld.parse.labels import (
    FIELD_LABELS,
    MAGNIFIER,
    POST_PREFIX,
    SITE_TITLE,
    STATEMENT_LABELS,
    TABLE_HEADERS,
    TABLE_LABELS,
)

MARKUPS = ("div", "span", "dl", "table", "headings", "text")
FOOTER = "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013"
THEME_ROWS_PER_PAGE = 5
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")


@dataclass(frozen=True, slots=True)
class Style:
    """How a page is written, independently of what it says."""

    markup: str = "div"
    encoding: str = "utf-8"  # or "windows-1252"
    declare_charset: bool = True  # a <meta charset>; without it the parser must detect
    raw_keys: bool = False  # breadcrumb and pager show unresolved message keys
    nbsp: bool = False  # no-break spaces where French typography puts them (`15 000`, ` :`)
    tabs: bool = False  # plain text only: table cells separated by tabs, as a browser copies them


# -- the page as a sequence of blocks, whatever the markup -----------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Table:
    label: str
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], str | None], ...]  # cells, magnifier link
    pager_every: int | None = None
    magnifier: bool = False  # rows end with the magnifier icon (a link when the row has one)


@dataclass(frozen=True, slots=True)
class _Contact:
    """One person of the diplomatic post: function, name, obfuscated e-mail."""

    function: str
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    heading: bool = False


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def _amount(value: float | int | None, grouped: bool) -> str:
    """`15000`, `1250,50`; grouped: `15 000`, `1 250,50` with no-break spaces."""
    if value is None:
        return ""
    whole = value == int(value)  # an int, or a parsed Decimal such as 15000
    text = f"{int(value):,}" if whole else f"{value:,.2f}"
    text = text.replace(",", "\u00a0" if grouped else "").replace(".", ",")
    return text


def _obfuscate(email: str | None) -> str:
    return email.replace("@", "[at]") if email else ""


def _blocks(record: ProjectRecord, style: Style) -> list:
    r = record
    crumb = (
        "Accueil > ???menu.atlas.libelle??? > ???menu.atlas.detailProjet.libelle???"
        if style.raw_keys
        else "Accueil > Atlas > Détail projet"
    )
    blocks: list = [_Line(crumb), _Line(SITE_TITLE, heading=True)]
    if r.diplomatic_post is not None:
        blocks.append(_Line(f'{POST_PREFIX} "{r.diplomatic_post}"', heading=True))
        blocks += [_Contact(c.function, c.name, c.email) for c in r.post_contacts]

    def field(name: str, value) -> None:
        text = None if value is None else str(value)
        blocks.append(_Field(FIELD_LABELS[name], _lines(text)))

    def table(name: str, rows, pager_every: int | None = None, magnifier: bool = False) -> None:
        header = tuple(TABLE_HEADERS[name])
        blocks.append(_Table(TABLE_LABELS[name], header, tuple(rows), pager_every, magnifier))

    field("title", r.title)
    if r.first_agreement_year is not None:
        field("first_agreement_year", r.first_agreement_year)
    field("theme", r.theme.theme)
    field("sub_theme", r.theme.sub_theme)
    field("sub_sub_theme", r.theme.sub_sub_theme)
    themes = [
        ((t.theme or "", t.sub_theme or "", t.sub_sub_theme or "", t.priority or ""), None)
        for t in r.other_themes
    ]
    table("other_themes", themes, THEME_ROWS_PER_PAGE)
    for name in ("start_year", "status"):
        field(name, getattr(r, name))
    field("end_date", french_date(r.end_date))
    for name in ("context", "history", "objectives", "description", "form"):
        field(name, getattr(r, name))
    blocks.append(_Line("Mise en œuvre du partenariat", heading=True))
    for name in ("implementers_text", "owners_text", "beneficiaries"):
        field(name, getattr(r, name))
    partners = [((p.name, p.country or ""), p.atlas_url) for p in r.foreign_partners]
    table("foreign_partners", partners, magnifier=True)
    contacts = [
        (
            (
                c.authority or "",
                c.family_name or "",
                c.given_name or "",
                c.function or "",
                c.email or "",
            ),
            None,
        )
        for c in r.foreign_partner_contacts
    ]
    table("foreign_partner_contacts", contacts)
    authorities = [((a.name,), a.atlas_url) for a in r.french_authorities]
    table("french_authorities", authorities, magnifier=True)
    for name in ("other_partners_france", "other_partners_abroad", "pre_reform_authority"):
        field(name, getattr(r, name))
    if r.triennial is not None:
        blocks.append(_Line(STATEMENT_LABELS[("triennial", r.triennial)]))
    financing = [
        (
            (
                f.funder,
                _amount(f.amount_eur, style.nbsp),
                *(
                    [_amount(f.water_oudin_eur, style.nbsp)]
                    if f.water_oudin_eur is not None
                    else []
                ),
                "" if f.year is None else str(f.year),
            ),
            None,
        )
        for f in r.financing
    ]
    table("financing", financing)
    blocks.append(_Line("Évaluations, communication et perspectives", heading=True))
    for name in ("communication_france", "communication_partner_countries", "evaluation"):
        value = getattr(r, name)
        if value is not None:
            blocks.append(_Line(STATEMENT_LABELS[(name, value)]))
    volunteers = [
        (
            (
                v.family_name or "",
                v.given_name or "",
                v.mission or "",
                v.field or "",
                v.assignment or "",
            ),
            None,
        )
        for v in r.volunteers
    ]
    table("volunteers", volunteers)
    blocks += [_Line("PIED DE PAGE"), _Line(FOOTER)]
    return blocks


def shown_rows(record: ProjectRecord, style: Style = Style()) -> dict[str, list[str]]:
    """Each table's rows as this writer shows them (non-empty cells joined by a space), by the
    record's field name: what the parser keeps as each row's `text`."""
    fields = {label: name for name, label in TABLE_LABELS.items()}
    return {
        fields[b.label]: [clean(" ".join(c for c in cells if c)) for cells, _ in b.rows]
        for b in _blocks(record, style)
        if isinstance(b, _Table)
    }


def french_date(iso: str | None) -> str | None:
    """The Atlas shows `31/12/2015`; a bare year or year-month stays as it is."""
    if iso and len(iso) == 10:
        year, month, day = iso.split("-")
        return f"{day}/{month}/{year}"
    return iso


def _pager(style: Style, pages: int) -> str:
    numbers = " ".join(str(n) for n in range(1, pages + 1))
    if style.raw_keys:
        return f"pagination.page.precedent {numbers} pagination.page.suivant"
    return f"<< < Précédent {numbers} Suivant > >>"


def _chunks(rows: tuple, every: int | None) -> list[tuple]:
    if not every or not rows:
        return [rows]
    return [rows[i : i + every] for i in range(0, len(rows), every)]


# -- plain text, as a browser's copy of the page -----------------------------------------------


def _text(blocks: list, style: Style) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, _Line):
            out += ["", block.text, ""] if block.heading else [block.text]
        elif isinstance(block, _Field):
            out += [block.label, *(block.lines or [""])]
        elif isinstance(block, _Contact):
            out += [block.function, block.name]
            out += [f"Courriel : {_obfuscate(block.email)}", "\u00a0"] if block.email else []
        else:
            out += ["", block.label, "", block.label, " ".join(block.header)]
            chunks = _chunks(block.rows, block.pager_every)
            for chunk in chunks:
                for cells, _link in chunk:
                    shown = (*cells, MAGNIFIER) if block.magnifier else cells
                    out.append("\t".join(shown) if style.tabs else " ".join(c for c in shown if c))
                if block.pager_every:
                    out.append(_pager(style, len(chunks)))
            out.append("")
    return "\n".join(out) + "\n"


# -- HTML --------------------------------------------------------------------------------------


def _typo(text: str, style: Style) -> str:
    """Escaped text; with `nbsp`, the no-break spaces French typography puts before : ; ? !"""
    text = escape(text, quote=False)
    if style.nbsp:
        text = re.sub(r" ([:;?!])", "\u00a0\\1", text)
    return text


def _linked(text: str, style: Style) -> str:
    """A paragraph with its bare URLs as links, as the Atlas's rich-text fields show them."""
    parts, last = [], 0
    for m in _URL.finditer(text):
        parts += [_typo(text[last : m.start()], style)]
        url = escape(m.group(0))
        parts += [f'<a href="{url}">{url}</a>']
        last = m.end()
    return "".join([*parts, _typo(text[last:], style)])


def _field_html(block: _Field, style: Style) -> str:
    label = _typo(block.label, style)
    paras = [_linked(line, style) for line in block.lines]
    markup = style.markup
    if markup == "dl":
        return f"<dl><dt>{label}</dt><dd>{'<br>'.join(paras)}</dd></dl>"
    if markup == "table":
        return (
            f'<table class="fiche"><tr><th>{label}</th><td>{"<br>".join(paras)}</td></tr></table>'
        )
    if markup == "headings":  # sub-headings in capitals (`FRANCE`) as headings too; a value
        # of one line (`GESCOD.`) heads nothing
        several = len(block.lines) > 1
        tags = ["h5" if several and line.isupper() else "p" for line in block.lines]
        return f"<h4>{label}</h4>" + "".join(
            f"<{t}>{p}</{t}>" for t, p in zip(tags, paras, strict=True)
        )
    if markup == "span" and len(paras) <= 1:
        value = paras[0] if paras else ""
        return f'<div class="champ"><span class="libelle">{label}</span> <span>{value}</span></div>'
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<div class="champ"><div class="libelle">{label}</div>'
        f'<div class="valeur">{body}</div></div>'
    )


def _contact_html(block: _Contact, style: Style) -> str:
    mail = ""
    if block.email:
        shown = escape(_obfuscate(block.email))
        mail = f'<br>{_typo("Courriel :", style)} <a href="#" class="courriel">{shown}</a>'
    return (
        f'<p class="contact"><strong>{_typo(block.function, style)}</strong><br>'
        f"{_typo(block.name, style)}{mail}</p><p>&nbsp;</p>"
    )


def _table_html(block: _Table, style: Style) -> str:
    label = _typo(block.label, style)
    head = "".join(f"<th>{_typo(h, style)}</th>" for h in block.header)
    parts = [f"<h3>{label}</h3>"]
    chunks = _chunks(block.rows, block.pager_every)
    for chunk in chunks:
        rows = []
        for cells, link in chunk:
            tds = "".join(f"<td>{_typo(c, style)}</td>" for c in cells)
            icon = f'<img src="/cncdext/images/loupe.png" alt="{MAGNIFIER}">'
            if link:
                tds += f'<td><a href="{escape(link)}">{icon}</a></td>'
            elif block.magnifier:
                tds += f"<td>{icon}</td>"
            rows.append(f"<tr>{tds}</tr>")
        parts.append(
            f"<table><caption>{label}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        if block.pager_every:
            parts.append(f'<div class="pager">{escape(_pager(style, len(chunks)))}</div>')
    return "".join(parts)


def _html(blocks: list, style: Style) -> str:
    charset = ""
    if style.declare_charset:
        charset = f'<meta charset="{style.encoding}">'
    body = []
    for block in blocks:
        if isinstance(block, _Line):
            tag = "h2" if block.heading else "p"
            body.append(f"<{tag}>{_typo(block.text, style)}</{tag}>")
        elif isinstance(block, _Field):
            body.append(_field_html(block, style))
        elif isinstance(block, _Contact):
            body.append(_contact_html(block, style))
        else:
            body.append(_table_html(block, style))
    return (
        f'<!DOCTYPE html>\n<html lang="fr"><head>{charset}<title>Atlas - Détail projet</title>'
        f'<script>var atlas = {{"menu": "detailProjet"}};</script></head>\n<body>\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_page(record: ProjectRecord, style: Style = Style()) -> bytes:
    """The page's bytes: what the Atlas would serve for this record, in this style."""
    blocks = _blocks(record, style)
    text = _text(blocks, style) if style.markup == "text" else _html(blocks, style)
    return text.encode(style.encoding, errors="xmlcharrefreplace")
