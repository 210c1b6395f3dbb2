"""The quality page (`/quality`): the SHACL results of the build that made the served store.

The build leaves every pySHACL result in the store folder (`quality.json`, see
`graph.validate.quality_text`); this page counts them per severity and per shape and lists
them with links to the partnership and the node concerned. The release carries the same
results as pySHACL's graph (`quality/shacl-report.ttl`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.graph.validate import (
    QUALITY_NAME,
    SEVERITIES,
    QualityRecord,
    distinct_results,
    read_quality,
    shape_counts,
)
from atlas_ld.serve.i18n import translator
from atlas_ld.serve.views.base import Value, compact, local_href, render

SHOWN = 1000  # findings listed on the page; the release's quality/findings.csv has them all
SEVERITY_LABELS = {"Violation": "Violation", "Warning": "Avertissement", "Info": "Note"}


@dataclass(slots=True)
class _Cached:
    stamp: tuple[int, int]
    record: QualityRecord | None


_cache: dict[str, _Cached] = {}


def quality_record(site) -> QualityRecord | None:
    """The build's results, read again only when the file changed (a new build)."""
    store = getattr(site.config, "store", None)
    if store is None or getattr(site.config, "sparql_endpoint", None):
        return None
    path = Path(store) / QUALITY_NAME
    try:
        info = path.stat()
    except OSError:
        return None
    stamp = (info.st_mtime_ns, info.st_size)
    cached = _cache.get(str(path))
    if cached is None or cached.stamp != stamp:
        cached = _cache[str(path)] = _Cached(stamp, read_quality(Path(store)))
    return cached.record


async def quality(request: Request) -> Response:
    site = request.app.state.site
    t = translator(request)
    record = quality_record(site)
    wanted = request.query_params.get("severity")
    if wanted not in SEVERITIES:
        wanted = None
    results = distinct_results(record.issues) if record is not None else []
    per_severity = Counter(issue.severity for issue in results)
    findings = []
    for issue in record.issues if record is not None else []:
        if wanted and issue.severity != wanted:
            continue
        if len(findings) == SHOWN:
            break
        message = t.pick({"fr": issue.message_fr, "en": issue.message_en})
        findings.append(
            {
                "severity": t(SEVERITY_LABELS[issue.severity]),
                "partnership": Value(
                    issue.partnership.rsplit("/", 1)[-1], local_href(site, issue.partnership)
                )
                if issue.partnership
                else None,
                "focus": Value(compact(issue.focus), local_href(site, issue.focus)),
                "path": issue.path,
                "value": issue.value,
                "message": message,
                "shape": compact(issue.source_shape.strip("<>")),
            }
        )
    shapes = [
        (compact(shape), t(SEVERITY_LABELS[severity]), n)
        for shape, severity, n in shape_counts(record.issues if record else [])
    ]
    return render(
        request,
        "quality.html",
        t=t,
        record=record,
        severities=[(s, t(SEVERITY_LABELS[s]), per_severity.get(s, 0)) for s in SEVERITIES],
        shapes=shapes,
        findings=findings,
        shown=SHOWN,
        wanted=wanted,
        total=sum(
            1 for i in (record.issues if record else []) if not wanted or i.severity == wanted
        ),
    )


def routes() -> list[Route]:
    return [Route("/quality", quality, name="quality")]
