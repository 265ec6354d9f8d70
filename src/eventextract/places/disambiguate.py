"""Resolving the toponyms of a document: two passes of scoring, qualifiers, and containment of
names the gazetteer lacks; :func:`resolve_places` is the places stage's entry for a document.

Resolution scores every gazetteer candidate of a name by population and feature-type priors, the
document's country focus (and, within a country, its first-level-division focus), explicit
qualifiers ("Paris, Texas", "the X district of Azerbaijan") and closeness to the other places of the
document (leave-one-out: a name's own first choices do not count towards its focus). A country name
always resolves to the country; a match only through an alternate name of a place in a country the
document is not about stays unresolved unless a qualifier or a nearby place supports it.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ..context import DocContext
from ..gazetteer import GeoCandidate, fold
from ..records import PlaceMention
from . import names
from .focus import admin_focus, country_focus
from .lexicon import (ALT_MIN_SHARE, ALT_SHORT_NAME, DOMINANT_MIN_POP, DOMINANT_RATIO, MIN_POP_BARE,
                      MIN_POP_EVIDENCE, STRONG_FOCUS, PlaceLexicon, PlaceNoun, PlaceRules)
from .mentions import find_mentions
from .types import Mention, MentionSource, PlaceFindings

_TITLE_NAME = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")


def resolve_places(ctx: DocContext, rules: PlaceRules, exclude: Sequence[tuple[int, int]] = ()) -> PlaceFindings:
    """Every toponym in ``ctx.text`` (char offsets into it, text order), resolved or not, with its
    sentence index; and the folded capitalised names of ``ctx.title``. A toponym overlapping a
    char span of ``exclude`` is left out."""
    lex, gaz = rules.lexicon, rules.gazetteer
    mentions = find_mentions(ctx, lex, gaz, exclude)
    title = ctx.title
    title_cands: list[list[GeoCandidate]] = []
    if title:
        for name in _TITLE_NAME.findall(title):
            key = fold(name)
            if key not in lex.stop and key not in lex.demonyms:
                cands = names.lookup(gaz, name)
                if cands and (cands[0].feature_class != "P" or cands[0].population >= MIN_POP_BARE):
                    title_cands.append(cands)
    focus = country_focus(mentions, title_cands)
    title_names = {fold(c[0].name) for c in title_cands} | {fold(name) for name in _TITLE_NAME.findall(title or "")}
    _qualifiers(ctx.text, lex, mentions)
    _resolve(mentions, focus, [])
    anchors = [m.best for m in mentions if m.best is not None and not m.best.is_country and m.score >= 0.8
               and (m.best.population >= MIN_POP_EVIDENCE or m.best.feature_class != "P")]
    focus2, own_focus = _refocus(mentions, title_cands, focus)
    _resolve(mentions, focus2, anchors, admin_focus(mentions), own_focus)
    _contain(ctx, lex, mentions)
    return PlaceFindings(places=[_to_record(m) for m in mentions if not (m.distrusted and m.source.bare_gazetteer)],
                         title_names=frozenset(title_names))


def _refocus(mentions: list[Mention], title_cands: list[list[GeoCandidate]], focus: dict[str, float]
             ) -> tuple[dict[str, float], dict[int, dict[str, float]]]:
    """The country focus of what pass 1 resolved (the title's names count half), and for each
    mention (by index) whose name pass 1 resolved, the focus without that name's own choices
    (leave-one-out), to resolve again with."""
    weights: Counter[str] = Counter()
    by_name: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.best is not None and m.best.country2:
            w = 1.0 if m.best.is_country else 0.5 + 0.5 * m.score
            weights[m.best.country2] += w
            by_name.setdefault(fold(m.text), Counter())[m.best.country2] += w
    for cands in title_cands:
        if cands[0].country2:
            weights[cands[0].country2] += 0.5
    total = sum(weights.values())
    focus2 = {k: v / total for k, v in weights.items()} if total else focus
    own_focus: dict[int, dict[str, float]] = {}
    for k, m in enumerate(mentions):
        own = by_name.get(fold(m.text))
        if not own or not m.candidates or m.candidates[0].is_country:
            continue
        rest = weights - own
        n = sum(rest.values())
        own_focus[k] = {c: v / n for c, v in rest.items()} if n else focus
    return focus2, own_focus


def _km(a: GeoCandidate, b: GeoCandidate) -> float:
    if a.latitude is None or b.latitude is None or a.longitude is None or b.longitude is None:
        return 1e9
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dl = math.radians(b.longitude - a.longitude)
    x = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(x)))


def _qualifiers(text: str, lex: PlaceLexicon, mentions: list[Mention]) -> None:
    """"Paris, Texas", "Rome, Ga.", "the Barda district of Azerbaijan": constrain to the qualifier."""
    for a, b in zip(mentions, mentions[1:]):
        between = text[a.end:b.start]
        if a.sentence_index != b.sentence_index:
            continue
        if re.fullmatch(r"\s*,\s*", between) or re.fullmatch(r"\s+(?:\w+\s+){0,2}(?:of|in)\s+(?:the\s+)?", between):
            quals = [c for c in b.candidates if c.feature_class == "A" and c.feature_code in ("PCLI", "ADM1")]
            for q in quals:
                if any(c.country2 == q.country2 and c.key != q.key for c in a.candidates):
                    a.qualifier_country = q.country2
                    if q.feature_code == "ADM1":
                        a.qualifier_admin1 = q.admin1
                    break
    for m in mentions:
        if m.qualifier_country:
            continue
        m_after = re.match(r",\s*([A-Z][A-Za-z.]{1,6}\.?)", text[m.end:m.end + 12])
        if m_after:
            code = lex.state_abbrev.get(m_after.group(1))
            if code and any(c.country2 == "US" and c.admin1 == code for c in m.candidates):
                m.qualifier_country, m.qualifier_admin1 = "US", code


def _score(m: Mention, c: GeoCandidate, focus: dict[str, float],
           anchors: list[GeoCandidate], admin_focus: dict[tuple[str, str], float] | None = None) -> float:
    """The score of candidate ``c`` for mention ``m``: population and feature-type priors, a
    world-known city over its small namesakes abroad, capitals, the country and division focus
    (weaker for a town dwarfed by a namesake abroad), an explicit qualifier, nearby anchors."""
    s = math.log10(c.population + 1) / 7.0
    if c.is_country:
        s += 3.0
    elif c.feature_class == "A":
        s += 0.0 if c.source == "admin" else 0.8 if c.feature_code == "ADM1" else 0.5
    elif c.feature_class == "L":
        s += 0.5
    if c.main_name_match:
        s += 0.3
    if c.feature_class == "A" and not c.is_country:
        if m.area_noun:
            s += 1.0
        elif c.source == "admin" and any(o.feature_class == "P" and o.country2 == c.country2
                                         and o.population >= 1000 for o in m.candidates):
            s -= 1.5  # a derived division named after its town: the bare name is the town
    if c.source == "user":
        s += 0.5
    if c.feature_class == "P" and c.population >= DOMINANT_MIN_POP and c.main_name_match:
        # a world-known city ("Geneva" in a Syria story) outranks its far smaller namesakes
        # abroad unless the document's focus on their country is strong (US local news)
        rivals = [o for o in m.candidates if o.feature_class == "P" and o.country2 != c.country2]
        rival = max((o.population for o in rivals), default=0)
        if c.population >= DOMINANT_RATIO * max(rival, 1) and \
                max((focus.get(o.country2 or "", 0.0) for o in rivals), default=0.0) < STRONG_FOCUS:
            s += min(1.0, 0.5 * math.log10(c.population / max(rival, 1)))
    if c.feature_code == "PPLC":
        # a foreign story names capitals, not the homonymous divisions ("Washington blamed ...")
        s += 0.3 + (1.3 if focus.get(c.country2 or "", 0.0) < 0.3 else 0.0)
    if c.country2:
        # a town dwarfed by a world-known namesake abroad needs evidence for its own division
        # (state, province) or a strong country focus before the focus counts fully ("Geneva" in
        # a Syria story that also names the United States is not Geneva, Illinois)
        dwarfed = c.feature_class == "P" and any(
            o.feature_class == "P" and o.main_name_match and o.country2 != c.country2
            and o.population >= DOMINANT_MIN_POP and o.population >= DOMINANT_RATIO * max(c.population, 1)
            for o in m.candidates)
        state_evidence = m.qualifier_country == c.country2 or bool(
            admin_focus and c.admin1 and admin_focus.get((c.country2, c.admin1), 0.0) > 0)
        share = focus.get(c.country2, 0.0)
        s += (0.5 if dwarfed and not state_evidence and share < STRONG_FOCUS else 2.0) * share
        if c.feature_code == "ADM1" and c.source != "admin":  # "Georgia" in a US story is the state, in a Caucasus one the country
            s += 2.0 * focus.get(c.country2, 0.0)
        if admin_focus and c.admin1 and not c.is_country:
            s += 1.5 * admin_focus.get((c.country2, c.admin1), 0.0)
    if m.qualifier_country:
        if c.country2 == m.qualifier_country and (m.qualifier_admin1 is None or c.admin1 == m.qualifier_admin1):
            s += 3.0
    if anchors and not c.is_country:
        near = min((_km(c, a) for a in anchors if a.key != c.key), default=1e9)
        if near < 50:
            s += 1.0
        elif near < 250:
            s += 0.6
    return s


def _resolve(mentions: list[Mention], focus: dict[str, float], anchors: list[GeoCandidate],
             admin_focus: dict[tuple[str, str], float] | None = None,
             own_focus: dict[int, dict[str, float]] | None = None) -> None:
    """Pick the best candidate of every mention. ``own_focus`` (by mention index) replaces the
    document focus for a mention whose own earlier choice must not count towards it."""
    for k, m in enumerate(mentions):
        if not m.candidates:
            m.best, m.score, m.why = None, 0.0, "not in gazetteer"
            continue
        f = own_focus.get(k, focus) if own_focus is not None else focus
        cands = m.candidates[:60]
        scored = sorted(((_score(m, c, f, anchors, admin_focus), c) for c in cands),
                        key=lambda x: (-x[0], -x[1].population))
        best_s, best = scored[0]
        z = sum(math.exp(3 * (s - best_s)) for s, _ in scored)
        m.best, m.score = best, round(1.0 / z, 3)
        m.distrusted = False
        bits = [f"{len(cands)} candidate(s)"]
        if m.qualifier_country:
            bits.append(f"qualifier {m.qualifier_country}{'/' + m.qualifier_admin1 if m.qualifier_admin1 else ''}")
        if best.country2 and f.get(best.country2):
            bits.append(f"document focus {best.country2} {f[best.country2]:.2f}")
        if _alternate_abroad(m, best, f, anchors):
            # a name that only matches an alternate name of a place in a country the document
            # is not about ("Dras" -> Durres, Albania) is more likely a place the gazetteer lacks
            m.best, m.score, m.distrusted = None, 0.0, True
            bits = [f"not resolved: only an alternate name of {best.name} ({best.country2}), outside "
                    f"the document's focus, with no nearby place or qualifier"]
        m.why = "; ".join(bits)


def _alternate_abroad(m: Mention, c: GeoCandidate, focus: dict[str, float],
                      anchors: list[GeoCandidate]) -> bool:
    """Whether the chosen candidate is matched only through an alternate name (not its main
    name), lies in a country with little or no share of a document that has a clear focus
    elsewhere, and has no support from a qualifier or a nearby resolved place."""
    if c.main_name_match or c.is_country or c.source in ("user", "regions", "countries", "continents"):
        return False
    if m.qualifier_country or not focus:
        return False
    share = focus.get(c.country2 or "", 0.0)
    if share >= ALT_MIN_SHARE or max(focus.values()) < STRONG_FOCUS - 0.2:
        return False
    if any(a.key != c.key and _km(c, a) < 250 for a in anchors):
        return False
    return len(fold(m.text)) <= ALT_SHORT_NAME or len({o.country2 for o in m.candidates}) > 1


def _contain(ctx: DocContext, lex: PlaceLexicon, mentions: list[Mention]) -> None:
    """Place names the gazetteer lacks at the place that contains them: "a market in X, in Y
    governorate" -> Y; "the X neighbourhood" -> the town named before it in the paragraph, else
    the town the document names most often. The mention keeps its own text; the reason says so."""
    doc, text = ctx.doc, ctx.text
    paras = ctx.line_block_ids  # this stage's paragraphs: a line break starts a new one
    towns = Counter(m.best.key for m in mentions if m.best is not None and m.best.feature_class == "P")
    for k, m in enumerate(mentions):
        if m.best is not None or not (m.source.source in (MentionSource.PLACE_NOUN, MentionSource.NER)
                                      or m.source.labelled_by_norp):
            continue
        nxt = mentions[k + 1] if k + 1 < len(mentions) else None
        if nxt is not None and nxt.best is not None and not nxt.best.is_country \
                and nxt.sentence_index == m.sentence_index \
                and re.fullmatch(r",\s*(?:in|near)\s+(?:the\s+)?", text[m.end:nxt.start]):
            m.best, m.score = nxt.best, round(0.8 * nxt.score, 3)
            m.why = f"not in gazetteer; located by the qualifier {nxt.text}"
            continue
        after = doc[m.tok_end] if m.tok_end < len(doc) else None
        if after is None or lex.place_nouns.get(after.lemma_.lower()) is not PlaceNoun.SUBCITY:
            continue
        before = [o for o in mentions[:k] if o.best is not None and o.best.feature_class == "P"
                  and o.score >= 0.5 and paras[o.sentence_index] == paras[m.sentence_index]]
        if before:
            town, why = before[-1], "the town named before it in the paragraph"
        else:
            ranked = [o for o in mentions if o.best is not None and o.best.feature_class == "P"
                      and towns[o.best.key] >= 2]
            if not ranked:
                continue
            town = max(ranked, key=lambda o: (towns[o.best.key], -o.start))
            why = "the town the document names most often"
        m.best, m.score = town.best, round(0.8 * town.score, 3)
        m.why = f"not in gazetteer; part of {town.text} ({why})"


def _to_record(m: Mention) -> PlaceMention:
    c = m.best
    reason = f"{m.source.render()}; {m.why}"
    place_noun = m.source.source is MentionSource.PLACE_NOUN
    if c is None:
        return PlaceMention(m.start, m.end, m.text, score=0.0, sentence_index=m.sentence_index,
                            reason=reason, place_noun=place_noun)
    return PlaceMention(
        start=m.start, end=m.end, text=m.text, name=c.name, geonameid=c.geonameid,
        latitude=c.latitude, longitude=c.longitude, country=c.country, admin1=c.admin1,
        feature_class=c.feature_class, feature_code=c.feature_code, population=c.population,
        geo_precision=c.precision if c.latitude is not None else "none", score=m.score,
        reason=reason, sentence_index=m.sentence_index, place_noun=place_noun)
