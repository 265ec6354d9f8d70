"""The arguments of an event's trigger in the parse, as candidates for its place: tree distances
from the trigger, penalties for affiliations, places inside the event's target phrase, actor
phrases that are just a place, and unknown names after a locative preposition."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..context import DocContext
from ..gazetteer import Gazetteer, fold
from ..records import PlaceMention
from ..vocab import NON_TARGET_PREPS, PLACE_PREPS, UNRESOLVED_PREPS
from . import names, syntax
from .lexicon import ARG_DEPS, PlaceLexicon
from .types import Linked, LinkRule, overlaps

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


def arg_distances(trigger: "Token", exclude: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Tree distance from the trigger to tokens of its arguments (not its subject or agent);
    when the trigger is a noun argument of a verb ("fighting broke out in X"), that verb's
    locative modifiers too (one step further)."""
    dist: dict[int, int] = {trigger.i: 0}
    frontier = [trigger]
    starts = [(trigger, 0)]
    if trigger.dep_ in ("nsubj", "dobj", "nsubjpass", "attr", "pobj", "xcomp", "ccomp", "advcl", "conj") \
            and trigger.head.i != trigger.i:
        starts.append((trigger.head, 1))
    # "encircled and attacked X": coordinated verbs share the object the parser gave the first one
    shares_object = trigger.dep_ == "conj" and trigger.pos_ == "VERB" and trigger.head.pos_ == "VERB" \
        and not any(c.dep_ in ("dobj", "obj") for c in trigger.children)
    for start, d0 in starts:
        frontier = [start]
        dist.setdefault(start.i, d0)
        depth = d0
        while frontier and depth < 6:
            depth += 1
            nxt = []
            for tok in frontier:
                for child in tok.children:
                    if child.i in dist or child.dep_ not in ARG_DEPS:
                        continue
                    if start is not trigger and child.i == trigger.i:
                        continue
                    if start is not trigger and child.dep_ in ("dobj", "conj", "xcomp", "ccomp", "advcl") \
                            and not (child.dep_ == "dobj" and shares_object):
                        continue
                    if any(e[0] <= child.idx < e[1] for e in exclude):
                        continue
                    dist[child.i] = depth
                    nxt.append(child)
            frontier = nxt
    return dist


def role_penalty(lex: PlaceLexicon, doc: "Doc", toks: list[int]) -> int:
    """Extra distance for places that are not locations of the event: affiliations ("ministers
    of X", "mediation of X") and modifiers of non-place nouns ("the X defence")."""
    if not toks:
        return 0
    root = min((doc[t] for t in toks), key=lambda t: abs(t.head.i - t.i) if t.head.i not in toks else 99)
    while root.head.i in toks and root.head.i != root.i:
        root = root.head
    head = root.head
    if root.dep_ == "pobj" and head.lower_ == "of":
        noun = head.head
        if noun.lemma_.lower() not in lex.place_nouns and noun.pos_ in ("NOUN", "PROPN"):
            return 3
    if root.dep_ in ("compound", "amod", "nmod", "poss") and head.lemma_.lower() not in lex.place_nouns:
        return 2
    return 0


def place_phrase(lex: PlaceLexicon, doc: "Doc", span: tuple[int, int], places: list[PlaceMention]) -> bool:
    """Whether an actor/recipient span is just a place ("Shusha", "the nearby Armenian village
    X"): then the place it names is the event's place too, not an actor's affiliation."""
    inside = [p for p in places if span[0] <= p.start and p.end <= span[1]]
    sub = doc.char_span(span[0], span[1], alignment_mode="expand")
    if not inside or sub is None or any(p.geo_precision == "country" for p in inside):
        return False  # a country named as actor ("Russia mediated") is not where it happened
    for t in sub:
        if any(p.start <= t.idx < p.end for p in inside):
            continue
        if t.pos_ in ("DET", "ADJ", "PUNCT", "CCONJ") or t.lemma_.lower() in lex.place_nouns \
                or fold(t.text) in lex.demonyms:
            continue
        return False
    return True


def target_places(lex: PlaceLexicon, doc: "Doc", trigger: "Token", exclude: Sequence[tuple[int, int]],
                  held: list[PlaceMention]) -> list[tuple[PlaceMention, int]]:
    """Places inside an excluded actor/recipient phrase that lie in the trigger's object ("attacked
    positions above the village X", "X was captured by ..."): the target's location is the event's
    place (an actor's affiliation or base is not). Returns (place, depth) pairs."""
    if not held:
        return []
    heads = {trigger.i}
    if trigger.dep_ == "conj" and trigger.head.pos_ == "VERB" and trigger.pos_ == "VERB":
        heads.add(trigger.head.i)  # "encircled and attacked X": X hangs on the first verb
    out: list[tuple[PlaceMention, int]] = []
    for p in held:
        toks = syntax.tokens(doc, p)
        if not toks:
            continue
        root = syntax.phrase_head(doc, toks)
        for _ in range(8):  # up to the phrase that is the trigger's object
            if root.head.i in heads and (root.dep_ in ("dobj", "obj", "nsubjpass") or (
                    root.dep_ == "pobj" and trigger.pos_ == "NOUN")):
                break
            if root.dep_ == "pobj" and root.head.head.i in heads and root.head.lower_ in ("on", "against") \
                    or root.head.i == root.i:
                break
            if root.dep_ == "prep" and root.head.i in heads and root.lower_ in PLACE_PREPS \
                    and root.lower_ not in NON_TARGET_PREPS:
                break  # the parse makes it the trigger's own locative ("attacked ... near X")
            root = root.head
        else:
            continue
        if root.head.i == root.i and root.i not in heads:
            continue
        if root.dep_ == "pobj" and root.head.head.i in heads and root.head.lower_ in ("on", "against"):
            pass
        elif root.dep_ == "prep" and root.head.i in heads:
            pass
        elif not (root.head.i in heads and root.dep_ in ("dobj", "obj", "nsubjpass", "pobj")):
            continue
        depth = _target_depth(lex, doc, p, root)
        if depth is not None:
            out.append((p, 1 + depth))
    return out


