"""The events stage as a package: a function of (DocContext, EventRules) with no state of its own,
typed trigger kinds and derivations from which the published rule ids are rendered."""
from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from eventextract.context import DocContext
from eventextract.events import EventRules, extract_events
from eventextract.events.polarity import polarity
from eventextract.events.types import Derivation, TriggerKind, TriggerMatch
from eventextract.extract import Extractor

TEXT = ("Highland militias shelled the river port of Tarvos on Sunday. They seized two bridges near the port.\n\n"
        "The provincial council said it would not accept the truce proposal. "
        "The defence ministry said its army would attack the militia camps.")


@pytest.fixture(scope="module")
def rules():
    return EventRules.load()


def _rows(events):
    return [repr(e) for e in events]


def test_entry_function_is_what_the_facade_returns(nlp, rules):
    doc = nlp(TEXT)
    assert _rows(extract_events(DocContext.build(doc), rules)) == _rows(Extractor().extract(nlp(TEXT)))


def test_no_state_left_on_the_doc_or_the_rules(nlp, rules):
    doc = nlp(TEXT)
    before = dict(doc.user_data)
    first = _rows(extract_events(DocContext.build(doc), rules))
    assert doc.user_data == before  # nothing cached on the spaCy Doc
    assert _rows(extract_events(DocContext.build(doc), rules)) == first
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.triggers = None  # type: ignore[misc]


def test_threads_give_the_serial_result(nlp, rules):
    texts = [TEXT, "Border guards fired on a convoy. The government denied it.",
             "Rebel fighters ambushed a patrol near Dorvik and twelve soldiers were killed."]
    docs = [nlp(t) for t in texts]
    serial = [_rows(extract_events(DocContext.build(d), rules)) for d in docs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda d: _rows(extract_events(DocContext.build(d), rules)), docs * 3))
    assert threaded == serial * 3


def test_rule_id_is_rendered_from_the_trigger_kind():
    def match(kind: TriggerKind) -> TriggerMatch:
        return TriggerMatch(None, [], "ASSAULT", None, "assault.offensive", 0.6, kind=kind)  # type: ignore[arg-type]

    assert match(TriggerKind.LIGHT).rule_id == "assault.offensive.light"
    assert match(TriggerKind.NOMINAL).rule_id == "assault.offensive"
    assert match(TriggerKind.LIGHT).light_verb and match(TriggerKind.LIGHT_OVERRIDE).light_verb
    assert not match(TriggerKind.VERB).light_verb
    assert Derivation.CONDITION.rule_id("assault.attack") == "derived.condition.assault.attack"


def test_derived_events_are_flagged(nlp, rules):
    evs = extract_events(DocContext.build(nlp("The defence ministry said its army would attack the militia camps.")), rules)
    threat = next(e for e in evs if e.event_type == "THREATEN")
    base = next(e for e in evs if e.event_type == "ASSAULT")
    assert threat.derived and not base.derived
    assert threat.rule_id == f"derived.intent.{base.rule_id}"


def test_refusal_is_recoded_and_flagged(nlp, rules):
    evs = extract_events(DocContext.build(nlp("The provincial council said it would not accept the truce proposal.")), rules)
    reject = next(e for e in evs if e.event_type == "REJECT")
    assert reject.derived and reject.polarity == "asserted" and reject.rule_id.startswith("derived.refuse.")


def test_polarity_returns_its_cues(nlp, rules):
    doc = nlp("The garrison will not withdraw from the hills.")
    verb = next(t for t in doc if t.lemma_ == "withdraw")
    pol, speaker, cues = polarity(verb, rules.triggers)
    assert pol == "negated" and speaker is None
    assert cues.modal is not None and cues.modal.lower_ == "will"
    assert cues.neg is not None and cues.neg.lower_ == "not"


@pytest.mark.parametrize("text,expected", [
    ("The garrison town of Kassala fell on 3 May 1998 after a week of shelling.", ("COERCE", "seize", None)),
    ("The base at Barentu fell two days later.", ("COERCE", "seize", None)),
    ("The capital fell to the rebels on 28 May 1991.", ("COERCE", "seize", "the rebels")),
    ("Kassala fell silent after the shelling stopped.", None),
    ("Prices fell sharply in June.", None),
    ("Two soldiers fell in the fighting near Tessenei.", None),
    ("Government troops fell back towards the river.", None),
])
def test_a_place_that_falls_is_taken(nlp, rules, text, expected):
    """"<place> fell (on DATE)": a capture whose taker the sentence may not name (COERCE seize);
    states ("fell silent"), prices, soldiers who fell and relapses are not captures."""
    falls = [e for e in extract_events(DocContext.build(nlp(text)), rules)
             if e.trigger.text.lower().startswith("fell")]
    if expected is None:
        assert not [e for e in falls if e.event_type == "COERCE"]
    else:
        assert len(falls) == 1
        ev = falls[0]
        assert (ev.event_type, ev.event_mode, ev.actor.span.text if ev.actor and ev.actor.span else None) == expected
