"""A page's bytes as the lines a reader sees, whatever the markup.

The parser must not depend on the Atlas's markup (we have never seen it and it may change), so
HTML is reduced to what a browser shows: one line per block (`div`, `p`, `dt`, `dd`, headings,
`br`...), one line per table row keeping its cells, and the link behind the magnifier icon (or
a link carrying an Atlas id), made absolute against the page's URL or `<base href>`. A
plain-text rendering of the page (like a copy from the browser) gives the same lines without
cells. Bytes are decoded by `parse.decode`; text is `core.text.clean`ed (NFC, whitespace,
no-break spaces included, folded to single spaces). Nesting depth is no limit: the walk is
iterative, and a tree deeper than libxml2 builds is rebuilt through its event interface.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lxml import etree

from atlas_ld.core.atlas_urls import DETAIL_PAGE, absolute_link, detail_link_id, is_web_link
from atlas_ld.core.errors import ParseError
from atlas_ld.core.model import Page
from atlas_ld.core.text import clean, excerpt, has_controls, without_controls
from atlas_ld.parse.decode import decode


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

_HTML_SNIFF = re.compile(rb"<(?:!doctype html|html|head|body|div|table|p|dl|h[1-6])[\s>/]", re.I)
# lxml refuses a str starting with an encoding declaration, even one cut before its `?>`;
# a browser reads `<?...>` as a bogus comment ending at the first `>`, and so does this.
_XML_DECLARATION = re.compile(r"^(?:\s*<\?xml[^>]*>?)+")


@dataclass(slots=True)
class Layout:
    """A page read as lines, with what reading it taught: its text and base URL, and warnings."""

    lines: list[Line]
    text: str  # the decoded page (ids written anywhere in it are looked for here)
    base: str  # the URL its relative links resolve against
    warnings: list[str] = field(default_factory=list)


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


def check_readable(page: Page) -> None:
    """Refuse what cannot be a page at all: nothing in it, or binary content."""
    if not page.body.strip():
        raise ParseError("empty page", where=page.source)
    head = page.body[:2048]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ParseError("binary content, not a web page or text", where=page.source)


def layout(page: Page, is_label: Callable[[str], bool], base_url: str | None = None) -> Layout:
    """The visible lines of a page. `is_label` tells which short texts are labels, so a label
    sitting inline before its value (`<span>Titre</span><span>...</span>`) gets its own line.
    Links resolve against `<base href>`, else `base_url`, else the Atlas's detail page."""
    check_readable(page)
    html = is_html(page)
    decoded = decode(page.body, page.content_type, html=html)
    warnings = [decoded.warning] if decoded.warning else []
    text, removed = without_controls(decoded.text)
    base = base_url or DETAIL_PAGE
    lines: list[Line] = []
    if not html:
        lines = text_lines(text, is_label)
    elif (root := parse_html(text)) is not None:
        base_element = next(root.iter("base"), None)
        if base_element is not None:
            base = absolute_link(base_element.get("href"), base) or base
        walker = _Walker(is_label, base)
        walker.walk_children(root, root_too=True)
        walker.flush()
        # `&#25;` is a control character too, once the markup is read (no named reference is)
        lines = _without_controls(walker.lines, removed) if "&#" in text else walker.lines
        warnings += walker.warnings
    if removed:
        shown = ", ".join(dict.fromkeys(removed))
        warnings.append(
            f"control characters removed ({shown}): no browser shows them, XML cannot hold them"
        )
    return Layout(lines, text, base, warnings)


def _without_controls(lines: list[Line], removed: list[str]) -> list[Line]:
    """The lines without control characters (`core.text.without_controls`), adding the code
    points it took out to `removed`."""

    def fixed(value: str) -> str:
        cleaned, found = without_controls(value)
        removed.extend(found)
        return cleaned

    out = []
    for line in lines:
        if any(has_controls(v) for v in (line.text, line.raw or "", *line.cells)):
            line = replace(
                line,
                text=clean(fixed(line.text)),
                cells=tuple(clean(fixed(cell)) for cell in line.cells),
                raw=fixed(line.raw) if line.raw else line.raw,
            )
        out.append(line)
    return out


