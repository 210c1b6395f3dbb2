"""The Atlas's URL forms, in one place.

The Atlas is a Java web application under `/cncdext/dyn/public/atlas/`; a partnership's detail
page is `detailProjet.html?criteres.prjId=N`. Every stage that builds or reads an Atlas URL
(harvest, parser, sample generator, simulator) takes it from here.
"""

from __future__ import annotations

ATLAS_BASE_URL = "https://pastel.diplomatie.gouv.fr"
PAGE_PATH = "/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId={}"


def page_url(base_url: str, prj_id: int) -> str:
    """The detail page of partnership `prj_id` on the Atlas at `base_url`."""
    return base_url.rstrip("/") + PAGE_PATH.format(prj_id)
