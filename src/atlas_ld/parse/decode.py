"""Bytes of a page -> text: the one decoding step that harvest and parse share.

Browsers' order (WHATWG Encoding, HTML's "determining the character encoding"), read with
w3lib's helpers: a byte-order mark, then the charset of the HTTP `Content-Type`, then a
`<meta charset>` / `http-equiv` declaration, then detection: UTF-8 when the bytes are valid
UTF-8, else windows-1252. Labels are resolved as browsers do, so `ISO-8859-1`, `latin-1` and
`US-ASCII` mean windows-1252 (`’` in byte 0x92 is read right), and UTF-7 is refused.

A page whose declared charset is wrong (a windows-1252 page saying UTF-8, the common case) is
not read with U+FFFD in every accented word: it is decoded as detection says, and the result
carries a warning naming the declaration and the first byte that contradicts it. The five bytes
windows-1252 leaves undefined map to the C1 controls of the same value, as browsers map them,
so a page with any valid encoding never yields U+FFFD.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

_WINDOWS_1252 = "cp1252"
_C1_HANDLER = "atlas-ld-c1"
_SHOWN = {"cp1252": "windows-1252"}  # Python's codec names, as people write them


def _c1_controls(exc: UnicodeError) -> tuple[str, int]:
    """windows-1252's undefined bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) as U+0081... (WHATWG)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(map(chr, exc.object[exc.start : exc.end])), exc.end


codecs.register_error(_C1_HANDLER, _c1_controls)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A page's text, the codec it was read with, what chose it, and any warning about it."""

    text: str
    encoding: str
    chosen_by: str  # "byte-order mark", "HTTP header", "<meta>", "detection"
    warning: str | None = None


def shown(encoding: str) -> str:
    """A codec's name as a page would declare it (`cp1252` -> `windows-1252`)."""
    return _SHOWN.get(encoding, encoding)


def _strict(body: bytes, encoding: str) -> str:
    errors = _C1_HANDLER if encoding == _WINDOWS_1252 else "strict"
    return body.decode(encoding, errors)


def detect(body: bytes) -> str:
    """The encoding of undeclared bytes: UTF-8 when they are valid UTF-8, else windows-1252
    (what browsers in a French locale fall back to)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return _WINDOWS_1252
    return "utf-8"


def decode(body: bytes, content_type: str | None = None, *, html: bool = True) -> Decoded:
    """Decode a page's body; never raises for bytes, never leaves U+FFFD for a page that has
    a valid encoding. `html=False` skips the `<meta>` step (a plain-text page)."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom is not None:
        candidates = [(resolve_encoding(bom_encoding), "byte-order mark", body[len(bom) :])]
    else:
        candidates = [(http_content_type_encoding(content_type), "HTTP header", body)]
        if html:
            declared = html_body_declared_encoding(body)
            # a <meta> readable as ASCII cannot be UTF-16: browsers read it as UTF-8 (WHATWG)
            if declared and declared.startswith(("utf-16", "utf-32")):
                declared = "utf-8"
            candidates.append((declared, "<meta>", body))
    for encoding, chosen_by, data in candidates:
        if not encoding:
            continue
        try:
            return Decoded(_strict(data, encoding), encoding, chosen_by)
        except UnicodeDecodeError as exc:
            found = detect(data)
            warning = (
                f"declared charset {shown(encoding)} ({chosen_by}) is wrong: byte {exc.start} "
                f"is not valid {shown(encoding)}; read as {shown(found)}"
            )
            return Decoded(_strict(data, found), found, "detection", warning)
    found = detect(body)
    return Decoded(_strict(body, found), found, "detection")
