"""The constraints of a verb pattern over the verb and its dependents (the keys of
:data:`~eventextract.events.patterns.VERB_CONSTRAINTS`), and the word classes they test."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .syntax import children, forms, is_passive, lem, noun_phrase, object_of, pobj, preps
from .vocab import PERSONAL_PRONOUNS, SUBJ_DEPS

if TYPE_CHECKING:
    from spacy.tokens import Token

    from .patterns import TriggerSet, VerbPattern
    from .rules import EventRules

#: constraints on the verb's own frame: particles, prepositions, complements, voice, dependency
_FRAME_KEYS = frozenset({"prt", "no_prt", "prep", "no_prep", "pobj", "xcomp", "oprd", "passive", "no_dep", "dep",
                         "has_ccomp", "no_acomp"})
#: constraints on the verb's object
_OBJECT_KEYS = frozenset({"dobj", "no_dobj", "dobj_place", "dobj_person", "dobj_weapon"})


def is_place(tok: "Token", triggers: "TriggerSet") -> bool:
    if tok.ent_type_ in ("GPE", "LOC", "FAC"):
        return True
    return lem(tok) in triggers.place_nouns or tok.lower_ in triggers.place_nouns


def is_person(tok: "Token", rules: "EventRules") -> bool:
    if tok.ent_type_ in ("PERSON", "NORP") or tok.lower_ in PERSONAL_PRONOUNS - {"it", "its"} or tok.lower_ in ("him", "her", "them"):
        return True
    sec = rules.actors.dictionary.sectors.get(tok.lower_) or rules.actors.dictionary.sectors.get(lem(tok))
    return sec is not None and not is_place(tok, rules.triggers)


def check(tok: "Token", pat: "VerbPattern", rules: "EventRules") -> bool:
    """True when ``tok`` meets every constraint of ``pat`` (tested in the pattern's order)."""
    obj = object_of(tok)
    dobj = children(tok, "dobj")
    for key, val in pat.constraints:
        if key in _FRAME_KEYS:
            ok = _frame_ok(tok, key, val, dobj)
        elif key in _OBJECT_KEYS:
            ok = _object_ok(key, val, obj, dobj, rules)
        else:
            ok = _subject_ok(tok, key, val, rules)
        if not ok:
            return False
    return True


def _frame_ok(tok: "Token", key: str, val: Any, dobj: list["Token"]) -> bool:
    """One constraint on the verb's particles, prepositions, complements, voice or dependency."""
    if key == "prt":
        if not any(lem(c) in val or c.lower_ in val for c in children(tok, "prt", "advmod")):
            return False
    elif key == "no_prt":
        if any(lem(c) in val or c.lower_ in val for c in children(tok, "prt", "dobj")):
            return False
    elif key == "prep":
        if not any(p.lower_ in val for p in preps(tok)):
            return False
    elif key == "no_prep":
        if any(p.lower_ in val for p in preps(tok)):
            return False
    elif key == "no_acomp":  # no adjective complement: "the town fell silent" is a state, not a capture
        if val and children(tok, "acomp", "oprd"):
            return False
    elif key == "pobj":
        ok = False
        for p in preps(tok):
            o = pobj(p)
            if o is not None and (lem(o) in val or o.lower_ in val):
                ok = True
        if not ok:
            return False
    elif key == "xcomp":
        if not any(lem(c) in val for c in children(tok, "xcomp", "advcl")):
            return False
    elif key == "oprd":
        # object predicates: "held them hostage", "held X responsible" (parsed as amod of the object or ccomp)
        preds = [c for c in tok.children if c.dep_ in ("oprd", "advmod", "attr", "xcomp", "dobj", "npadvmod", "ccomp", "acomp")]
        preds += [a for d in dobj for a in d.children if a.dep_ == "amod" and a.i > d.i]
        if not any(lem(c) in val or c.lower_ in val for c in preds):
            return False
    elif key == "passive":
        if bool(val) != is_passive(tok):
            return False
    elif key == "has_ccomp":  # a that-clause complement ("admitted that ...")
        if bool(val) != any(c.dep_ == "ccomp" for c in tok.children):
            return False
    elif key == "no_dep":
        if tok.dep_ in val:
            return False
    elif key == "dep":
        if tok.dep_ not in val:
            return False
    return True


def _object_ok(key: str, val: Any, obj: "Token | None", dobj: list["Token"], rules: "EventRules") -> bool:
    """One constraint on the verb's object (``obj``: the object or passive subject; ``dobj``: direct objects)."""
    ts = rules.triggers
    if key == "dobj":
        if not dobj or not forms(dobj[0]) & val:
            return False
    elif key == "no_dobj":
        if dobj and forms(dobj[0]) & val:
            return False
    elif key == "dobj_place":
        if not dobj or not is_place(dobj[0], ts):
            return False
    elif key == "dobj_person":
        if obj is None or not is_person(obj, rules) or is_place(obj, ts):
            return False
    elif key == "dobj_weapon":
        if not dobj or lem(dobj[0]) not in ts.weapon_nouns and dobj[0].lower_ not in ts.weapon_nouns:
            return False
    return True


def _subject_ok(tok: "Token", key: str, val: Any, rules: "EventRules") -> bool:
    """One constraint on the verb's subject (or the noun a participle modifies)."""
    ts = rules.triggers
    sectors = rules.actors.dictionary.sectors
    if key == "subj":  # a participle modifier's noun counts as its subject ("a truce negotiated by X")
        subj = children(tok, *SUBJ_DEPS) or ([tok.head] if tok.dep_ == "acl" else [])
        if not subj or not forms(subj[0]) & val:
            return False
    elif key == "subj_person":
        subj = children(tok, *SUBJ_DEPS)
        if not subj or not is_person(subj[0], rules):
            return False
    elif key == "subj_specific":  # the subject is named or modified ("the Azerbaijani front"), not a bare back-reference
        subj = children(tok, *SUBJ_DEPS)
        if not subj or not (subj[0].pos_ == "PROPN" or any(
                c.dep_ in ("amod", "compound", "poss", "prep", "nmod") for c in subj[0].children)):
            return False
    elif key == "subj_civilian":
        subj = children(tok, *SUBJ_DEPS)
        if not subj or not forms(subj[0]) & ts.civilian_nouns:
            return False
    elif key == "subj_place":
        subj = children(tok, *SUBJ_DEPS)
        if not subj or not is_place(subj[0], ts):
            return False
    elif key == "subj_not_mil":
        subj = children(tok, *SUBJ_DEPS)
        if subj and sectors.get(lem(subj[0])) in ("MIL", "COP"):
            return False
    elif key == "subj_sector":  # the subject resolves to one of these sectors ("the envoy", "the foreign minister")
        subj = children(tok, *SUBJ_DEPS)
        if not subj or subj[0].pos_ == "PRON":
            return False
        ref = rules.actors.resolve(noun_phrase(subj[0]))
        if (ref.sector or "").split(";")[0].lower() not in val:
            return False
    elif key == "subj_mil":  # the subject (or the noun a participle modifies) is a military/police word
        subj = children(tok, *SUBJ_DEPS) or ([tok.head] if tok.dep_ in ("acl", "relcl") else [])
        if not subj or sectors.get(lem(subj[0])) not in ("MIL", "COP", "REB") and \
                sectors.get(subj[0].lower_) not in ("MIL", "COP", "REB"):
            return False
    return True
