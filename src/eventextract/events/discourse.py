"""Roles and merges that need more than one trigger: the implicit actor an agentless clause continues
from the events before it, roles the context gives (replies, agentless conflict events), and the
merges that code one event once per sentence (conjoined verbs, casualty reports)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import ActorRef, EventCandidate, Span
from .constraints import is_person
from .syntax import children
from .vocab import NON_STATE_CODES, PERSONAL_PRONOUNS, RELATIVE, SUBJ_DEPS

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from ..context import DocContext
    from .patterns import TriggerSet
    from .rules import EventRules
    from .types import DocScope


def paragraph_before(ev: EventCandidate, events: list[EventCandidate], scope: "DocScope",
                     back: int = 2) -> list[EventCandidate]:
    """Events before ``ev`` in its sentence and in the ``back`` previous sentences of its paragraph, nearest first."""
    para = scope.ctx.paragraph_ids
    out: list[EventCandidate] = []
    for h in events:
        if h is ev or h.trigger.start >= ev.trigger.start or h.sentence_index < ev.sentence_index - back:
            continue
        if para[h.sentence_index] != para[ev.sentence_index]:
            continue  # another paragraph
        out.append(h)
    return sorted(out, key=lambda h: -h.trigger.start)


def context_roles(events: list[EventCandidate], scope: "DocScope", rules: "EventRules") -> None:
    """Roles the sentence does not name but the context gives (span None):

    - a reply ("Moscow denied", "the Government rejected the proposal") is addressed to the actor of
      the nearest earlier event of another side in the paragraph (resolution 'coreference');
    - an agentless conflict event ("the villages were conquered", "fighting continued") takes the
      side that acts against its recipient elsewhere in the document, else the document's country
      (non-state armed groups are coded with the country they fight in) (resolution 'context')."""
    if not events:
        return
    sents = scope.ctx.sents
    ts = rules.triggers
    _reply_recipients(events, scope, rules)
    against = _against_counts(events, rules)
    for ev in events:
        _recode_context_actor(ev, events, scope, rules, against)
        if ev.actor is not None or ev.event_type not in ts.context_actor_types:
            continue
        code = None
        if ev.recipient is not None and ev.recipient.country and ";" not in ev.recipient.country:
            code = _side_against(ev, ev.recipient.country, events, scope, rules, against)
        elif ev.recipient is None or not ev.recipient.country:
            states = {c for _, c in rules.actors.states_in(sents[ev.sentence_index])} \
                if ev.event_type in ts.territorial_types else set()
            code = states.pop() if len(states) == 1 else scope.country
        if code:
            ev.actor = ActorRef(None, None, code, None, (), "context")
            ev.confidence = round(max(0.05, ev.confidence - 0.05), 3)


def _reply_recipients(events: list[EventCandidate], scope: "DocScope", rules: "EventRules") -> None:
    """A reply without a named recipient is addressed to the actor of the nearest earlier event of
    another side in the paragraph."""
    doc = scope.ctx.doc
    for ev in events:
        if ev.event_type not in rules.triggers.answer_types or ev.actor is None or not ev.actor.country:
            continue
        rec = ev.recipient
        if rec is not None and (rec.country or (rec.span is not None and _names_actor(doc, rec.span, rules))):
            continue
        mine = set(ev.actor.country.split(";"))
        for h in paragraph_before(ev, events, scope):
            a = h.actor
            if a is not None and a.country and not set(a.country.split(";")) & mine:
                ev.recipient = ActorRef(None, a.name, a.country, a.sector, a.members, "coreference")
                break


def _against_counts(events: list[EventCandidate], rules: "EventRules") -> dict[str, dict[str, int]]:
    """recipient code -> actor code -> number of asserted conflict events in the document."""
    against: dict[str, dict[str, int]] = {}  # recipient code -> actor code -> count
    for ev in events:
        if ev.polarity != "asserted" or ev.actor is None or not ev.actor.country or ev.recipient is None \
                or not ev.recipient.country or not rules.ontology.get(ev.event_type).quad_class.endswith("conflict"):
            continue
        for r in ev.recipient.country.split(";"):
            for a in ev.actor.country.split(";"):
                against.setdefault(r, {}).setdefault(a, 0)
                against[r][a] += 1
    return against


def _recode_context_actor(ev: EventCandidate, events: list[EventCandidate], scope: "DocScope", rules: "EventRules",
                          against: dict[str, dict[str, int]]) -> None:
    """A generic group phrase coded with the document's country ("the attacking forces opened fire on them")
    that attacks that same country's people, in a document where another side acts against that country more
    often than the country itself does (an interstate war, not a civil war), is that other side."""
    a, r = ev.actor, ev.recipient
    if a is None or a.resolution != "context" or a.span is None or not a.country or r is None or not r.country \
            or r.resolution == "context" or ev.polarity != "asserted" or a.country not in r.country.split(";") \
            or rules.ontology.get(ev.event_type).quad_class != "material_conflict":
        return
    opp = {c: n for c, n in (against.get(a.country) or {}).items() if c not in NON_STATE_CODES}
    if not opp or max(opp.values()) <= opp.get(a.country, 0):
        return
    code = _side_against(ev, a.country, events, scope, rules, against)
    if code and code != a.country:
        ev.actor = ActorRef(a.span, a.name, code, a.sector, a.members, "context")


def _side_against(ev: EventCandidate, target: str, events: list[EventCandidate], scope: "DocScope",
                  rules: "EventRules", against: dict[str, dict[str, int]]) -> str | None:
    """The side acting against ``target`` (a country code) for an agentless conflict event: the actor of the
    nearest earlier asserted conflict event against ``target`` by another side in the same paragraph, else
    earlier in the document, else the side that acts most often against it in the document (never ``target``
    itself when another side exists)."""
    pool = paragraph_before(ev, events, scope, back=len(scope.ctx.sents))
    seen = {id(h) for h in pool}
    pool += sorted((h for h in events if h.trigger.start < ev.trigger.start and id(h) not in seen),
                   key=lambda h: -h.trigger.start)
    for h in pool:
        a, r = h.actor, h.recipient
        if h.polarity != "asserted" or a is None or not a.country or r is None or not r.country \
                or (a.span is None and a.resolution == "context") \
                or not rules.ontology.get(h.event_type).quad_class.endswith("conflict"):
            continue
        if target in r.country.split(";") and target not in a.country.split(";") \
                and not set(a.country.split(";")) & NON_STATE_CODES:
            return a.country
    opp = {c: n for c, n in (against.get(target) or {}).items() if c not in NON_STATE_CODES}
    if len(opp) > 1:
        opp.pop(target, None)
    if not opp:
        return None
    best = max(opp.values())
    top = sorted(c for c, n in opp.items() if n == best)
    return top[0] if len(top) == 1 else None


def _names_actor(doc: "Doc", span: Span, rules: "EventRules") -> bool:
    """True when the text at ``span`` is a person or group (not "the accusation", "which", "any involvement")."""
    sp = doc.char_span(span.start, span.end, alignment_mode="expand")
    if sp is None:
        return False
    root = sp.root
    if root.lower_ in RELATIVE or root.pos_ == "PRON" and root.lower_ not in PERSONAL_PRONOUNS:
        return False
    return root.pos_ == "PROPN" or root.ent_type_ in ("PERSON", "NORP", "ORG", "GPE") or is_person(root, rules)


def merge_conjoined(events: list[EventCandidate], ctx: "DocContext") -> list[EventCandidate]:
    """Within one sentence the same event is coded once: conjoined verbs of one subject with the same
    type and polarity ("abandoned the town and withdrew") make one event whose trigger spans both."""
    doc = ctx.doc
    out: list[EventCandidate] = []
    for e in events:
        tok = doc[e.trigger_token]
        prev = next((p for p in out if p.trigger_token == tok.head.i), None) if tok.dep_ == "conj" else None
        if prev is not None and prev.event_type == e.event_type and prev.polarity == e.polarity and \
                not children(tok, *SUBJ_DEPS) and not e.derived and \
                not prev.derived and e.trigger.end > prev.trigger.end:
            prev.trigger = Span(prev.trigger.start, e.trigger.end, ctx.text[prev.trigger.start:e.trigger.end])
            continue
        out.append(e)
    return out


def merge_casualties(events: list[EventCandidate], fat_event: EventCandidate | None,
                     triggers: "TriggerSet") -> list[EventCandidate]:
    """Within one sentence the same event is coded once: an agentless casualty report ("many were killed")
    next to another asserted ASSAULT of the sentence is that ASSAULT's outcome, not a second event."""
    casualty = triggers.casualty_rules
    main = [e for e in events if e.event_type == "ASSAULT" and e.rule_id not in casualty and e.polarity == "asserted"]
    if not main:
        return events
    keep: list[EventCandidate] = []
    for e in events:
        if e.rule_id in casualty and e.polarity == "asserted" and (e.actor is None or e.actor.resolution == "coreference"):
            if e is fat_event or (e.fatalities_low, e.fatalities_high) != (None, None):
                target = min(main, key=lambda m: abs(m.trigger_token - e.trigger_token))
                if (target.fatalities_low, target.fatalities_high) == (None, None):
                    target.fatalities_low, target.fatalities_high = e.fatalities_low, e.fatalities_high
            continue
        keep.append(e)
    return keep


