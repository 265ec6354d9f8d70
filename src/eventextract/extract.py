"""Extract stage: find PLOVER events in a parsed spaCy Doc with trigger patterns kept as data.

Patterns (``data/patterns/triggers.yaml``) are matched over the dependency parse through a lemma
index, so each token only meets the few patterns of its own lemma:
- verbs with their particles, prepositions and objects ("took control of", "drove out", "cut off");
- light-verb constructions, where the event is carried by the object noun ("launched an offensive");
- nominal events with their arguments ("the capture of X by Y", "the Khojaly massacre");
- passives, where the by-agent is the actor and the subject the recipient.
Polarity (asserted / negated / hypothetical / future) comes from negation, modals, conditional and
purpose clauses and from the verbs that govern the trigger (``governors`` in the pattern file);
the content of speech acts ("called on them to cease fire") is not emitted as an event.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from .actors import ActorResolver
from .config import Settings
from .errors import DataFileError
from .nlp import doc_text
from .ontology import Ontology
from .records import ActorRef, EventCandidate, Span

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span as SpacySpan, Token

PATTERN_FILE = "data/patterns/triggers.yaml"
VERB_CONSTRAINTS = frozenset({"prt", "no_prt", "prep", "no_prep", "pobj", "dobj", "no_dobj", "dobj_place", "dobj_person",
                              "dobj_weapon", "xcomp", "oprd", "passive", "subj", "subj_person", "subj_civilian",
                              "subj_place", "subj_not_mil", "no_dep", "dep", "subj_mil", "subj_sector",
                              "subj_specific", "has_ccomp"})
SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj")
PERSONAL_PRONOUNS = frozenset({"they", "it", "he", "she", "we", "them", "him", "her", "its", "their", "his"})
OBJECT_CONTROL = frozenset({"persuade", "force", "ask", "urge", "order", "allow", "compel", "help", "encourage", "permit",
                            "enable", "tell", "invite", "lead", "call", "instruct", "command", "oblige", "press", "pressure",
                            "prompt", "cause", "push", "drive", "induce", "motivate", "spur", "provoke", "get", "convince"})
LOCATIVE_PREPS = frozenset({"in", "at", "near", "inside", "outside", "around", "across", "along", "within", "throughout",
                            "during", "on", "from", "into", "onto", "towards", "toward", "outside", "beyond", "behind", "since",
                            "after", "before", "until", "by", "via", "through", "amid", "under"})
CIRCUMSTANCE_PREPS = frozenset({"because", "amid", "amidst", "despite", "due", "after", "following", "during", "since"})
RELATIVE = frozenset({"who", "that", "which", "whom"})
DEATH_WORDS = frozenset({"kill", "die", "dead", "death", "fatality", "casualty", "massacre", "slaughter", "murder", "execute",
                         "perish", "life", "body", "victim"})
UPPER_QUAL = ("up to", "as many as", "at most", "no more than", "fewer than", "less than", "nearly", "almost")
LOWER_QUAL = ("at least", "more than", "over", "in excess of", "upwards of", "no fewer than", "no less than")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
                "a hundred": 100, "dozen": 12, "a dozen": 12}
SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
VAGUE = frozenset({"several", "many", "hundreds", "thousands", "dozens", "scores", "some", "few", "numerous"})


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


@dataclass
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
        data = yaml.safe_load(text)
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


# ------------------------------------------------------------------------------------------------
# parse helpers

def _children(tok: "Token", *deps: str) -> list["Token"]:
    return [c for c in tok.children if c.dep_ in deps]


def _lem(tok: "Token") -> str:
    return tok.lemma_.lower()


def _forms(tok: "Token") -> set[str]:
    """Lemma, lower-case form and, for the last part of a split hyphenated word ("cease-fire"), the whole word."""
    out = {_lem(tok), tok.lower_}
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and not doc[tok.i - 1].whitespace_ and not doc[tok.i - 2].whitespace_:
        out.add(f"{doc[tok.i - 2].lower_}-{tok.lower_}")
    return out


def _is_passive(tok: "Token") -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children):
        return True
    # elliptical conjoined passive: "the villages were taken and their population evicted"
    return tok.tag_ in ("VBN", "VBD") and tok.dep_ == "conj" and not any(c.dep_ in ("aux", "dobj") for c in tok.children) and \
        any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.head.children)


def _preps(tok: "Token") -> list["Token"]:
    """Prepositions attached to the verb, including those of its particle/object ("took control of")."""
    out = _children(tok, "prep", "agent")
    for d in _children(tok, "dobj", "prt"):
        out.extend(_children(d, "prep"))
    return out


def _pobj(prep: "Token") -> "Token | None":
    for c in prep.children:
        if c.dep_ in ("pobj", "pcomp"):
            return c
    return None


def _is_headline(sent: "SpacySpan") -> bool:
    """A news headline opening a document ("Army on verge of retaking X as UN reports killings"): a clause with
    a verb, not a markdown heading or a title phrase; its events count like a sentence's."""
    text = sent.text.strip()
    if text.startswith(("#", "|", "[", "!")) or len([t for t in sent if not t.is_punct]) < 8:
        return False
    return any(t.pos_ == "VERB" and t.tag_ in ("VBZ", "VBD", "VBG", "VBP") for t in sent)


def _is_heading(sent: "SpacySpan") -> bool:
    text = sent.text.strip()
    if not text:
        return True
    if text.startswith(("#", "|", "[", "![")):  # headings, tables, markdown images/links
        return True
    return not text.endswith((".", "!", "?", '"', "'", "”", "’", ")", ":", ";")) and len(sent) <= 14


@dataclass
class _Found:
    """A trigger found in a sentence, before roles and polarity."""

    head: "Token"
    tokens: list["Token"]
    type: str
    mode: str | None
    rule_id: str
    conf: float
    pattern: VerbPattern | None = None
    noun: "Token | None" = None  # object noun of a light verb / the nominal itself
    nominal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


NON_STATE_CODES = frozenset({"IGO", "NGO"})  # codes that are not a side of a war


def _paragraph_ids(sents: list["SpacySpan"]) -> list[int]:
    """Paragraph number of each sentence (a blank line between two sentences, including the
    whitespace a sentence span carries at its edges, starts a new paragraph); once per Doc."""
    doc = sents[0].doc
    ids = doc.user_data.get("eventextract.paragraph_ids")
    if ids is None or len(ids) != len(sents):
        text = doc_text(doc)
        ids, n = [], 0
        prev_start = prev_end = sents[0].start_char
        for sent in sents:
            j = prev_end
            while j > prev_start and text[j - 1].isspace():
                j -= 1
            k = sent.start_char
            while k < sent.end_char and text[k].isspace():
                k += 1
            if "\n\n" in text[j:k]:
                n += 1
            ids.append(n)
            prev_start, prev_end = sent.start_char, sent.end_char
        doc.user_data["eventextract.paragraph_ids"] = ids
    return ids


def _doc_country(doc: "Doc") -> str | None:
    """The country the document is about (set by ``Extractor.extract``; generic groups take it)."""
    return doc.user_data.get("eventextract.doc_country")


