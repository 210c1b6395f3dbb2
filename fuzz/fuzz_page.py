"""Coverage-guided fuzzing of one page's way through the build: bytes -> record -> quads.

    pip install -e ".[fuzz]"
    python fuzz/fuzz_page.py fuzz/corpus -max_total_time=600   # libFuzzer's options

atheris mutates the seed pages (the hand-written test pages and the bundled sample, copied
into `fuzz/corpus` on the first run) and keeps every input that reaches new code. An input
fails the run when:

- reading it raises anything but `AtlasError` (the one error a bad page may give: one line,
  no traceback), or an `AtlasError` whose message spans several lines;
- a page that parses has no title, or text that is not NFC, keeps runs of whitespace or holds
  control characters (the parser's promise: French text as the page gives it, NFC, whitespace
  folded, nothing XML cannot carry);
- mapping a parsed record to RDF raises anything (the build would leave the whole page out:
  its only refusals are links that are no IRI, and the parser writes links as IRIs);
- its triples written as RDF/XML are refused by an XML parser, or written as N-Triples do not
  read back to themselves, or what the build keeps of it for the search index raises.

The first byte chooses the `Content-Type` the page comes with (none, HTML, plain text, a
charset that lies), so lying headers are fuzzed with the bytes. A failing input is written by
libFuzzer as `crash-<sha1>`; each bug found becomes a regression test in tests/parse.
"""

from __future__ import annotations

import dataclasses
import sys
import unicodedata
from pathlib import Path

import atheris
import pyoxigraph
from lxml import etree

with atheris.instrument_imports(include=["atlas_ld"]):
    from atlas_ld.core.errors import AtlasError
    from atlas_ld.core.iris import Ids
    from atlas_ld.core.model import Page
    from atlas_ld.core.text import has_controls
    from atlas_ld.graph.mapping import map_record
    from atlas_ld.parse.parser import parse_page
    from atlas_ld.store.search_index import page_facts

CONTENT_TYPES = (
    None,
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=iso-8859-1",
    "text/html; charset=utf-16",
    "text/plain",
    "application/xhtml+xml",
    "text/html; charset=no-such-charset",
)
IDS = Ids("https://atlas-ld.example/")
ROOT = Path(__file__).resolve().parents[1]
# the hand-written test pages and the bundled sample (several markups, encodings, plain text)
SEEDS = (ROOT / "tests" / "parse" / "pages", ROOT / "src" / "atlas_ld" / "data" / "sample")


def one_input(data: bytes) -> None:
    if not data:
        return
    content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)]
    page = Page("fuzz.html", data[1:], content_type, url="https://example.org/a/b/page.html")
    try:
        record = parse_page(page)
    except AtlasError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"an error of several lines: {exc!r}") from exc
        return
    if not record.title:
        raise AssertionError("a record without a title")
    for name, value in _texts(record, "record"):
        _check_text(name, value)
    try:
        mapped = map_record(record, IDS, page)
    except AtlasError as exc:  # the build would leave the whole page out
        raise AssertionError(f"a page that parses is lost at mapping: {exc}") from exc
    _check_serialised([quad.triple for quad in mapped.quads] + sorted(mapped.reference, key=str))
    # what the build keeps of a page for the search index (store.search_index), as it does
    quads = list(dict.fromkeys(mapped.quads))
    facts = page_facts(quads, mapped.reference, mapped.partnership.value)
    if facts is not None:
        facts.dumps()


def _check_serialised(triples: list) -> None:
    """The page's triples written as RDF/XML (the dumps' XML) must read as XML, and as
    N-Triples must read back to the same triples: text a page gives must survive every
    format a release writes."""
    xml = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.RDF_XML)
    etree.fromstring(xml)  # raises on a document an XML parser refuses
    nt = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    read = {quad.triple for quad in pyoxigraph.parse(nt, format=pyoxigraph.RdfFormat.N_TRIPLES)}
    if read != set(triples):
        raise AssertionError("N-Triples do not read back to the triples written")


def _texts(value, name: str):
    """Every string in a record, with its path (`record.authorities[0].name`)."""
    if isinstance(value, str):
        yield name, value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _texts(getattr(value, field.name), f"{name}.{field.name}")
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from _texts(item, f"{name}[{n}]")


def _check_text(name: str, value: str) -> None:
    if unicodedata.normalize("NFC", value) != value:
        raise AssertionError(f"{name} is not NFC: {value!r}")
    if has_controls(value):
        raise AssertionError(f"{name} holds control characters: {value!r}")
    if ".warnings[" in name or name in ("record.source", "record.id_source"):
        return  # messages and names of ours, not text of the page
    folded = "  " not in value and value == value.strip()
    if not folded and "\n" not in value:  # long texts keep their paragraphs
        raise AssertionError(f"{name} keeps whitespace the page did not show: {value!r}")


def main() -> None:
    args = sys.argv[1:]
    folders = [a for a in args if not a.startswith("-")]
    if folders:
        corpus = Path(folders[0])
        if not corpus.exists():
            corpus.mkdir(parents=True)
            for folder in SEEDS:
                for seed in folder.glob("*.*"):
                    if seed.suffix not in (".html", ".txt"):
                        continue
                    kind = b"\x05" if seed.suffix == ".txt" else b"\x00"  # text/plain, none
                    (corpus / f"{folder.name}-{seed.name}").write_bytes(kind + seed.read_bytes())
    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
