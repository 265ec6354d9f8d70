"""Actor dictionary and resolution, on sentences written for these tests."""
from __future__ import annotations

import pytest

from eventextract.actors import ActorResolver
from eventextract.config import Settings
from eventextract.errors import DataFileError


@pytest.fixture(scope="module")
def resolver():
    return ActorResolver()


def _ref(nlp, resolver, text):
    return resolver.resolve(nlp(text)[:])


@pytest.mark.parametrize("text,country,sector", [
    ("Bolivia", "BOL", None),                       # state name
    ("Kenyan troops", "KEN", "MIL"),                # demonym + forces
    ("the Peruvian government", "PER", "GOV"),
    ("Tokyo", "JPN", "GOV"),                        # capital metonym
    ("the UN Security Council", "IGO", "IGO"),      # IGO
    ("NATO", "IGO", "IGO"),
    ("Amnesty International", "NGO", "NGO"),        # NGO
    ("Human Rights Watch", "NGO", "NGO"),
    ("Boris Yeltsin", "RUS", "GOV"),                # person
    ("the Azerbaijani parliament", "AZE", "LEG"),
    ("Armenian forces", "NKR", "MIL"),              # project convention for the Karabakh war
    ("Hezbollah", "LBN", "REB"),                    # non-state armed group, coded with its country
    ("the Tamil Tigers", "LKA", "REB"),
    ("the PRC", "CHN", None),                       # short form
])
def test_dictionary(nlp, resolver, text, country, sector):
    ref = _ref(nlp, resolver, text)
    assert ref.country == country
    assert ref.sector == sector
    assert ref.resolution == "dictionary"
    assert ref.span.text == text


def test_unknown_name_with_title_sets_sector(nlp, resolver):
    ref = _ref(nlp, resolver, "Defence Minister Arvo Tamm")
    assert ref.country is None
    assert ref.sector == "GOV"
    assert ref.resolution == "title"
    unknown = _ref(nlp, resolver, "Arvo Tamm")
    assert unknown.resolution == "unknown" and unknown.sector is None


def test_compound_actor(nlp, resolver):
    ref = _ref(nlp, resolver, "Chile and Argentina")
    assert ref.country == "CHL;ARG"
    assert len(ref.members) == 2
    ref = _ref(nlp, resolver, "the foreign ministers of Egypt, Jordan and Syria")
    assert ref.country == "EGY;JOR;SYR"
    assert ref.sector == "GOV"


def test_offsets_are_doc_offsets(nlp, resolver):
    doc = nlp("Yesterday the Chilean navy left port.")
    ref = resolver.resolve(doc[1:4])
    assert doc.text[ref.span.start:ref.span.end] == "the Chilean navy"
    assert ref.country == "CHL"


def test_user_dictionary_extends(nlp, tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("version: test\n"
                 "entities:\n"
                 "  - {name: Northern Liberation Front, code: NGA, sector: REB, names: [Northern Liberation Front, NLF]}\n"
                 "people:\n"
                 "  - {name: Ada Obi, code: NGA, sector: MIL, names: [Ada Obi, General Obi]}\n", encoding="utf-8")
    res = ActorResolver(Settings(actor_files=[f]))
    ref = res.resolve(nlp("the NLF")[:])
    assert (ref.country, ref.sector) == ("NGA", "REB")
    assert res.resolve(nlp("General Obi")[:]).country == "NGA"
    assert ActorResolver().resolve(nlp("the NLF")[:]).country is None


@pytest.mark.parametrize("content", [
    "states: [1, 2\n",                                       # not YAML
    "- just a list\n",                                       # not a mapping
    "entities:\n  - {name: X, code: toolong, names: [X]}\n",  # bad code
    "people:\n  - {code: FRA}\n",                            # no name
    "sectors: [MIL]\n",                                      # sectors not a mapping
    "villains: []\n",                                        # unknown section
])
def test_malformed_user_dictionary(tmp_path, content):
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        ActorResolver(Settings(actor_files=[f]))
    assert err.value.code == "E302"


def test_world_coverage(nlp, resolver):
    # every state of the gazetteer has an entry; a few far from the Caucasus
    for text, code in [("Nigerian soldiers", "NGA"), ("the Sri Lankan army", "LKA"), ("Colombia", "COL"),
                       ("Indonesian police", "IDN"), ("the Filipino government", "PHL")]:
        assert resolver.resolve(nlp(text)[:]).country == code


def test_document_country_from_places(nlp, resolver):
    doc = nlp("Moscow protested. Clashes broke out in Kharkiv and Odesa, then around Kherson and Mariupol in Ukraine.")
    assert resolver.document_country(doc) == "UKR"  # cities outweigh a capital used as a metonym
    assert resolver.document_country(nlp("The talks went on for hours.")) is None


def test_context_group_and_backer(nlp, resolver):
    assert resolver.is_context_group(nlp("the separatists")[:])
    assert resolver.is_context_group(nlp("Defence Minister Arvo Tamm")[:])
    assert not resolver.is_context_group(nlp("the proposal")[:])
    assert not resolver.is_context_group(nlp("they")[:])
    # a demonym before "-backed" names the backer, not the actor
    assert _ref(nlp, resolver, "Iranian-backed militias").country is None
    assert _ref(nlp, resolver, "Iranian militias").country == "IRN"


def test_user_context_nouns_must_be_a_list(tmp_path):
    f = tmp_path / "bad_ctx.yaml"
    f.write_text("context_nouns: rebels\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        ActorResolver(Settings(actor_files=[f]))
    assert err.value.code == "E302"


@pytest.mark.parametrize("text,country", [
    ("Vietnamese-led forces", "VNM"),          # the leading state names the force
    ("ethnic Serbs in Croatia", "HRV"),        # a people coded where it lives
    ("the Albanians of southern Serbia", "SRB"),
    ("Israeli police", "ISR"),
    ("Russia's president", "RUS"),
    ("the Iranian foreign minister", "IRN"),
])
def test_round5_actor_phrases(nlp, resolver, text, country):
    assert _ref(nlp, resolver, text).country == country


def test_backer_is_not_the_actor(nlp, resolver):
    assert _ref(nlp, resolver, "Iranian-backed militias").country != "IRN"


def test_titled_person_and_states_in(nlp, resolver):
    # one office holder by a person title, not a group
    assert resolver.is_titled_person(nlp("President Oskar Lindqvist")[:])
    assert resolver.is_titled_person(nlp("the foreign minister")[:])
    assert not resolver.is_titled_person(nlp("the officials")[:])
    assert not resolver.is_titled_person(nlp("government forces")[:])
    doc = nlp("The envoy flew from Oslo to Chile with Kenyan observers and a Red Cross team.")
    codes = [c for _, c in resolver.states_in(doc[:])]
    assert codes == ["NOR", "CHL", "KEN"]  # capital, state, demonym; not the NGO


def test_user_person_titles_must_be_a_list(tmp_path):
    f = tmp_path / "bad_titles.yaml"
    f.write_text("person_titles: {a: b}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        ActorResolver(Settings(actor_files=[f]))
    assert err.value.code == "E302"