def page_lines(page: Page, is_label: Callable[[str], bool]) -> list[Line]:
    """The visible lines of a page (see `layout`)."""
    return layout(page, is_label).lines


_NO_BREAK = ("\u00a0", "\u202f")
_BREAKING_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def _raw(text: str) -> str:
    """A line as written, keeping its no-break spaces (they group an amount's digits) while
    other whitespace is folded as usual."""
    return unicodedata.normalize("NFC", _BREAKING_SPACE.sub(" ", text).strip(" "))


def text_lines(text: str, is_label: Callable[[str], bool] = lambda _: False) -> list[Line]:
    """Lines of a plain-text page. A browser's copy separates table cells with tabs: such a line
    keeps its cells (a label and its value become two lines). A line with no-break spaces keeps its
    raw form too: French amounts use them between digit groups (`15 000`) where a plain space
    separates cells."""
    lines = []
    for raw in text.splitlines():
        if "\t" in raw.strip():
            cells = tuple(clean(cell) for cell in raw.split("\t"))
            shown = [cell for cell in cells if cell]
            if len(shown) == 2 and is_label(shown[0]):
                lines += [Line(shown[0]), Line(shown[1])]
            elif shown:
                lines.append(Line(" ".join(shown), cells))
            continue
        line = clean(raw)
        if line:
            keep = any(space in raw for space in _NO_BREAK)
            lines.append(Line(line, raw=unicodedata.normalize("NFC", raw) if keep else None))
    return lines


def parse_html(text: str) -> etree._Element | None:
    """The element tree of a page, whatever its nesting depth.

    libxml2 stops building a tree at 2,048 levels (256 without `huge_tree`) and drops everything
    after that point; its event interface has no such limit, so a page that deep is rebuilt
    through it (slower, and needed only by pathological pages)."""
    text = _XML_DECLARATION.sub("", text)  # lxml refuses str input declaring an encoding
    options = {"remove_comments": True, "remove_pis": True, "no_network": True, "huge_tree": True}
    parser = etree.HTMLParser(**options)
    root = etree.fromstring(text, parser)
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        root = etree.fromstring(text, etree.HTMLParser(target=etree.TreeBuilder(), **options))
    return root


def html_lines(text: str, is_label: Callable[[str], bool], base: str = DETAIL_PAGE) -> list[Line]:
    root = parse_html(text)
    if root is None:
        return []
    walker = _Walker(is_label, base)
    walker.walk_children(root, root_too=True)
    walker.flush()
    return walker.lines


# Rows inside rows are laid out by a walker of their own (recursion); past this depth a row is
# read as a block of lines, so a page of thousands of nested tables keeps all its text.
_MAX_NESTED_ROWS = 40
# What to do on leaving an element, decided on entering it.
_LEAVE_TABLE, _LEAVE_BLOCK, _LEAVE_LINE, _LEAVE_INLINE = range(4)


