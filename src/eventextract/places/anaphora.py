"""Places an event takes from the text around it: a back-reference ("the town", "this operation",
"the siege") to an earlier place or event, the place of the previous event of the paragraph, the
place of the section heading, and the document's main place."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..context import DocContext
from ..gazetteer import fold
from ..records import PlaceMention
from . import syntax
from .lexicon import COMPASS, DEMONSTRATIVES, PRECISION_RANK, SMALL_SETTLEMENTS, PlaceLexicon, PlaceNoun

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

#: the places linked so far to the events of a document (sentence index -> place), in document order
EventMemory = Mapping[int, PlaceMention]


def anaphor(ctx: DocContext, lex: PlaceLexicon, trigger: "Token", dist: dict[int, int],
            places: Sequence[PlaceMention], sentence_index: int, title_names: frozenset[str]
            ) -> tuple[int, PlaceMention, str] | None:
    """'the town' / 'the city' among the trigger's arguments -> the last populated place before.
    ``title_names``: the folded names of the document's title (a place named there is salient)."""
    doc = ctx.doc
    for i, d in sorted(dist.items(), key=lambda x: x[1]):
        tok = doc[i]
        if lex.place_nouns.get(tok.lower_) is not PlaceNoun.SETTLEMENT or tok.ent_type_:
            continue
        if not any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children):
            continue
        if syntax.destination_token(lex, tok):
            continue  # "fled to the capital": a withdrawal happens where it starts
        sub = (tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge))
        if any(sub[0] <= p.start and p.end <= sub[1] for p in places):
            continue  # "the town of X": X itself is the argument
        before = [p for p in places if p.end <= tok.idx and p.geo_precision == "populated_place"
                  and not _named_as_other_kind(lex, doc, p, tok.lower_) and not syntax.metonym(lex, doc, p)]
        if not before:
            continue
        return d, _antecedent(ctx, lex, tok, before, places, sentence_index, title_names), f"the {tok.text}"
    return None


def _antecedent(ctx: DocContext, lex: PlaceLexicon, tok: "Token", before: list[PlaceMention],
                places: Sequence[PlaceMention], sentence_index: int, title_names: frozenset[str]) -> PlaceMention:
    """The place a settlement noun ``tok`` ("the town") refers back to, among the populated places
    ``before`` it: the heading's town when the paragraph names it again among others, else the
    last place of the paragraph (unless the main place was introduced with this very noun), else
    the heading's town, else the most salient place."""
    doc = ctx.doc
    paras = ctx.line_block_ids
    same = [p for p in before if paras[p.sentence_index] == paras[sentence_index]
            and not _reference_point(doc, p)]
    noun = tok.lemma_.lower()
    introduced = {p.geonameid or p.text for p in before if _introduced_as(doc, p, noun)}
    main = main_place(lex, doc, places)
    heading = heading_place(ctx, sentence_index, places)
    if heading is not None and heading.geo_precision == "populated_place" and len(same) > 1 \
            and heading.geonameid in {p.geonameid for p in same} \
            and (same[-1].geonameid or same[-1].text) not in introduced \
            and not _named_as_other_kind(lex, doc, heading, noun):
        # the section is about a town the paragraph names again among others ("## Fall of X"
        # ... "bombarded Y from X" ... "took the town"): the heading's town is the referent,
        # unless the paragraph's last place was introduced with this very noun
        return heading
    if same and not (main is not None and main.geonameid in introduced
                     and main.geonameid not in {p.geonameid for p in same}):
        # the last such place of the paragraph, unless the document's main place was
        # introduced with this very noun ("the port city of X" ... "advanced into the city")
        return same[-1]
    if heading is not None and heading.geo_precision == "populated_place" and not same:
        return heading
    counts = Counter(p.geonameid or p.text for p in before)

    def salience(p: PlaceMention) -> tuple[float, int]:
        """The antecedent: a place introduced with the same noun ("the port city of X"), of
        the same paragraph or heading, named often and recently; not a reference point."""
        s = 3.0 if (p.geonameid or p.text) in introduced else 0.0
        if paras[p.sentence_index] == paras[sentence_index]:
            s += 1.0 + (0.5 if same and p is same[-1] else 0.0)
        elif sentence_index - 6 <= p.sentence_index:
            s += 0.5
        if heading is not None and heading.geonameid == p.geonameid:
            s += 1.0
        s += 0.3 * min(counts[p.geonameid or p.text], 5)
        if fold(p.text) in title_names:
            s += 1.0
        if _reference_point(doc, p):
            s -= 1.0
        return s, p.start
    return max(before, key=salience)


def _introduced_as(doc: "Doc", p: PlaceMention, noun: str) -> bool:
    """Whether the text names the place with this settlement noun ("the town of X", "the port city
    of X", "the city X", "X city")."""
    toks = syntax.tokens(doc, p)
    if not toks:
        return False
    before = syntax.noun_before(doc, toks)
    if before is not None and before.lemma_.lower() == noun:
        return True
    return toks[-1] + 1 < len(doc) and doc[toks[-1] + 1].lemma_.lower() == noun


def _reference_point(doc: "Doc", p: PlaceMention) -> bool:
    """Whether the place only locates another one ("X, east of Y", "20 km north of Y")."""
    toks = syntax.tokens(doc, p)
    if not toks:
        return False
    k = toks[0] - 1
    return k >= 1 and doc[k].lower_ == "of" and doc[k - 1].lower_ in COMPASS | {"km", "kilometres", "miles"}


