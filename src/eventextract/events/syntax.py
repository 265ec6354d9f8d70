"""Pure token helpers over the dependency parse: dependents, lemmas, passives, prepositions and their
objects, noun phrases, subjects and by-agents. They read tokens only: no resources, no state."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocab import ADJUNCT_PREPS
from .vocab import OBJECT_CONTROL, RELATIVE

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan, Token


def children(tok: "Token", *deps: str) -> list["Token"]:
    return [c for c in tok.children if c.dep_ in deps]


def lem(tok: "Token") -> str:
    return tok.lemma_.lower()


def forms(tok: "Token") -> set[str]:
    """Lemma, lower-case form and, for the last part of a split hyphenated word ("cease-fire"), the whole word."""
    out = {lem(tok), tok.lower_}
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and not doc[tok.i - 1].whitespace_ and not doc[tok.i - 2].whitespace_:
        out.add(f"{doc[tok.i - 2].lower_}-{tok.lower_}")
    return out


def is_passive(tok: "Token") -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children):
        return True
    # elliptical conjoined passive: "the villages were taken and their population evicted"
    return tok.tag_ in ("VBN", "VBD") and tok.dep_ == "conj" and not any(c.dep_ in ("aux", "dobj") for c in tok.children) and \
        any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.head.children)


def preps(tok: "Token") -> list["Token"]:
    """Prepositions attached to the verb, including those of its particle/object ("took control of")."""
    out = children(tok, "prep", "agent")
    for d in children(tok, "dobj", "prt"):
        out.extend(children(d, "prep"))
    return out


def pobj(prep: "Token") -> "Token | None":
    for c in prep.children:
        if c.dep_ in ("pobj", "pcomp"):
            return c
    return None


def object_of(tok: "Token") -> "Token | None":
    """The verb's direct object, or the subject of a passive."""
    objs = children(tok, "dobj")
    if objs:
        return objs[0]
    if is_passive(tok):
        subj = children(tok, "nsubjpass")
        return subj[0] if subj else None
    return None


def span_tokens(head: "Token", other: "Token") -> list["Token"]:
    a, b = sorted((head.i, other.i))
    return [head.doc[i] for i in range(a, b + 1)]


def noun_phrase(tok: "Token") -> "SpacySpan":
    """The noun phrase headed by ``tok`` (without relative clauses and trailing punctuation)."""
    doc = tok.doc
    drop: set[int] = set()
    for c in tok.children:
        if c.dep_ in ("relcl",) or (c.dep_ == "acl" and c.i > tok.i and any(x.dep_ == "nsubj" for x in c.children)):
            drop.update(t.i for t in c.subtree)
    idx = [t.i for t in tok.subtree if t.i not in drop]
    start, end = min(idx), max(idx)
    # keep a contiguous block around the head
    i = tok.i
    while i + 1 <= end and (i + 1) not in drop:
        i += 1
    end = i
    while end > tok.i and (doc[end].is_punct or doc[end].dep_ in ("cc", "punct")):
        end -= 1
    while start < tok.i and (doc[start].is_punct or doc[start].dep_ in ("cc", "preconj")):
        start += 1
    return doc[start:end + 1]


def trim_object(span: "SpacySpan") -> "SpacySpan":
    """The object noun phrase of ``span``: cut before the first locative/temporal preposition, parenthesis,
    dash or comma after the head ("a bus carrying children in a market in X" -> "a bus carrying children";
    "the village K (located on ...)" -> "the village K"), keeping of-phrases and coordinated members."""
    root = span.root
    last_conj = max((t.i for t in root.conjuncts if span.start <= t.i < span.end), default=root.i)
    doc = span.doc
    end = span.end
    for t in doc[root.i + 1: span.end]:
        if t.text in ("(", "[", "—", "–", "--", ";", ":"):
            end = t.i
            break
        if t.text == "," and t.i > last_conj:
            end = t.i
            break
        if t.i > last_conj and (t.dep_ == "prep" and t.lower_ in ADJUNCT_PREPS or
                                t.dep_ == "amod" and t.head.i == root.i):  # "held X responsible for ..."
            end = t.i
            break
    while end - 1 > root.i and (doc[end - 1].is_punct or doc[end - 1].dep_ in ("cc", "punct")):
        end -= 1
    return doc[span.start: max(end, root.i + 1)]


def subject_token(tok: "Token", depth: int = 0) -> tuple["Token | None", bool]:
    """(subject token, passive?) of a verb, following conj/xcomp/advcl chains to the governing verb."""
    if depth > 4:
        return None, False
    subj = children(tok, "nsubj", "csubj")
    if subj:
        s = subj[0]
        if s.lower_ in RELATIVE:
            cur = tok
            for _ in range(3):
                if cur.dep_ == "relcl":
                    return cur.head, False
                if cur.dep_ != "conj":
                    break
                cur = cur.head
        return s, False
    if children(tok, "nsubjpass"):
        return None, True
    head = tok.head
    if head is tok:
        return None, False
    if tok.dep_ == "conj" and head.pos_ in ("VERB", "AUX"):
        return subject_token(head, depth + 1)
    if tok.dep_ == "xcomp":
        obj = children(head, "dobj")
        if obj and lem(head) in OBJECT_CONTROL:
            return obj[0], False
        if is_passive(head):
            sp = children(head, "nsubjpass")
            if sp:
                return sp[0], False
        return subject_token(head, depth + 1)
    if tok.dep_ in ("advcl", "pcomp") and head.pos_ in ("VERB", "AUX"):
        if is_passive(head):
            sp = children(head, "nsubjpass")
            ag = agent(head)
            if ag is not None:
                return ag, False
            return (sp[0], False) if sp else (None, False)
        return subject_token(head, depth + 1)
    if tok.dep_ == "pcomp" and head.head.pos_ in ("VERB", "AUX"):
        return subject_token(head.head, depth + 1)
    if tok.dep_ in ("acomp", "oprd") and head.pos_ in ("VERB", "AUX"):
        return subject_token(head, depth + 1)
    if tok.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN") and tok.tag_ in ("VBG", "VB"):
        return head, False
    return None, False


def agent(tok: "Token") -> "Token | None":
    for c in tok.children:
        if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
            o = pobj(c)
            if o is not None and o.ent_type_ not in ("DATE", "TIME"):  # "by late February" is a date
                return o
    return None


def inverted_condition(clause: "Token") -> bool:
    """True for a conditional clause with subject-auxiliary inversion ("Should talks fail, ...",
    "Had the army advanced, ...")."""
    if clause.dep_ not in ("advcl", "dep") or clause.i > clause.head.i:
        return False
    sub = [t.i for t in clause.subtree]
    tok, last = clause.doc[min(sub)], max(sub)
    # the clause opens the sentence with the auxiliary and is closed by a comma (robust to odd parses)
    return tok.lower_ in ("should", "had", "were") and tok.is_sent_start and \
        last + 1 < len(clause.doc) and clause.doc[last + 1].text == ","


def back_reference(tok: "Token") -> bool:
    """A bare definite event noun ("the offensive", "this attack") that only refers back to an event."""
    dets = [c for c in tok.children if c.dep_ == "det"]
    if not dets or dets[0].lower_ not in ("the", "this", "that", "these", "those"):
        return False
    if tok.dep_ not in ("nsubj", "nsubjpass") and not (tok.dep_ == "pobj" and tok.head.lower_ in ("during", "throughout", "amid")):
        return False  # "died in the ambush": the sentence says something new about the event
    return not any(c.dep_ in ("prep", "amod", "compound", "nmod", "nummod", "acl", "relcl") for c in tok.children)
