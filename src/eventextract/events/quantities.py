"""Death counts stated in a sentence ("killing 30", "at least 12 dead", "up to 200 victims")."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .syntax import lem
from .vocab import DEATH_WORDS, LOWER_QUAL, NUMBER_WORDS, SCALE, UPPER_QUAL, VAGUE

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan, Token


def number(tok: "Token") -> int | None:
    text = tok.text.replace(",", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    return NUMBER_WORDS.get(tok.lower_)


def fatalities(sent: "SpacySpan") -> tuple[int | None, int | None, int | None]:
    """(low, high, token index) of a death count stated in the sentence, else Nones."""
    for tok in sent:
        if not (tok.like_num or tok.lower_ in NUMBER_WORDS):
            continue
        head = tok.head
        noun = head if head.pos_ in ("NOUN", "PROPN") else None
        clause = head
        hops = 0
        while clause.pos_ not in ("VERB",) and clause.head is not clause and hops < 3:
            clause = clause.head
            hops += 1
        words = {lem(noun) if noun is not None else "", lem(clause), lem(head)}
        words |= {lem(c) for c in (noun.children if noun is not None else ()) if c.dep_ in ("amod", "acl")}
        if not words & DEATH_WORDS:
            continue
        val = number(tok)
        nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
        if nxt is not None and nxt.lower_ in SCALE and val is not None:
            val *= SCALE[nxt.lower_]
        prev = tok.doc[max(sent.start, tok.i - 3): tok.i].text.lower()
        if val is None or (tok.i > sent.start and tok.nbor(-1).lower_ in VAGUE):
            continue
        if any(prev.endswith(q) for q in UPPER_QUAL):
            return None, val, tok.i
        if any(prev.endswith(q) for q in LOWER_QUAL):
            return val, None, tok.i
        return val, val, tok.i
    return None, None, None
