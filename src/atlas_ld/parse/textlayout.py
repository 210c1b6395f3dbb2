"""A page's bytes as the lines a reader sees, whatever the markup.

The parser must not depend on the Atlas's markup (we have never seen it and it may change), so
HTML is reduced to what a browser shows: one line per block (`div`, `p`, `dt`, `dd`, headings,
`br`...), one line per table row keeping its cells, and the link behind the magnifier icon. A
plain-text rendering of the page (like a copy from the browser) gives the same lines without
cells. Text is NFC, whitespace (non-breaking spaces included) folded to single spaces.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from atlas_ld.core.errors import ParseError
from atlas_ld.core.model import Page


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    cells: tuple[str, ...] = ()  # a table row's cells; empty for a line of text
    link: str | None = None  # the link behind the magnifier icon on this line
    heading: bool = False  # markup says this is a label (dt, th, h1-h6) rather than a value
    raw: str | None = None  # a text line before folding, when it had no-break spaces in it


_BLOCK = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "caption", "center", "dd"),
        *("details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer"),
        *("form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li"),
        *("main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot"),
        *("thead", "ul"),
    }
)
_HEADING = frozenset({"dt", "h1", "h2", "h3", "h4", "h5", "h6", "th"})
_SKIP = frozenset(
    {"head", "script", "style", "noscript", "template", "title", "select", "option", "button"}
)
_CELL = frozenset({"td", "th"})
_MAGNIFIER_WORD = "loupe"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HTML_SNIFF = re.compile(rb"<(?:!doctype html|html|head|body|div|table|p|dl|h[1-6])[\s>/]", re.I)
_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
# What browsers do (WHATWG Encoding): these labels all mean windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}


def fold(text: str) -> str:
    """NFC, runs of whitespace (including no-break spaces) folded to one space, trimmed."""
    text = " ".join(text.split())
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def is_html(page: Page) -> bool:
    content_type = (page.content_type or "").lower()
    if "html" in content_type:
        return True
    if content_type.startswith("text/plain"):
        return False
    head = page.body[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    return bool(_HTML_SNIFF.search(head))


def encoding_of(page: Page, html: bool) -> str:
    """The declared encoding (BOM, HTTP header, meta), else UTF-8 if it decodes, else cp1252."""
    if page.body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if page.body.startswith(bom):
            return name
    match = _CONTENT_TYPE_CHARSET.search(page.content_type or "")
    declared = _codec(match.group(1)) if match else None
    if declared is None and html:
        meta = _META_CHARSET.search(page.body[:4096])
        declared = _codec(meta.group(1).decode("ascii")) if meta else None
    if declared:
        return declared
    try:
        page.body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def check_readable(page: Page) -> None:
    """Refuse what cannot be a page at all: nothing in it, or binary content."""
    if not page.body.strip():
        raise ParseError("empty page", where=page.source)
    head = page.body[:2048]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError("binary content, not a web page or text", where=page.source)


def page_lines(page: Page, is_label: Callable[[str], bool]) -> list[Line]:
    """The visible lines of a page. `is_label` tells which short texts are labels, so a label
    sitting inline before its value (`<span>Titre</span><span>...</span>`) gets its own line."""
    check_readable(page)
    html = is_html(page)
    text = page.body.decode(encoding_of(page, html), errors="replace")
    if html:
        return html_lines(text, is_label)
    return text_lines(text, is_label)


_NO_BREAK = ("\u00a0", "\u202f")


def text_lines(text: str, is_label: Callable[[str], bool] = lambda _: False) -> list[Line]:
    """Lines of a plain-text page. A browser's copy separates table cells with tabs: such a line
    keeps its cells (a label and its value become two lines). A line with no-break spaces keeps its
    raw form too: French amounts use them between digit groups (`15 000`) where a plain space
    separates cells."""
    lines = []
    for raw in text.splitlines():
        if "\t" in raw.strip():
            cells = tuple(fold(cell) for cell in raw.split("\t"))
            shown = [cell for cell in cells if cell]
            if len(shown) == 2 and is_label(shown[0]):
                lines += [Line(shown[0]), Line(shown[1])]
            elif shown:
                lines.append(Line(" ".join(shown), cells))
            continue
        line = fold(raw)
        if line:
            keep = any(space in raw for space in _NO_BREAK)
            lines.append(Line(line, raw=unicodedata.normalize("NFC", raw) if keep else None))
    return lines


def html_lines(text: str, is_label: Callable[[str], bool]) -> list[Line]:
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    # lxml refuses str input that still declares an encoding in an XML declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    root = etree.fromstring(text, parser)
    if root is None:
        return []
    walker = _Walker(is_label)
    walker.walk(root)
    walker.flush()
    return walker.lines


class _Walker:
    """Depth-first over the tree, building lines the way a browser lays out text."""

    def __init__(self, is_label: Callable[[str], bool]):
        self.is_label = is_label
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.link: str | None = None
        self.heading = False
        self.header_seen: list[bool] = []  # per open table: a row of `th` only came first

    def add(self, text: str | None) -> None:
        if text:
            self.buffer.append(text)

    def flush(self) -> None:
        if self.buffer:
            text = fold("".join(self.buffer))
            if text:
                self.lines.append(Line(text, (), self.link, self.heading))
            self.buffer.clear()
        self.link = None
        self.heading = False

    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""  # libxml2 gives HTML tags in lower case
        if tag in _SKIP or not tag:
            self.add(el.tail)
            return
        if tag == "br":
            self.flush()
        elif tag == "img":
            self.add(f" {el.get('alt') or ''} ")
        elif tag == "tr":
            self.flush()
            self.row(el)
        elif tag == "table":
            self.flush()
            self.header_seen.append(False)
            self.children(el)
            self.header_seen.pop()
            self.flush()
        elif tag in _BLOCK or tag in _CELL:
            self.flush()
            self.children(el)
            self.heading = self.heading or tag in _HEADING
            self.flush()
        elif self._inline_label(el):
            self.flush()
            self.children(el)
            self.flush()
        else:
            if tag == "a" and el.get("href") and _is_magnifier_link(el):
                self.link = el.get("href")
            self.children(el)
        self.add(el.tail)

    def children(self, el: etree._Element) -> None:
        self.add(el.text)
        for child in el:
            self.walk(child)

    def _inline_label(self, el: etree._Element) -> bool:
        if len(el) or not el.text or len(el.text) > 120:
            return False
        return self.is_label(fold(el.text))

    def _label_row(self, cells: list[tuple[str, list[Line]]]) -> bool:
        """Two cells, the first a known label, or a `th` beside a `td` holding text. Not in a data
        table (one whose header row came first), whose rows may start with a `th scope=row`."""
        if len(cells) != 2 or len(cells[0][1]) != 1:
            return False
        (first_tag, first), (second_tag, second) = cells
        if self.is_label(first[0].text):
            return True
        if self.header_seen and self.header_seen[-1]:
            return False
        shown = " ".join(line.text for line in second)
        return (first_tag, second_tag) == ("th", "td") and bool(shown) and not _is_magnifier(shown)

    def row(self, tr: etree._Element) -> None:
        cells = []
        layout = False  # cells holding blocks: a table used for layout, not a data row
        for cell in tr:
            if cell.tag not in _CELL:
                continue
            sub = _Walker(self.is_label)
            sub.children(cell)
            sub.flush()
            cells.append((cell.tag, sub.lines))
            if len(sub.lines) > 1 and not layout:
                layout = any(e.tag in _BLOCK for e in cell.iter())
        if not cells:
            return
        if len(cells) > 1 and all(tag == "th" for tag, _ in cells) and self.header_seen:
            self.header_seen[-1] = True
        label_row = self._label_row(cells)
        if label_row or layout:
            for i, (_, lines) in enumerate(cells):
                for line in lines:
                    heading = line.heading or (label_row and i == 0)
                    self.lines.append(Line(line.text, (), line.link, heading))
            return
        # a data row; a cell broken by <br> is still one cell
        texts = tuple(" ".join(line.text for line in lines) for _, lines in cells)
        link = next((line.link for _, lines in cells for line in lines if line.link), None)
        text = " ".join(t for t in texts if t)
        if text:
            self.lines.append(Line(text, texts, link))


def _is_magnifier(text: str) -> bool:
    return _MAGNIFIER_WORD in text.lower() and len(text) < 30


def _is_magnifier_link(a: etree._Element) -> bool:
    for img in a.iter("img"):
        if _MAGNIFIER_WORD in (img.get("alt") or "").lower():
            return True
    return _MAGNIFIER_WORD in "".join(a.itertext()).lower()
