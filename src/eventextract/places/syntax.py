"""Token helpers shared by event-place linking and anaphora: the tokens and head of a place
mention, the word that introduces it, whether it names an acting government (a metonym) or the
destination of a withdrawal."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..gazetteer import fold
from ..records import PlaceMention
from .lexicon import PlaceLexicon

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


def tokens(doc: "Doc", p: PlaceMention) -> list[int]:
    span = doc.char_span(p.start, p.end, alignment_mode="expand")
    return [t.i for t in span] if span is not None else []


def phrase_head(doc: "Doc", toks: list[int]) -> "Token":
    """The token of a place mention that governs the others (walking up from its first token)."""
    tok = doc[toks[0]]
    while tok.head.i in toks and tok.head.i != tok.i:
        tok = tok.head
    return tok


def noun_before(doc: "Doc", toks: list[int]) -> "Token | None":
    """The word that introduces a place mention ("the city X", "the town of X"), skipping 'of'."""
    k = toks[0] - 1
    if k >= 0 and doc[k].lower_ == "of":
        k -= 1
    return doc[k] if k >= 0 else None


def metonym(lex: PlaceLexicon, doc: "Doc", p: PlaceMention) -> bool:
    """Whether the place is the acting subject of a verb with an object or a reported clause
    ("Moscow denied any involvement", "Kyiv said that ..."): it names a government, not where
    the event happened."""
    toks = tokens(doc, p)
    if not toks:
        return False
    root = phrase_head(doc, toks)
    if root.dep_ == "poss" and p.geo_precision == "country" \
            and not lex.place_nouns.get(root.head.lemma_.lower()):
        return True  # "Russia's ambassador said ...": an affiliation, not a location
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head  # "the United States and the United Kingdom urged ..."
    if root.dep_ != "nsubj" or root.head.pos_ not in ("VERB", "AUX"):
        return False
    if fold(root.head.lemma_) in lex.experiencer_verbs:
        return False  # "X faced a blockade": X undergoes the event, it is where it happened
    return any(c.dep_ in ("dobj", "obj", "ccomp", "xcomp") for c in root.head.children)


def destination(lex: PlaceLexicon, doc: "Doc", p: PlaceMention) -> bool:
    """Whether the place is where a withdrawal goes ("fled to X", "retreat north to X"): the place
    of a withdrawal is where it starts, so the destination is never an event place."""
    toks = tokens(doc, p)
    if not toks:
        return False
    return destination_token(lex, phrase_head(doc, toks))


def destination_token(lex: PlaceLexicon, tok: "Token") -> bool:
    """Whether the phrase headed by ``tok`` is the destination of a withdrawal verb."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and lex.place_nouns.get(tok.head.head.lower_):
        tok = tok.head.head  # "to the city of X"
    elif tok.dep_ in ("appos", "compound") and lex.place_nouns.get(tok.head.lower_):
        tok = tok.head  # "to the town X"
    if tok.dep_ != "pobj" or tok.head.lower_ not in ("to", "toward", "towards", "into"):
        return False
    verb = tok.head.head
    if verb.dep_ in ("npadvmod", "advmod") and verb.head.i != verb.i:
        verb = verb.head  # "retreat north to X"
    return fold(verb.lemma_) in lex.withdrawal_verbs
