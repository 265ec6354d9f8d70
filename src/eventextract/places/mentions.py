"""Finding the toponyms of a document, in passes: US state abbreviations, descriptive mentions of
capitals, the model's place entities (and NORP entities that are place names), then a scan for
gazetteer names the model missed.

Toponyms come from spaCy's GPE/LOC/FAC entities plus gazetteer matches for proper names the model
misses or mislabels (the small English model often tags towns as PERSON or ORG). Gazetteer-only
matches must be proper nouns, must not be stoplisted common words (``data/gazetteer/stoplist.txt``)
or demonyms (``demonyms.txt``), and need evidence: a large population, a place-like syntactic role
("in X", "took X"), a place noun ("the X district"), or the document's country focus. A known place
that starts an institution name ("Ohio State University", "Springfield Police Department":
``institution_words.txt``) and AP-style US state abbreviations ("a Ga. pastor") are toponyms too.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import layout
from ..context import DocContext
from ..gazetteer import GeoCandidate, Gazetteer, fold
from ..vocab import PLACE_PREPS
from . import names
from .focus import country_focus
from .lexicon import (BLOCKING_LABELS, COMPASS, MIN_POP_BARE, MIN_POP_EVIDENCE, NER_PLACE_LABELS, NUMERIC_LABELS,
                      PlaceLexicon, PlaceNoun)
from .types import Found, Mention, MentionSource, overlaps

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span


@dataclass(eq=False)
class _Scan:
    """What the passes over one document share; created by :func:`find_mentions`, dropped when it
    returns. ``taken`` marks tokens inside a mention, ``blocked`` tokens of a non-place entity."""

    ctx: DocContext
    lex: PlaceLexicon
    gaz: Gazetteer
    exclude: Sequence[tuple[int, int]]
    sent_of: list[int]
    taken: list[bool]
    blocked: list[bool]
    mentions: list[Mention] = field(default_factory=list)
    other_ents: dict[int, "Span"] = field(default_factory=dict)  # token -> its PERSON/ORG/... entity
    norp_names: list["Span"] = field(default_factory=list)

    @property
    def doc(self) -> "Doc":
        return self.ctx.doc

    def add(self, span: "Span", source: Found, cands: list[GeoCandidate]) -> None:
        if any(overlaps((span.start_char, span.end_char), e) for e in self.exclude):
            return
        doc = self.doc
        area = span.end < len(doc) and self.lex.place_nouns.get(doc[span.end].lower_) is PlaceNoun.AREA
        self.mentions.append(Mention(span.start_char, span.end_char, span.start, span.end, span.text, source,
                                     self.sent_of[span.start], cands, area_noun=area))
        for i in range(span.start, span.end):
            self.taken[i] = True

    def free(self, start: int, end: int) -> bool:
        """No token of doc[start:end] is inside a mention."""
        return not any(self.taken[k] for k in range(start, end))


def find_mentions(ctx: DocContext, lex: PlaceLexicon, gaz: Gazetteer,
                  exclude: Sequence[tuple[int, int]] = ()) -> list[Mention]:
    """Every toponym of the document (text order), with its gazetteer candidates; none resolved yet.
    Mentions overlapping a char span of ``exclude`` are left out."""
    doc = ctx.doc
    sent_of = [0] * len(doc)
    for si, sent in enumerate(ctx.sents):
        for t in sent:
            sent_of[t.i] = si
    scan = _Scan(ctx, lex, gaz, exclude, sent_of, [False] * len(doc), [False] * len(doc))
    _abbreviations(scan)
    _capitals(scan)
    for ent in doc.ents:
        _entity(scan, ent)
    ner_names = {fold(m.text) for m in scan.mentions if m.candidates}
    for ent in scan.norp_names:
        if fold(ent.text) in ner_names and scan.free(ent.start, ent.end):
            scan.add(ent, Found(MentionSource.GAZETTEER, "NORP", "the same name is a place elsewhere in the document"),
                     names.lookup(gaz, ent.text))
    _scan_names(scan, ner_names)
    mentions = scan.mentions
    mentions.sort(key=lambda m: m.start)
    return mentions


def _abbreviations(scan: _Scan) -> None:
    """US state abbreviations used as toponyms ("a Ga. pastor", "CHARLESTON, W.Va. --")."""
    doc = scan.doc
    n = len(doc)
    i = 0
    while i < n:
        for width in (2, 1):
            j = i + width
            if j > n:
                continue
            text = doc[i:j].text
            code = scan.lex.state_abbrev.get(text)
            if code is None or not text.endswith("."):
                continue
            if text in scan.lex.abbrev_comma_only and (i == 0 or doc[i - 1].text != ","):
                continue
            state = scan.gaz.admin1("US", code)
            if state is not None:
                scan.add(doc[i:j], Found(MentionSource.ABBREVIATION), [state])
                i = j - 1
                break
        i += 1


def _capitals(scan: _Scan) -> None:
    """Descriptive mentions of national capitals: "the Belarusian capital", "the Syrian capital"
    (a nationality adjective or country name modifying 'capital') resolve to that country's PPLC."""
    doc = scan.doc
    for tok in doc:
        if tok.lemma_.lower() != "capital" or tok.pos_ != "NOUN" or tok.i == 0:
            continue
        mod = doc[tok.i - 1]
        if mod.dep_ not in ("amod", "compound", "nmod") or mod.head.i != tok.i or not mod.text[:1].isupper():
            continue
        code = names.country_of_adjective(scan.lex, scan.gaz, mod.text)
        cap = scan.gaz.capital(code) if code else None
        if cap is not None:
            scan.add(doc[mod.i:tok.i + 1], Found(MentionSource.CAPITAL, note=f"capital of {code}"), [cap])


