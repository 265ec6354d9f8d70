"""The place of each event: :func:`link_places` folds over a document's events in order.

Order: a place argument of the trigger in the parse (a place inside the event's target
phrase counts as the target's location: "attacked positions near X"); a back-reference
("the town", "this operation", "the siege") to an earlier place or event; the most specific
place of the sentence; the place of the previous event of the same paragraph (the sentence
names no place); the place of the section heading; a place of the sentence outside the
event's clause; the document's main place; a place inside the actor/recipient.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..context import DocContext
from ..gazetteer import fold
from ..records import PlaceMention
from . import anaphora, arguments, syntax
from .lexicon import PRECISION_RANK, PlaceLexicon, PlaceRules
from .types import Linked, LinkRule, PlaceFindings, PlaceLinkRequest, overlaps

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

#: a place chosen from the parse: (depth, precision rank, distance from the trigger), place, why
_Scored = tuple[tuple[int, int, int], PlaceMention, str]


def link_places(ctx: DocContext, findings: PlaceFindings, requests: Sequence[PlaceLinkRequest],
                rules: PlaceRules) -> list[PlaceMention | None]:
    """The place of each event (in the order of ``requests``, which should be document order): a
    copy of one of ``findings.places`` (or an unresolved name of the parse) with ``reason``
    explaining the choice, or None. Each place chosen (other than one inside an actor phrase) is
    remembered for the paragraph rule of the events after it; the memory lives only here."""
    memory: dict[int, PlaceMention] = {}
    out: list[PlaceMention | None] = []
    for request in requests:
        ctx.check_time()
        linked = link_event(ctx, findings.places, request, rules, findings.title_names, memory)
        remember(memory, request, linked)
        out.append(linked.place if linked is not None else None)
    return out


def remember(memory: MutableMapping[int, PlaceMention], request: PlaceLinkRequest, linked: Linked | None) -> None:
    """Note the place of an event for the events after it (a place inside an actor phrase is not)."""
    if linked is not None and linked.rule is not LinkRule.ACTOR:
        memory[request.sentence_index] = linked.place


def link_event(ctx: DocContext, places: Sequence[PlaceMention], request: PlaceLinkRequest, rules: PlaceRules,
               title_names: frozenset[str] = frozenset(), memory: Mapping[int, PlaceMention] | None = None
               ) -> Linked | None:
    """The place of one event, given the places linked to the events before it (``memory``:
    sentence index -> place) and the folded names of the document's title."""
    if not 0 <= request.trigger_token < len(ctx.doc):
        return None
    ev = _Event.of(ctx, places, request, rules, title_names, memory if memory is not None else {})
    return _link(ev)


@dataclass(frozen=True)
class _Event:
    """One event being placed: what every rule of the ladder looks at (dropped after the event)."""

    ctx: DocContext
    rules: PlaceRules
    places: Sequence[PlaceMention]
    title_names: frozenset[str]
    memory: Mapping[int, PlaceMention]
    sentence_index: int
    trigger: "Token"
    exclude: list[tuple[int, int]]  # actor/recipient spans that are not just a place
    in_sent: list[PlaceMention]  # places of the sentence (not the destination of a withdrawal)
    free: list[PlaceMention]  # ... outside the actor/recipient, not an acting government
    held: list[PlaceMention]  # ... the others

    @classmethod
    def of(cls, ctx: DocContext, places: Sequence[PlaceMention], request: PlaceLinkRequest, rules: PlaceRules,
           title_names: frozenset[str], memory: Mapping[int, PlaceMention]) -> "_Event":
        doc, lex = ctx.doc, rules.lexicon
        in_sent = [p for p in places if p.sentence_index == request.sentence_index
                   and not syntax.destination(lex, doc, p)]
        exclude = [e for e in request.exclude if not arguments.place_phrase(lex, doc, e, in_sent)]
        free = [p for p in in_sent if not any(overlaps((p.start, p.end), e) for e in exclude)
                and not syntax.metonym(lex, doc, p)]
        held = [p for p in in_sent if p not in free]
        return cls(ctx, rules, places, title_names, memory, request.sentence_index, doc[request.trigger_token],
                   exclude, in_sent, free, held)

    @property
    def lex(self) -> PlaceLexicon:
        return self.rules.lexicon