def _target_depth(lex: PlaceLexicon, doc: "Doc", p: PlaceMention, root: "Token") -> int | None:
    """Steps from the head of a target phrase down to the place, through its own noun phrase and
    locative prepositions only (no clauses, no 'of'-affiliations of non-place nouns); else None."""
    toks = syntax.tokens(doc, p)
    if not toks:
        return None
    if root.i in toks:
        return 0
    tok = syntax.phrase_head(doc, toks)
    steps = 0
    while tok.i != root.i:
        head = tok.head
        if head.i == tok.i or steps > 5:
            return None
        if tok.dep_ in ("compound", "amod", "nmod") and not lex.place_nouns.get(head.lemma_.lower()):
            return None  # a modifier of a non-place noun is an affiliation ("the Karabakh defence")
        if tok.dep_ in ("compound", "appos", "amod", "nmod", "npadvmod"):
            pass
        elif tok.dep_ == "pobj":
            if head.lower_ not in PLACE_PREPS:
                return None
            if head.lower_ in NON_TARGET_PREPS and not (
                    head.lower_ == "of" and lex.place_nouns.get(head.head.lemma_.lower())):
                return None
        elif tok.dep_ != "prep":
            return None
        tok = head
        steps += 1
    return min(steps, 3)


def unresolved_argument(ctx: DocContext, lex: PlaceLexicon, gaz: Gazetteer, ranked: dict[int, int],
                        places: Sequence[PlaceMention], exclude: Sequence[tuple[int, int]]) -> Linked | None:
    """A capitalised name that the gazetteer does not know but that is the object of a locative
    preposition ("clashes broke out near Xville") or the unlabelled object of a verb ("shelled
    Xville") among ``ranked`` tokens (token index -> rank, lower first: the trigger's arguments,
    or any token of a sentence that names no known place): an unresolved place (geo_precision
    'none'), unless other evidence says it names a person, group or document (a PERSON tag, an
    organisation word such as Front/Army/Party/Resolution, an acronym, digits, a title, the name
    acting as a subject elsewhere, a known place name, a demonym or stoplisted word)."""
    doc = ctx.doc
    known = [(p.start, p.end) for p in places]
    best: tuple[int, int, "Span"] | None = None
    for i, d in ranked.items():
        tok = doc[i]
        # "fighting near X" (X may be mis-tagged ORG); "shelled X" (only with no NER label at all)
        obj = tok.dep_ in ("dobj", "obj") and tok.head.pos_ == "VERB" and tok.ent_type_ == ""
        if not obj and (tok.dep_ != "pobj" or tok.head.lower_ not in UNRESOLVED_PREPS
                        or tok.ent_type_ not in ("", "ORG")):
            continue
        if tok.pos_ != "PROPN" or not tok.text[:1].isupper() or tok.text.isupper():
            continue  # an all-capitals word is mostly an acronym of a group
        start = i
        while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].text[:1].isupper() \
                and doc[start - 1].head.i in range(start - 1, i + 1) and doc[start - 1].ent_type_ in ("", "ORG"):
            start -= 1
        if i + 1 < len(doc) and doc[i + 1].text[:1].isupper() and doc[i + 1].pos_ == "PROPN":
            continue  # only part of a longer name
        span = doc[start:i + 1]
        if start == span.sent.start or (not obj and doc[start - 1].lower_ not in UNRESOLVED_PREPS | {"the"}):
            continue
        if any(overlaps((span.start_char, span.end_char), e) for e in list(exclude) + known):
            continue
        key = fold(span.text)
        if key in lex.stop or key in lex.demonyms or names.is_demonym(lex, span) or names.lookup(gaz, span.text):
            continue
        if any(fold(t.text) in lex.organisation_words or fold(t.text) in lex.institutions
               or t.text.isupper() or any(c.isdigit() for c in t.text) for t in span):
            continue  # a group, a document ("Resolution"), an acronym or a designation ("Su-24")
        if not _never_an_actor(doc, span):
            continue
        if best is None or d < best[0]:
            best = (d, i, span)
    if best is None:
        return None
    span = best[2]
    place = PlaceMention(start=span.start_char, end=span.end_char, text=span.text, geo_precision="none",
                         sentence_index=ctx.sentence_index_of(span.start))
    return Linked.of(place, LinkRule.PARSE, f"unresolved name '{span.text}', {doc[best[1]].dep_} of "
                                            f"'{doc[best[1]].head.text}' (not in the gazetteer)")


def _never_an_actor(doc: "Doc", span: "Span") -> bool:
    """Whether no occurrence of the name in the document is tagged PERSON, follows a title-like
    capitalised word ending in '.', or is the subject of a verb (which groups and people are)."""
    words = [t.lower_ for t in span]
    n = len(words)
    for k in range(len(doc) - n + 1):
        if doc[k].lower_ != words[0] or [t.lower_ for t in doc[k:k + n]] != words:
            continue
        last = doc[k + n - 1]
        if doc[k].ent_type_ == "PERSON" or last.dep_ in ("nsubj", "agent"):
            return False
        if k > 0 and doc[k - 1].text.endswith(".") and doc[k - 1].text[:1].isupper() and len(doc[k - 1]) <= 5:
            return False
    return True