def _entity(scan: _Scan, ent: "Span") -> None:
    """One entity of the model: a place entity is a mention; a NORP entity naming an area or the
    object of a locative preposition is one too; other labels block their tokens from the scan
    (a NORP proper noun is kept aside in case the name is a place elsewhere) or, for PERSON/ORG
    and the like, are remembered so that the scan does not take part of a longer name."""
    lex, gaz, taken = scan.lex, scan.gaz, scan.taken
    if ent.label_ in NER_PLACE_LABELS:
        span = ent
        while len(span) > 0 and taken[span.start]:
            span = span[1:]
        while len(span) > 0 and taken[span.end - 1]:
            span = span[:-1]
        if len(span) == 0 or not scan.free(span.start, span.end):
            return
        while len(span) > 1 and span[0].lower_ in ("the", "a", "an"):
            span = span[1:]
        if len(span) > 1 and span[-1].text in ("'s", "’s"):
            span = span[:-1]
        cands = names.lookup(gaz, span.text)
        if not cands and (names.is_demonym(lex, span) or fold(span.text) in lex.demonyms):
            for i in range(ent.start, ent.end):
                scan.blocked[i] = True
            return
        scan.add(span, Found(MentionSource.NER, ent.label_), cands)
    elif ent.label_ == "NORP" and names.named_area(lex, scan.doc, ent):
        cands = names.lookup(gaz, ent.text)
        scan.add(ent, Found(MentionSource.PLACE_NOUN, note="NORP name of an area") if not cands
                 else Found(MentionSource.GAZETTEER, "NORP", "area name"), cands)
    elif ent.label_ == "NORP" and scan.free(ent.start, ent.end) and names.norp_place(lex, ent):
        cands = names.lookup(gaz, ent.text)
        scan.add(ent, Found(MentionSource.GAZETTEER, "NORP", "object of a locative preposition") if cands
                 else Found(MentionSource.PLACE_NOUN, note="NORP name after a locative preposition"), cands)
    elif ent.label_ in BLOCKING_LABELS:
        if ent.label_ == "NORP" and names.norp_name(lex, ent):
            scan.norp_names.append(ent)  # "The fall of Aleppo": kept if the name is a GPE elsewhere
        if ent.label_ in NUMERIC_LABELS and not any(t.like_num or t.is_currency for t in ent):
            return  # a mislabelled heading ("## Ilovaisk" as MONEY) names no number
        for i in range(ent.start, ent.end):
            scan.blocked[i] = True
    else:
        while len(ent) > 1 and ent[-1].is_space:
            ent = ent[:-1]  # "X\n\n" at a heading: the line break is not part of the name
        for i in range(ent.start, ent.end):
            scan.other_ents[i] = ent