def continued_actor(ev: EventCandidate, same_sent: list[EventCandidate], history: list[EventCandidate],
                    scope: "DocScope", rules: "EventRules") -> ActorRef | None:
    """Implicit actor of an agentless clause ("the villages were conquered", "fighting developed"):
    the actor of the previous event of the same sentence, else of the same paragraph (two sentences
    back at most), when it is not the recipient's side. resolution='coreference'."""
    sents = scope.ctx.sents
    rec = ev.recipient.country if ev.recipient is not None else None
    doc = sents[ev.sentence_index].doc
    if ev.event_type in rules.triggers.territorial_types and (rec is None) and \
            len({c for _, c in rules.actors.states_in(sents[ev.sentence_index])}) == 1:
        return None  # a measure over the territory the sentence names: its state's (see context_roles)
    cands = list(reversed(same_sent))
    for h in reversed(history):
        if h.sentence_index < ev.sentence_index - 2:
            break
        gap = doc[max(0, sents[h.sentence_index].end - 1): sents[ev.sentence_index].start]
        if "\n\n" in "".join(t.text_with_ws for t in gap):
            break  # a new paragraph: the construction does not continue
        cands.append(h)
    for h in cands:
        a = h.actor
        if a is None or not a.country or a.country == rec:
            continue
        if h.polarity != "asserted" and ev.polarity == "asserted":
            continue
        if rules.ontology.get(h.event_type).quad_class != rules.ontology.get(ev.event_type).quad_class:
            continue
        # an actor named in an earlier sentence is not a span of this one: only its codes carry over
        span = a.span if h.sentence_index == ev.sentence_index else None
        return ActorRef(span, a.name, a.country, a.sector, a.members, "coreference")
    return None