class _Walker:
    """Depth-first over the tree, building lines the way a browser lays out text.

    Iterative (an explicit stack, not recursion): nesting depth is no limit."""

    def __init__(
        self,
        is_label: Callable[[str], bool],
        base: str,
        tables: int = 0,
        warnings: list[str] | None = None,
    ):
        self.is_label = is_label
        self.base = base
        self.tables = tables  # how many table rows this walker sits in
        self.warnings: list[str] = [] if warnings is None else warnings  # shared with inner ones
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.link: str | None = None  # behind the magnifier icon
        self.id_link: str | None = None  # else a link to an Atlas detail page
        self.heading = False
        self.header_seen: list[bool] = []  # per open table: a row of `th` only came first

    def add(self, text: str | None) -> None:
        if text:
            self.buffer.append(text)

    def flush(self) -> None:
        if self.buffer:
            joined = "".join(self.buffer)
            text = clean(joined)
            if text:
                raw = _raw(joined) if "\u00a0" in joined or "\u202f" in joined else None
                self.lines.append(Line(text, (), self.link or self.id_link, self.heading, raw))
            self.buffer.clear()
        self.link = self.id_link = None
        self.heading = False

    def walk_children(self, el: etree._Element, root_too: bool = False) -> None:
        """Lay out `el`'s text and children (and `el` itself with `root_too`)."""
        stack: list[tuple[etree._Element, int | None]] = []
        if root_too:
            stack.append((el, None))
        else:
            self.add(el.text)
            stack.extend((child, None) for child in reversed(el))
        while stack:
            node, leave = stack.pop()
            if leave is None:
                self._enter(node, stack)
            else:
                self._leave(node, leave)

    def _enter(self, el: etree._Element, stack: list) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""  # libxml2 gives HTML tags in lower case
        if tag in _SKIP or not tag:
            self.add(el.tail)
            return
        if tag == "br":
            self.flush()
            self.add(el.tail)
            return
        if tag == "img":
            self.add(f" {el.get('alt') or ''} ")
            self.add(el.tail)
            return
        if tag == "tr" and self.tables < _MAX_NESTED_ROWS:
            self.flush()
            self.row(el)
            self.add(el.tail)
            return
        if tag == "table":
            self.flush()
            self.header_seen.append(False)
            leave = _LEAVE_TABLE
        elif tag in _BLOCK or tag in _CELL:
            self.flush()
            leave = _LEAVE_BLOCK
        elif self._inline_label(el):
            self.flush()
            leave = _LEAVE_LINE
        else:
            if tag == "a" and el.get("href"):
                self._link(el)
            leave = _LEAVE_INLINE
        stack.append((el, leave))
        self.add(el.text)
        stack.extend((child, None) for child in reversed(el))

    def _leave(self, el: etree._Element, leave: int) -> None:
        if leave == _LEAVE_TABLE:
            self.header_seen.pop()
            self.flush()
        elif leave == _LEAVE_BLOCK:
            self.heading = self.heading or el.tag in _HEADING
            self.flush()
        elif leave == _LEAVE_LINE:
            self.flush()
        self.add(el.tail)

    def _link(self, a: etree._Element) -> None:
        """Links are kept absolute, and only http(s) ones (`atlas_urls.absolute_link`)."""
        url = absolute_link(a.get("href"), self.base)
        if url is None:
            href = a.get("href") or ""
            if is_web_link(href):
                self.warnings.append(
                    f"link {excerpt(href)} is no address a browser could open; left out"
                )
            return
        if _is_magnifier_link(a):
            self.link = url
        elif self.id_link is None and detail_link_id(url):
            self.id_link = url

    def _inline_label(self, el: etree._Element) -> bool:
        if len(el) or not el.text or len(el.text) > 120:
            return False
        return self.is_label(clean(el.text))

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
        layout_row = False  # cells holding blocks: a table used for layout, not a data row
        for cell in tr:
            if cell.tag not in _CELL:
                continue
            sub = _Walker(self.is_label, self.base, self.tables + 1, self.warnings)
            sub.walk_children(cell)
            sub.flush()
            cells.append((cell.tag, sub.lines))
            if len(sub.lines) > 1 and not layout_row:
                layout_row = any(e.tag in _BLOCK for e in cell.iter())
        if not cells:
            return
        if len(cells) > 1 and all(tag == "th" for tag, _ in cells) and self.header_seen:
            self.header_seen[-1] = True
        label_row = self._label_row(cells)
        if label_row or layout_row:
            for i, (_, lines) in enumerate(cells):
                for line in lines:
                    heading = line.heading or (label_row and i == 0)
                    # a nested table's rows keep their cells
                    self.lines.append(Line(line.text, line.cells, line.link, heading, line.raw))
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
