"""Finding triggers in a sentence with the patterns of ``data/patterns/triggers.yaml``:
- verbs with their particles, prepositions and objects ("took control of", "drove out", "cut off");
- light-verb constructions, where the event is carried by the object noun ("launched an offensive");
- nominal events with their arguments ("the capture of X by Y", "the Khojaly massacre");
- obligations stated by a speech verb ("A said B must do X").
Passives, where the by-agent is the actor and the subject the recipient, are read in
:mod:`eventextract.events.roles`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocab import CIRCUMSTANCE_PREPS
from .constraints import check
from .roles import earlier_mention
from .syntax import back_reference, children, forms, lem, object_of, pobj, preps, span_tokens
from .types import OBLIGATION_RULE, TriggerKind, TriggerMatch
from .vocab import PERSONAL_PRONOUNS, SUBJ_DEPS

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan, Token

    from .patterns import NounPattern, TriggerSet
    from .rules import EventRules
    from .types import DocScope


def noun_pattern(tok: "Token", triggers: "TriggerSet") -> "NounPattern | None":
    """The noun pattern of an event noun (a split hyphenated word such as "cease-fire" is read whole)."""
    nouns = triggers.nouns
    cands: list[NounPattern] = []
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and not doc[tok.i - 1].whitespace_ and not doc[tok.i - 2].whitespace_:
        # split hyphenated compounds ("cease-fire"): the whole word decides, not its last part
        whole = f"{doc[tok.i - 2].lower_}-{tok.lower_}"
        if whole in nouns:
            cands = nouns[whole]
        elif nouns.get(lem(tok)) is not None:
            return None
    if not cands:
        cands = nouns.get(lem(tok)) or nouns.get(tok.lower_) or []
    mods = {c.lower_ for c in tok.children}
    for np_ in cands:
        if np_.compound_or_amod and not mods & np_.compound_or_amod:
            continue
        return np_
    return None


def light(tok: "Token", triggers: "TriggerSet") -> TriggerMatch | None:
    """A light verb with an event noun as object ("launched an offensive"), or a light override pair."""
    obj = object_of(tok)
    if obj is None:
        return None
    lo = None
    for form in sorted(forms(obj), key=len, reverse=True):
        lo = triggers.light_overrides.get((lem(tok), form))
        if lo is not None:
            break
    if lo is not None:
        if lo.type is None:
            return TriggerMatch(tok, [tok], "", None, lo.id, 0.0, kind=TriggerKind.LIGHT_OVERRIDE, noun=obj, blocked=True)
        return TriggerMatch(tok, span_tokens(tok, obj), lo.type, lo.mode, lo.id, lo.conf, kind=TriggerKind.LIGHT_OVERRIDE,
                            noun=obj)
    if lem(tok) not in triggers.light_verbs:
        return None
    np_ = noun_pattern(obj, triggers)
    if np_ is None or np_.type is None:
        return None
    return TriggerMatch(tok, span_tokens(tok, obj), np_.type, np_.mode, np_.id, min(0.95, np_.conf + 0.2),
                        kind=TriggerKind.LIGHT, noun=obj)


def verb(tok: "Token", rules: "EventRules") -> TriggerMatch | None:
    """The first verb pattern of the verb's lemma whose constraints hold (a block pattern, without a type,
    means no event), else its light-verb reading."""
    ts = rules.triggers
    lv = light(tok, ts)
    pats = ts.verbs.get(lem(tok)) or ts.verbs.get(tok.lower_) or []
    for pat in pats:
        if not check(tok, pat, rules):
            continue
        if pat.type is None:
            return None
        if lv is not None and lv.blocked:
            return None
        if lv is not None and lv.kind is TriggerKind.LIGHT_OVERRIDE and pat.specificity == 0:
            return lv
        toks = [tok]
        for c in tok.children:
            if c.dep_ == "prt" or (c.dep_ == "dobj" and any(k in ("dobj", "dobj_place") for k, _ in pat.constraints) and
                                   c.i == tok.i + 1 + sum(1 for x in tok.children if x.dep_ == "prt")):
                toks.append(c)
        for k, v in pat.constraints:
            if k == "dobj":
                toks.extend(children(tok, "dobj"))
            if k in ("prep",):
                toks.extend(p for p in preps(tok) if p.lower_ in v)
        toks = sorted(set(toks), key=lambda t: t.i)
        if toks[-1].i - toks[0].i > 4:
            toks = [tok]
        obj = object_of(tok)
        return TriggerMatch(tok, span_tokens(toks[0], toks[-1]), pat.type, pat.mode, pat.id, pat.conf,
                            kind=TriggerKind.VERB, pattern=pat,
                            noun=obj if obj is not None and noun_pattern(obj, ts) else None)
    if lv is not None and not lv.blocked:
        return lv
    return None


def obligation(tok: "Token", triggers: "TriggerSet") -> TriggerMatch | None:
    """ "A said (that) B must do X": a demand by A on B (REQUEST at the speech verb)."""
    g = triggers.governors
    if lem(tok) not in g.get("report", ()):
        return None
    for c in children(tok, "ccomp"):
        if any(a.dep_ == "aux" and a.lower_ in g.get("obligation", ()) for a in c.children):
            subj = children(c, "nsubj", "nsubjpass")
            if subj and subj[0].lower_ in PERSONAL_PRONOUNS and subj[0].lower_ not in ("they", "them", "he", "she"):
                return None  # "said it must ..." / "we must": the speaker's own obligation
            return TriggerMatch(tok, [tok], "REQUEST", None, OBLIGATION_RULE, 0.6, kind=TriggerKind.OBLIGATION,
                                recipient=subj[0] if subj else None)
    return None


def find_triggers(sent: "SpacySpan", scope: "DocScope", rules: "EventRules") -> list[TriggerMatch]:
    """The triggers of a sentence in token order: verbal ones first (a light verb's object noun is not a
    trigger again), then event nouns outside other triggers' arguments; a participle clause of an
    ASSAULT ("attacked the convoy, killing 30") and a verb whose subject is an event noun of the same
    type ("an air strike hit a bus") are folded into that trigger."""
    found, consumed = _verbal_triggers(sent, rules)
    verb_found = {f.head.i: f for f in found}
    # "attacked the convoy, killing 30": the participle clause is part of the main ASSAULT
    found = [f for f in found if not (f.type == "ASSAULT" and f.head.dep_ == "advcl" and f.head.tag_ == "VBG"
                                      and f.head.head.i in verb_found and verb_found[f.head.head.i].type == "ASSAULT")]
    for tok in sent:
        if tok.i in consumed or tok.pos_ not in ("NOUN", "PROPN", "VERB") or tok.i in verb_found:
            continue
        if tok.pos_ == "VERB" and not (tok.tag_ == "VBG" and tok.dep_ in (*SUBJ_DEPS, "dobj", "pobj", "ROOT", "conj")):
            continue
        np_ = noun_pattern(tok, rules.triggers)
        if np_ is None or np_.type is None or (lem(tok) not in np_.standalone and tok.lower_ not in np_.standalone):
            continue
        if tok.dep_ == "compound":
            continue  # a modifier: "aid groups", "attack helicopters", "peace talks"
        f = nominal(tok, np_, verb_found, scope, rules)
        if f is not None:
            found.append(f)
    nominal_heads = {f.head.i: f for f in found if f.nominal}
    kept: list[TriggerMatch] = []
    for f in found:
        subj_nom = None if f.nominal else next(
            (nominal_heads[x.i] for x in children(f.head, "nsubj") if x.i in nominal_heads and nominal_heads[x.i].type == f.type), None)
        if subj_nom is None:
            kept.append(f)
            continue
        # "an air strike hit a bus": one event, coded on the noun; the verb's object is its target
        obj = children(f.head, "dobj")
        if obj and subj_nom.recipient is None:
            subj_nom.recipient = obj[0]
    found = kept
    found.sort(key=lambda f: f.head.i)
    return found


def _verbal_triggers(sent: "SpacySpan", rules: "EventRules") -> tuple[list[TriggerMatch], set[int]]:
    """Verb, light-verb and obligation triggers of the sentence, and the token indexes of the event nouns
    they consume (a light verb's object noun and its conjuncts)."""
    found: list[TriggerMatch] = []
    consumed: set[int] = set()
    for tok in sent:
        if tok.dep_ in ("amod", "compound") and tok.head.pos_ in ("NOUN", "PROPN"):
            continue  # participial adjective ("the attacking forces", "attack helicopters")
        if tok.pos_ in ("VERB", "AUX") or (tok.tag_.startswith("VB") and tok.pos_ != "NOUN"):
            f = verb(tok, rules) or obligation(tok, rules.triggers)
            if f is not None:
                found.append(f)
                if f.noun is not None:
                    consumed.add(f.noun.i)
                    consumed.update(c.i for c in f.noun.conjuncts)
    return found, consumed


def nominal(tok: "Token", np_: "NounPattern", verb_found: dict[int, TriggerMatch], scope: "DocScope",
            rules: "EventRules") -> TriggerMatch | None:
    """An event noun as a trigger of its own, unless it is a temporal adjunct, a possessed or bare
    back-reference, or inside the arguments of a verbal trigger ("condemned the attack")."""
    g = rules.triggers.governors
    head = tok.head
    if tok.dep_ == "pobj" and head.lower_ in g.get("temporal_preps", ()):
        return None
    if any(c.dep_ == "poss" and c.pos_ == "PRON" for c in tok.children):
        return None
    # inside the arguments of another trigger (e.g. "condemned the attack"): same event or its content
    anc = tok
    for _ in range(4):
        if anc.head is anc:
            break
        if anc.dep_ in SUBJ_DEPS or anc.lower_ in CIRCUMSTANCE_PREPS:
            break  # "closed the border because of fighting": a circumstance, not the verb's argument
        anc = anc.head
        if anc.lower_ in CIRCUMSTANCE_PREPS:
            break
        if anc.i in verb_found:
            return None
    actor = nominal_actor(tok, scope, rules)
    if np_.require_actor and actor is None:
        return None
    if actor is None and back_reference(tok):
        return None
    toks = [tok]
    for c in tok.children:
        if c.dep_ in ("amod", "compound") and c.i == tok.i - 1 and c.pos_ in ("ADJ", "NOUN") and c.ent_type_ == "" :
            toks.insert(0, c)
    if lem(tok) == "emergency" and head.lower_ == "of" and head.head.lower_ == "state":
        toks = [head.head, head, tok]
    conf = np_.conf + (0.1 if actor is not None else 0.0)
    return TriggerMatch(tok, span_tokens(toks[0], toks[-1]), np_.type, np_.mode, np_.id, min(conf, 0.9),
                        kind=TriggerKind.NOMINAL, noun=tok, actor=actor)


def nominal_actor(tok: "Token", scope: "DocScope", rules: "EventRules") -> "Token | None":
    """The actor an event noun names itself: by-agent, both sides of "between A and B", an of-agent,
    a possessor, or an actor-naming modifier ("a rebel attack", "coalition air strikes")."""
    dictionary = rules.actors.dictionary
    np_ = noun_pattern(tok, rules.triggers)
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "by" and pobj(c) is not None:
            return pobj(c)
    for c in tok.children:  # "fighting between A and B", "talks between A and B": both sides act
        if c.dep_ == "prep" and c.lower_ == "between" and pobj(c) is not None and pobj(c).conjuncts:
            return pobj(c)
        if c.dep_ == "prep" and c.lower_ == "of" and np_ is not None and np_.of_agent and pobj(c) is not None:
            o = pobj(c)
            if o.ent_type_ in ("GPE", "NORP", "ORG", "PERSON") or dictionary.find(o.text):
                return o
    for c in tok.children:
        if c.dep_ == "poss" and c.pos_ != "PRON":
            return c
    for c in tok.children:
        if c.dep_ in ("amod", "compound", "nmod") and (c.ent_type_ in ("NORP", "ORG", "GPE") or c.pos_ == "PROPN"):
            if dictionary.find(c.text):
                return c
    for c in tok.children:  # "a rebel attack", "coalition air strikes" (after "the coalition led by X")
        if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "ADJ") and c.i < tok.i and (
                c.lower_ in dictionary.context_nouns or earlier_mention(tok.doc[c.i: c.i + 1], scope, rules) is not None):
            return c
    return None