class Extractor:
    """Find PLOVER events in parsed documents (see the module docstring)."""

    def __init__(self, settings: Settings | None = None, ontology: Ontology | None = None,
                 actors: ActorResolver | None = None) -> None:
        self.settings = settings or Settings()
        self.ontology = ontology or Ontology.load()
        self.actors = actors or ActorResolver(self.settings)
        self.patterns = load_patterns()
        self.version = patterns_version()
        # Per-document state (the document's country, noun chunks) lives in doc.user_data, never on
        # the extractor: one Extractor serves many documents, possibly from several threads.

    # ---------------------------------------------------------------- matching
    def _obj(self, tok: "Token") -> "Token | None":
        objs = _children(tok, "dobj")
        if objs:
            return objs[0]
        if _is_passive(tok):
            subj = _children(tok, "nsubjpass")
            return subj[0] if subj else None
        return None

    def _is_place(self, tok: "Token") -> bool:
        if tok.ent_type_ in ("GPE", "LOC", "FAC"):
            return True
        return _lem(tok) in self.patterns.place_nouns or tok.lower_ in self.patterns.place_nouns

    def _is_person(self, tok: "Token") -> bool:
        if tok.ent_type_ in ("PERSON", "NORP") or tok.lower_ in PERSONAL_PRONOUNS - {"it", "its"} or tok.lower_ in ("him", "her", "them"):
            return True
        sec = self.actors.dictionary.sectors.get(tok.lower_) or self.actors.dictionary.sectors.get(_lem(tok))
        return sec is not None and not self._is_place(tok)

    def _check(self, tok: "Token", pat: VerbPattern) -> bool:
        ts = self.patterns
        obj = self._obj(tok)
        dobj = _children(tok, "dobj")
        for key, val in pat.constraints:
            if key == "prt":
                if not any(_lem(c) in val or c.lower_ in val for c in _children(tok, "prt", "advmod")):
                    return False
            elif key == "no_prt":
                if any(_lem(c) in val or c.lower_ in val for c in _children(tok, "prt", "dobj")):
                    return False
            elif key == "prep":
                if not any(p.lower_ in val for p in _preps(tok)):
                    return False
            elif key == "no_prep":
                if any(p.lower_ in val for p in _preps(tok)):
                    return False
            elif key == "pobj":
                ok = False
                for p in _preps(tok):
                    o = _pobj(p)
                    if o is not None and (_lem(o) in val or o.lower_ in val):
                        ok = True
                if not ok:
                    return False
            elif key == "dobj":
                if not dobj or not _forms(dobj[0]) & val:
                    return False
            elif key == "no_dobj":
                if dobj and _forms(dobj[0]) & val:
                    return False
            elif key == "dobj_place":
                if not dobj or not self._is_place(dobj[0]):
                    return False
            elif key == "dobj_person":
                if obj is None or not self._is_person(obj) or self._is_place(obj):
                    return False
            elif key == "dobj_weapon":
                if not dobj or _lem(dobj[0]) not in ts.weapon_nouns and dobj[0].lower_ not in ts.weapon_nouns:
                    return False
            elif key == "xcomp":
                if not any(_lem(c) in val for c in _children(tok, "xcomp", "advcl")):
                    return False
            elif key == "oprd":
                # object predicates: "held them hostage", "held X responsible" (parsed as amod of the object or ccomp)
                preds = [c for c in tok.children if c.dep_ in ("oprd", "advmod", "attr", "xcomp", "dobj", "npadvmod", "ccomp", "acomp")]
                preds += [a for d in dobj for a in d.children if a.dep_ == "amod" and a.i > d.i]
                if not any(_lem(c) in val or c.lower_ in val for c in preds):
                    return False
            elif key == "passive":
                if bool(val) != _is_passive(tok):
                    return False
            elif key == "subj":  # a participle modifier's noun counts as its subject ("a truce negotiated by X")
                subj = _children(tok, *SUBJ_DEPS) or ([tok.head] if tok.dep_ == "acl" else [])
                if not subj or not _forms(subj[0]) & val:
                    return False
            elif key == "subj_person":
                subj = _children(tok, *SUBJ_DEPS)
                if not subj or not self._is_person(subj[0]):
                    return False
            elif key == "subj_specific":  # the subject is named or modified ("the Azerbaijani front"), not a bare back-reference
                subj = _children(tok, *SUBJ_DEPS)
                if not subj or not (subj[0].pos_ == "PROPN" or any(
                        c.dep_ in ("amod", "compound", "poss", "prep", "nmod") for c in subj[0].children)):
                    return False
            elif key == "has_ccomp":  # a that-clause complement ("admitted that ...")
                if bool(val) != any(c.dep_ == "ccomp" for c in tok.children):
                    return False
            elif key == "subj_civilian":
                subj = _children(tok, *SUBJ_DEPS)
                if not subj or not _forms(subj[0]) & ts.civilian_nouns:
                    return False
            elif key == "subj_place":
                subj = _children(tok, *SUBJ_DEPS)
                if not subj or not self._is_place(subj[0]):
                    return False
            elif key == "subj_not_mil":
                subj = _children(tok, *SUBJ_DEPS)
                if subj and self.actors.dictionary.sectors.get(_lem(subj[0])) in ("MIL", "COP"):
                    return False
            elif key == "no_dep":
                if tok.dep_ in val:
                    return False
            elif key == "dep":
                if tok.dep_ not in val:
                    return False
            elif key == "subj_sector":  # the subject resolves to one of these sectors ("the envoy", "the foreign minister")
                subj = _children(tok, *SUBJ_DEPS)
                if not subj or subj[0].pos_ == "PRON":
                    return False
                ref = self.actors.resolve(self._np(subj[0]))
                if (ref.sector or "").split(";")[0].lower() not in val:
                    return False
            elif key == "subj_mil":  # the subject (or the noun a participle modifies) is a military/police word
                subj = _children(tok, *SUBJ_DEPS) or ([tok.head] if tok.dep_ in ("acl", "relcl") else [])
                if not subj or self.actors.dictionary.sectors.get(_lem(subj[0])) not in ("MIL", "COP", "REB") and \
                        self.actors.dictionary.sectors.get(subj[0].lower_) not in ("MIL", "COP", "REB"):
                    return False
        return True

    def _noun_pattern(self, tok: "Token") -> NounPattern | None:
        nouns = self.patterns.nouns
        cands: list[NounPattern] = []
        doc = tok.doc
        if tok.i >= 2 and doc[tok.i - 1].text == "-" and not doc[tok.i - 1].whitespace_ and not doc[tok.i - 2].whitespace_:
            # split hyphenated compounds ("cease-fire"): the whole word decides, not its last part
            whole = f"{doc[tok.i - 2].lower_}-{tok.lower_}"
            if whole in nouns:
                cands = nouns[whole]
            elif nouns.get(_lem(tok)) is not None:
                return None
        if not cands:
            cands = nouns.get(_lem(tok)) or nouns.get(tok.lower_) or []
        mods = {c.lower_ for c in tok.children}
        for np_ in cands:
            if np_.compound_or_amod and not mods & np_.compound_or_amod:
                continue
            return np_
        return None

    def _light(self, tok: "Token") -> _Found | None:
        obj = self._obj(tok)
        if obj is None:
            return None
        lo = None
        for form in sorted(_forms(obj), key=len, reverse=True):
            lo = self.patterns.light_overrides.get((_lem(tok), form))
            if lo is not None:
                break
        if lo is not None:
            if lo.type is None:
                return _Found(tok, [tok], "", None, lo.id, 0.0, noun=obj, extra={"blocked": True})
            return _Found(tok, self._span_tokens(tok, obj), lo.type, lo.mode, lo.id, lo.conf, noun=obj)
        if _lem(tok) not in self.patterns.light_verbs:
            return None
        np_ = self._noun_pattern(obj)
        if np_ is None or np_.type is None:
            return None
        return _Found(tok, self._span_tokens(tok, obj), np_.type, np_.mode, np_.id + ".light", min(0.95, np_.conf + 0.2), noun=obj)

    @staticmethod
    def _span_tokens(head: "Token", other: "Token") -> list["Token"]:
        a, b = sorted((head.i, other.i))
        return [head.doc[i] for i in range(a, b + 1)]

    def _verb(self, tok: "Token") -> _Found | None:
        light = self._light(tok)
        pats = self.patterns.verbs.get(_lem(tok)) or self.patterns.verbs.get(tok.lower_) or []
        for pat in pats:
            if not self._check(tok, pat):
                continue
            if pat.type is None:
                return None
            if light is not None and light.extra.get("blocked"):
                return None
            if light is not None and light.rule_id.startswith("light.") and pat.specificity == 0:
                return light
            toks = [tok]
            for c in tok.children:
                if c.dep_ == "prt" or (c.dep_ == "dobj" and any(k in ("dobj", "dobj_place") for k, _ in pat.constraints) and
                                       c.i == tok.i + 1 + sum(1 for x in tok.children if x.dep_ == "prt")):
                    toks.append(c)
            for k, v in pat.constraints:
                if k == "dobj":
                    toks.extend(_children(tok, "dobj"))
                if k in ("prep",):
                    toks.extend(p for p in _preps(tok) if p.lower_ in v)
            toks = sorted(set(toks), key=lambda t: t.i)
            if toks[-1].i - toks[0].i > 4:
                toks = [tok]
            obj = self._obj(tok)
            return _Found(tok, self._span_tokens(toks[0], toks[-1]), pat.type, pat.mode, pat.id, pat.conf, pattern=pat,
                          noun=obj if obj is not None and self._noun_pattern(obj) else None)
        if light is not None and not light.extra.get("blocked"):
            return light
        return None

    def _obligation(self, tok: "Token") -> _Found | None:
        """ "A said (that) B must do X": a demand by A on B (REQUEST at the speech verb)."""
        g = self.patterns.governors
        if _lem(tok) not in g.get("report", ()):
            return None
        for c in _children(tok, "ccomp"):
            if any(a.dep_ == "aux" and a.lower_ in g.get("obligation", ()) for a in c.children):
                subj = _children(c, "nsubj", "nsubjpass")
                if subj and subj[0].lower_ in PERSONAL_PRONOUNS and subj[0].lower_ not in ("they", "them", "he", "she"):
                    return None  # "said it must ..." / "we must": the speaker's own obligation
                return _Found(tok, [tok], "REQUEST", None, "request.obligation", 0.6,
                              extra={"recipient": subj[0] if subj else None})
        return None

    # ---------------------------------------------------------------- roles
    def _np(self, tok: "Token") -> "SpacySpan":
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

    @staticmethod
    def _trim_object(span: "SpacySpan") -> "SpacySpan":
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
            if t.i > last_conj and (t.dep_ == "prep" and t.lower_ in LOCATIVE_PREPS or
                                    t.dep_ == "amod" and t.head.i == root.i):  # "held X responsible for ..."
                end = t.i
                break
        while end - 1 > root.i and (doc[end - 1].is_punct or doc[end - 1].dep_ in ("cc", "punct")):
            end -= 1
        return doc[span.start: max(end, root.i + 1)]

    def _subject_token(self, tok: "Token", depth: int = 0) -> tuple["Token | None", bool]:
        """(subject token, passive?) of a verb, following conj/xcomp/advcl chains to the governing verb."""
        if depth > 4:
            return None, False
        subj = _children(tok, "nsubj", "csubj")
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
        if _children(tok, "nsubjpass"):
            return None, True
        head = tok.head
        if head is tok:
            return None, False
        if tok.dep_ == "conj" and head.pos_ in ("VERB", "AUX"):
            return self._subject_token(head, depth + 1)
        if tok.dep_ == "xcomp":
            obj = _children(head, "dobj")
            if obj and _lem(head) in OBJECT_CONTROL:
                return obj[0], False
            if _is_passive(head):
                sp = _children(head, "nsubjpass")
                if sp:
                    return sp[0], False
            return self._subject_token(head, depth + 1)
        if tok.dep_ in ("advcl", "pcomp") and head.pos_ in ("VERB", "AUX"):
            if _is_passive(head):
                sp = _children(head, "nsubjpass")
                ag = self._agent(head)
                if ag is not None:
                    return ag, False
                return (sp[0], False) if sp else (None, False)
            return self._subject_token(head, depth + 1)
        if tok.dep_ == "pcomp" and head.head.pos_ in ("VERB", "AUX"):
            return self._subject_token(head.head, depth + 1)
        if tok.dep_ in ("acomp", "oprd") and head.pos_ in ("VERB", "AUX"):
            return self._subject_token(head, depth + 1)
        if tok.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN") and tok.tag_ in ("VBG", "VB"):
            return head, False
        return None, False

    @staticmethod
    def _agent(tok: "Token") -> "Token | None":
        for c in tok.children:
            if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                o = _pobj(c)
                if o is not None and o.ent_type_ not in ("DATE", "TIME"):  # "by late February" is a date
                    return o
        return None

    def _role(self, tok: "Token", spec: str, found: _Found) -> "Token | None":
        if spec == "dobj":
            d = _children(tok, "dobj")
            if d and d[0] is not found.noun:
                return d[0]
            return None
        if spec == "nsubjpass":
            d = _children(tok, "nsubjpass")
            return d[0] if d else None
        if spec in ("dative", "iobj"):
            d = _children(tok, "dative", "iobj")
            if d:
                o = _pobj(d[0]) if d[0].pos_ == "ADP" else d[0]
                return o
            return None
        if spec.startswith("prep:"):
            want = spec[5:]
            cands = _preps(tok)
            if found.noun is not None:
                cands = cands + _children(found.noun, "prep")
            for p in cands:
                if p.lower_ == want:
                    o = _pobj(p)
                    if o is not None and o.ent_type_ in ("DATE", "TIME", "CARDINAL", "PERCENT", "MONEY", "QUANTITY"):
                        continue
                    return o
            return None
        if spec in ("pobj_of", "pobj_poss", "pobj_compound"):
            for p in _preps(tok):
                o = _pobj(p)
                if o is None:
                    continue
                for c in o.children:
                    if spec == "pobj_of" and c.dep_ == "prep" and c.lower_ == "of" and _pobj(c) is not None:
                        return _pobj(c)
                    if spec == "pobj_poss" and c.dep_ == "poss":
                        return c
                    if spec == "pobj_compound" and c.dep_ in ("compound", "amod") and c.pos_ in ("PROPN", "ADJ"):
                        return c
            return None
        return None

    def _ref(self, tok: "Token | None", history: list[EventCandidate], sent_idx: int,
             sents: list["SpacySpan"], resolution: str | None = None, trim: bool = False) -> ActorRef | None:
        """The actor slot for the phrase headed by ``tok``; ``trim`` (recipients) keeps only the object noun
        phrase, without trailing locative phrases, appositions and parentheses."""
        if tok is None:
            return None
        if tok.lower_ in RELATIVE and tok.i > 0 and tok.doc[tok.i - 1].pos_ in ("PROPN", "NOUN"):
            tok = tok.doc[tok.i - 1]  # "it was Azerbaijan who violated": the relative's antecedent
        span = self._np(tok)
        if trim:
            span = self._trim_object(span)
        if tok.lower_ in PERSONAL_PRONOUNS and tok.pos_ == "PRON" or (len(span) <= 2 and span.root.lower_ in PERSONAL_PRONOUNS):
            return self._coref(span, history, sent_idx, sents)
        ref = self._resolve(span)
        if ref.country is None and span.root.lower_ in ("side", "party", "country", "state", "government", "forces", "troops", "army", "republic", "enemy") \
                and any(t.lower_ in ("the", "this", "that", "these", "those") for t in span[:1]) and len(span) <= 3:
            co = self._coref(span, history, sent_idx, sents, description=True)
            if co is not None and co.country:
                return co
        poss = [c for c in span.root.children if c.dep_ == "poss" and c.lower_ in PERSONAL_PRONOUNS]
        if ref.country is None and poss:  # "their forces", "his people": the possessor's side
            co = self._coref(tok.doc[poss[0].i: poss[0].i + 1], history, sent_idx, sents)
            if co is not None and co.country:
                return ActorRef(Span(span.start_char, span.end_char, span.text), co.name, co.country,
                                ref.sector or co.sector, co.members, "coreference")
            country = _doc_country(span.doc)
            if country and self.actors.is_context_group(span):
                ref = ActorRef(ref.span, ref.name, country, ref.sector, ref.members, "context")
        if resolution and ref.resolution == "dictionary":
            ref.resolution = resolution
        elif resolution and ref.resolution in ("unknown", "title"):
            ref.resolution = resolution if ref.country else ref.resolution
        return ref

    def _resolve(self, span: "SpacySpan") -> ActorRef:
        """Dictionary resolution; a generic group phrase the dictionary cannot place ("the separatists",
        "government forces", "the parties") takes the country the document is about (resolution 'context')."""
        ref = self.actors.resolve(span)
        if ref.country is not None or span.root.pos_ == "PRON":
            return ref
        if self.actors.is_context_group(span):
            country = _doc_country(span.doc)
            if country and not any(c.dep_ == "poss" and c.pos_ == "PRON" for c in span.root.children):
                # ("their soldiers" is resolved through the possessor first)
                ref = ActorRef(ref.span, ref.name, country, ref.sector, ref.members, "context")
            return ref
        earlier = self._earlier_mention(span)
        if earlier is not None:  # "the coalition" after "the coalition led by Saudi Arabia"
            return ActorRef(ref.span, earlier.name, earlier.country, ref.sector or earlier.sector, earlier.members, "coreference")
        return ref

    def _earlier_mention(self, span: "SpacySpan") -> ActorRef | None:
        """An earlier noun phrase of the document with the same head word (or whose head is this phrase's
        modifier: "coalition aircraft" after "the coalition led by X") that the dictionary resolves."""
        root = span.root
        if root.pos_ not in ("NOUN", "PROPN"):
            return None
        words = {root.lemma_.lower()} | {c.lemma_.lower() for c in root.children
                                          if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "PROPN")}
        for chunk in reversed(self._doc_chunks(span.doc)):
            if chunk.start >= span.start or chunk.root.lemma_.lower() not in words:
                continue
            r = self.actors.resolve(self._np(chunk.root))
            if r.country and not self.actors.dictionary.find(chunk.root.text):
                return r
        return None

    def _doc_chunks(self, doc: "Doc") -> list["SpacySpan"]:
        """All noun chunks of the document (cached per document)."""
        chunks = doc.user_data.get("eventextract.noun_chunks")
        if chunks is None:
            chunks = doc.user_data["eventextract.noun_chunks"] = list(doc.noun_chunks)
        return chunks

    def _sentence_chunks(self, sents: list["SpacySpan"], j: int) -> list["SpacySpan"]:
        """Noun chunks of sentence ``j`` (the doc's chunks are computed once per doc: Span.noun_chunks re-parses the doc)."""
        doc = sents[j].doc
        by_sent = doc.user_data.get("eventextract.chunks_by_sentence")
        if by_sent is None:
            by_sent = doc.user_data["eventextract.chunks_by_sentence"] = {}
            starts = [s.start for s in sents]
            for ch in self._doc_chunks(doc):
                by_sent.setdefault(bisect.bisect_right(starts, ch.start) - 1, []).append(ch)
        return by_sent.get(j, [])

    def _person_like(self, ref: ActorRef, doc: "Doc") -> bool:
        """True when ``ref`` can be the antecedent of "he"/"she": a named person or a phrase headed by a role
        word ("the foreign minister"), not a state, a capital or a force."""
        if ref.span is None:
            return False
        cs = doc.char_span(ref.span.start, ref.span.end, alignment_mode="expand")
        if cs is None:
            return False
        root = cs.root
        if root.ent_type_ == "PERSON":
            return True
        sectors = self.actors.dictionary.sectors
        role = root.lower_ in sectors or root.lemma_.lower() in sectors
        return role and root.ent_type_ not in ("GPE", "NORP", "LOC", "ORG") and root.tag_ not in ("NNS", "NNPS") \
            and sectors.get(root.lemma_.lower(), sectors.get(root.lower_)) not in ("MIL", "COP", "REB")

    def _coref(self, span: "SpacySpan", history: list[EventCandidate], sent_idx: int,
               sents: list["SpacySpan"], description: bool = False) -> ActorRef | None:
        """Resolve a pronoun or bare description to the nearest earlier actor (events, then mentions)."""
        ref_span = Span(span.start_char, span.end_char, span.text)
        singular = span.root.lower_ in ("it", "its", "he", "she", "him", "her", "his")
        personal = span.root.lower_ in ("he", "she", "him", "her", "his")  # a person, not a state or a force
        cands: list[tuple[int, ActorRef]] = []
        for ev in reversed(history):
            if ev.sentence_index < sent_idx - 2:
                break
            a = ev.actor
            pos = a.span.start if a is not None and a.span is not None else ev.trigger.start
            if a is not None and a.country and a.resolution not in ("coreference", "context") and pos < span.start_char:
                if singular and ";" in a.country:
                    continue
                if personal and not self._person_like(a, span.doc):
                    continue
                cands.append((pos, a))
        for j in range(sent_idx, max(-1, sent_idx - 3), -1):
            for chunk in self._sentence_chunks(sents, j):
                if chunk.start_char >= span.start_char or chunk.root.dep_ not in ("nsubj", "nsubjpass"):
                    continue
                if singular and chunk.root.tag_ in ("NNS", "NNPS"):
                    continue
                r = self._resolve(self._np(chunk.root))  # with its of-phrase: "King X of Morocco"
                if personal and not self._person_like(r, span.doc):
                    continue
                if r.country and not (singular and ";" in r.country):
                    cands.append((chunk.start_char, r))
        if description:  # "the forces", "the government" do not refer back to civilians or refugees
            cands = [c for c in cands if not (c[1].sector or "").startswith(("CVL", "REF"))]
        if cands:
            _, best = max(cands, key=lambda c: c[0])
            return ActorRef(ref_span, best.name, best.country, best.sector, best.members, "coreference")
        return ActorRef(ref_span, None, None, None, (), "unknown")

    # ---------------------------------------------------------------- polarity
    def _polarity(self, tok: "Token", info: dict[str, Any] | None = None) -> tuple[str | None, "Token | None"]:
        """(polarity, speaker token) of a trigger; polarity None means 'content of a speech act: drop'.

        ``info`` (optional) receives how a future was stated: ``modal`` (will/would), ``intent`` (the
        adjective of "ready/willing to"), ``report`` (the speech verb of "said it would ...").
        """
        g = self.patterns.governors
        info = {} if info is None else info
        neg = 0
        future = hypo = False
        speaker = None
        cur = tok
        first = True
        own = True  # negation and modals count on the trigger's clause and on verbs it is the xcomp of
        for _ in range(6):
            own_neg = own and any(c.dep_ == "neg" for c in cur.children)
            if own_neg:
                neg += 1
                info.setdefault("neg", next(c for c in cur.children if c.dep_ == "neg"))
            if any(self._inverted_condition(c) for c in cur.children) or self._inverted_condition(cur):
                hypo = True  # "Should fighting resume, ... would be displaced"
            for c in cur.children:
                if not own:
                    break
                if c.dep_ in ("aux", "auxpass"):
                    if c.lower_ in g.get("modal_future", ()):
                        future = True
                        info.setdefault("modal", c)
                    elif c.lower_ in g.get("modal_hypothetical", ()):
                        hypo = True
                        if c.lower_ in ("would", "'d"):
                            info.setdefault("modal", c)
                if c.dep_ in (*SUBJ_DEPS, "dobj") and any(d.lower_ == "no" and d.dep_ == "det" for d in c.children):
                    neg += 1
                if c.dep_ == "mark" and c.lower_ in g.get("condition_marks", ()) and cur.dep_ == "advcl":
                    hypo = True
            if cur.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in cur.children):
                hypo = True
            dep = cur.dep_
            head = cur.head
            if dep == "acomp" and own and _lem(cur) in g.get("transparent", ()):
                cur = head  # "has not been able to deliver": the copula carries the negation
                continue
            if head is cur or dep not in ("xcomp", "ccomp", "advcl", "conj", "acl", "pcomp", "relcl"):
                break
            hl = _lem(head)
            if dep in ("xcomp", "ccomp") or (dep == "pcomp" and head.pos_ == "ADP"):
                gov = head if dep != "pcomp" else head.head
                gl = _lem(gov)
                if gl in g.get("content", ()) and not (dep == "ccomp" and gl in g.get("report", ())):
                    return None, None
                if gl in g.get("negate", ()):
                    neg += 1
                elif gl in g.get("future", ()):
                    future = True
                    if gl in g.get("intent", ()):
                        info.setdefault("intent", gov)
                elif gl in g.get("report", ()) and dep == "ccomp":
                    if (future or hypo) and "modal" not in info:
                        return None, None
                    if hypo and not any(c.dep_ == "mark" and c.lower_ in g.get("condition_marks", ()) for c in cur.children):
                        hypo, future = False, True  # "said it would allow": a stated intention
                    info.setdefault("report", gov)
                    s = _children(gov, "nsubj")
                    speaker = s[0] if s else None
                elif gl in g.get("transparent", ()):
                    pass
                elif dep == "xcomp" and (self.patterns.verbs.get(gl) or gl in self.patterns.light_verbs) and \
                        any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children):
                    future = True
                if dep == "pcomp":
                    cur = gov
                    own = False
                    continue
            elif dep in ("advcl", "acl"):
                is_to = any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children)
                if is_to and hl not in g.get("transparent", ()):
                    future = True
                if dep == "acl":
                    break
            elif dep == "relcl":
                break
            own = dep == "xcomp"
            cur = head
            first = False
        del first
        if neg % 2 == 1:
            return "negated", speaker
        if hypo:
            return "hypothetical", speaker
        if future:
            return "future", speaker
        return "asserted", speaker

    @staticmethod
    def _inverted_condition(clause: "Token") -> bool:
        """True for a conditional clause with subject-auxiliary inversion ("Should talks fail, ...",
        "Had the army advanced, ...")."""
        if clause.dep_ not in ("advcl", "dep") or clause.i > clause.head.i:
            return False
        sub = [t.i for t in clause.subtree]
        tok, last = clause.doc[min(sub)], max(sub)
        # the clause opens the sentence with the auxiliary and is closed by a comma (robust to odd parses)
        return tok.lower_ in ("should", "had", "were") and tok.is_sent_start and \
            last + 1 < len(clause.doc) and clause.doc[last + 1].text == ","

    # ---------------------------------------------------------------- fatalities
    @staticmethod
    def _number(tok: "Token") -> int | None:
        text = tok.text.replace(",", "")
        if re.fullmatch(r"\d+", text):
            return int(text)
        return NUMBER_WORDS.get(tok.lower_)

    def _fatalities(self, sent: "SpacySpan") -> tuple[int | None, int | None, int | None]:
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
            words = {_lem(noun) if noun is not None else "", _lem(clause), _lem(head)}
            words |= {_lem(c) for c in (noun.children if noun is not None else ()) if c.dep_ in ("amod", "acl")}
            if not words & DEATH_WORDS:
                continue
            val = self._number(tok)
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

    # ---------------------------------------------------------------- main
    def _find(self, sent: "SpacySpan") -> list[_Found]:
        found: list[_Found] = []
        consumed: set[int] = set()
        for tok in sent:
            if tok.dep_ in ("amod", "compound") and tok.head.pos_ in ("NOUN", "PROPN"):
                continue  # participial adjective ("the attacking forces", "attack helicopters")
            if tok.pos_ in ("VERB", "AUX") or (tok.tag_.startswith("VB") and tok.pos_ != "NOUN"):
                f = self._verb(tok) or self._obligation(tok)
                if f is not None:
                    found.append(f)
                    if f.noun is not None:
                        consumed.add(f.noun.i)
                        consumed.update(c.i for c in f.noun.conjuncts)
        verb_found = {f.head.i: f for f in found}
        # "attacked the convoy, killing 30": the participle clause is part of the main ASSAULT
        found = [f for f in found if not (f.type == "ASSAULT" and f.head.dep_ == "advcl" and f.head.tag_ == "VBG"
                                          and f.head.head.i in verb_found and verb_found[f.head.head.i].type == "ASSAULT")]
        for tok in sent:
            if tok.i in consumed or tok.pos_ not in ("NOUN", "PROPN", "VERB") or tok.i in verb_found:
                continue
            if tok.pos_ == "VERB" and not (tok.tag_ == "VBG" and tok.dep_ in (*SUBJ_DEPS, "dobj", "pobj", "ROOT", "conj")):
                continue
            np_ = self._noun_pattern(tok)
            if np_ is None or np_.type is None or (_lem(tok) not in np_.standalone and tok.lower_ not in np_.standalone):
                continue
            if tok.dep_ == "compound":
                continue  # a modifier: "aid groups", "attack helicopters", "peace talks"
            f = self._nominal(tok, np_, verb_found)
            if f is not None:
                found.append(f)
        nominal_heads = {f.head.i: f for f in found if f.nominal}
        kept: list[_Found] = []
        for f in found:
            subj_nom = None if f.nominal else next(
                (nominal_heads[x.i] for x in _children(f.head, "nsubj") if x.i in nominal_heads and nominal_heads[x.i].type == f.type), None)
            if subj_nom is None:
                kept.append(f)
                continue
            # "an air strike hit a bus": one event, coded on the noun; the verb's object is its target
            obj = _children(f.head, "dobj")
            if obj and subj_nom.extra.get("recipient") is None:
                subj_nom.extra["recipient"] = obj[0]
        found = kept
        found.sort(key=lambda f: f.head.i)
        return found

    def _nominal(self, tok: "Token", np_: NounPattern, verb_found: dict[int, _Found]) -> _Found | None:
        g = self.patterns.governors
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
        actor = self._nominal_actor(tok)
        if np_.require_actor and actor is None:
            return None
        if actor is None and self._back_reference(tok):
            return None
        toks = [tok]
        for c in tok.children:
            if c.dep_ in ("amod", "compound") and c.i == tok.i - 1 and c.pos_ in ("ADJ", "NOUN") and c.ent_type_ == "" :
                toks.insert(0, c)
        if _lem(tok) == "emergency" and head.lower_ == "of" and head.head.lower_ == "state":
            toks = [head.head, head, tok]
        conf = np_.conf + (0.1 if actor is not None else 0.0)
        return _Found(tok, self._span_tokens(toks[0], toks[-1]), np_.type, np_.mode, np_.id, min(conf, 0.9), noun=tok,
                      nominal=True, extra={"actor": actor})

    def _clause_subject(self, tok: "Token") -> "Token | None":
        """Actor of an argument-less event noun that sits in the object/prepositional part of a clause
        ("X arrived on a visit", "X gave Y millions in aid"): the clause's subject, when it names an actor."""
        if tok.dep_ == "nsubjpass" and _lem(tok.head) in self.patterns.light_verbs:
            return self._agent(tok.head)  # "a coup was staged by X"
        cur = tok
        for _ in range(4):
            if cur.dep_ not in ("pobj", "prep", "dobj", "attr", "oprd", "npadvmod", "appos", "dative"):
                return None
            cur = cur.head
            if cur.pos_ in ("VERB", "AUX"):
                break
        else:
            return None
        if cur.pos_ not in ("VERB", "AUX") or _lem(cur) in self.patterns.governors.get("undergo", ()):
            return None
        if _is_passive(cur) or (cur.tag_ == "VBN" and self._agent(cur) is not None):
            cand = self._agent(cur)
        else:
            cand, _ = self._subject_token(cur)
        if cand is None or cand.i == tok.i:
            return None
        if cand.lower_ in PERSONAL_PRONOUNS:
            return cand
        ref = self.actors.resolve(self._np(cand))
        return cand if ref.country or ref.sector else None

    @staticmethod
    def _back_reference(tok: "Token") -> bool:
        """A bare definite event noun ("the offensive", "this attack") that only refers back to an event."""
        dets = [c for c in tok.children if c.dep_ == "det"]
        if not dets or dets[0].lower_ not in ("the", "this", "that", "these", "those"):
            return False
        if tok.dep_ not in ("nsubj", "nsubjpass") and not (tok.dep_ == "pobj" and tok.head.lower_ in ("during", "throughout", "amid")):
            return False  # "died in the ambush": the sentence says something new about the event
        return not any(c.dep_ in ("prep", "amod", "compound", "nmod", "nummod", "acl", "relcl") for c in tok.children)

    def _nominal_actor(self, tok: "Token") -> "Token | None":
        np_ = self._noun_pattern(tok)
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ == "by" and _pobj(c) is not None:
                return _pobj(c)
        for c in tok.children:  # "fighting between A and B", "talks between A and B": both sides act
            if c.dep_ == "prep" and c.lower_ == "between" and _pobj(c) is not None and _pobj(c).conjuncts:
                return _pobj(c)
            if c.dep_ == "prep" and c.lower_ == "of" and np_ is not None and np_.of_agent and _pobj(c) is not None:
                o = _pobj(c)
                if o.ent_type_ in ("GPE", "NORP", "ORG", "PERSON") or self.actors.dictionary.find(o.text):
                    return o
        for c in tok.children:
            if c.dep_ == "poss" and c.pos_ != "PRON":
                return c
        for c in tok.children:
            if c.dep_ in ("amod", "compound", "nmod") and (c.ent_type_ in ("NORP", "ORG", "GPE") or c.pos_ == "PROPN"):
                if self.actors.dictionary.find(c.text):
                    return c
        for c in tok.children:  # "a rebel attack", "coalition air strikes" (after "the coalition led by X")
            if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "ADJ") and c.i < tok.i and (
                    c.lower_ in self.actors.dictionary.context_nouns or self._earlier_mention(tok.doc[c.i: c.i + 1]) is not None):
                return c
        return None

    def extract(self, doc: "Doc") -> list[EventCandidate]:
        """All events of the doc (offsets into doc.text), in text order."""
        sents = list(doc.sents)
        doc.user_data["eventextract.doc_country"] = self.actors.document_country(doc)
        out: list[EventCandidate] = []
        first = next((i for i, x in enumerate(sents) if x.text.strip()), -1)
        for si, sent in enumerate(sents):
            if _is_heading(sent) and not (si == first and _is_headline(sent)):
                continue
            found = self._find(sent)
            if not found:
                continue
            speaker_acc = self._according_to(sent)
            flow, fhigh, ftok = self._fatalities(sent)
            assault_idx = [k for k, f in enumerate(found) if f.type == "ASSAULT"]
            fat_target = None
            if ftok is not None and assault_idx:
                fat_target = min(assault_idx, key=lambda k: abs(found[k].head.i - ftok))
            sent_events: list[EventCandidate] = []
            fat_event: EventCandidate | None = None
            for k, f in enumerate(found):
                ev = self._candidate(f, si, sent, sents, out + sent_events)
                if ev is None:
                    continue
                if speaker_acc is not None and ev.speaker is None:
                    ev.speaker = speaker_acc
                if k == fat_target:
                    ev.fatalities_low, ev.fatalities_high = flow, fhigh
                    fat_event = ev
                if ev.actor is None:
                    ev.actor = self._continued_actor(ev, sent_events, out, sents)
                    if ev.actor is not None:
                        ev.confidence = round(max(0.05, ev.confidence - 0.05), 3)
                sent_events.append(ev)
                sent_events.extend(self._derived(ev, f, sent_events))
            out.extend(self._merge_casualties(self._merge_conjoined(sent_events, doc), fat_event))
        self._context_roles(out, sents)
        return out

    def _paragraph_before(self, ev: EventCandidate, events: list[EventCandidate], sents: list["SpacySpan"],
                          back: int = 2) -> list[EventCandidate]:
        """Events before ``ev`` in its sentence and in the ``back`` previous sentences of its paragraph, nearest first."""
        para = _paragraph_ids(sents)
        out: list[EventCandidate] = []
        for h in events:
            if h is ev or h.trigger.start >= ev.trigger.start or h.sentence_index < ev.sentence_index - back:
                continue
            if para[h.sentence_index] != para[ev.sentence_index]:
                continue  # another paragraph
            out.append(h)
        return sorted(out, key=lambda h: -h.trigger.start)

    def _context_roles(self, events: list[EventCandidate], sents: list["SpacySpan"]) -> None:
        """Roles the sentence does not name but the context gives (span None):

        - a reply ("Moscow denied", "the Government rejected the proposal") is addressed to the actor of
          the nearest earlier event of another side in the paragraph (resolution 'coreference');
        - an agentless conflict event ("the villages were conquered", "fighting continued") takes the
          side that acts against its recipient elsewhere in the document, else the document's country
          (non-state armed groups are coded with the country they fight in) (resolution 'context')."""
        if not events:
            return
        doc = sents[0].doc
        ts = self.patterns
        for ev in events:
            if ev.event_type not in ts.answer_types or ev.actor is None or not ev.actor.country:
                continue
            rec = ev.recipient
            if rec is not None and (rec.country or (rec.span is not None and self._names_actor(doc, rec.span))):
                continue
            mine = set(ev.actor.country.split(";"))
            for h in self._paragraph_before(ev, events, sents):
                a = h.actor
                if a is not None and a.country and not set(a.country.split(";")) & mine:
                    ev.recipient = ActorRef(None, a.name, a.country, a.sector, a.members, "coreference")
                    break
        against: dict[str, dict[str, int]] = {}  # recipient code -> actor code -> count
        for ev in events:
            if ev.polarity != "asserted" or ev.actor is None or not ev.actor.country or ev.recipient is None \
                    or not ev.recipient.country or not self.ontology.get(ev.event_type).quad_class.endswith("conflict"):
                continue
            for r in ev.recipient.country.split(";"):
                for a in ev.actor.country.split(";"):
                    against.setdefault(r, {}).setdefault(a, 0)
                    against[r][a] += 1
        for ev in events:
            self._recode_context_actor(ev, events, sents, against)
            if ev.actor is not None or ev.event_type not in ts.context_actor_types:
                continue
            code = None
            if ev.recipient is not None and ev.recipient.country and ";" not in ev.recipient.country:
                code = self._side_against(ev, ev.recipient.country, events, sents, against)
            elif ev.recipient is None or not ev.recipient.country:
                states = {c for _, c in self.actors.states_in(sents[ev.sentence_index])} \
                    if ev.event_type in ts.territorial_types else set()
                code = states.pop() if len(states) == 1 else _doc_country(doc)
            if code:
                ev.actor = ActorRef(None, None, code, None, (), "context")
                ev.confidence = round(max(0.05, ev.confidence - 0.05), 3)

    def _recode_context_actor(self, ev: EventCandidate, events: list[EventCandidate], sents: list["SpacySpan"],
                              against: dict[str, dict[str, int]]) -> None:
        """A generic group phrase coded with the document's country ("the attacking forces opened fire on them")
        that attacks that same country's people, in a document where another side acts against that country more
        often than the country itself does (an interstate war, not a civil war), is that other side."""
        a, r = ev.actor, ev.recipient
        if a is None or a.resolution != "context" or a.span is None or not a.country or r is None or not r.country \
                or r.resolution == "context" or ev.polarity != "asserted" or a.country not in r.country.split(";") \
                or self.ontology.get(ev.event_type).quad_class != "material_conflict":
            return
        opp = {c: n for c, n in (against.get(a.country) or {}).items() if c not in NON_STATE_CODES}
        if not opp or max(opp.values()) <= opp.get(a.country, 0):
            return
        code = self._side_against(ev, a.country, events, sents, against)
        if code and code != a.country:
            ev.actor = ActorRef(a.span, a.name, code, a.sector, a.members, "context")

    def _side_against(self, ev: EventCandidate, target: str, events: list[EventCandidate], sents: list["SpacySpan"],
                      against: dict[str, dict[str, int]]) -> str | None:
        """The side acting against ``target`` (a country code) for an agentless conflict event: the actor of the
        nearest earlier asserted conflict event against ``target`` by another side in the same paragraph, else
        earlier in the document, else the side that acts most often against it in the document (never ``target``
        itself when another side exists)."""
        pool = self._paragraph_before(ev, events, sents, back=len(sents))
        seen = {id(h) for h in pool}
        pool += sorted((h for h in events if h.trigger.start < ev.trigger.start and id(h) not in seen),
                       key=lambda h: -h.trigger.start)
        for h in pool:
            a, r = h.actor, h.recipient
            if h.polarity != "asserted" or a is None or not a.country or r is None or not r.country \
                    or (a.span is None and a.resolution == "context") \
                    or not self.ontology.get(h.event_type).quad_class.endswith("conflict"):
                continue
            if target in r.country.split(";") and target not in a.country.split(";") \
                    and not set(a.country.split(";")) & NON_STATE_CODES:
                return a.country
        opp = {c: n for c, n in (against.get(target) or {}).items() if c not in NON_STATE_CODES}
        if len(opp) > 1:
            opp.pop(target, None)
        if not opp:
            return None
        best = max(opp.values())
        top = sorted(c for c, n in opp.items() if n == best)
        return top[0] if len(top) == 1 else None

    def _names_actor(self, doc: "Doc", span: Span) -> bool:
        """True when the text at ``span`` is a person or group (not "the accusation", "which", "any involvement")."""
        sp = doc.char_span(span.start, span.end, alignment_mode="expand")
        if sp is None:
            return False
        root = sp.root
        if root.lower_ in RELATIVE or root.pos_ == "PRON" and root.lower_ not in PERSONAL_PRONOUNS:
            return False
        return root.pos_ == "PROPN" or root.ent_type_ in ("PERSON", "NORP", "ORG", "GPE") or self._is_person(root)

    @staticmethod
    def _merge_conjoined(events: list[EventCandidate], doc: "Doc") -> list[EventCandidate]:
        """Within one sentence the same event is coded once: conjoined verbs of one subject with the same
        type and polarity ("abandoned the town and withdrew") make one event whose trigger spans both."""
        out: list[EventCandidate] = []
        for e in events:
            tok = doc[e.trigger_token]
            prev = next((p for p in out if p.trigger_token == tok.head.i), None) if tok.dep_ == "conj" else None
            if prev is not None and prev.event_type == e.event_type and prev.polarity == e.polarity and \
                    not _children(tok, *SUBJ_DEPS) and not e.rule_id.startswith("derived") and \
                    not prev.rule_id.startswith("derived") and e.trigger.end > prev.trigger.end:
                prev.trigger = Span(prev.trigger.start, e.trigger.end, doc.text[prev.trigger.start:e.trigger.end])
                continue
            out.append(e)
        return out

    def _merge_casualties(self, events: list[EventCandidate], fat_event: EventCandidate | None) -> list[EventCandidate]:
        """Within one sentence the same event is coded once: an agentless casualty report ("many were killed")
        next to another asserted ASSAULT of the sentence is that ASSAULT's outcome, not a second event."""
        casualty = self.patterns.casualty_rules
        main = [e for e in events if e.event_type == "ASSAULT" and e.rule_id not in casualty and e.polarity == "asserted"]
        if not main:
            return events
        keep: list[EventCandidate] = []
        for e in events:
            if e.rule_id in casualty and e.polarity == "asserted" and (e.actor is None or e.actor.resolution == "coreference"):
                if e is fat_event or (e.fatalities_low, e.fatalities_high) != (None, None):
                    target = min(main, key=lambda m: abs(m.trigger_token - e.trigger_token))
                    if (target.fatalities_low, target.fatalities_high) == (None, None):
                        target.fatalities_low, target.fatalities_high = e.fatalities_low, e.fatalities_high
                continue
            keep.append(e)
        return keep

    def _continued_actor(self, ev: EventCandidate, same_sent: list[EventCandidate], history: list[EventCandidate],
                         sents: list["SpacySpan"]) -> ActorRef | None:
        """Implicit actor of an agentless clause ("the villages were conquered", "fighting developed"):
        the actor of the previous event of the same sentence, else of the same paragraph (two sentences
        back at most), when it is not the recipient's side. resolution='coreference'."""
        rec = ev.recipient.country if ev.recipient is not None else None
        doc = sents[ev.sentence_index].doc
        if ev.event_type in self.patterns.territorial_types and (rec is None) and \
                len({c for _, c in self.actors.states_in(sents[ev.sentence_index])}) == 1:
            return None  # a measure over the territory the sentence names: its state's (see _context_roles)
        cands = list(reversed(same_sent))
        for h in reversed(history):
            if h.sentence_index < ev.sentence_index - 2:
                break
            gap = doc[max(0, sents[h.sentence_index].end - 1): sents[ev.sentence_index].start]
            if "\n\n" in "".join(t.text_with_ws for t in gap):
                break  # a new paragraph: the construction does not continue
            cands.append(h)
        for h in cands:
            a = h.actor
            if a is None or not a.country or a.country == rec:
                continue
            if h.polarity != "asserted" and ev.polarity == "asserted":
                continue
            if self.ontology.get(h.event_type).quad_class != self.ontology.get(ev.event_type).quad_class:
                continue
            # an actor named in an earlier sentence is not a span of this one: only its codes carry over
            span = a.span if h.sentence_index == ev.sentence_index else None
            return ActorRef(span, a.name, a.country, a.sector, a.members, "coreference")
        return None

    def _derived(self, ev: EventCandidate, f: _Found, sent_events: list[EventCandidate]) -> list[EventCandidate]:
        """Verbal events stated by an announced future action (PLOVER): "X will support Y" / "X is ready to
        withdraw" is AGREE (intent to cooperate), "X said it would attack" is THREATEN, "X will not accept"
        is REJECT. The announced action itself stays a non-asserted event."""
        info = f.extra.get("pol_info") or {}
        refuse_verbs = self.patterns.governors.get("refuse_if_negated", ())
        neg_word = info["neg"].lower_ if info.get("neg") is not None else ""
        if ev.polarity == "negated" and self.ontology.get(ev.event_type).quad_class.endswith("cooperation") and (
                (info.get("modal") is not None and info["modal"].lower_ in ("will", "would", "shall", "'ll")
                 and neg_word in ("not", "n't"))
                or (not f.nominal and _lem(f.head) in refuse_verbs)):
            # "X will not accept / would not hand over / did not accept the proposal": a refusal (REJECT,
            # asserted) coded on the refused verb itself, with the modal and negation in the trigger
            doc = f.head.doc
            first = f.tokens[0].i
            lead = [t.i for t in (info.get("modal"), info.get("neg")) if t is not None and t.i < first and first - t.i <= 4]
            start = min(lead) if lead else first
            end_tok = f.tokens[-1]
            ev.trigger = Span(doc[start].idx, end_tok.idx + len(end_tok.text), doc[start: end_tok.i + 1].text)
            ev.event_type, ev.event_mode, ev.polarity = "REJECT", None, "asserted"
            ev.rule_id = f"derived.refuse.{ev.rule_id}"
            return []
        if ev.polarity not in ("future", "negated") or not (info.get("modal") is not None or info.get("intent") is not None):
            return []
        if ev.polarity == "negated" and (info.get("modal") is None or info["modal"].lower_ not in ("will", "would", "shall", "'ll")):
            return []
        if ev.event_type in self.patterns.derived_skip and ev.polarity != "negated":
            return []
        quad = self.ontology.get(ev.event_type).quad_class
        if ev.polarity == "negated":
            if not quad.endswith("cooperation"):
                return []
            etype, rule = "REJECT", "derived.refuse"
        else:
            etype, rule = ("AGREE", "derived.intent") if quad.endswith("cooperation") else ("THREATEN", "derived.intent")
            threat_marks = self.patterns.governors.get("threat_marks", ())
            if any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in threat_marks for m in c.children)
                   for c in f.head.children):
                etype, rule = "THREATEN", "derived.condition"  # "will withdraw unless ...": a conditional threat
        if ev.event_type == etype:
            return []
        doc = f.head.doc
        anchor = info.get("report") or info.get("intent") or info.get("modal")
        if any(e.event_type == etype and e.rule_id.startswith("derived.") and e.trigger_token == anchor.i for e in sent_events):
            return []
        trig = Span(anchor.idx, anchor.idx + len(anchor.text), anchor.text)
        return [EventCandidate(
            sentence_index=ev.sentence_index, sentence=ev.sentence, trigger=trig, trigger_token=anchor.i, event_type=etype,
            event_mode=None, polarity="asserted", rule_id=f"{rule}.{ev.rule_id}", confidence=round(max(0.05, ev.confidence * 0.8), 3),
            actor=ev.actor, recipient=ev.recipient, speaker=ev.speaker)]

    def _according_to(self, sent: "SpacySpan") -> Span | None:
        for tok in sent:
            if tok.lower_ == "according":
                for c in tok.children:
                    if c.lower_ == "to" and _pobj(c) is not None:
                        sp = self._np(_pobj(c))
                        return Span(sp.start_char, sp.end_char, sp.text)
        return None

    def _titled_person_country(self, actor: ActorRef, span: "SpacySpan", sent: "SpacySpan",
                               recipient: ActorRef | None) -> ActorRef:
        """An unknown office holder ("President X", "the foreign minister") coded with the document's country
        takes instead the state the sentence names outside the recipient (the nearest one: "met Bosnian leaders
        in Paris" -> FRA), never the recipient's country; the document's country only when the sentence names
        no other state."""
        if not self.actors.is_titled_person(span):
            return actor
        rec_codes = set((recipient.country or "").split(";")) - {""} if recipient is not None else set()
        rs = recipient.span if recipient is not None else None
        cands = [(abs(pos - span.start_char), code) for pos, code in self.actors.states_in(sent)
                 if not (span.start_char <= pos < span.end_char) and not (rs is not None and rs.start <= pos < rs.end)
                 and code not in rec_codes]
        if cands:
            code = min(cands)[1]
        elif actor.country in rec_codes and recipient is not None and recipient.resolution != "context":
            code = None  # the recipient's country is not the speaker's
        else:
            return actor
        if code == actor.country:
            return actor
        return ActorRef(actor.span, actor.name, code, actor.sector, actor.members, "context" if code else "title")

    def _candidate(self, f: _Found, si: int, sent: "SpacySpan", sents: list["SpacySpan"],
                   history: list[EventCandidate]) -> EventCandidate | None:
        tok = f.head
        pol_tok = tok
        if f.nominal:
            v = tok.head
            for _ in range(5):
                if v.pos_ in ("VERB", "AUX") or v.head is v:
                    break
                v = v.head
            pol_tok = v if v.pos_ in ("VERB", "AUX") else tok
        pol_info: dict[str, Any] = {}
        pol, speaker_tok = self._polarity(pol_tok, pol_info)
        if pol is None:
            return None
        if f.nominal and pol == "asserted" and tok.dep_ in SUBJ_DEPS and pol_tok.i == tok.head.i and \
                _lem(pol_tok) in self.patterns.governors.get("negate", ()):
            pol = "negated"  # "the planned talks failed"
        f.extra["pol_info"] = pol_info
        if not self.ontology.valid_mode(f.type, f.mode):
            f.mode = None
        actor_tok = recip_tok = None
        resolution = None
        pat = f.pattern
        if f.nominal:
            actor_tok = f.extra.get("actor")
            resolution = None
            for c in tok.children:
                o = _pobj(c) if c.dep_ == "prep" and c.lower_ in ("against", "on", "upon") else None
                if o is not None and o.ent_type_ not in ("DATE", "TIME", "CARDINAL"):
                    recip_tok = o
                    break
            if actor_tok is None:
                actor_tok = self._clause_subject(tok)
        else:
            subj, passive = self._subject_token(tok)
            if pat is not None and pat.swap:
                recip_tok = subj
                for spec in pat.actor:
                    actor_tok = self._role(tok, spec, f)
                    if actor_tok is not None:
                        break
            elif passive or _is_passive(tok) or (subj is None and self._agent(tok) is not None and tok.tag_ == "VBN"):
                actor_tok = self._agent(tok)
                resolution = "passive_agent" if actor_tok is not None else None
                sp = _children(tok, "nsubjpass") or _children(tok, "nsubj")
                recip_tok = sp[0] if sp else None
                if actor_tok is None and _lem(tok) in self.patterns.governors.get("stative_passive", ()):
                    actor_tok, recip_tok = recip_tok, None  # "X is committed to": X is the actor
                if pat is not None and recip_tok is None:
                    for spec in pat.recipient:
                        recip_tok = self._role(tok, spec, f)
                        if recip_tok is not None:
                            break
            else:
                actor_tok = subj
                specs = pat.recipient if pat is not None else ("prep:against", "prep:on", "prep:of")
                for spec in specs:
                    r = self._role(tok, spec, f)
                    if r is not None and r is not actor_tok:
                        recip_tok = r
                        break
        if f.extra.get("recipient") is not None:
            recip_tok = f.extra["recipient"]
        if actor_tok is None:  # "fighting between A and B" (gerund or noun): both sides are the actor
            for c in tok.children:
                o = _pobj(c) if c.dep_ == "prep" and c.lower_ == "between" else None
                if o is not None and o.conjuncts:
                    actor_tok = o
                    break
        actor = self._ref(actor_tok, history, si, sents, resolution)
        if actor is not None and actor_tok is not None and not actor.country and not actor.sector and \
                actor.resolution == "unknown" and actor_tok.pos_ == "NOUN" and not actor_tok.ent_type_:
            actor = None  # not an actor phrase ("the process", "a move", "the scale of ..."): left to the context
        if recip_tok is not None and (recip_tok.pos_ in ("VERB", "AUX") or (
                f.noun is not None and recip_tok.i == f.noun.i and (f.rule_id.endswith(".light") or f.rule_id.startswith("light.")))):
            # a clause ("reported that the town was captured ...") or the light verb's own event noun
            # ("the offensive was launched") is not a target
            recip_tok = None
        recipient = self._ref(recip_tok, history, si, sents, trim=True)
        if recipient is not None and recipient.resolution == "coreference" and recipient.country is None:
            recipient = None
        if actor is not None and actor.span is not None and actor_tok is not None and (
                actor.resolution == "context" or (actor.resolution == "title" and not actor.country)):
            actor = self._titled_person_country(actor, self._np(actor_tok), sent, recipient)
        conf = f.conf
        if actor is None or actor.country is None:
            conf -= 0.1
        elif actor.resolution == "dictionary":
            conf += 0.05
        speaker = None
        if speaker_tok is not None:
            sp = self._np(speaker_tok)
            speaker = Span(sp.start_char, sp.end_char, sp.text)
        trig = f.tokens
        return EventCandidate(
            sentence_index=si, sentence=Span(sent.start_char, sent.end_char, sent.text),
            trigger=Span(trig[0].idx, trig[-1].idx + len(trig[-1].text), tok.doc[trig[0].i: trig[-1].i + 1].text),
            trigger_token=tok.i, event_type=f.type, event_mode=f.mode, polarity=pol, rule_id=f.rule_id,
            confidence=round(max(0.05, min(1.0, conf)), 3), actor=actor, recipient=recipient, speaker=speaker)
