"""HTTP content negotiation: pick the best of the types we offer from an `Accept` header.

Browsers send `text/html,...,*/*;q=0.8` and linked-data clients `text/turtle;q=1,...`; the server
lists its offers in order of preference, and ties in quality go to the earlier offer, so a
client that accepts anything gets the server's default. A client whose `Accept` names only types
a route cannot produce gets `406 Not Acceptable` naming the types it can, rather than a body it
did not ask for (a missing or empty `Accept` means "anything").
"""

from __future__ import annotations

from dataclasses import dataclass

from atlas_ld.core.errors import AtlasError


class NotAcceptable(AtlasError):
    """The client accepts none of the media types a route offers (HTTP 406)."""


@dataclass(frozen=True, slots=True)
class _Range:
    type: str
    subtype: str
    quality: float

    def matches(self, media_type: str) -> int:
        """How specifically this range matches `media_type`: 2 exact, 1 `type/*`, 0 `*/*`, -1 no."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def _ranges(accept: str) -> list[_Range]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        kind, _, sub = fields[0].lower().partition("/")
        if not kind:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append(_Range(kind, sub or "*", quality))
    return ranges


def choose(accept: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers, or None when it accepts none of them."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    best, best_quality = None, 0.0
    for offer in offers:
        specificity, quality = -1, 0.0
        for candidate in ranges:
            match = candidate.matches(offer)
            if match > specificity:
                specificity, quality = match, candidate.quality
        if specificity >= 0 and quality > best_quality:
            best, best_quality = offer, quality
    return best


def negotiate(accept: str | None, offers: list[str]) -> str:
    """Like `choose`, but a client that accepts none of `offers` is an error."""
    chosen = choose(accept, offers)
    if chosen is None:
        raise NotAcceptable(
            f"none of the types in Accept: {accept} can be produced here",
            hint="send one of " + ", ".join(dict.fromkeys(offers)),
        )
    return chosen