def _scan_names(scan: _Scan, ner_names: set[str]) -> None:
    """The gazetteer scan: every capitalised run of up to five tokens not already taken or blocked,
    longest first, that is a gazetteer name with enough evidence, or a name introduced by a place
    noun; a name split by mojibake is tried whole first."""
    doc = scan.doc
    noun_ends: set[int] = {m.tok_end - 1 for m in scan.mentions}
    focus = country_focus(scan.mentions)
    i = 0
    n = len(doc)
    while i < n:
        tok = doc[i]
        if scan.taken[i] or scan.blocked[i] or not (tok.text[:1].isupper()) or tok.pos_ not in ("PROPN", "NOUN", "ADJ", "X"):
            i += 1
            continue
        end = _mojibake_name(scan, i, noun_ends)
        if end is None:
            for width in range(min(5, n - i), 0, -1):
                end = _name_at(scan, i, i + width, noun_ends, ner_names, focus)
                if end is not None:
                    break
        i = end if end is not None else i + 1


def _mojibake_name(scan: _Scan, i: int, noun_ends: set[int]) -> int | None:
    """A name split by mojibake ("K…ôrkicahan") starting at doc[i], added as one mention when the
    gazetteer knows it or a place noun introduces it: the token after it, else None."""
    doc, sent_of = scan.doc, scan.sent_of
    g = names.glued_end(doc, i)
    if g > i + 1 and sent_of[g - 1] == sent_of[i] and not any(scan.taken[k] or scan.blocked[k] for k in range(i, g)):
        span = doc[i:g]  # a name split by mojibake ("K…ôrkicahan")
        cands = names.lookup(scan.gaz, span.text)
        if cands or names.after_place_noun(scan.lex, doc, i, noun_ends):
            scan.add(span, Found(MentionSource.GAZETTEER if cands else MentionSource.PLACE_NOUN, note="mojibake"),
                     cands)
            noun_ends.add(g - 1)
            return g
    return None


def _name_at(scan: _Scan, i: int, j: int, noun_ends: set[int], ner_names: set[str],
             focus: dict[str, float]) -> int | None:
    """Whether doc[i:j] is a toponym: not a common word, a demonym or part of a longer name (an
    institution name may start with one), and either a gazetteer name with enough evidence or an
    unknown name introduced by a place noun. Adds the mention and returns the token after it, or
    returns None (try a shorter run)."""
    doc, lex, sent_of = scan.doc, scan.lex, scan.sent_of
    n = len(doc)
    tok = doc[i]
    span = doc[i:j]
    if any(scan.taken[k] or scan.blocked[k] for k in range(i, j)) or sent_of[j - 1] != sent_of[i]:
        return None
    if not names.proper_run(span) and not (j - i == 1 and tok.pos_ == "NOUN" and
                                             scan.ctx.is_heading_line(scan.ctx.sentence_index_of(i))):
        return None  # (a capitalised noun of a section heading, "## Ilovaisk", where tags are unreliable)
    ent = scan.other_ents.get(i)
    institution = names.institution_name(lex, doc, i, j, sent_of)
    if institution:
        if ent is not None and ent.start < i and not all(  # "the Texas Department of ..."
                doc[k].lower_ in COMPASS or doc[k].lower_ == "the" for k in range(ent.start, i)):
            return None
    elif names.in_longer_name(doc, i, j, sent_of):
        return None
    elif ent is not None and not (ent.start == i and ent.end == j):
        if ent.start < i or ent.end > j:
            return None  # part of a longer PERSON/ORG name
    key = fold(span.text)
    if key in lex.stop or key in lex.demonyms:
        return None
    cands = []
    if j < n and lex.place_nouns.get(doc[j].lower_) is PlaceNoun.AREA and not doc[j].text[:1].isupper():
        cands = names.lookup(scan.gaz, span.text + " " + doc[j].text)  # "Shahumian region"
        if cands:
            span = doc[i:j + 1]
            j += 1
    cands = cands or names.lookup(scan.gaz, span.text)
    if not cands:
        if _unknown_name(scan, i, j, span, ent, noun_ends):
            scan.add(span, Found(MentionSource.PLACE_NOUN), [])
            noun_ends.add(j - 1)
            return j
        return None
    if institution:
        ok = _accept_institution(span, cands, focus, key in ner_names)
    else:
        ok = _accept(scan, span, cands, ent is not None, focus, key in ner_names)
    if not ok:
        return None
    scan.add(span, Found(MentionSource.GAZETTEER, None if ent is None else ent.label_,
                         "institution name" if institution else ""), cands)
    return j