def _named_as_other_kind(lex: PlaceLexicon, doc: "Doc", p: PlaceMention, noun: str) -> bool:
    """Whether the text introduced the place with a settlement noun of another size ("the village
    X" is not what a later "the city" refers to)."""
    toks = syntax.tokens(doc, p)
    if not toks:
        return False
    before = syntax.noun_before(doc, toks)
    if before is None or lex.place_nouns.get(before.lemma_.lower()) is not PlaceNoun.SETTLEMENT:
        return False
    return (before.lemma_.lower() in SMALL_SETTLEMENTS) != (noun in SMALL_SETTLEMENTS)


def main_place(lex: PlaceLexicon, doc: "Doc", places: Sequence[PlaceMention]) -> PlaceMention | None:
    """The populated place the document names most often (at least twice, not as an acting
    subject); ties go to the earlier one."""
    counts: Counter[int] = Counter()
    first: dict[int, PlaceMention] = {}
    for p in places:
        if p.geo_precision != "populated_place" or p.geonameid is None or syntax.metonym(lex, doc, p):
            continue
        counts[p.geonameid] += 1
        first.setdefault(p.geonameid, p)
    if not counts:
        return None
    gid, n = max(counts.items(), key=lambda x: (x[1], -first[x[0]].start))
    return first[gid] if n >= 2 else None


def previous_event_place(ctx: DocContext, memory: EventMemory, sentence_index: int) -> PlaceMention | None:
    """The place linked to the latest earlier event of the same paragraph (or None)."""
    paras = ctx.line_block_ids
    if sentence_index >= len(paras):
        return None
    earlier = [si for si in memory if si < sentence_index and paras[si] == paras[sentence_index]]
    return memory[max(earlier)] if earlier else None


def heading_place(ctx: DocContext, sentence_index: int, places: Sequence[PlaceMention]) -> PlaceMention | None:
    """The single resolved place named by the nearest heading before the sentence (or None)."""
    for si in range(min(sentence_index, len(ctx.sents) - 1), -1, -1):
        if ctx.is_heading_line(si):
            named = [p for p in places if p.sentence_index == si and p.geo_precision != "none"]
            if len(named) == 1 and named[0].geo_precision != "country":
                return named[0]
            return None
    return None


def event_anaphor(ctx: DocContext, lex: PlaceLexicon, trigger: "Token", sentence_index: int,
                  places: Sequence[PlaceMention], memory: EventMemory) -> tuple[PlaceMention, str] | None:
    """"This operation failed", "the siege was lifted": an event told before. 'this/that X' is the
    previous event of the paragraph; 'the X' is the latest earlier mention of the same noun in the
    section (a heading "X under siege", or a sentence whose event has a place). Returns the place
    and why (the published reason without its ``context:`` prefix)."""
    doc = ctx.doc
    nouns = [t for t in [trigger, *trigger.children]
             if t.pos_ == "NOUN" and (t is trigger or t.dep_ in ("nsubj", "nsubjpass"))
             and fold(t.lemma_) in lex.event_nouns and not t.ent_type_]
    sents = ctx.sents
    for noun in nouns:
        dets = [c.lower_ for c in noun.children if c.dep_ == "det"]
        if not dets or any(c.dep_ == "prep" for c in noun.children):
            continue
        if dets[0] in DEMONSTRATIVES:
            prev = previous_event_place(ctx, memory, sentence_index)
            if prev is not None:
                return prev, f"'{dets[0]} {noun.text}' is the previous event (sentence {prev.sentence_index})"
            continue
        if dets[0] != "the":
            continue
        lemma = noun.lemma_.lower()
        for si in range(sentence_index - 1, max(-1, sentence_index - 15), -1):
            sent = sents[si]
            if not any(t.lemma_.lower() == lemma for t in sent):
                if ctx.is_heading_line(si):
                    break  # the section starts here
                continue
            own = _noun_place(sent, lemma, places, si)
            if own is not None:
                return own, f"'the {noun.text}' refers back to sentence {si}, which places it in {own.text}"
            if ctx.is_heading_line(si):
                place = heading_place(ctx, si, places)
            elif si in memory:
                place = memory[si]
            else:
                continue
            if place is not None:
                return place, f"'the {noun.text}' refers back to sentence {si} ({place.text})"
            break
    return None


def _noun_place(sent: "Span", lemma: str, places: Sequence[PlaceMention], si: int) -> PlaceMention | None:
    """The place an earlier mention of an event noun carries itself ("a ceasefire in the city
    and governorate of X"): the most specific resolved place inside its locative phrase."""
    for tok in sent:
        if tok.lemma_.lower() != lemma:
            continue
        for prep in tok.children:
            if prep.dep_ != "prep" or prep.lower_ not in ("in", "at", "near", "around", "across", "along"):
                continue
            lo, hi = prep.left_edge.idx, prep.right_edge.idx + len(prep.right_edge)
            inside = [p for p in places if p.sentence_index == si and lo <= p.start and p.end <= hi
                      and p.geo_precision not in ("none", "country")]
            if inside:
                return min(inside, key=lambda p: (PRECISION_RANK.get(p.geo_precision, 2), p.start))
    return None
