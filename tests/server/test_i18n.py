"""French and English: every string the pages use is in the English catalogue, the language is
chosen by ?lang, then the cookie the switch sets, then Accept-Language, and <html lang> says it."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import requests
from babel.messages.pofile import read_po

from atlas_ld.serve.i18n import Translator, from_accept_language

SERVE = Path(resources.files("atlas_ld.serve"))
HTML = {"Accept": "text/html"}
# `_("...")`, `gettext('...')` in templates and `t("...")` in the views
CALL = re.compile(r"""(?<![\w.])(?:_|t|gettext)\((?P<q>["'])(?P<msg>.+?)(?P=q)[,)]""")


def _catalogue() -> dict[str, str]:
    with (SERVE / "locale/en/LC_MESSAGES/messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def test_every_message_of_the_pages_has_its_english():
    english = _catalogue()
    files = [*(SERVE / "templates").glob("*.html"), *(SERVE / "views").glob("*.py")]
    used = {m["msg"] for f in files for m in CALL.finditer(f.read_text(encoding="utf-8"))}
    assert len(used) > 50
    missing = sorted(m for m in used if not english.get(m))
    assert missing == []


def test_placeholders_survive_translation():
    for msgid, msgstr in _catalogue().items():
        assert sorted(re.findall(r"%\(\w+\)\w", msgid)) == sorted(
            re.findall(r"%\(\w+\)\w", msgstr)
        ), msgid


def test_accept_language_picks_the_first_language_we_speak():
    assert from_accept_language("en-GB,en;q=0.9,fr;q=0.8") == "en"
    assert from_accept_language("de-DE, fr;q=0.5, en;q=0.4") == "fr"
    assert from_accept_language("en;q=0, fr;q=0.1") == "fr"
    assert from_accept_language("de, es") is None
    assert from_accept_language("en;q=abc, fr") == "fr"
    assert Translator("en")("Accueil") == "Home" and Translator("fr")("Accueil") == "Accueil"


def _lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)">', page).group(1)


def test_language_by_parameter_cookie_and_browser(server, known):
    url = f"{server.url}/{known.path}"
    assert _lang(requests.get(url, headers=HTML, timeout=30).text) == "fr"
    by_browser = requests.get(url, headers={**HTML, "Accept-Language": "en-US,en"}, timeout=30)
    assert _lang(by_browser.text) == "en" and "Total financing" in by_browser.text
    assert "Accept-Language" in by_browser.headers["Vary"]
    session = requests.Session()
    chosen = session.get(url, params={"lang": "en"}, headers=HTML, timeout=30)
    assert _lang(chosen.text) == "en" and session.cookies.get("lang") == "en"
    # the switch in the header leads to the other language and keeps the choice
    assert 'href="/' + known.path + '?lang=fr"' in chosen.text
    remembered = session.get(url, headers={**HTML, "Accept-Language": "fr"}, timeout=30)
    assert _lang(remembered.text) == "en"
    back = session.get(url, params={"lang": "fr"}, headers=HTML, timeout=30)
    assert _lang(back.text) == "fr" and "Financement total" in back.text


def test_labels_of_the_ontology_in_english(server, known):
    page = requests.get(
        f"{server.url}/{known.path}", params={"lang": "en"}, headers=HTML, timeout=30
    ).text
    data = page[page.index('<details class="data">') :]
    assert "start year <small>atlas:startYear</small>" in data
    assert "année de début" not in data


def test_not_found_in_both_languages(server):
    french = requests.get(f"{server.url}/id/actor/nobody", headers=HTML, timeout=30)
    english = requests.get(
        f"{server.url}/id/actor/nobody", params={"lang": "en"}, headers=HTML, timeout=30
    )
    assert french.status_code == english.status_code == 404
    assert "Page introuvable" in french.text and "pas dans ce jeu de données" in french.text
    assert "Page not found" in english.text and "is not in this dataset" in english.text