def _unknown_name(scan: _Scan, i: int, j: int, span: "Span", ent: "Span | None", noun_ends: set[int]) -> bool:
    """Whether a name the gazetteer lacks is a place all the same: introduced by a settlement noun,
    followed by a place noun, or chained to a place ("a market in X, in Y governorate")."""
    doc, lex = scan.doc, scan.lex
    n = len(doc)
    chained = i > 0 and doc[i - 1].lower_ in PLACE_PREPS and j + 2 < n \
        and doc[j].text == "," and doc[j + 1].lower_ in ("in", "near") \
        and doc[j + 2].text[:1].isupper()  # "a market in X, in Y governorate"
    named_feature = chained or (len(span) >= 2 and span[-1].lower_ in lex.place_nouns) or (
        j < n and doc[j].lower_ in lex.place_nouns and doc[j].text.islower()
        and i > 0 and doc[i - 1].lower_ == "the")  # "the Masaken Hanano neighbourhood"
    return bool((ent is None or (ent.start == i and ent.end == j)) and
                (names.after_place_noun(lex, doc, i, noun_ends) or named_feature)
                and not names.in_longer_name(doc, i, j, scan.sent_of)
                and (j >= n or not doc[j].text[:1].isupper()))


def _place_role(lex: PlaceLexicon, span: "Span", taken: Sequence[bool] = ()) -> bool:
    """Whether the syntax says the span is a place: object of a locative preposition, object of
    a verb, subject of a passive, or modifier of a place noun ("the X district")."""
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPS:
        return True
    if root.dep_ in ("dobj", "nsubjpass", "obj"):
        return True
    if root.dep_ in ("compound", "amod", "nmod") and root.head.lemma_.lower() in lex.place_nouns:
        return True
    prev = span.doc[span.start - 1] if span.start > 0 else None
    if root.dep_ == "compound" and prev is not None and prev.lower_ in PLACE_PREPS \
            and prev.i == root.head.left_edge.i - 1 and root.head.ent_type_ in ("DATE", "TIME"):
        return True  # "travelled to X days earlier": the parser glued the name to the date
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    if nxt is not None and nxt.lower_ in lex.place_nouns:
        return True
    if root.dep_ in ("conj", "appos") and (root.head.ent_type_ in ("GPE", "LOC", "FAC") or
                                           (taken and taken[root.head.i])):
        return True
    return False


def _accept_institution(span: "Span", cands: list[GeoCandidate], focus: dict[str, float],
                        seen_as_ner: bool) -> bool:
    """Evidence for a place that starts an institution name: a region or country, a town of the
    document's focus countries, a place the NER found elsewhere, or a large town."""
    if len(span) == 1 and (span[0].is_stop or len(span.text) < 3):
        return False
    if seen_as_ner:
        return True
    for c in cands:
        if c.is_country or (c.feature_class == "A" and c.source != "admin" and c.population >= MIN_POP_BARE):
            return True
        if c.population >= MIN_POP_EVIDENCE and focus.get(c.country2 or "", 0.0) >= 0.3:
            return True
        if c.population >= 5 * MIN_POP_BARE:
            return True
    return False


def _accept(scan: _Scan, span: "Span", cands: list[GeoCandidate], in_other_ent: bool,
            focus: dict[str, float], seen_as_ner: bool) -> bool:
    """Evidence rules for a gazetteer match the NER did not label as a place."""
    if len(span) == 1 and (span[0].is_stop or len(span.text) < 3):
        return False
    if span.text.isupper() and len(span.text) <= 4 and not any(c.is_country for c in cands):
        return False
    strong = any((c.feature_class != "P" and c.source != "admin") or c.source in ("user", "regions")
                 for c in cands)
    pop = max(c.population for c in cands)
    in_focus = any(c.country2 in focus and c.population >= MIN_POP_EVIDENCE for c in cands)
    role = _place_role(scan.lex, span, scan.taken)
    if seen_as_ner:
        return True
    if in_other_ent and any(c.is_country and c.main_name_match for c in cands):
        return True  # a country's own name tagged ORG ("Armenia faced a blockade") is the country
    if in_other_ent:  # tagged PERSON/ORG: needs a place role plus a plausible candidate
        # (a section heading has little syntax: "Stepanakert under siege")
        return (role or layout.is_heading_line(span.sent, scan.ctx.text)) and (strong or in_focus or pop >= MIN_POP_BARE)
    if strong or pop >= MIN_POP_BARE:
        return True
    return (role or in_focus) and pop >= MIN_POP_EVIDENCE
