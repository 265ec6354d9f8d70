"""Trigger patterns as data: the parsed ``data/patterns/triggers.yaml`` with its lemma indexes.

Patterns are matched over the dependency parse through a lemma index, so each token only meets
the few patterns of its own lemma (:mod:`eventextract.events.triggers`).
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ..errors import DataFileError
from ..yamlio import load_yaml

PATTERN_FILE = "data/patterns/triggers.yaml"
VERB_CONSTRAINTS = frozenset({"prt", "no_prt", "prep", "no_prep", "pobj", "dobj", "no_dobj", "dobj_place", "dobj_person",
                              "dobj_weapon", "xcomp", "oprd", "passive", "subj", "subj_person", "subj_civilian",
                              "subj_place", "subj_not_mil", "no_dep", "dep", "subj_mil", "subj_sector",
                              "subj_specific", "has_ccomp", "no_acomp"})


def _pattern_bytes() -> bytes:
    return resources.files("eventextract").joinpath(PATTERN_FILE).read_bytes()


def patterns_version() -> str:
    """Version of the trigger patterns: the first 12 hex digits of the sha256 of triggers.yaml."""
    return hashlib.sha256(_pattern_bytes()).hexdigest()[:12]


def _set(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, bool) for v in value):
            raise DataFileError("E304", f"pattern list {value!r} holds a YAML boolean: quote words such as 'on', 'off', 'no'")
        return frozenset(str(v).lower() for v in value)
    return frozenset({str(value).lower()})


@dataclass(frozen=True)
class VerbPattern:
    """A verbal trigger pattern: lemmas plus constraints over the verb's dependents."""

    id: str
    lemmas: frozenset[str]
    type: str | None
    mode: str | None
    conf: float
    constraints: tuple[tuple[str, Any], ...]
    recipient: tuple[str, ...]
    actor: tuple[str, ...]
    swap: bool

    @property
    def specificity(self) -> int:
        return len(self.constraints)


@dataclass(frozen=True)
class NounPattern:
    """A nominal trigger: all lemmas can carry a light verb; ``standalone`` ones make events alone."""

    id: str
    lemmas: frozenset[str]
    standalone: frozenset[str]
    type: str | None
    mode: str | None
    conf: float
    require_actor: bool
    compound_or_amod: frozenset[str]
    of_agent: bool = False  # "the mediation of Russia": the of-phrase is the actor


@dataclass(frozen=True)
class LightOverride:
    id: str
    type: str | None
    mode: str | None
    conf: float


@dataclass(frozen=True)
class TriggerSet:
    """The parsed pattern file with its lemma indexes."""

    verbs: dict[str, list[VerbPattern]]
    nouns: dict[str, list[NounPattern]]
    light_verbs: frozenset[str]
    light_overrides: dict[tuple[str, str], LightOverride]
    governors: dict[str, frozenset[str]]
    place_nouns: frozenset[str]
    civilian_nouns: frozenset[str]
    weapon_nouns: frozenset[str]
    casualty_rules: frozenset[str] = frozenset()
    derived_skip: frozenset[str] = frozenset()
    context_actor_types: frozenset[str] = frozenset()  # agentless events that may take the context's actor
    answer_types: frozenset[str] = frozenset()  # replies whose recipient is the earlier speaker ("Moscow denied")
    territorial_types: frozenset[str] = frozenset()  # agentless measures over a territory: its state's authority


def parse_patterns(text: str, where: str = "triggers.yaml") -> TriggerSet:
    """Parse a pattern file; malformed files raise DataFileError (E304)."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise DataFileError("E304", f"pattern file {where} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("verbs"), list):
        raise DataFileError("E304", f"pattern file {where} needs a 'verbs' list")
    verbs: dict[str, list[VerbPattern]] = {}
    seen: set[str] = set()
    for p in data["verbs"]:
        pid = str(p.get("id"))
        if pid in seen:
            raise DataFileError("E304", f"pattern file {where}: duplicate id {pid}")
        seen.add(pid)
        extra = set(p) - VERB_CONSTRAINTS - {"id", "lemmas", "type", "mode", "conf", "recipient", "actor", "swap"}
        if extra:
            raise DataFileError("E304", f"pattern file {where}: {pid} has unknown key(s) {sorted(extra)}")
        cons = tuple(sorted((k, _set(v) if isinstance(v, list) else v) for k, v in p.items() if k in VERB_CONSTRAINTS))
        vp = VerbPattern(pid, _set(p["lemmas"]), p.get("type"), p.get("mode") or None, float(p.get("conf", 0.7)), cons,
                         tuple(p.get("recipient") or ()), tuple(p.get("actor") or ()), bool(p.get("swap", False)))
        for lem in vp.lemmas:
            verbs.setdefault(lem, []).append(vp)
    for lst in verbs.values():  # constrained blocks ("the villagers fled") first, then the most specific patterns
        lst.sort(key=lambda v: (0 if v.type is None and v.specificity else 1, -v.specificity))
    nouns: dict[str, NounPattern] = {}
    for p in data.get("nouns") or []:
        lemmas = _set(p["lemmas"])
        np_ = NounPattern(str(p["id"]), lemmas, _set(p.get("standalone_lemmas", p["lemmas"])), p.get("type"),
                          p.get("mode") or None, float(p.get("conf", 0.6)), bool(p.get("require_actor", False)),
                          _set(p.get("compound_or_amod")), bool(p.get("of_agent", False)))
        for lem in lemmas:
            nouns.setdefault(lem, []).append(np_)
    for nlst in nouns.values():  # constrained readings ("hunger strike") before the plain one
        nlst.sort(key=lambda n: not n.compound_or_amod)
    overrides: dict[tuple[str, str], LightOverride] = {}
    for p in data.get("light_overrides") or []:
        lo = LightOverride(str(p["id"]), p.get("type"), p.get("mode") or None, float(p.get("conf", 0.8)))
        for v in _set(p["verbs"]):
            for n in _set(p["nouns"]):
                overrides[(v, n)] = lo
    gov = {k: _set(v) for k, v in (data.get("governors") or {}).items()}
    return TriggerSet(verbs, nouns, _set(data.get("light_verbs")), overrides, gov, _set(data.get("place_nouns")),
                      _set(data.get("civilian_nouns")), _set(data.get("weapon_nouns")), _set(data.get("casualty_rules")),
                      frozenset(str(x) for x in data.get("derived_skip") or ()),
                      frozenset(str(x) for x in data.get("context_actor_types") or ()),
                      frozenset(str(x) for x in data.get("answer_types") or ()),
                      frozenset(str(x) for x in data.get("territorial_types") or ()))


@functools.lru_cache(maxsize=1)
def load_patterns() -> TriggerSet:
    """The packaged trigger patterns (parsed once per process)."""
    return parse_patterns(_pattern_bytes().decode("utf-8"))

