"""An Atlas project page (HTML or its plain-text rendering) -> `ProjectRecord`.

The page is first reduced to visible lines (`textlayout`), then read as a sequence of labels
(`labels`) each followed by its value lines or table rows. Nothing here looks at tags, classes or
positions, so the same page parses the same in any markup. What the parser cannot place (an
unknown label, a number it cannot read) goes into `record.warnings`; only a page that is not a
project page at all raises `ParseError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from atlas_ld.core import atlas_urls
from atlas_ld.core.errors import AtlasError, ParseError
from atlas_ld.core.model import Page, PostContact, ProjectRecord, ThemeTriple
from atlas_ld.parse import tablerows
from atlas_ld.parse.labels import (
    EMAIL_PREFIX,
    POST_PREFIX,
    Kind,
    is_label,
    is_pager,
    is_post_heading,
    is_table_header,
    label_key,
    lookup,
)
from atlas_ld.parse.source import MAX_BYTES, read_page
from atlas_ld.parse.textlayout import Layout, Line, layout

_DATE_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATE_MY = re.compile(r"(\d{1,2})/(\d{4})")
_DATE_ISO = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_PROSE = frozenset({"context", "history", "objectives", "description"})
_QUOTES = "\"'«»“”„ "
_EMAIL = label_key(EMAIL_PREFIX)


@dataclass(slots=True)
class _Sections:
    """The page cut into labelled pieces, before any value is interpreted."""

    values: dict[str, list[Line]] = field(default_factory=dict)
    statements: dict[str, bool] = field(default_factory=dict)
    post: str | None = None
    post_lines: list[Line] = field(default_factory=list)
    unknown: dict[str, list[Line]] = field(default_factory=dict)  # label -> the lines under it
    labels: dict[str, str] = field(default_factory=dict)  # field -> its label as the page wrote it
    warnings: list[str] = field(default_factory=list)


def atlas_id_of(url: str | None) -> str | None:
    """The prjId of a partnership's URL (the forms are `core.atlas_urls`'s)."""
    return atlas_urls.project_id(url)


def parse_page(page: Page) -> ProjectRecord:
    """Read one project page; `ParseError` if it is empty, binary or not a project page."""
    read = layout(page, is_label, base_url=page.url)
    sections = _cut(read.lines)
    if "title" not in sections.values:
        raise ParseError("not an Atlas project page (no 'Titre' label)", where=page.source)
    title = " ".join(line.text for line in sections.values["title"])
    if not title:
        raise ParseError("project page without a title", where=page.source)
    sections.warnings[:0] = read.warnings
    for name, lines in sections.values.items():
        if any("\ufffd" in line.text for line in lines):
            label = sections.labels[name]
            sections.warnings.append(
                f"{name}: the value under {label!r} has characters no encoding could read (U+FFFD)"
            )
    record = _record(page, title, sections)
    record.atlas_id, record.id_source = identify(page, read, record.warnings)
    return record


def identify(page: Page, read: Layout, warnings: list[str]) -> tuple[str | None, str | None]:
    """The page's prjId and where it came from, in this order (docs/parsing.md, Ids): the
    capture's or manifest's URL (or the URL the page was fetched from), an Atlas URL written in
    the page, the file name. Several different prjIds in the page name none of them."""
    if found := atlas_urls.project_id(page.url):
        if page.capture_id:
            return found, "capture"
        return found, page.url_source or "URL"
    in_page = atlas_urls.project_ids_in_text(read.text)
    if len(in_page) == 1:
        return in_page.pop(), "page"
    if in_page:
        warnings.append(
            f"page links to several partnerships ({', '.join(sorted(in_page))}): "
            "its own prjId is not taken from them"
        )
    name = page.source
    if "://" in name:
        name = urlsplit(name).path
    if found := atlas_urls.project_id_of_file_name(PurePosixPath(name.replace("\\", "/")).name):
        return found, "file name"
    return None, None


def _cut(lines: list[Line]) -> _Sections:
    sections = _Sections()
    target: list[Line] | None = None
    started = False  # before the first field: the site's menus and headings, not the project
    reading = ""  # the field whose value is being read
    for line in lines:
        label, value = lookup(line.text), None
        if label is None:
            label, value = _inline_label(line)
        if label is not None:
            if label.kind is Kind.END:
                break
            target, reading = None, ""
            if label.kind is Kind.STATEMENT:
                sections.statements[label.field] = bool(label.value)
            elif label.kind in (Kind.FIELD, Kind.TABLE):
                target = sections.values.setdefault(label.field, [])
                sections.labels.setdefault(
                    label.field, line.text.partition(":")[0].strip() if value else line.text
                )
                reading = label.field
                if value is not None:
                    target.append(value)
            started = started or label.kind is not Kind.HEADING
        elif is_post_heading(line.text):
            sections.post = line.text[len(POST_PREFIX) :].strip(_QUOTES) or None
            target = sections.post_lines
            started = True
        elif not started:
            continue
        elif line.heading and target is sections.post_lines:
            target.append(line)  # a contact's function, as a heading (`h4`, `dt`, `th`)
        elif line.heading and not (reading in _PROSE and line.text.isupper()):
            # a sub-heading in capitals (`FRANCE`) inside a long text belongs to the text
            target = sections.unknown.setdefault(line.text, [])
        elif target is not None:
            target.append(line)
        else:
            sections.warnings.append(f"text outside any field: {line.text!r}")
    for text, value in sections.unknown.items():
        shown = "\n".join(v.text for v in value)
        sections.warnings.append(f"unknown label {text!r}, value kept here: {shown!r}")
    return sections


def _inline_label(line: Line):
    """`Titre : FFQCD ...` on one line: the label and the rest as its first value line."""
    head, sep, rest = line.text.partition(":")
    if not sep or line.cells:
        return None, None
    label = lookup(head)
    if label is None or label.kind is not Kind.FIELD or not rest.strip():
        return None, None
    return label, Line(rest.strip())


def _record(page: Page, title: str, s: _Sections) -> ProjectRecord:
    warnings = s.warnings

    def rows(name: str, convert) -> list:
        """The table's rows as records, each keeping the row's text as shown. A row that shows
        nothing (empty cells, a magnifier icon at most) names no one: it is left out, and said."""
        items = []
        for line in _rows(name, s.values.get(name, [])):
            shown = tablerows.shown(line)
            if not shown:
                link = f" (its link: {line.link})" if line.link else ""
                warnings.append(f"{name}: a row under {s.labels[name]!r} is empty{link}; left out")
                continue
            item = convert(line)
            item.text = shown
            items.append(item)
        return items

    partners = rows("foreign_partners", lambda r: tablerows.partner_row(r, warnings))
    names = [p.name for p in partners]
    end_date_text = _short(s, "end_date", warnings)
    return ProjectRecord(
        source=page.source,
        title=title,
        first_agreement_year=_year(s, "first_agreement_year", warnings),
        theme=ThemeTriple(
            _short(s, "theme", warnings),
            _short(s, "sub_theme", warnings),
            _short(s, "sub_sub_theme", warnings),
        ),
        other_themes=rows("other_themes", lambda r: tablerows.theme_row(r, warnings)),
        start_year=_year(s, "start_year", warnings),
        status=_short(s, "status", warnings),
        end_date=_date(end_date_text, warnings),
        end_date_text=end_date_text,
        context=_long(s, "context"),
        history=_long(s, "history"),
        objectives=_long(s, "objectives"),
        description=_long(s, "description"),
        form=_short(s, "form", warnings),
        implementers_text=_long(s, "implementers_text"),
        owners_text=_long(s, "owners_text"),
        beneficiaries=_long(s, "beneficiaries"),
        foreign_partners=partners,
        foreign_partner_contacts=rows(
            "foreign_partner_contacts", lambda r: tablerows.contact_row(r, names, warnings)
        ),
        french_authorities=rows("french_authorities", tablerows.authority_row),
        other_partners_france=_long(s, "other_partners_france"),
        other_partners_abroad=_long(s, "other_partners_abroad"),
        pre_reform_authority=_short(s, "pre_reform_authority", warnings),
        triennial=s.statements.get("triennial"),
        financing=rows("financing", lambda r: tablerows.financing_row(r, warnings)),
        communication_france=s.statements.get("communication_france"),
        communication_partner_countries=s.statements.get("communication_partner_countries"),
        evaluation=s.statements.get("evaluation"),
        volunteers=rows("volunteers", lambda r: tablerows.volunteer_row(r, warnings)),
        diplomatic_post=s.post,
        post_contacts=_post_contacts(s.post_lines, warnings),
        warnings=warnings,
    )


def _rows(name: str, lines: list[Line]) -> list[Line]:
    """A table's data rows: without its header row(s) and the pager under it."""
    return [ln for ln in lines if not is_table_header(name, ln.text) and not is_pager(ln.text)]


