"""Verbal events stated by an announced future action (PLOVER): an intention to cooperate, a threat,
a refusal. The announced action itself stays a non-asserted event."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import EventCandidate, Span
from .syntax import lem
from .types import Derivation

if TYPE_CHECKING:
    from .rules import EventRules
    from .types import PolarityCues, TriggerMatch

_WILL = ("will", "would", "shall", "'ll")


def derived(ev: EventCandidate, f: "TriggerMatch", cues: "PolarityCues", sent_events: list[EventCandidate],
            rules: "EventRules") -> list[EventCandidate]:
    """Verbal events stated by an announced future action (PLOVER): "X will support Y" / "X is ready to
    withdraw" is AGREE (intent to cooperate), "X said it would attack" is THREATEN, "X will not accept"
    is REJECT. The announced action itself stays a non-asserted event."""
    refuse_verbs = rules.triggers.governors.get("refuse_if_negated", ())
    neg_word = cues.neg.lower_ if cues.neg is not None else ""
    if ev.polarity == "negated" and rules.ontology.get(ev.event_type).quad_class.endswith("cooperation") and (
            (cues.modal is not None and cues.modal.lower_ in _WILL and neg_word in ("not", "n't"))
            or (not f.nominal and lem(f.head) in refuse_verbs)):
        _recode_as_refusal(ev, f, cues)
        return []
    if ev.polarity not in ("future", "negated") or not (cues.modal is not None or cues.intent is not None):
        return []
    if ev.polarity == "negated" and (cues.modal is None or cues.modal.lower_ not in _WILL):
        return []
    if ev.event_type in rules.triggers.derived_skip and ev.polarity != "negated":
        return []
    quad = rules.ontology.get(ev.event_type).quad_class
    if ev.polarity == "negated":
        if not quad.endswith("cooperation"):
            return []
        etype, how = "REJECT", Derivation.REFUSE
    else:
        etype, how = ("AGREE", Derivation.INTENT) if quad.endswith("cooperation") else ("THREATEN", Derivation.INTENT)
        threat_marks = rules.triggers.governors.get("threat_marks", ())
        if any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in threat_marks for m in c.children)
               for c in f.head.children):
            etype, how = "THREATEN", Derivation.CONDITION  # "will withdraw unless ...": a conditional threat
    if ev.event_type == etype:
        return []
    anchor = cues.report or cues.intent or cues.modal
    if any(e.event_type == etype and e.derived and e.trigger_token == anchor.i for e in sent_events):
        return []
    trig = Span(anchor.idx, anchor.idx + len(anchor.text), anchor.text)
    return [EventCandidate(
        sentence_index=ev.sentence_index, sentence=ev.sentence, trigger=trig, trigger_token=anchor.i, event_type=etype,
        event_mode=None, polarity="asserted", rule_id=how.rule_id(ev.rule_id), confidence=round(max(0.05, ev.confidence * 0.8), 3),
        actor=ev.actor, recipient=ev.recipient, speaker=ev.speaker, derived=True)]


def _recode_as_refusal(ev: EventCandidate, f: "TriggerMatch", cues: "PolarityCues") -> None:
    """ "X will not accept / would not hand over / did not accept the proposal": a refusal (REJECT,
    asserted) coded on the refused verb itself, with the modal and negation in the trigger."""
    doc = f.head.doc
    first = f.tokens[0].i
    lead = [t.i for t in (cues.modal, cues.neg) if t is not None and t.i < first and first - t.i <= 4]
    start = min(lead) if lead else first
    end_tok = f.tokens[-1]
    ev.trigger = Span(doc[start].idx, end_tok.idx + len(end_tok.text), doc[start: end_tok.i + 1].text)
    ev.event_type, ev.event_mode, ev.polarity = "REJECT", None, "asserted"
    ev.rule_id = Derivation.REFUSE.rule_id(ev.rule_id)
    ev.derived = True
