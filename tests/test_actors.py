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


def test_document_country_takes_the_resolved_places(nlp, resolver):
    """A document about fighting in regions (which only the gazetteer knows) where a foreign army is
    named more often than the country: the places stage's regions and towns decide, and a generic
    group ("the rebels") takes that country, not the foreign army's."""
    text = ("Ugandan troops crossed into Ituri in 1998. Uganda said its soldiers would stay until the border was "
            "secure. Ugandan officers met militia leaders in Ituri, and a Ugandan general toured North Kivu. On "
            "4 May 2003 the rebels attacked a camp in North Kivu. The rebels later seized a mining town in South "
            "Kivu.")
    doc = nlp(text)
    assert resolver.document_country(doc) == "UGA"  # names alone: the demonyms win
    located = [("Ituri", "COD"), ("North Kivu", "COD"), ("South Kivu", "COD")]
    assert resolver.document_country(doc, located) == "COD"
    assert resolver.document_country(doc, [("Uganda", "UGA")] * 5) == "UGA"  # a state name is not a place here
    assert resolver.document_country(nlp("The talks went on for hours."), []) is None


def test_generic_group_in_a_document_about_regions(tmp_path):
    import datetime as dt

    from eventextract import ingest, pipeline

    doc = tmp_path / "kivu.txt"
    doc.write_text("Ugandan troops crossed into Ituri in 1998. Uganda said its soldiers would stay until the border "
                   "was secure. Ugandan officers met militia leaders in Ituri, and a Ugandan general toured North "
                   "Kivu. On 4 May 2003 the rebels attacked a camp in North Kivu. The rebels later seized a mining "
                   "town in South Kivu.\n", encoding="utf-8")
    out = pipeline.process_files(list(ingest.discover([doc])), Settings(reuse_results=False), "r",
                                 dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    rebels = [m for m in out.mentions if (m["actor_text"] or "").lower() == "the rebels"]
    assert rebels and all(m["actor_country"] == "COD" and m["actor_resolution"] == "context" for m in rebels)


@pytest.mark.parametrize("text,actor", [
    ("On 9 June border guards closed the crossing at Rafah.", "border guards"),
    ("Late on 2 October armed men stormed the radio station.", "armed men"),
    ("In March 2011 the army shelled the port.", "the army"),
    ("The 2003 agreement was signed in Accra.", None),
])
def test_actor_without_the_date_parsed_in_front_of_it(nlp, text, actor):
    from eventextract.events.roles import without_leading_date
    from eventextract.events.syntax import noun_phrase

    doc = nlp(text)
    subj = [t for t in doc if t.dep_ in ("nsubj", "nsubjpass")]
    assert subj
    span = without_leading_date(noun_phrase(subj[0]))
    if actor is None:  # a date inside the phrase, not in front of it, stays
        assert span.text == noun_phrase(subj[0]).text
    else:
        assert span.text == actor