def _short(s: _Sections, name: str, warnings: list[str]) -> str | None:
    lines = s.values.get(name, [])
    if len(lines) > 1:
        warnings.append(f"{name}: more than one line, kept joined: {[ln.text for ln in lines]!r}")
    return " ".join(line.text for line in lines) or None


def _long(s: _Sections, name: str) -> str | None:
    """Paragraphs one per line, joined by newlines (blank lines between them are not kept)."""
    return "\n".join(line.text for line in s.values.get(name, [])) or None


def _year(s: _Sections, name: str, warnings: list[str]) -> int | None:
    text = _short(s, name, warnings)
    if text is None:
        return None
    if tablerows.YEAR.fullmatch(text):
        return int(text)
    warnings.append(f"{name}: not a year: {text!r}")
    return None


def _date(text: str | None, warnings: list[str]) -> str | None:
    """`31/12/2015` -> `2015-12-31`, `12/2015` -> `2015-12`; ISO forms kept."""
    if text is None:
        return None
    if match := _DATE_DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    elif match := _DATE_MY.fullmatch(text):
        month, year = (int(g) for g in match.groups())
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    elif _DATE_ISO.fullmatch(text):
        return text
    warnings.append(f"end_date: not a date: {text!r}")
    return None


def _post_contacts(lines: list[Line], warnings: list[str]) -> list[PostContact]:
    """Blocks of `function`, `name`, `Courriel : address` under the diplomatic post. The
    address may also sit on its own line after a bare `Courriel` label (dl/dt/dd, th/td)."""
    contacts: list[PostContact] = []
    function: str | None = None
    email_next = False
    for line in lines:
        head, sep, rest = line.text.partition(":")
        if label_key(line.text) == _EMAIL:
            email_next = True
            continue
        if email_next or (sep and label_key(head) == _EMAIL):
            address = line.text if email_next else rest
            email_next = False
            if contacts and function is None and contacts[-1].email is None:
                contacts[-1].email = tablerows.email(address)
            else:
                warnings.append(f"post contact: e-mail without a name before it: {line.text!r}")
        elif function is None:
            function = line.text
        else:
            contacts.append(PostContact(function, line.text, None))
            function = None
    if function is not None:
        warnings.append(f"post contact: function without a name: {function!r}")
    if email_next:
        warnings.append("post contact: 'Courriel' label without an address after it")
    return contacts


