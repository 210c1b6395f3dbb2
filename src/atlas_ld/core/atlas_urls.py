"""The Atlas's URL forms and their query parameters, in one place.

The Atlas is a Java web application under `/cncdext/dyn/public/atlas/`; a partnership's detail
page is `detailProjet.html?criteres.prjId=N`. Its pages link to other detail pages (authorities,
foreign authorities) whose ids ride in query parameters, sometimes prefixed with the name of the
form that built them (`criteres.prjId`, `criteres.colId`). Every stage that builds or reads an
Atlas URL (harvest, parser, mapping, sample generator, simulator) takes it from here.

Links read from a page are made absolute here too: against the page's own URL when it is known,
else against the detail-page URL (a Java web application writes its links relative to it:
`detailCollectivite.html?criteres.colId=51001`). Only http(s) links survive; `javascript:`,
`data:`, `mailto:` and the like never become identifiers. A link is written as a browser would
request it (WHATWG URL, through w3lib): tabs and line breaks dropped, spaces and other characters
a URL cannot hold percent-encoded (`?nom=Saint Louis` -> `?nom=Saint%20Louis`), the host in IDNA.
Pages are hand-written HTML: a link with a space is common, and as it stood it was no IRI, so
the whole page failed at mapping.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from pyoxigraph import NamedNode
from w3lib.url import safe_url_string

ATLAS_BASE_URL = "https://pastel.diplomatie.gouv.fr"
ATLAS_PATH = "/cncdext/dyn/public/atlas/"
PAGE_PATH = ATLAS_PATH + "detailProjet.html?criteres.prjId={}"
DETAIL_PAGE = ATLAS_BASE_URL + ATLAS_PATH + "detailProjet.html"
# Detail pages of authorities as the sample corpus writes them (the real site's forms are not
# known; the parser and the mapping accept any of ACTOR_PARAMS).
AUTHORITY_PAGE = ATLAS_BASE_URL + ATLAS_PATH + "detailCollectivite.html?collId={}"
FOREIGN_AUTHORITY_PAGE = ATLAS_BASE_URL + ATLAS_PATH + "detailCollectiviteEtrangere.html?collId={}"

# Query parameters carrying an id, compared without their form prefix and case: a partnership's
# prjId, and the forms seen or expected for authorities (the real site's are not all known).
PROJECT_PARAM = "prjid"
ACTOR_PARAMS = ("colid", "collid", "idcoll", "id")
_LINK_SCHEMES = ("http", "https")
# a `%` that starts no escape (`%zz`): browsers send it as it is, an IRI cannot hold it
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# a URL a browser would request as it is: RFC 3986's characters, every `%` starting an escape
_REQUESTABLE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_ATLAS_ID = re.compile(r"[0-9]+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# A partnership's URL written anywhere in a page's text (a canonical link, a form, a print link).
_PROJECT_IN_TEXT = re.compile(r"[?&;](?:[\w]+\.)?prjId=([0-9]+)", re.IGNORECASE)
# A saved page's file name: `17384.html`, `17384.txt`, `detailProjet.html?criteres.prjId=17384`.
_FILE_NAME_ID = re.compile(r"([0-9]+)\.(?:html?|txt|xhtml)", re.IGNORECASE)


def page_url(base_url: str, prj_id: int | str) -> str:
    """The detail page of partnership `prj_id` on the Atlas at `base_url`."""
    return base_url.rstrip("/") + PAGE_PATH.format(prj_id)


def _params(url: str) -> dict[str, str]:
    """Query parameters by their name without form prefix, lower case; first value wins."""
    found: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        found.setdefault(key.rpartition(".")[2].lower(), value.strip())
    return found


def is_atlas_id(value: str | None) -> bool:
    """The Atlas's ids are numbers: ASCII digits only. Not `str.isdigit`, which takes `１２`
    and `²`; nor what a query parameter decodes to (`colId=7%0001` is `7`, NUL, `01`)."""
    return bool(value) and _ATLAS_ID.fullmatch(value) is not None


def project_id(url: str | None) -> str | None:
    """The prjId of a partnership's URL (`…detailProjet.html?criteres.prjId=17384` -> `17384`)."""
    if not url:
        return None
    value = _params(url).get(PROJECT_PARAM)
    return value if is_atlas_id(value) else None


def link_id(url: str | None) -> str | None:
    """The id any Atlas link carries: a prjId, else an authority's id; None when it has none
    that is an Atlas id (the link itself is kept: the actor is then named by its name)."""
    if not url:
        return None
    params = _params(url)
    for name in (PROJECT_PARAM, *ACTOR_PARAMS):
        if is_atlas_id(params.get(name)):
            return params[name]
    return None


def detail_link_id(url: str | None) -> str | None:
    """The id of a link to one of the Atlas's detail pages (`detailCollectivite.html?colId=N`,
    any `detail*.html`), None for any other page, even one with an `id` parameter."""
    if not url:
        return None
    page = urlsplit(url).path.rpartition("/")[2].lower()
    return link_id(url) if page.startswith("detail") else None


def project_ids_in_text(text: str) -> set[str]:
    """Every prjId that a partnership URL written in `text` carries."""
    return set(_PROJECT_IN_TEXT.findall(text))


def project_id_of_file_name(name: str) -> str | None:
    """`17384.html` or a browser's `detailProjet.html?criteres.prjId=17384` -> `17384`."""
    if found := project_id(name):
        return found
    match = _FILE_NAME_ID.fullmatch(name)
    return match.group(1) if match else None


def is_web_link(href: str) -> bool:
    """Is `href` meant as a web page's address: relative, or http(s)? Not a fragment, not
    `javascript:` or `mailto:`. When `absolute_link` gives None for such a link, the link is
    broken, and is worth a warning; the others are simply no web links."""
    href = href.strip()
    scheme = _SCHEME.match(href)
    return (
        bool(href)
        and not href.startswith("#")
        and (scheme is None or scheme[1].lower() in _LINK_SCHEMES)
    )


def absolute_link(href: str | None, base: str | None) -> str | None:
    """`href` resolved against `base` (the page's URL, else the Atlas's detail page); None for
    an empty link, a fragment alone, any scheme other than http(s), or a link that is still no
    IRI once written as a browser requests it (a host holding `<` or a space, which browsers
    refuse too): what it returns can always become an IRI."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        url = urljoin(base or DETAIL_PAGE, href)
        if not _REQUESTABLE.fullmatch(url):  # most links need nothing: 0.3 µs, not 3
            url = _STRAY_PERCENT.sub("%25", safe_url_string(url))
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host: not a link anything can use
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.netloc:
        return None
    try:
        NamedNode(url)
    except ValueError:
        return None
    return url
