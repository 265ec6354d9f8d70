"""The focus of a document: the share of each country (and of each first-level division) among its
places. Finding uses the country focus as evidence for a gazetteer match; disambiguation uses both
to score candidates."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..gazetteer import GeoCandidate
from .types import Mention


def country_focus(mentions: Iterable[Mention], title_cands: Iterable[list[GeoCandidate]] = ()) -> dict[str, float]:
    """Share of each country (alpha-2) among the document's unambiguous place mentions."""
    weights: Counter[str] = Counter()
    groups = [m.candidates for m in mentions] + list(title_cands)
    for cands in groups:
        if not cands:
            continue
        countries = [c for c in cands if c.is_country]
        if countries and countries[0].country2:
            weights[countries[0].country2] += 1.0
            continue
        top = cands[0]
        second = cands[1].population if len(cands) > 1 else 0
        if top.country2 and (len({c.country2 for c in cands}) == 1 or top.population >= 5 * max(second, 1)):
            weights[top.country2] += 0.5
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()} if total else {}


def admin_focus(mentions: list[Mention]) -> dict[tuple[str, str], float]:
    """Share of each first-level division (country, admin1 code) among the document's resolved
    places: named divisions and qualifiers count fully, confidently resolved towns by their score."""
    weights: Counter[tuple[str, str]] = Counter()
    for m in mentions:
        c = m.best
        if c is None or c.is_country or not c.country2:
            continue
        if m.qualifier_admin1:
            weights[(m.qualifier_country or c.country2, m.qualifier_admin1)] += 1.0
        elif c.admin1 and c.feature_code == "ADM1":
            weights[(c.country2, c.admin1)] += 1.0
        elif c.admin1 and m.score >= 0.6:
            weights[(c.country2, c.admin1)] += 0.5 * m.score
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()} if total else {}
