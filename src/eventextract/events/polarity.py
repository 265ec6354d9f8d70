"""Polarity (asserted / negated / hypothetical / future) comes from negation, modals, conditional and
purpose clauses and from the verbs that govern the trigger (``governors`` in the pattern file);
the content of speech acts ("called on them to cease fire") is not emitted as an event.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .syntax import children, inverted_condition, lem
from .types import PolarityCues
from .vocab import SUBJ_DEPS

if TYPE_CHECKING:
    from spacy.tokens import Token

    from .patterns import TriggerSet

#: clause links the polarity walk climbs from a clause to the clause that governs it
_CLIMB_DEPS = ("xcomp", "ccomp", "advcl", "conj", "acl", "pcomp", "relcl")


@dataclass
class _Reading:
    """What the walk up from the trigger has read so far."""

    neg: int = 0
    future: bool = False
    hypo: bool = False
    speaker: "Token | None" = None


class _SpeechContent:
    """The walk reached a verb whose complement is the content of a speech act: no event."""


def polarity(tok: "Token", triggers: "TriggerSet") -> tuple[str | None, "Token | None", PolarityCues]:
    """(polarity, speaker token, cues) of a trigger; polarity None means 'content of a speech act: drop'.

    The cues say how a future was stated: ``modal`` (will/would), ``intent`` (the adjective of
    "ready/willing to"), ``report`` (the speech verb of "said it would ..."), and the negation."""
    g = triggers.governors
    cues = PolarityCues()
    st = _Reading()
    cur = tok
    own = True  # negation and modals count on the trigger's clause and on verbs it is the xcomp of
    for _ in range(6):
        _read_clause(cur, own, g, st, cues)
        step = _climb(cur, own, triggers, st, cues)
        if step is _SpeechContent:
            return None, None, cues
        if step is None:
            break
        cur, own = step
    if st.neg % 2 == 1:
        return "negated", st.speaker, cues
    if st.hypo:
        return "hypothetical", st.speaker, cues
    if st.future:
        return "future", st.speaker, cues
    return "asserted", st.speaker, cues


def _read_clause(cur: "Token", own: bool, g: dict[str, frozenset[str]], st: _Reading, cues: PolarityCues) -> None:
    """Negation, modals and conditions of the clause headed by ``cur`` (negation and modals only
    when ``own``: the trigger's clause or a verb it is the xcomp of)."""
    own_neg = own and any(c.dep_ == "neg" for c in cur.children)
    if own_neg:
        st.neg += 1
        if cues.neg is None:
            cues.neg = next(c for c in cur.children if c.dep_ == "neg")
    if any(inverted_condition(c) for c in cur.children) or inverted_condition(cur):
        st.hypo = True  # "Should fighting resume, ... would be displaced"
    for c in cur.children:
        if not own:
            break
        if c.dep_ in ("aux", "auxpass"):
            if c.lower_ in g.get("modal_future", ()):
                st.future = True
                if cues.modal is None:
                    cues.modal = c
            elif c.lower_ in g.get("modal_hypothetical", ()):
                st.hypo = True
                if c.lower_ in ("would", "'d") and cues.modal is None:
                    cues.modal = c
        if c.dep_ in (*SUBJ_DEPS, "dobj") and any(d.lower_ == "no" and d.dep_ == "det" for d in c.children):
            st.neg += 1
        if c.dep_ == "mark" and c.lower_ in g.get("condition_marks", ()) and cur.dep_ == "advcl":
            st.hypo = True
    if cur.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in cur.children):
        st.hypo = True


def _climb(cur: "Token", own: bool, triggers: "TriggerSet", st: _Reading,
           cues: PolarityCues) -> "tuple[Token, bool] | type[_SpeechContent] | None":
    """One step up from the clause headed by ``cur`` to its governing clause: the next (clause, own),
    None where the walk stops, or :class:`_SpeechContent`."""
    g = triggers.governors
    dep = cur.dep_
    head = cur.head
    if dep == "acomp" and own and lem(cur) in g.get("transparent", ()):
        return head, own  # "has not been able to deliver": the copula carries the negation
    if head is cur or dep not in _CLIMB_DEPS:
        return None
    hl = lem(head)
    if dep in ("xcomp", "ccomp") or (dep == "pcomp" and head.pos_ == "ADP"):
        gov = head if dep != "pcomp" else head.head
        if not _read_governor(cur, dep, gov, triggers, st, cues):
            return _SpeechContent
        if dep == "pcomp":
            return gov, False
    elif dep in ("advcl", "acl"):
        is_to = any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children)
        if is_to and hl not in g.get("transparent", ()):
            st.future = True
        if dep == "acl":
            return None
    elif dep == "relcl":
        return None
    return head, dep == "xcomp"


def _read_governor(cur: "Token", dep: str, gov: "Token", triggers: "TriggerSet", st: _Reading,
                   cues: PolarityCues) -> bool:
    """What the verb ``gov`` governing the clause ``cur`` (as its xcomp, ccomp or pcomp) says about it;
    False when the clause is the content of a speech act."""
    g = triggers.governors
    gl = lem(gov)
    if gl in g.get("content", ()) and not (dep == "ccomp" and gl in g.get("report", ())):
        return False
    if gl in g.get("negate", ()):
        st.neg += 1
    elif gl in g.get("future", ()):
        st.future = True
        if gl in g.get("intent", ()) and cues.intent is None:
            cues.intent = gov
    elif gl in g.get("report", ()) and dep == "ccomp":
        if (st.future or st.hypo) and cues.modal is None:
            return False
        if st.hypo and not any(c.dep_ == "mark" and c.lower_ in g.get("condition_marks", ()) for c in cur.children):
            st.hypo, st.future = False, True  # "said it would allow": a stated intention
        if cues.report is None:
            cues.report = gov
        s = children(gov, "nsubj")
        st.speaker = s[0] if s else None
    elif gl in g.get("transparent", ()):
        pass
    elif dep == "xcomp" and (triggers.verbs.get(gl) or gl in triggers.light_verbs) and \
            any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children):
        st.future = True
    return True
