"""The entry of the events stage: all events of one document, sentence by sentence, in text order."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..layout import is_heading, is_headline
from ..records import ActorRef, EventCandidate, Span
from .derived import derived
from .discourse import context_roles, continued_actor, merge_casualties, merge_conjoined
from .polarity import polarity
from .quantities import fatalities
from .roles import according_to, assign_roles
from .syntax import lem, noun_phrase
from .triggers import find_triggers
from .types import DocScope
from .vocab import SUBJ_DEPS

if TYPE_CHECKING:
    from collections.abc import Sequence
    from spacy.tokens import Span as SpacySpan, Token

    from ..context import DocContext
    from .rules import EventRules
    from .types import PolarityCues, TriggerMatch


def extract_events(ctx: "DocContext", rules: "EventRules",
                   places: "Sequence[tuple[str, str]] | None" = None) -> list[EventCandidate]:
    """All events of the document (offsets into ``ctx.text``), in text order. Headings carry no events,
    except a news headline opening the document. ``places``: (text, country) of the document's
    resolved sub-country places (the places stage), which tell the country the document is about."""
    scope = DocScope(ctx, rules.actors.document_country(ctx.doc, places))
    sents = ctx.sents
    out: list[EventCandidate] = []
    first = next((i for i, x in enumerate(sents) if x.text.strip()), -1)
    for si, sent in enumerate(sents):
        ctx.check_time()
        if is_heading(sent) and not (si == first and is_headline(sent)):
            continue
        out.extend(_sentence_events(si, sent, scope, rules, out))
    context_roles(out, scope, rules)
    return out


def _sentence_events(si: int, sent: "SpacySpan", scope: "DocScope", rules: "EventRules",
                     history: list[EventCandidate]) -> list[EventCandidate]:
    """The events of sentence ``si`` (``history``: the events of the sentences before it): one per trigger
    that is not the content of a speech act, with the sentence's "according to" speaker and death count
    (on the ASSAULT nearest the number), the actor continued from the events before an agentless one,
    and the events derived from announced actions; merged so that each event is coded once."""
    found = find_triggers(sent, scope, rules)
    if not found:
        return []
    speaker_acc = according_to(sent)
    flow, fhigh, ftok = fatalities(sent)
    assault_idx = [k for k, f in enumerate(found) if f.type == "ASSAULT"]
    fat_target = None
    if ftok is not None and assault_idx:
        fat_target = min(assault_idx, key=lambda k: abs(found[k].head.i - ftok))
    sent_events: list[EventCandidate] = []
    fat_event: EventCandidate | None = None
    for k, f in enumerate(found):
        made = _candidate(f, si, sent, scope, rules, history + sent_events)
        if made is None:
            continue
        ev, cues = made
        if speaker_acc is not None and ev.speaker is None:
            ev.speaker = speaker_acc
        if k == fat_target:
            ev.fatalities_low, ev.fatalities_high = flow, fhigh
            fat_event = ev
        if ev.actor is None:
            ev.actor = continued_actor(ev, sent_events, history, scope, rules)
            if ev.actor is not None:
                ev.confidence = round(max(0.05, ev.confidence - 0.05), 3)
        sent_events.append(ev)
        sent_events.extend(derived(ev, f, cues, sent_events, rules))
    return merge_casualties(merge_conjoined(sent_events, scope.ctx), fat_event, rules.triggers)


def _candidate(f: "TriggerMatch", si: int, sent: "SpacySpan", scope: "DocScope", rules: "EventRules",
               history: list[EventCandidate]) -> "tuple[EventCandidate, PolarityCues] | None":
    """The event of a trigger with its polarity, roles and confidence, and the cues of its polarity;
    None for the content of a speech act."""
    tok = f.head
    pol_tok = _polarity_token(f)
    pol, speaker_tok, cues = polarity(pol_tok, rules.triggers)
    if pol is None:
        return None
    if f.nominal and pol == "asserted" and tok.dep_ in SUBJ_DEPS and pol_tok.i == tok.head.i and \
            lem(pol_tok) in rules.triggers.governors.get("negate", ()):
        pol = "negated"  # "the planned talks failed"
    mode = f.mode if rules.ontology.valid_mode(f.type, f.mode) else None
    actor, recipient = assign_roles(f, si, sent, scope, rules, history)
    speaker = None
    if speaker_tok is not None:
        sp = noun_phrase(speaker_tok)
        speaker = Span(sp.start_char, sp.end_char, sp.text)
    trig = f.tokens
    return EventCandidate(
        sentence_index=si, sentence=Span(sent.start_char, sent.end_char, sent.text),
        trigger=Span(trig[0].idx, trig[-1].idx + len(trig[-1].text), tok.doc[trig[0].i: trig[-1].i + 1].text),
        trigger_token=tok.i, event_type=f.type, event_mode=mode, polarity=pol, rule_id=f.rule_id,
        confidence=_confidence(f.conf, actor), actor=actor, recipient=recipient, speaker=speaker), cues


def _polarity_token(f: "TriggerMatch") -> "Token":
    """The token whose clause states the polarity: the trigger, or for an event noun its governing verb."""
    tok = f.head
    if not f.nominal:
        return tok
    v = tok.head
    for _ in range(5):
        if v.pos_ in ("VERB", "AUX") or v.head is v:
            break
        v = v.head
    return v if v.pos_ in ("VERB", "AUX") else tok


def _confidence(conf: float, actor: ActorRef | None) -> float:
    """The pattern's confidence, lower without a coded actor, higher with a dictionary actor."""
    if actor is None or actor.country is None:
        conf -= 0.1
    elif actor.resolution == "dictionary":
        conf += 0.05
    return round(max(0.05, min(1.0, conf)), 3)
