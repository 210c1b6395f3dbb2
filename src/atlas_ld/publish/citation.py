"""How to cite a release: `CITATION.cff`, Zenodo deposition metadata, and the server's note.

A researcher who cites "the Atlas as of March" needs that exact release again: the citation
names the release id (capture date plus content digest, see `core.release.release_id`), its
dataset IRI and where it is downloaded. `CITATION.cff` follows the Citation File Format 1.2.0
(GitHub and Zenodo read it); `.zenodo.json` is the deposition metadata of Zenodo's REST API, so
that uploading the release folder to Zenodo gives it a DOI per version with these fields.
Neither file holds a date from the clock: the release date is its newest capture.
"""

from __future__ import annotations

import json
from pathlib import Path

from atlas_ld.core.release import Citation, ReleaseManifest

CFF_NAME = "CITATION.cff"
ZENODO_NAME = ".zenodo.json"
LICENCE_SPDX = "etalab-2.0"
KEYWORDS = ["coopération décentralisée", "collectivités territoriales", "linked data", "IATI"]
TITLE = "Atlas français de la coopération décentralisée (données liées)"
ABSTRACT = (
    "Les partenariats entre collectivités territoriales françaises et autorités locales "
    "étrangères publiés par l'Atlas français de la coopération décentralisée, sous forme de "
    "graphe de connaissances (RDF), de tables CSV et d'activités IATI."
)


def citation_of(
    manifest: ReleaseManifest, *, publisher: str, dataset_iri: str, download_url: str
) -> Citation:
    return Citation(
        release_id=manifest.release_id,
        version=manifest.version,
        title=TITLE,
        publisher=publisher,
        date=manifest.modified[:10] if manifest.modified else None,
        dataset_iri=dataset_iri,
        download_url=download_url,
        previous=manifest.previous,
    )


def _yaml(value: str) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML and need no other escaping."""
    return json.dumps(value, ensure_ascii=False)


def cff_text(citation: Citation) -> str:
    """CITATION.cff (CFF 1.2.0), written by hand: a few fixed keys, every value quoted."""
    lines = [
        'cff-version: "1.2.0"',
        f"message: {_yaml('Si vous utilisez ces données, citez cette version ainsi.')}",
        'type: "dataset"',
        f"title: {_yaml(citation.title)}",
        f"version: {_yaml(citation.version)}",
        "authors:",
        f"  - name: {_yaml(citation.publisher)}",
        f"license: {_yaml(LICENCE_SPDX)}",
        f"url: {_yaml(citation.download_url)}",
        f"abstract: {_yaml(ABSTRACT)}",
        "keywords:",
        *(f"  - {_yaml(k)}" for k in KEYWORDS),
        "identifiers:",
        '  - type: "url"',
        f"    value: {_yaml(citation.dataset_iri)}",
        f"    description: {_yaml(f'Release {citation.release_id}')}",
    ]
    if citation.date:
        lines.append(f"date-released: {_yaml(citation.date)}")
    return "\n".join(lines) + "\n"


def zenodo_metadata(citation: Citation) -> dict:
    """Zenodo deposition metadata (https://developers.zenodo.org/#representation)."""
    metadata = {
        "upload_type": "dataset",
        "title": f"{citation.title}, {citation.version}",
        "creators": [{"name": citation.publisher}],
        "description": f"<p>{_html(ABSTRACT)}</p><p>Release {_html(citation.release_id)}.</p>",
        "access_right": "open",
        "license": LICENCE_SPDX,
        "keywords": KEYWORDS,
        "version": citation.version,
        "language": "fra",
        "related_identifiers": [
            {"identifier": citation.dataset_iri, "relation": "isIdenticalTo", "scheme": "url"},
        ],
    }
    if citation.date:
        metadata["publication_date"] = citation.date
    return {"metadata": metadata}


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_citation_files(root: Path, citation: Citation) -> list[str]:
    (root / CFF_NAME).write_text(cff_text(citation), encoding="utf-8")
    (root / ZENODO_NAME).write_text(
        json.dumps(zenodo_metadata(citation), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return [CFF_NAME, ZENODO_NAME]