def _link(ev: _Event) -> Linked | None:
    """The ladder: an argument of the trigger in the parse unless a back-reference is closer; a
    back-reference to an earlier event where the parse offers nothing close; an unknown name among
    the arguments; then the fallbacks of :func:`_fallback`."""
    ctx, trigger = ev.ctx, ev.trigger
    # 1. the trigger's arguments in the parse
    dist = arguments.arg_distances(trigger, ev.exclude)
    best = _parse_choice(ev, dist)
    anaphor = anaphora.anaphor(ctx, ev.lex, trigger, dist, ev.places, ev.sentence_index, ev.title_names)
    if anaphor is not None and (best is None or anaphor[0] < best[0][0]):
        return Linked.of(anaphor[1], LinkRule.CONTEXT, f"'{anaphor[2]}' refers to {anaphor[1].text} "
                                                       f"(sentence {anaphor[1].sentence_index})")
    if best is None or best[0][0] >= 3:
        event = anaphora.event_anaphor(ctx, ev.lex, trigger, ev.sentence_index, ev.places, ev.memory)
        if event is not None:
            return Linked.of(event[0], LinkRule.CONTEXT, event[1])
    if best is not None:
        return Linked.of(best[1], LinkRule.PARSE, best[2])
    unresolved = arguments.unresolved_argument(ctx, ev.lex, ev.rules.gazetteer,
                                               {i: d for i, d in dist.items() if d <= 3}, ev.places, ev.exclude)
    if unresolved is not None:
        return unresolved
    return _fallback(ev)


def _parse_choice(ev: _Event, dist: dict[int, int]) -> _Scored | None:
    """The closest place among the trigger's arguments (``dist``: token -> tree distance) and the
    places of its target phrase, at depth 6 at most; a town inside a chosen country or region,
    or the place a chosen place only qualifies, is preferred."""
    doc, trigger = ev.ctx.doc, ev.trigger
    targets = arguments.target_places(ev.lex, doc, trigger, ev.exclude, ev.held)
    scored: list[_Scored] = []
    for p in ev.free:
        toks = syntax.tokens(doc, p)
        d = min((dist[t] for t in toks if t in dist), default=None)
        if d is None:
            continue
        d += arguments.role_penalty(ev.lex, doc, toks)
        scored.append(((d, PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)), p,
                       f"argument of '{trigger.text}' at depth {d}"))
    for p, d in targets:
        scored.append(((d, PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)), p,
                       f"place of the target of '{trigger.text}' at depth {d}"))
    scored = [x for x in scored if x[0][0] <= 6]
    best = min(scored, key=lambda x: x[0]) if scored else None
    if best is not None:
        best = _more_specific(best, scored)
        best = _chain_head(ev.ctx.text, best, ev.in_sent)
    return best


def _fallback(ev: _Event) -> Linked | None:
    """The parse offers no place: the most specific place of the sentence's own clause; an unknown
    name of a sentence that names no known place; the previous event's place in the paragraph;
    the heading's place; then :func:`_last_resorts`."""
    ctx, trigger = ev.ctx, ev.trigger
    # 2. the most specific place of the sentence (not one inside a relative clause about
    # something else or inside the phrase of whoever reports the event)
    aside = [p for p in ev.free if _aside(ev.lex, ctx.doc, p, trigger)]
    main = [p for p in ev.free if p not in aside]
    if main:
        p = min(main, key=lambda p: (_fallback_rank(p), _in_parentheses(ctx, p), abs(p.start - trigger.idx)))
        return Linked.of(p, LinkRule.SENTENCE, "most specific place of the sentence")
    if not aside:  # the sentence names no known place: an unknown name after a locative preposition
        sent = ctx.doc[trigger.i].sent
        unresolved = arguments.unresolved_argument(
            ctx, ev.lex, ev.rules.gazetteer, {t.i: 10 + abs(t.i - trigger.i) for t in sent}, ev.places, ev.exclude)
        if unresolved is not None:
            return unresolved
    # 3. the sentence names no place: the place of the previous event of the paragraph
    prev = anaphora.previous_event_place(ctx, ev.memory, ev.sentence_index)
    if prev is not None:
        return Linked.of(prev, LinkRule.CONTEXT, f"sentence names no place; place of the previous event of "
                                                 f"the paragraph (sentence {prev.sentence_index})")
    # 4. the place the section heading names ("## Siege of X"), for sentences that name none
    heading = anaphora.heading_place(ctx, ev.sentence_index, ev.places)
    if heading is not None:
        return Linked.of(heading, LinkRule.SECTION, f"place of the heading (sentence {heading.sentence_index})")
    return _last_resorts(ev, aside)


