"""Extract stage on sentences written for these tests (one per pattern family / phenomenon)."""
from __future__ import annotations

import pytest

from eventextract.extract import Extractor, load_patterns, parse_patterns, patterns_version
from eventextract.errors import DataFileError


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def run(nlp, extractor, text):
    return extractor.extract(nlp(text))


def one(events, etype):
    found = [e for e in events if e.event_type == etype]
    assert found, f"no {etype} in {[(e.event_type, e.trigger.text) for e in events]}"
    return found[0]


def test_verb_particle_and_object(nlp, extractor):
    ev = one(run(nlp, extractor, "Georgian troops took control of the town of Gori on Monday."), "COERCE")
    assert ev.event_mode == "seize" and ev.trigger.text.startswith("took control")
    assert ev.actor.country == "GEO" and ev.polarity == "asserted"
    assert ev.rule_id == "coerce.take.control"
    ev = one(run(nlp, extractor, "The militia cut off the main road to the airport."), "COERCE")
    assert ev.event_mode == "restrict" and "cut off" in ev.trigger.text


def test_take_part_is_not_an_event(nlp, extractor):
    evs = run(nlp, extractor, "Kenyan officers took part in the conference.")
    assert not [e for e in evs if e.event_type == "COERCE"]


def test_light_verb(nlp, extractor):
    text = "Ugandan forces launched an offensive against rebel positions near Gulu."
    ev = one(run(nlp, extractor, text), "ASSAULT")
    assert ev.trigger.text == "launched an offensive"
    assert ev.actor.country == "UGA"
    assert text[ev.trigger.start:ev.trigger.end] == ev.trigger.text
    assert len([e for e in run(nlp, extractor, text) if e.event_type == "ASSAULT"]) == 1  # noun not counted twice


def test_nominal_with_by_agent(nlp, extractor):
    ev = one(run(nlp, extractor, "The capture of Kismayo by Kenyan troops changed the war."), "COERCE")
    assert ev.trigger.text == "capture" and ev.actor.country == "KEN" and ev.event_mode == "seize"


def test_passive_by_agent(nlp, extractor):
    ev = one(run(nlp, extractor, "The border treaty was signed by Peru and Ecuador in Brasilia."), "AGREE")
    assert ev.actor.country == "PER;ECU" and ev.actor.resolution == "passive_agent"
    assert ev.recipient is not None and "treaty" in ev.recipient.span.text
    ev = one(run(nlp, extractor, "Thousands of villagers were expelled by the Burmese army."), "COERCE")
    assert ev.event_mode == "deport" and ev.actor.country == "MMR"
    assert "villagers" in ev.recipient.span.text


def test_compound_actor_single_event(nlp, extractor):
    evs = [e for e in run(nlp, extractor, "Ethiopia and Eritrea signed a peace agreement in Algiers.") if e.event_type == "AGREE"]
    assert len(evs) == 1
    assert evs[0].actor.country == "ETH;ERI" and evs[0].actor.span.text == "Ethiopia and Eritrea"


def test_pronoun_coreference(nlp, extractor):
    evs = run(nlp, extractor, "Sudanese troops crossed into the valley. They shelled the village at dawn.")
    ev = one(evs, "ASSAULT")
    assert ev.actor.resolution == "coreference" and ev.actor.country == "SDN" and ev.actor.span.text == "They"


@pytest.mark.parametrize("text,etype,polarity", [
    ("The truce was not implemented by the militias.", "RETREAT", "negated"),
    ("Chad never signed the accord.", "AGREE", "negated"),
    ("The Malian army failed to capture the town.", "COERCE", "negated"),
    ("Nepal will meet the Indian delegation next week.", "CONSULT", "future"),
    ("Libyan commanders planned to attack the port.", "ASSAULT", "future"),
    ("If talks collapsed, the army would attack the capital.", "ASSAULT", "hypothetical"),
    ("Somali forces massed a brigade in order to take the town.", "COERCE", "future"),
])
def test_polarity(nlp, extractor, text, etype, polarity):
    ev = one(run(nlp, extractor, text), etype)
    assert ev.polarity == polarity


def test_refusal_is_reject_not_agree(nlp, extractor):
    evs = run(nlp, extractor, "Serbia refused to sign the agreement.")
    assert one(evs, "REJECT").polarity == "asserted"
    assert not [e for e in evs if e.event_type == "AGREE" and e.polarity == "asserted"]


def test_request_content_not_asserted(nlp, extractor):
    evs = run(nlp, extractor, "The UN called on the two armies to cease fire immediately.")
    req = one(evs, "REQUEST")
    assert req.actor.country == "IGO" and req.polarity == "asserted"
    assert not [e for e in evs if e.event_type in ("RETREAT", "AGREE") and e.polarity == "asserted"]


def test_threat(nlp, extractor):
    evs = run(nlp, extractor, "Pakistan threatened to attack the camps.")
    assert one(evs, "THREATEN").actor.country == "PAK"
    assert not [e for e in evs if e.event_type == "ASSAULT" and e.polarity == "asserted"]


def test_speaker_kept_apart(nlp, extractor):
    ev = one(run(nlp, extractor, "According to Amnesty International, police shot 12 protesters in Lagos."), "ASSAULT")
    assert ev.speaker is not None and ev.speaker.text == "Amnesty International"
    assert ev.actor is not None and ev.actor.span.text == "police"


@pytest.mark.parametrize("text,low,high", [
    ("At least 161 civilians were killed in the raid.", 161, None),
    ("Up to 70 soldiers died in the ambush.", None, 70),
    ("Rebels attacked the convoy, killing 30 people.", 30, 30),
    ("Several hundred people were killed in the fighting.", None, None),
])
def test_fatalities(nlp, extractor, text, low, high):
    ev = one(run(nlp, extractor, text), "ASSAULT")
    assert (ev.fatalities_low, ev.fatalities_high) == (low, high)


def test_heading_has_no_events(nlp, extractor):
    doc = nlp("## Attack on the capital\n\nNothing happened that day.")
    assert extractor.extract(doc) == []


def test_events_in_text_order_with_sentence_index(nlp, extractor):
    doc = nlp("Chile recalled its ambassador. Two days later Peruvian jets bombed the border post.")
    evs = extractor.extract(doc)
    assert [e.sentence_index for e in evs] == sorted(e.sentence_index for e in evs)
    ev = one(evs, "ASSAULT")
    assert ev.sentence_index == 1 and ev.actor.country == "PER" and ev.trigger_token == doc[ev.trigger_token].i
    assert 0 < ev.confidence <= 1


def test_patterns_data(tmp_path):
    ts = load_patterns()
    assert "attack" in ts.verbs and "offensive" in ts.nouns
    assert len(patterns_version()) == 12
    with pytest.raises(DataFileError):
        parse_patterns("verbs: [{id: x, lemmas: [a], type: ASSAULT, weird: 1}]")


def test_seed_corpus_runs(nlp, extractor, shared_dir):
    text = sorted((shared_dir / "corpus" / "seeds").glob("000_*.txt"))[0].read_text(encoding="utf-8")
    evs = extractor.extract(nlp(text))
    assert len(evs) > 20
    assert all(text[e.trigger.start:e.trigger.end] == e.trigger.text for e in evs)
