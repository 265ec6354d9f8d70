"""The places/ package API: resolve_places and link_places over a DocContext, the typed decisions
behind the published reason strings, and the PlaceResolver facade over them (sentences of our own)."""
from __future__ import annotations

import dataclasses

import pytest

from eventextract.context import DocContext
from eventextract.places import (LinkRule, MentionSource, PlaceFindings, PlaceLinkRequest, PlaceResolver,
                                 PlaceRules, link_places, load_lexicon, resolve_places)
from eventextract.places.types import Found


@pytest.fixture(scope="module")
def rules(gazetteer) -> PlaceRules:
    return PlaceRules.load(gazetteer)


def _tok(doc, word: str) -> int:
    return next(t.i for t in doc if t.text == word)


def _request(ctx: DocContext, word: str, exclude=()) -> PlaceLinkRequest:
    i = _tok(ctx.doc, word)
    return PlaceLinkRequest(i, ctx.sentence_index_of(i), tuple(exclude))


def test_rules_are_frozen_and_the_lexicon_is_loaded_once(rules, gazetteer):
    assert load_lexicon() is rules.lexicon is PlaceRules.load(gazetteer).lexicon
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.lexicon = None  # type: ignore[misc]
    assert "district" in rules.lexicon.place_nouns


def test_resolve_places_is_what_annotate_returns(nlp, rules):
    text = "Engineers repaired the bridge near Ganja while shops in Baku stayed closed."
    ctx = DocContext.build(nlp(text), title="Repairs in Ganja")
    findings = resolve_places(ctx, rules)
    assert isinstance(findings, PlaceFindings)
    assert [p.text for p in findings.places] == ["Ganja", "Baku"]
    assert "ganja" in findings.title_names and "repairs" in findings.title_names
    assert PlaceResolver(rules.gazetteer).annotate(nlp(text), title="Repairs in Ganja") == findings.places
    assert not any(k.startswith("eventextract.") for k in ctx.doc.user_data)


def test_link_places_remembers_the_previous_event_of_the_line_block(nlp, rules):
    text = "Drones struck a depot in Ganja on Friday. Three guards were injured.\nMarkets reopened."
    ctx = DocContext.build(nlp(text))
    findings = resolve_places(ctx, rules)
    requests = [_request(ctx, "struck"), _request(ctx, "injured"), _request(ctx, "reopened")]
    first, second, third = link_places(ctx, findings, requests, rules)
    assert first.text == "Ganja" and first.reason.startswith("parse:")
    assert second.text == "Ganja" and "previous event" in second.reason
    assert third is None  # a line break starts a new block: nothing to inherit
    # alone, the second event has no earlier event to take its place from
    assert link_places(ctx, findings, requests[1:2], rules) == [None]


def test_the_facade_links_like_link_places(nlp, gazetteer, rules):
    text = "Drones struck a depot in Ganja on Friday. Three guards were injured.\nMarkets reopened."
    resolver = PlaceResolver(gazetteer)
    doc = nlp(text)
    places = resolver.annotate(doc)
    ctx = DocContext.build(doc)
    requests = [_request(ctx, "struck"), _request(ctx, "injured"), _request(ctx, "reopened")]
    one_by_one = [resolver.link(doc, r.trigger_token, r.sentence_index, places) for r in requests]
    assert one_by_one == link_places(ctx, resolve_places(ctx, rules), requests, rules)
    # a plain list carries no memory of earlier events
    assert resolver.link(doc, requests[1].trigger_token, requests[1].sentence_index, list(places)) is None


def test_a_place_inside_the_actor_is_not_remembered(nlp, rules):
    text = "Gunmen based in Ganja ambushed a convoy. Two drivers were injured."
    ctx = DocContext.build(nlp(text))
    findings = resolve_places(ctx, rules)
    actor = (0, text.index(" ambushed"))
    first, second = link_places(ctx, findings, [_request(ctx, "ambushed", [actor]), _request(ctx, "injured")],
                                rules)
    assert first.text == "Ganja" and first.reason.startswith(LinkRule.ACTOR.value + ":")
    assert second is None


def test_a_village_the_gazetteer_lacks_is_a_place_noun_mention(nlp, rules):
    ctx = DocContext.build(nlp("Patrols entered the hamlet of Orlomaz on foot."))
    (village,) = [p for p in resolve_places(ctx, rules).places if p.text == "Orlomaz"]
    assert village.place_noun and village.geo_precision == "none"
    assert village.reason == "place-noun; not in gazetteer"


@pytest.mark.parametrize("found, text", [
    (Found(MentionSource.NER, "GPE"), "ner:GPE"),
    (Found(MentionSource.GAZETTEER), "gazetteer"),
    (Found(MentionSource.GAZETTEER, None, "mojibake"), "gazetteer; mojibake"),
    (Found(MentionSource.GAZETTEER, "ORG", "institution name"), "gazetteer:ORG; institution name"),
    (Found(MentionSource.PLACE_NOUN, note="NORP name of an area"), "place-noun; NORP name of an area"),
    (Found(MentionSource.CAPITAL, note="capital of AM"), "descriptive: capital of AM"),
    (Found(MentionSource.ABBREVIATION), "abbreviation"),
])
def test_how_a_mention_was_found_renders_as_before(found, text):
    assert found.render() == text


def test_only_bare_gazetteer_matches_are_dropped_when_distrusted():
    assert Found(MentionSource.GAZETTEER, None, "mojibake").bare_gazetteer
    assert not Found(MentionSource.GAZETTEER, "PERSON").bare_gazetteer
    assert Found(MentionSource.GAZETTEER, "NORP", "area name").labelled_by_norp