def _parse_or_error(page: Page) -> ProjectRecord | AtlasError:
    try:
        return parse_page(page)
    except AtlasError as exc:
        return exc


def _read_and_parse(location: str, max_bytes: int = MAX_BYTES) -> ProjectRecord | AtlasError:
    try:
        return parse_page(read_page(location, max_bytes=max_bytes))
    except AtlasError as exc:
        return exc


def parse_pages(
    pages: Iterable[Page], processes: int | None = 1, chunksize: int = 64
) -> Iterator[ProjectRecord | AtlasError]:
    """Parse many pages, in order, on `processes` worker processes (None: all cores).

    A page that cannot be parsed yields its `AtlasError` in its place instead of stopping the run,
    so callers report it and go on."""
    return _map(_parse_or_error, pages, processes, chunksize)


def parse_locations(
    locations: Iterable[str],
    processes: int | None = None,
    chunksize: int = 64,
    *,
    max_bytes: int = MAX_BYTES,
) -> Iterator[ProjectRecord | AtlasError]:
    """Like `parse_pages` for files or URLs, read by the workers themselves: only the location
    and the record cross between processes, which is the fast path for a whole corpus."""
    read = partial(_read_and_parse, max_bytes=max_bytes)
    return _map(read, locations, processes, chunksize)


def _map(function, items, processes: int | None, chunksize: int):
    workers = processes or os.cpu_count() or 1
    if workers == 1:
        yield from map(function, items)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(function, items, chunksize=chunksize)