def _last_resorts(ev: _Event, aside: list[PlaceMention]) -> Linked | None:
    """A place of the sentence outside the event's clause (the seat of whoever reports it only when
    the document has no main place); the document's main place; a place inside the actor/recipient
    phrase, an acting government or affiliation last."""
    doc, lex, trigger = ev.ctx.doc, ev.lex, ev.trigger
    # 5. a place of the sentence outside the event's own clause (not the seat of whoever reports
    # it: "the office in X said fighters had shot ..." is told from X, not about it)
    reporters = [p for p in aside if _aside(lex, doc, p, trigger, reporter=True)]
    aside_ok = [p for p in aside if p not in reporters]
    if aside_ok:
        p = min(aside_ok, key=lambda p: (_fallback_rank(p), abs(p.start - trigger.idx)))
        return Linked.of(p, LinkRule.SENTENCE, "only place of the sentence, outside the event's clause")
    if reporters:
        main_place = anaphora.main_place(lex, doc, ev.places)
        if main_place is not None:
            return Linked.of(main_place, LinkRule.DOCUMENT, f"the sentence only names where the report comes "
                                                            f"from; main place of the document ({main_place.text})")
        p = min(reporters, key=lambda p: (_fallback_rank(p), abs(p.start - trigger.idx)))
        return Linked.of(p, LinkRule.SENTENCE, "only place of the sentence, outside the event's clause")
    # 6. the main place of the document (the populated place it names most often): a place
    # inside the actor/recipient phrase is mostly an origin or affiliation ("troops from X")
    main_place = anaphora.main_place(lex, doc, ev.places)
    if main_place is not None:
        return Linked.of(main_place, LinkRule.DOCUMENT, f"sentence and paragraph name no place; main place of "
                                                        f"the document ({main_place.text})")
    # 7. an actor/recipient phrase is the only place (an acting government or affiliation such
    # as "Russia's ambassador" last)
    affiliations = [p for p in ev.held if syntax.metonym(lex, doc, p)
                    and not any(overlaps((p.start, p.end), e) for e in ev.exclude)]
    held = [p for p in ev.held if p not in affiliations]
    if held:
        p = min(held, key=lambda p: (PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)))
        return Linked.of(p, LinkRule.ACTOR, "only place of the sentence is inside the actor/recipient")
    if affiliations:
        p = min(affiliations, key=lambda p: (PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)))
        return Linked.of(p, LinkRule.ACTOR, "only place of the sentence names an acting government or affiliation")
    return None


def _aside(lex: PlaceLexicon, doc: "Doc", p: PlaceMention, trigger: "Token", reporter: bool = False) -> bool:
    """Whether the place lies outside the trigger's own clause: inside a relative clause that does
    not contain the trigger ("the agreement, which provides for a ceasefire in X"), or inside the
    subject of a verb that governs the trigger ("the office in X said ... had shot")."""
    toks = syntax.tokens(doc, p)
    if not toks:
        return False
    tok = doc[toks[0]]
    ancestors = {a.i for a in trigger.ancestors} | {trigger.i}
    for a in [tok, *tok.ancestors]:
        if a.i in ancestors:
            return False
        if a.dep_ == "relcl":
            return not reporter
        if a.dep_ in ("nsubj", "nsubjpass") and a.head.i in ancestors and a.head.i != trigger.i:
            return fold(a.head.lemma_) not in lex.experiencer_verbs  # "X faced a blockade" is about X
    return False


def _chain_head(text: str, best: _Scored, in_sent: list[PlaceMention]) -> _Scored:
    """A place chosen by the parse that only qualifies the place before it ("a market in X, in Y
    governorate", "in X, near Y") gives way to that more specific place X."""
    p = best[1]
    for q in in_sent:
        if q.end <= p.start and q.geo_precision != "country" and q.sentence_index == p.sentence_index \
                and re.fullmatch(r",\s*(?:in|near)\s+(?:the\s+)?", text[q.end:p.start]) \
                and PRECISION_RANK.get(q.geo_precision, 2) <= PRECISION_RANK.get(p.geo_precision, 2):
            return best[0], q, f"{best[2]}; the most specific place of '{q.text}, in {p.text}'"
    return best


def _more_specific(best: _Scored, scored: list[_Scored]) -> _Scored:
    """A country or region chosen by the parse gives way to a town inside it that is an argument
    nearly as close ("in the capital of X, Y", "in Y, X"): the town is the more precise place."""
    p = best[1]
    if p.geo_precision not in ("country", "admin_region") or not p.country:
        return best
    inner = [x for x in scored if x[1].geo_precision == "populated_place" and x[1].country == p.country
             and x[0][0] <= best[0][0] + 1 and (p.geo_precision == "country" or x[1].admin1 == p.admin1)]
    if not inner:
        return best
    x = min(inner, key=lambda x: x[0])
    return x[0], x[1], x[2] + f"; more specific than {p.text}"


def _fallback_rank(p: PlaceMention) -> int:
    """Specificity of a place for the sentence fallback; a named village the gazetteer lacks
    ("the village of X") is as specific as a resolved town."""
    if p.geo_precision == "none" and p.place_noun:
        return PRECISION_RANK["populated_place"]
    return PRECISION_RANK.get(p.geo_precision, 2)


def _in_parentheses(ctx: DocContext, p: PlaceMention) -> bool:
    """Whether the place sits in a parenthesis of its sentence (background, not the event)."""
    sent = ctx.doc.char_span(p.start, p.end, alignment_mode="expand")
    if sent is None:
        return False
    before = ctx.text[sent.sent.start_char:p.start]
    return before.count("(") > before.count(")")
