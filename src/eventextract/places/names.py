"""What a capitalised name in the text is: a gazetteer name, a demonym, a name split by mojibake,
part of a longer name or of an institution name, a name introduced by a place noun. Token tests
used by finding mentions and by linking (an unknown name as an event's place)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..gazetteer import GeoCandidate, Gazetteer, fold
from .lexicon import COMPASS, MOJIBAKE, PlaceLexicon, PlaceNoun

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span


def lookup(gaz: Gazetteer, text: str) -> list[GeoCandidate]:
    text = re.sub(r"^(?:the|The)\s+", "", text.strip())
    text = re.sub(r"['’]s$", "", text)
    return gaz.lookup(text) if text else []


def is_demonym(lex: PlaceLexicon, span: "Span") -> bool:
    key = fold(span.text)
    if key in lex.demonyms:
        return True
    return all(t.pos_ == "ADJ" for t in span) and bool(re.search(r"(an|ese|ish|i)$", key))


def country_of_adjective(lex: PlaceLexicon, gaz: Gazetteer, word: str) -> str | None:
    """ISO alpha-2 of a nationality adjective or country name ("Ukrainian" -> UA), else None:
    the irregular ones from demonym_countries.tsv, the others by stripping a suffix."""
    key = fold(word)
    if key in lex.demonym_countries:
        return lex.demonym_countries[key]
    stems = [word, word[:-1], word[:-2], word[:-3], word[:-3] + "e", word[:-1] + "a"]
    for stem in stems:
        if len(stem) < 3:
            continue
        for c in gaz.lookup(stem):
            if c.is_country and c.country2:
                return c.country2
    return None


def norp_name(lex: PlaceLexicon, ent: "Span") -> bool:
    """Whether a NORP entity is a single proper noun that is no listed demonym: it may be a
    mislabelled place name ("the fall of Aleppo")."""
    if len(ent) != 1 or ent[0].pos_ != "PROPN" or not ent.text[:1].isupper():
        return False
    key = fold(ent.text)
    return not (key in lex.demonyms or key.rstrip("s") in lex.demonyms or key in lex.demonym_countries)


def norp_place(lex: PlaceLexicon, ent: "Span") -> bool:
    """Whether a NORP entity is a place name the model mislabelled: a single proper noun, not a
    listed demonym, that is the object of a locative preposition ("a market in Dahyan")."""
    if len(ent) != 1 or ent[0].pos_ != "PROPN" or not ent.text[:1].isupper():
        return False
    key = fold(ent.text)
    if key in lex.demonyms or key.rstrip("s") in lex.demonyms or key in lex.demonym_countries:
        return False
    return ent.root.dep_ == "pobj" and ent.root.head.lower_ in ("in", "at", "near", "outside", "around")


def institution_name(lex: PlaceLexicon, doc: "Doc", i: int, j: int, sent_of: list[int]) -> bool:
    """Whether doc[i:j] starts the capitalised name of an institution named after it ("Ohio
    State University", "Springfield Police Department"): the run goes on after it, in the same
    sentence, up to an institution word (institution_words.txt)."""
    if i > 0 and doc[i - 1].text[:1].isupper() and doc[i - 1].pos_ == "PROPN" \
            and doc[i - 1].lower_ not in COMPASS and not doc[i - 1].is_sent_start:
        return False
    k = j
    while k < len(doc) and k < j + 5 and sent_of[k] == sent_of[i]:
        t = doc[k]
        if fold(t.text) in lex.institutions and t.text[:1].isupper():
            return True
        if not (t.text[:1].isupper() or t.text in ("&", "'s", "’s", "of")):
            return False
        k += 1
    return False


def glued_end(doc: "Doc", i: int) -> int:
    """End of the run of tokens glued to doc[i] (no spaces) through mojibake characters: spaCy
    splits "Malƒ±b…ôyli" at "…"; the whole run is one name."""
    j = i + 1
    while j < len(doc) and doc[j - 1].whitespace_ == "" and (doc[j].text[:1].isalpha() or
                                                              MOJIBAKE.match(doc[j].text)) \
            and (MOJIBAKE.search(doc[j - 1].text) or MOJIBAKE.search(doc[j].text)):
        j += 1
    return j


def in_longer_name(doc: "Doc", i: int, j: int, sent_of: list[int]) -> bool:
    """Whether doc[i:j] is only part of a longer run of capitalised names ("Human Rights Watch")."""
    def cap(k: int) -> bool:
        t = doc[k]
        return t.pos_ == "PROPN" and t.text[:1].isupper() and sent_of[k] == sent_of[i] and t.ent_type_ not in ("GPE", "LOC")
    if i > 0 and cap(i - 1) and not doc[i - 1].is_sent_start:
        return True
    return j < len(doc) and cap(j) and doc[j - 1].whitespace_ != ""


def named_area(lex: PlaceLexicon, doc: "Doc", ent: "Span") -> bool:
    """Whether a NORP entity is really the name of an area: it is not a listed demonym and it
    names a division noun ("the Shahumian region", "the region of Shahumian")."""
    if fold(ent.text) in lex.demonyms or not ent.text[:1].isupper():
        return False
    nxt = doc[ent.end] if ent.end < len(doc) else None
    if nxt is not None and lex.place_nouns.get(nxt.lower_) is PlaceNoun.AREA and not nxt.text[:1].isupper():
        return True
    return ent.start >= 2 and doc[ent.start - 1].lower_ == "of" \
        and lex.place_nouns.get(doc[ent.start - 2].lower_) is PlaceNoun.AREA


def after_place_noun(lex: PlaceLexicon, doc: "Doc", i: int, noun_ends: set[int]) -> bool:
    """'the village of X', 'the village X': a proper name introduced by a settlement noun."""
    k = i - 1
    if k >= 0 and doc[k].lower_ == "of":
        k -= 1
    if k >= 0 and doc[k].text in (",", "and") and doc[i].ent_type_ != "PERSON" and (k - 1 in noun_ends or
                                                     (k >= 1 and doc[k - 1].text == "," and k - 2 in noun_ends)):
        return True  # "the villages of A, B and C"
    return k >= 0 and lex.place_nouns.get(doc[k].lemma_.lower()) is PlaceNoun.SETTLEMENT and doc[i].pos_ == "PROPN"


def proper_run(span: "Span") -> bool:
    """A run of capitalised proper-noun tokens, possibly joined by hyphens ("Nagorno-Karabakh")."""
    if span[0].text[:1].isupper() is False or span[-1].text in ("-", "'s"):
        return False
    for k, t in enumerate(span):
        if t.text in ("-", "‐") and 0 < k < len(span) - 1 and not t.whitespace_:
            continue
        if not t.text[:1].isupper():
            return False
        if len(span) == 1 and t.pos_ != "PROPN":
            return False
    return True
