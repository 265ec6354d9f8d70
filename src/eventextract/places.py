"""Places stage: find toponyms in a parsed document, resolve them against the gazetteer, and pick
the place of each event.

Toponyms come from spaCy's GPE/LOC/FAC entities plus gazetteer matches for proper names the model
misses or mislabels (the small English model often tags towns as PERSON or ORG). Gazetteer-only
matches must be proper nouns, must not be stoplisted common words (``data/gazetteer/stoplist.txt``)
or demonyms (``demonyms.txt``), and need evidence: a large population, a place-like syntactic role
("in X", "took X"), a place noun ("the X district"), or the document's country focus. A known place
that starts an institution name ("Ohio State University", "Springfield Police Department":
``institution_words.txt``) and AP-style US state abbreviations ("a Ga. pastor") are toponyms too.

Resolution scores every gazetteer candidate of a name by population and feature-type priors, the
document's country focus (and, within a country, its first-level-division focus), explicit
qualifiers ("Paris, Texas", "the X district of Azerbaijan") and closeness to the other places of the
document (leave-one-out: a name's own first choices do not count towards its focus). A country name
always resolves to the country; a match only through an alternate name of a place in a country the
document is not about stays unresolved unless a qualifier or a nearby place supports it.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .gazetteer import DATA_DIR, GeoCandidate, Gazetteer, fold
from .nlp import doc_sents, doc_text
from .records import PlaceMention

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

NER_PLACE_LABELS = {"GPE": 1.0, "LOC": 0.9, "FAC": 0.6}
#: entity labels whose tokens are never scanned for place names
BLOCKING_LABELS = {"NORP", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL",
                   "LANGUAGE", "LAW", "EVENT", "WORK_OF_ART", "PRODUCT"}
#: numeric entity labels: a span of them without any number-like token is a mislabel
NUMERIC_LABELS = {"MONEY", "QUANTITY", "CARDINAL", "PERCENT", "ORDINAL"}
#: prepositions whose object is a place-like argument ("in X", "near X", "took X")
LOCATIVE_PREPS = {"in", "at", "near", "to", "from", "into", "toward", "towards", "around", "outside",
                  "inside", "across", "through", "on", "over", "of", "within", "throughout", "between",
                  "via", "along", "beyond", "behind", "by", "off", "onto", "upon", "against", "past",
                  "above", "below", "under", "beneath", "beside", "among", "amid", "amidst"}
#: prepositions after which an unknown capitalised name among the trigger's arguments is taken for a place
UNRESOLVED_PREPS = {"in", "at", "near", "outside", "around", "inside", "into", "across", "within",
                    "throughout", "towards", "toward", "through"}
#: prepositions that do not put a place inside an event's target ("the leaders from X", "presidents of X")
NON_TARGET_PREPS = {"from", "by", "with", "to", "for", "of", "toward", "towards", "into"}
#: determiners that make a noun refer back to something already told ("this operation", "the siege")
DEMONSTRATIVES = {"this", "that", "these", "those"}
#: settlement nouns that name small places ("the village X" is not what "the city" refers to)
SMALL_SETTLEMENTS = {"village", "hamlet", "settlement", "suburb", "outskirts"}
#: memory of event places per Doc (sentence_index -> place), for "names no place" context
_MEMORY_KEY = "eventextract.event_places"
_TITLE_KEY = "eventextract.title_names"  # folded capitalised names of the document title
#: parse dependencies followed from an event trigger to its place argument
ARG_DEPS = {"dobj", "prep", "pobj", "conj", "appos", "compound", "nsubjpass", "npadvmod", "advmod",
            "obl", "nmod", "attr", "oprd", "acl", "xcomp", "advcl", "pcomp", "dative", "relcl", "obj"}
#: direction words that may precede a place at the start of a name ("Northeast Georgia Medical Center")
COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
           "northern", "southern", "eastern", "western", "central", "greater", "upper", "lower"}
MIN_POP_BARE = 15_000  # a gazetteer-only match with no other evidence needs this population
MIN_POP_EVIDENCE = 500
DOMINANT_MIN_POP = 100_000  # a city this large may dominate its namesakes abroad
DOMINANT_RATIO = 5.0  # ... when it is at least this many times larger than the largest of them
STRONG_FOCUS = 0.5  # a country share of the document's places that is evidence enough on its own
ALT_MIN_SHARE = 0.1  # an alternate-name-only match needs at least this share for its country ...
ALT_SHORT_NAME = 6  # ... when the name is this short (folded characters) or names places in several countries
_MOJIBAKE = re.compile(r"[ƒ…ôÃÂ√∂±]")
PRECISION_RANK = {"populated_place": 0, "admin_region": 1, "none": 2, "country": 3}


def _read_list(name: str) -> frozenset[str]:
    path = DATA_DIR / name
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(fold(line.split("\t")[0]))
    return frozenset(out)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, object]:
    """The data files of this stage, read once per process."""
    nouns: dict[str, str] = {}
    for line in (DATA_DIR / "place_nouns.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            noun, kind = line.split("\t")
            nouns[noun.strip()] = kind.strip()
    abbrev: dict[str, str] = {}
    comma_only: set[str] = set()
    for line in (DATA_DIR / "us_state_abbrev.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            ab, code, *flags = line.split("\t")
            abbrev[ab.strip()] = code.strip()
            if "comma" in (f.strip() for f in flags):
                comma_only.add(ab.strip())
    demonym_countries: dict[str, str] = {}
    for line in (DATA_DIR / "demonym_countries.tsv").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            adj, code = line.split("\t")
            demonym_countries[fold(adj)] = code.strip().upper()
    return {"stop": _read_list("stoplist.txt"), "demonyms": _read_list("demonyms.txt"),
            "place_nouns": nouns, "state_abbrev": abbrev, "abbrev_comma_only": frozenset(comma_only),
            "institutions": _read_list("institution_words.txt"), "event_nouns": _read_list("event_nouns.txt"),
            "withdrawal_verbs": _read_list("withdrawal_verbs.txt"), "demonym_countries": demonym_countries,
            "experiencer_verbs": _read_list("experiencer_verbs.txt"),
            "organisation_words": _read_list("organisation_words.txt")}


@dataclass
class _Mention:
    """A toponym being resolved (internal)."""

    start: int
    end: int
    tok_start: int
    tok_end: int
    text: str
    source: str
    sentence_index: int
    candidates: list[GeoCandidate] = field(default_factory=list)
    qualifier_country: str | None = None  # alpha-2
    qualifier_admin1: str | None = None
    area_noun: bool = False  # followed by a division noun ("the X province")
    best: GeoCandidate | None = None
    score: float = 0.0
    why: str = ""
    distrusted: bool = False  # left unresolved: only an alternate name of a place abroad


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _km(a: GeoCandidate, b: GeoCandidate) -> float:
    if a.latitude is None or b.latitude is None or a.longitude is None or b.longitude is None:
        return 1e9
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dl = math.radians(b.longitude - a.longitude)
    x = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(x)))


class PlaceResolver:
    """Finds and resolves the toponyms of a document and links events to places."""

    def __init__(self, gazetteer: Gazetteer, settings: Settings | None = None) -> None:
        self.gazetteer = gazetteer
        self.settings = settings or Settings()
        lex = _lexicon()
        self._stop: frozenset[str] = lex["stop"]  # type: ignore[assignment]
        self._demonyms: frozenset[str] = lex["demonyms"]  # type: ignore[assignment]
        self._place_nouns: dict[str, str] = lex["place_nouns"]  # type: ignore[assignment]
        self._state_abbrev: dict[str, str] = lex["state_abbrev"]  # type: ignore[assignment]
        self._abbrev_comma_only: frozenset[str] = lex["abbrev_comma_only"]  # type: ignore[assignment]
        self._institutions: frozenset[str] = lex["institutions"]  # type: ignore[assignment]
        self._event_nouns: frozenset[str] = lex["event_nouns"]  # type: ignore[assignment]
        self._withdrawal_verbs: frozenset[str] = lex["withdrawal_verbs"]  # type: ignore[assignment]
        self._demonym_countries: dict[str, str] = lex["demonym_countries"]  # type: ignore[assignment]
        self._experiencer_verbs: frozenset[str] = lex["experiencer_verbs"]  # type: ignore[assignment]
        self._organisation_words: frozenset[str] = lex["organisation_words"]  # type: ignore[assignment]

    # ------------------------------------------------------------------ finding toponyms
    def _lookup(self, text: str) -> list[GeoCandidate]:
        text = re.sub(r"^(?:the|The)\s+", "", text.strip())
        text = re.sub(r"['’]s$", "", text)
        return self.gazetteer.lookup(text) if text else []

    def _is_demonym(self, span: "Span") -> bool:
        key = fold(span.text)
        if key in self._demonyms:
            return True
        return all(t.pos_ == "ADJ" for t in span) and bool(re.search(r"(an|ese|ish|i)$", key))

    def _place_role(self, span: "Span", taken: Sequence[bool] = ()) -> bool:
        """Whether the syntax says the span is a place: object of a locative preposition, object of
        a verb, subject of a passive, or modifier of a place noun ("the X district")."""
        root = span.root
        if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE_PREPS:
            return True
        if root.dep_ in ("dobj", "nsubjpass", "obj"):
            return True
        if root.dep_ in ("compound", "amod", "nmod") and root.head.lemma_.lower() in self._place_nouns:
            return True
        prev = span.doc[span.start - 1] if span.start > 0 else None
        if root.dep_ == "compound" and prev is not None and prev.lower_ in LOCATIVE_PREPS \
                and prev.i == root.head.left_edge.i - 1 and root.head.ent_type_ in ("DATE", "TIME"):
            return True  # "travelled to X days earlier": the parser glued the name to the date
        nxt = span.doc[span.end] if span.end < len(span.doc) else None
        if nxt is not None and nxt.lower_ in self._place_nouns:
            return True
        if root.dep_ in ("conj", "appos") and (root.head.ent_type_ in ("GPE", "LOC", "FAC") or
                                               (taken and taken[root.head.i])):
            return True
        return False

    def _find(self, doc: "Doc", exclude: Sequence[tuple[int, int]]) -> list[_Mention]:
        sent_of = [0] * len(doc)
        for si, sent in enumerate(doc.sents):
            for t in sent:
                sent_of[t.i] = si
        taken = [False] * len(doc)
        blocked = [False] * len(doc)
        mentions: list[_Mention] = []
        other_ents: dict[int, "Span"] = {}
        norp_names: list["Span"] = []

        def add(span: "Span", source: str, cands: list[GeoCandidate]) -> None:
            if any(_overlaps((span.start_char, span.end_char), e) for e in exclude):
                return
            area = span.end < len(doc) and self._place_nouns.get(doc[span.end].lower_) == "area"
            mentions.append(_Mention(span.start_char, span.end_char, span.start, span.end, span.text, source,
                                     sent_of[span.start], cands, area_noun=area))
            for i in range(span.start, span.end):
                taken[i] = True

        self._abbreviations(doc, add)
        self._capitals(doc, add)
        for ent in doc.ents:
            if ent.label_ in NER_PLACE_LABELS:
                span = ent
                while len(span) > 0 and taken[span.start]:
                    span = span[1:]
                while len(span) > 0 and taken[span.end - 1]:
                    span = span[:-1]
                if len(span) == 0 or any(taken[k] for k in range(span.start, span.end)):
                    continue
                while len(span) > 1 and span[0].lower_ in ("the", "a", "an"):
                    span = span[1:]
                if len(span) > 1 and span[-1].text in ("'s", "’s"):
                    span = span[:-1]
                cands = self._lookup(span.text)
                if not cands and (self._is_demonym(span) or fold(span.text) in self._demonyms):
                    for i in range(ent.start, ent.end):
                        blocked[i] = True
                    continue
                add(span, "ner:" + ent.label_, cands)
            elif ent.label_ == "NORP" and self._named_area(doc, ent):
                cands = self._lookup(ent.text)
                add(ent, "place-noun; NORP name of an area" if not cands else "gazetteer:NORP; area name", cands)
            elif ent.label_ == "NORP" and not any(taken[k] for k in range(ent.start, ent.end)) \
                    and self._norp_place(ent):
                cands = self._lookup(ent.text)
                add(ent, "gazetteer:NORP; object of a locative preposition" if cands
                    else "place-noun; NORP name after a locative preposition", cands)
            elif ent.label_ in BLOCKING_LABELS:
                if ent.label_ == "NORP" and self._norp_name(ent):
                    norp_names.append(ent)  # "The fall of Aleppo": kept if the name is a GPE elsewhere
                if ent.label_ in NUMERIC_LABELS and not any(t.like_num or t.is_currency for t in ent):
                    continue  # a mislabelled heading ("## Ilovaisk" as MONEY) names no number
                for i in range(ent.start, ent.end):
                    blocked[i] = True
            else:
                while len(ent) > 1 and ent[-1].is_space:
                    ent = ent[:-1]  # "X\n\n" at a heading: the line break is not part of the name
                for i in range(ent.start, ent.end):
                    other_ents[i] = ent

        ner_names = {fold(m.text) for m in mentions if m.candidates}
        for ent in norp_names:
            if fold(ent.text) in ner_names and not any(taken[k] for k in range(ent.start, ent.end)):
                add(ent, "gazetteer:NORP; the same name is a place elsewhere in the document",
                    self._lookup(ent.text))
        noun_ends: set[int] = {m.tok_end - 1 for m in mentions}
        focus = self._focus(mentions)

        i = 0
        n = len(doc)
        while i < n:
            tok = doc[i]
            if taken[i] or blocked[i] or not (tok.text[:1].isupper()) or tok.pos_ not in ("PROPN", "NOUN", "ADJ", "X"):
                i += 1
                continue
            found = False
            g = self._glued_end(doc, i)
            if g > i + 1 and sent_of[g - 1] == sent_of[i] and not any(taken[k] or blocked[k] for k in range(i, g)):
                span = doc[i:g]  # a name split by mojibake ("K…ôrkicahan")
                cands = self._lookup(span.text)
                if cands or self._after_place_noun(doc, i, noun_ends):
                    add(span, "gazetteer; mojibake" if cands else "place-noun; mojibake", cands)
                    noun_ends.add(g - 1)
                    i = g
                    continue
            for width in range(min(5, n - i), 0, -1):
                j = i + width
                span = doc[i:j]
                if any(taken[k] or blocked[k] for k in range(i, j)) or sent_of[j - 1] != sent_of[i]:
                    continue
                if not self._proper_run(span) and not (width == 1 and tok.pos_ == "NOUN" and
                                                         self._heading_word(doc, i)):
                    continue
                ent = other_ents.get(i)
                institution = self._institution_name(doc, i, j, sent_of)
                if institution:
                    if ent is not None and ent.start < i and not all(  # "the Texas Department of ..."
                            doc[k].lower_ in COMPASS or doc[k].lower_ == "the" for k in range(ent.start, i)):
                        continue
                elif self._in_longer_name(doc, i, j, sent_of):
                    continue
                elif ent is not None and not (ent.start == i and ent.end == j):
                    if ent.start < i or ent.end > j:
                        continue  # part of a longer PERSON/ORG name
                key = fold(span.text)
                if key in self._stop or key in self._demonyms:
                    continue
                cands = []
                if j < n and self._place_nouns.get(doc[j].lower_) == "area" and not doc[j].text[:1].isupper():
                    cands = self._lookup(span.text + " " + doc[j].text)  # "Shahumian region"
                    if cands:
                        span = doc[i:j + 1]
                        j += 1
                cands = cands or self._lookup(span.text)
                if not cands:
                    chained = i > 0 and doc[i - 1].lower_ in LOCATIVE_PREPS and j + 2 < n \
                        and doc[j].text == "," and doc[j + 1].lower_ in ("in", "near") \
                        and doc[j + 2].text[:1].isupper()  # "a market in X, in Y governorate"
                    named_feature = chained or (len(span) >= 2 and span[-1].lower_ in self._place_nouns) or (
                        j < n and doc[j].lower_ in self._place_nouns and doc[j].text.islower()
                        and i > 0 and doc[i - 1].lower_ == "the")  # "the Masaken Hanano neighbourhood"
                    if (ent is None or (ent.start == i and ent.end == j)) and \
                            (self._after_place_noun(doc, i, noun_ends) or named_feature) and not self._in_longer_name(doc, i, j, sent_of) \
                            and (j >= n or not doc[j].text[:1].isupper()):
                        add(span, "place-noun", [])
                        noun_ends.add(j - 1)
                        i = j
                        found = True
                        break
                    continue
                if institution:
                    ok = self._accept_institution(span, cands, focus, key in ner_names)
                else:
                    ok = self._accept(span, cands, ent is not None, focus, key in ner_names, taken)
                if ok:
                    source = "gazetteer" if ent is None else f"gazetteer:{ent.label_}"
                    add(span, source + ("; institution name" if institution else ""), cands)
                    i = j
                    found = True
                    break
            if not found:
                i += 1
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _abbreviations(self, doc: "Doc", add: "Callable[[Span, str, list[GeoCandidate]], None]") -> None:
        """US state abbreviations used as toponyms ("a Ga. pastor", "CHARLESTON, W.Va. --")."""
        n = len(doc)
        i = 0
        while i < n:
            for width in (2, 1):
                j = i + width
                if j > n:
                    continue
                text = doc[i:j].text
                code = self._state_abbrev.get(text)
                if code is None or not text.endswith("."):
                    continue
                if text in self._abbrev_comma_only and (i == 0 or doc[i - 1].text != ","):
                    continue
                state = self.gazetteer.admin1("US", code)
                if state is not None:
                    add(doc[i:j], "abbreviation", [state])
                    i = j - 1
                    break
            i += 1

    def _capitals(self, doc: "Doc", add: "Callable[[Span, str, list[GeoCandidate]], None]") -> None:
        """Descriptive mentions of national capitals: "the Belarusian capital", "the Syrian capital"
        (a nationality adjective or country name modifying 'capital') resolve to that country's PPLC."""
        for tok in doc:
            if tok.lemma_.lower() != "capital" or tok.pos_ != "NOUN" or tok.i == 0:
                continue
            mod = doc[tok.i - 1]
            if mod.dep_ not in ("amod", "compound", "nmod") or mod.head.i != tok.i or not mod.text[:1].isupper():
                continue
            code = self._country_of_adjective(mod.text)
            cap = self.gazetteer.capital(code) if code else None
            if cap is not None:
                add(doc[mod.i:tok.i + 1], f"descriptive: capital of {code}", [cap])

    def _country_of_adjective(self, word: str) -> str | None:
        """ISO alpha-2 of a nationality adjective or country name ("Ukrainian" -> UA), else None:
        the irregular ones from demonym_countries.tsv, the others by stripping a suffix."""
        key = fold(word)
        if key in self._demonym_countries:
            return self._demonym_countries[key]
        stems = [word, word[:-1], word[:-2], word[:-3], word[:-3] + "e", word[:-1] + "a"]
        for stem in stems:
            if len(stem) < 3:
                continue
            for c in self.gazetteer.lookup(stem):
                if c.is_country and c.country2:
                    return c.country2
        return None

    def _norp_name(self, ent: "Span") -> bool:
        """Whether a NORP entity is a single proper noun that is no listed demonym: it may be a
        mislabelled place name ("the fall of Aleppo")."""
        if len(ent) != 1 or ent[0].pos_ != "PROPN" or not ent.text[:1].isupper():
            return False
        key = fold(ent.text)
        return not (key in self._demonyms or key.rstrip("s") in self._demonyms or key in self._demonym_countries)

    def _norp_place(self, ent: "Span") -> bool:
        """Whether a NORP entity is a place name the model mislabelled: a single proper noun, not a
        listed demonym, that is the object of a locative preposition ("a market in Dahyan")."""
        if len(ent) != 1 or ent[0].pos_ != "PROPN" or not ent.text[:1].isupper():
            return False
        key = fold(ent.text)
        if key in self._demonyms or key.rstrip("s") in self._demonyms or key in self._demonym_countries:
            return False
        return ent.root.dep_ == "pobj" and ent.root.head.lower_ in ("in", "at", "near", "outside", "around")

    def _heading_word(self, doc: "Doc", i: int) -> bool:
        """Whether doc[i] is a capitalised word of a section heading ("## Ilovaisk"), where the
        parser's part-of-speech tags are unreliable."""
        cache = doc.user_data.setdefault("eventextract.heading_sents", {})
        sent = doc[i].sent
        if sent.start not in cache:
            cache[sent.start] = self._is_heading(sent)
        return cache[sent.start]

    def _institution_name(self, doc: "Doc", i: int, j: int, sent_of: list[int]) -> bool:
        """Whether doc[i:j] starts the capitalised name of an institution named after it ("Ohio
        State University", "Springfield Police Department"): the run goes on after it, in the same
        sentence, up to an institution word (institution_words.txt)."""
        if i > 0 and doc[i - 1].text[:1].isupper() and doc[i - 1].pos_ == "PROPN" \
                and doc[i - 1].lower_ not in COMPASS and not doc[i - 1].is_sent_start:
            return False
        k = j
        while k < len(doc) and k < j + 5 and sent_of[k] == sent_of[i]:
            t = doc[k]
            if fold(t.text) in self._institutions and t.text[:1].isupper():
                return True
            if not (t.text[:1].isupper() or t.text in ("&", "'s", "’s", "of")):
                return False
            k += 1
        return False

    def _accept_institution(self, span: "Span", cands: list[GeoCandidate], focus: dict[str, float],
                            seen_as_ner: bool) -> bool:
        """Evidence for a place that starts an institution name: a region or country, a town of the
        document's focus countries, a place the NER found elsewhere, or a large town."""
        if len(span) == 1 and (span[0].is_stop or len(span.text) < 3):
            return False
        if seen_as_ner:
            return True
        for c in cands:
            if c.is_country or (c.feature_class == "A" and c.source != "admin" and c.population >= MIN_POP_BARE):
                return True
            if c.population >= MIN_POP_EVIDENCE and focus.get(c.country2 or "", 0.0) >= 0.3:
                return True
            if c.population >= 5 * MIN_POP_BARE:
                return True
        return False

    @staticmethod
    def _glued_end(doc: "Doc", i: int) -> int:
        """End of the run of tokens glued to doc[i] (no spaces) through mojibake characters: spaCy
        splits "Malƒ±b…ôyli" at "…"; the whole run is one name."""
        j = i + 1
        while j < len(doc) and doc[j - 1].whitespace_ == "" and (doc[j].text[:1].isalpha() or
                                                                  _MOJIBAKE.match(doc[j].text)) \
                and (_MOJIBAKE.search(doc[j - 1].text) or _MOJIBAKE.search(doc[j].text)):
            j += 1
        return j

    @staticmethod
    def _in_longer_name(doc: "Doc", i: int, j: int, sent_of: list[int]) -> bool:
        """Whether doc[i:j] is only part of a longer run of capitalised names ("Human Rights Watch")."""
        def cap(k: int) -> bool:
            t = doc[k]
            return t.pos_ == "PROPN" and t.text[:1].isupper() and sent_of[k] == sent_of[i] and t.ent_type_ not in ("GPE", "LOC")
        if i > 0 and cap(i - 1) and not doc[i - 1].is_sent_start:
            return True
        return j < len(doc) and cap(j) and doc[j - 1].whitespace_ != ""

    def _named_area(self, doc: "Doc", ent: "Span") -> bool:
        """Whether a NORP entity is really the name of an area: it is not a listed demonym and it
        names a division noun ("the Shahumian region", "the region of Shahumian")."""
        if fold(ent.text) in self._demonyms or not ent.text[:1].isupper():
            return False
        nxt = doc[ent.end] if ent.end < len(doc) else None
        if nxt is not None and self._place_nouns.get(nxt.lower_) == "area" and not nxt.text[:1].isupper():
            return True
        return ent.start >= 2 and doc[ent.start - 1].lower_ == "of" \
            and self._place_nouns.get(doc[ent.start - 2].lower_) == "area"

    def _after_place_noun(self, doc: "Doc", i: int, noun_ends: set[int]) -> bool:
        """'the village of X', 'the village X': a proper name introduced by a settlement noun."""
        k = i - 1
        if k >= 0 and doc[k].lower_ == "of":
            k -= 1
        if k >= 0 and doc[k].text in (",", "and") and doc[i].ent_type_ != "PERSON" and (k - 1 in noun_ends or
                                                         (k >= 1 and doc[k - 1].text == "," and k - 2 in noun_ends)):
            return True  # "the villages of A, B and C"
        return k >= 0 and self._place_nouns.get(doc[k].lemma_.lower()) == "settlement" and doc[i].pos_ == "PROPN"

    @staticmethod
    def _proper_run(span: "Span") -> bool:
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

    def _accept(self, span: "Span", cands: list[GeoCandidate], in_other_ent: bool,
                focus: dict[str, float], seen_as_ner: bool, taken: Sequence[bool] = ()) -> bool:
        """Evidence rules for a gazetteer match the NER did not label as a place."""
        if len(span) == 1 and (span[0].is_stop or len(span.text) < 3):
            return False
        if span.text.isupper() and len(span.text) <= 4 and not any(c.is_country for c in cands):
            return False
        strong = any((c.feature_class != "P" and c.source != "admin") or c.source in ("user", "regions")
                     for c in cands)
        pop = max(c.population for c in cands)
        in_focus = any(c.country2 in focus and c.population >= MIN_POP_EVIDENCE for c in cands)
        role = self._place_role(span, taken)
        if seen_as_ner:
            return True
        if in_other_ent and any(c.is_country and c.main_name_match for c in cands):
            return True  # a country's own name tagged ORG ("Armenia faced a blockade") is the country
        if in_other_ent:  # tagged PERSON/ORG: needs a place role plus a plausible candidate
            # (a section heading has little syntax: "Stepanakert under siege")
            return (role or self._is_heading(span.sent)) and (strong or in_focus or pop >= MIN_POP_BARE)
        if strong or pop >= MIN_POP_BARE:
            return True
        return (role or in_focus) and pop >= MIN_POP_EVIDENCE

    # ------------------------------------------------------------------ resolving
    def _focus(self, mentions: Iterable[_Mention], title_cands: Iterable[list[GeoCandidate]] = ()) -> dict[str, float]:
        """Share of each country (alpha-2) among the document's unambiguous place mentions."""
        weights: Counter[str] = Counter()
        groups = [m.candidates for m in mentions] + list(title_cands)
        for cands in groups:
            if not cands:
                continue
            countries = [c for c in cands if c.is_country]
            if countries and countries[0].country2:
                weights[countries[0].country2] += 1.0
                continue
            top = cands[0]
            second = cands[1].population if len(cands) > 1 else 0
            if top.country2 and (len({c.country2 for c in cands}) == 1 or top.population >= 5 * max(second, 1)):
                weights[top.country2] += 0.5
        total = sum(weights.values())
        return {k: v / total for k, v in weights.items()} if total else {}

    @staticmethod
    def _admin_focus(mentions: list[_Mention]) -> dict[tuple[str, str], float]:
        """Share of each first-level division (country, admin1 code) among the document's resolved
        places: named divisions and qualifiers count fully, confidently resolved towns by their score."""
        weights: Counter[tuple[str, str]] = Counter()
        for m in mentions:
            c = m.best
            if c is None or c.is_country or not c.country2:
                continue
            if m.qualifier_admin1:
                weights[(m.qualifier_country or c.country2, m.qualifier_admin1)] += 1.0
            elif c.admin1 and c.feature_code == "ADM1":
                weights[(c.country2, c.admin1)] += 1.0
            elif c.admin1 and m.score >= 0.6:
                weights[(c.country2, c.admin1)] += 0.5 * m.score
        total = sum(weights.values())
        return {k: v / total for k, v in weights.items()} if total else {}

    def _qualifiers(self, doc: "Doc", mentions: list[_Mention]) -> None:
        """"Paris, Texas", "Rome, Ga.", "the Barda district of Azerbaijan": constrain to the qualifier."""
        text = doc_text(doc)
        for a, b in zip(mentions, mentions[1:]):
            between = text[a.end:b.start]
            if a.sentence_index != b.sentence_index:
                continue
            if re.fullmatch(r"\s*,\s*", between) or re.fullmatch(r"\s+(?:\w+\s+){0,2}(?:of|in)\s+(?:the\s+)?", between):
                quals = [c for c in b.candidates if c.feature_class == "A" and c.feature_code in ("PCLI", "ADM1")]
                for q in quals:
                    if any(c.country2 == q.country2 and c.key != q.key for c in a.candidates):
                        a.qualifier_country = q.country2
                        if q.feature_code == "ADM1":
                            a.qualifier_admin1 = q.admin1
                        break
        for m in mentions:
            if m.qualifier_country:
                continue
            m_after = re.match(r",\s*([A-Z][A-Za-z.]{1,6}\.?)", text[m.end:m.end + 12])
            if m_after:
                code = self._state_abbrev.get(m_after.group(1))
                if code and any(c.country2 == "US" and c.admin1 == code for c in m.candidates):
                    m.qualifier_country, m.qualifier_admin1 = "US", code

    def _score(self, m: _Mention, c: GeoCandidate, focus: dict[str, float],
               anchors: list[GeoCandidate], admin_focus: dict[tuple[str, str], float] | None = None) -> float:
        s = math.log10(c.population + 1) / 7.0
        if c.is_country:
            s += 3.0
        elif c.feature_class == "A":
            s += 0.0 if c.source == "admin" else 0.8 if c.feature_code == "ADM1" else 0.5
        elif c.feature_class == "L":
            s += 0.5
        if c.main_name_match:
            s += 0.3
        if c.feature_class == "A" and not c.is_country:
            if m.area_noun:
                s += 1.0
            elif c.source == "admin" and any(o.feature_class == "P" and o.country2 == c.country2
                                             and o.population >= 1000 for o in m.candidates):
                s -= 1.5  # a derived division named after its town: the bare name is the town
        if c.source == "user":
            s += 0.5
        if c.feature_class == "P" and c.population >= DOMINANT_MIN_POP and c.main_name_match:
            # a world-known city ("Geneva" in a Syria story) outranks its far smaller namesakes
            # abroad unless the document's focus on their country is strong (US local news)
            rivals = [o for o in m.candidates if o.feature_class == "P" and o.country2 != c.country2]
            rival = max((o.population for o in rivals), default=0)
            if c.population >= DOMINANT_RATIO * max(rival, 1) and \
                    max((focus.get(o.country2 or "", 0.0) for o in rivals), default=0.0) < STRONG_FOCUS:
                s += min(1.0, 0.5 * math.log10(c.population / max(rival, 1)))
        if c.feature_code == "PPLC":
            # a foreign story names capitals, not the homonymous divisions ("Washington blamed ...")
            s += 0.3 + (1.3 if focus.get(c.country2 or "", 0.0) < 0.3 else 0.0)
        if c.country2:
            # a town dwarfed by a world-known namesake abroad needs evidence for its own division
            # (state, province) or a strong country focus before the focus counts fully ("Geneva" in
            # a Syria story that also names the United States is not Geneva, Illinois)
            dwarfed = c.feature_class == "P" and any(
                o.feature_class == "P" and o.main_name_match and o.country2 != c.country2
                and o.population >= DOMINANT_MIN_POP and o.population >= DOMINANT_RATIO * max(c.population, 1)
                for o in m.candidates)
            state_evidence = m.qualifier_country == c.country2 or bool(
                admin_focus and c.admin1 and admin_focus.get((c.country2, c.admin1), 0.0) > 0)
            share = focus.get(c.country2, 0.0)
            s += (0.5 if dwarfed and not state_evidence and share < STRONG_FOCUS else 2.0) * share
            if c.feature_code == "ADM1" and c.source != "admin":  # "Georgia" in a US story is the state, in a Caucasus one the country
                s += 2.0 * focus.get(c.country2, 0.0)
            if admin_focus and c.admin1 and not c.is_country:
                s += 1.5 * admin_focus.get((c.country2, c.admin1), 0.0)
        if m.qualifier_country:
            if c.country2 == m.qualifier_country and (m.qualifier_admin1 is None or c.admin1 == m.qualifier_admin1):
                s += 3.0
        if anchors and not c.is_country:
            near = min((_km(c, a) for a in anchors if a.key != c.key), default=1e9)
            if near < 50:
                s += 1.0
            elif near < 250:
                s += 0.6
        return s

    def _resolve(self, mentions: list[_Mention], focus: dict[str, float], anchors: list[GeoCandidate],
                 admin_focus: dict[tuple[str, str], float] | None = None,
                 own_focus: dict[int, dict[str, float]] | None = None) -> None:
        """Pick the best candidate of every mention. ``own_focus`` (by mention index) replaces the
        document focus for a mention whose own earlier choice must not count towards it."""
        for k, m in enumerate(mentions):
            if not m.candidates:
                m.best, m.score, m.why = None, 0.0, "not in gazetteer"
                continue
            f = own_focus.get(k, focus) if own_focus is not None else focus
            cands = m.candidates[:60]
            scored = sorted(((self._score(m, c, f, anchors, admin_focus), c) for c in cands),
                            key=lambda x: (-x[0], -x[1].population))
            best_s, best = scored[0]
            z = sum(math.exp(3 * (s - best_s)) for s, _ in scored)
            m.best, m.score = best, round(1.0 / z, 3)
            m.distrusted = False
            bits = [f"{len(cands)} candidate(s)"]
            if m.qualifier_country:
                bits.append(f"qualifier {m.qualifier_country}{'/' + m.qualifier_admin1 if m.qualifier_admin1 else ''}")
            if best.country2 and f.get(best.country2):
                bits.append(f"document focus {best.country2} {f[best.country2]:.2f}")
            if self._alternate_abroad(m, best, f, anchors):
                # a name that only matches an alternate name of a place in a country the document
                # is not about ("Dras" -> Durres, Albania) is more likely a place the gazetteer lacks
                m.best, m.score, m.distrusted = None, 0.0, True
                bits = [f"not resolved: only an alternate name of {best.name} ({best.country2}), outside "
                        f"the document's focus, with no nearby place or qualifier"]
            m.why = "; ".join(bits)

    @staticmethod
    def _alternate_abroad(m: _Mention, c: GeoCandidate, focus: dict[str, float],
                          anchors: list[GeoCandidate]) -> bool:
        """Whether the chosen candidate is matched only through an alternate name (not its main
        name), lies in a country with little or no share of a document that has a clear focus
        elsewhere, and has no support from a qualifier or a nearby resolved place."""
        if c.main_name_match or c.is_country or c.source in ("user", "regions", "countries", "continents"):
            return False
        if m.qualifier_country or not focus:
            return False
        share = focus.get(c.country2 or "", 0.0)
        if share >= ALT_MIN_SHARE or max(focus.values()) < STRONG_FOCUS - 0.2:
            return False
        if any(a.key != c.key and _km(c, a) < 250 for a in anchors):
            return False
        return len(fold(m.text)) <= ALT_SHORT_NAME or len({o.country2 for o in m.candidates}) > 1

    def annotate(self, doc: "Doc", exclude: Sequence[tuple[int, int]] = (),
                 title: str | None = None) -> list[PlaceMention]:
        """Every toponym in doc.text (char offsets into doc.text), resolved or not, with sentence_index."""
        mentions = self._find(doc, exclude)
        title_cands: list[list[GeoCandidate]] = []
        if title:
            for name in re.findall(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*", title):
                key = fold(name)
                if key not in self._stop and key not in self._demonyms:
                    cands = self._lookup(name)
                    if cands and (cands[0].feature_class != "P" or cands[0].population >= MIN_POP_BARE):
                        title_cands.append(cands)
        focus = self._focus(mentions, title_cands)
        doc.user_data[_TITLE_KEY] = {fold(c[0].name) for c in title_cands} | {
            fold(name) for name in re.findall(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*", title or "")}
        self._qualifiers(doc, mentions)
        self._resolve(mentions, focus, [])
        anchors = [m.best for m in mentions if m.best is not None and not m.best.is_country and m.score >= 0.8
                   and (m.best.population >= MIN_POP_EVIDENCE or m.best.feature_class != "P")]
        # refocus on what pass 1 resolved, then resolve again with the anchors
        # (leave-one-out: a name's own pass-1 choices do not count towards its focus)
        weights: Counter[str] = Counter()
        by_name: dict[str, Counter[str]] = {}
        for m in mentions:
            if m.best is not None and m.best.country2:
                w = 1.0 if m.best.is_country else 0.5 + 0.5 * m.score
                weights[m.best.country2] += w
                by_name.setdefault(fold(m.text), Counter())[m.best.country2] += w
        for cands in title_cands:
            if cands[0].country2:
                weights[cands[0].country2] += 0.5
        total = sum(weights.values())
        focus2 = {k: v / total for k, v in weights.items()} if total else focus
        own_focus: dict[int, dict[str, float]] = {}
        for k, m in enumerate(mentions):
            own = by_name.get(fold(m.text))
            if not own or not m.candidates or m.candidates[0].is_country:
                continue
            rest = weights - own
            n = sum(rest.values())
            own_focus[k] = {c: v / n for c, v in rest.items()} if n else focus
        self._resolve(mentions, focus2, anchors, self._admin_focus(mentions), own_focus)
        self._contain(doc, mentions)
        return [self._to_record(m) for m in mentions
                if not (m.distrusted and m.source.startswith("gazetteer") and ":" not in m.source.split(";")[0])]

    def _contain(self, doc: "Doc", mentions: list[_Mention]) -> None:
        """Place names the gazetteer lacks at the place that contains them: "a market in X, in Y
        governorate" -> Y; "the X neighbourhood" -> the town named before it in the paragraph, else
        the town the document names most often. The mention keeps its own text; the reason says so."""
        text = doc_text(doc)
        paras = self._paragraph_of(doc)
        towns = Counter(m.best.key for m in mentions if m.best is not None and m.best.feature_class == "P")
        for k, m in enumerate(mentions):
            if m.best is not None or not m.source.startswith(("place-noun", "gazetteer:NORP", "ner:")):
                continue
            nxt = mentions[k + 1] if k + 1 < len(mentions) else None
            if nxt is not None and nxt.best is not None and not nxt.best.is_country \
                    and nxt.sentence_index == m.sentence_index \
                    and re.fullmatch(r",\s*(?:in|near)\s+(?:the\s+)?", text[m.end:nxt.start]):
                m.best, m.score = nxt.best, round(0.8 * nxt.score, 3)
                m.why = f"not in gazetteer; located by the qualifier {nxt.text}"
                continue
            after = doc[m.tok_end] if m.tok_end < len(doc) else None
            if after is None or self._place_nouns.get(after.lemma_.lower()) != "subcity":
                continue
            before = [o for o in mentions[:k] if o.best is not None and o.best.feature_class == "P"
                      and o.score >= 0.5 and paras[o.sentence_index] == paras[m.sentence_index]]
            if before:
                town, why = before[-1], "the town named before it in the paragraph"
            else:
                ranked = [o for o in mentions if o.best is not None and o.best.feature_class == "P"
                          and towns[o.best.key] >= 2]
                if not ranked:
                    continue
                town = max(ranked, key=lambda o: (towns[o.best.key], -o.start))
                why = "the town the document names most often"
            m.best, m.score = town.best, round(0.8 * town.score, 3)
            m.why = f"not in gazetteer; part of {town.text} ({why})"

    def _to_record(self, m: _Mention) -> PlaceMention:
        c = m.best
        if c is None:
            return PlaceMention(m.start, m.end, m.text, score=0.0, sentence_index=m.sentence_index,
                                reason=f"{m.source}; {m.why}")
        return PlaceMention(
            start=m.start, end=m.end, text=m.text, name=c.name, geonameid=c.geonameid,
            latitude=c.latitude, longitude=c.longitude, country=c.country, admin1=c.admin1,
            feature_class=c.feature_class, feature_code=c.feature_code, population=c.population,
            geo_precision=c.precision if c.latitude is not None else "none", score=m.score,
            reason=f"{m.source}; {m.why}", sentence_index=m.sentence_index)

    # ------------------------------------------------------------------ event place
    def link(self, doc: "Doc", trigger_token: int, sentence_index: int, places: list[PlaceMention],
             exclude: Sequence[tuple[int, int]] = ()) -> PlaceMention | None:
        """The place of the event whose trigger head is doc[trigger_token]; returns a PlaceMention
        (a copy) with geo_precision set and `reason` explaining the choice, or None.
        `exclude`: char spans of the event's actor/recipient (a place inside an actor phrase such as
        'Azerbaijani forces stationed in Shusha' is not automatically the event place).

        Order: a place argument of the trigger in the parse (a place inside the event's target
        phrase counts as the target's location: "attacked positions near X"); a back-reference
        ("the town", "this operation", "the siege") to an earlier place or event; the most specific
        place of the sentence; the place of the previous event of the same paragraph (the sentence
        names no place); the place of the section heading; a place of the sentence outside the
        event's clause; the document's main place; a place inside the actor/recipient.
        Each chosen place is remembered per Doc (``doc.user_data``) for the paragraph rule, so
        events should be linked in document order."""
        if not 0 <= trigger_token < len(doc):
            return None
        place = self._link(doc, trigger_token, sentence_index, places, exclude)
        if place is not None and not place.reason.startswith("actor:"):
            doc.user_data.setdefault(_MEMORY_KEY, {})[sentence_index] = place
        return place

    def _link(self, doc: "Doc", trigger_token: int, sentence_index: int, places: list[PlaceMention],
              exclude: Sequence[tuple[int, int]]) -> PlaceMention | None:
        in_sent = [p for p in places if p.sentence_index == sentence_index and not self._destination(doc, p)]
        trigger = doc[trigger_token]
        exclude = [e for e in exclude if not self._place_phrase(doc, e, in_sent)]
        free = [p for p in in_sent if not any(_overlaps((p.start, p.end), e) for e in exclude)
                and not self._metonym(doc, p)]
        held = [p for p in in_sent if p not in free]
        targets = self._target_places(doc, trigger, exclude, held)

        # 1. the trigger's arguments in the parse
        dist = self._arg_distances(trigger, exclude)
        scored: list[tuple[tuple, PlaceMention, str]] = []
        for p in free:
            toks = self._tokens(doc, p)
            d = min((dist[t] for t in toks if t in dist), default=None)
            if d is None:
                continue
            d += self._role_penalty(doc, toks)
            scored.append(((d, PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)), p,
                           f"parse: argument of '{trigger.text}' at depth {d}"))
        for p, d in targets:
            scored.append(((d, PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)), p,
                           f"parse: place of the target of '{trigger.text}' at depth {d}"))
        scored = [x for x in scored if x[0][0] <= 6]
        best = min(scored, key=lambda x: x[0]) if scored else None
        if best is not None:
            best = self._more_specific(best, scored)
            best = self._chain_head(doc, best, in_sent)
        anaphor = self._anaphor(doc, trigger, dist, places, sentence_index)
        if anaphor is not None and (best is None or anaphor[0] < best[0][0]):
            return self._copy(anaphor[1], f"context: '{anaphor[2]}' refers to {anaphor[1].text} "
                                          f"(sentence {anaphor[1].sentence_index})")
        if best is None or best[0][0] >= 3:
            event = self._event_anaphor(doc, trigger, sentence_index, places)
            if event is not None:
                return self._copy(event[0], event[1])
        if best is not None:
            return self._copy(best[1], best[2])
        unresolved = self._unresolved_argument(doc, {i: d for i, d in dist.items() if d <= 3}, places, exclude)
        if unresolved is not None:
            return unresolved
        # 2. the most specific place of the sentence (not one inside a relative clause about
        # something else or inside the phrase of whoever reports the event)
        aside = [p for p in free if self._aside(doc, p, trigger)]
        main = [p for p in free if p not in aside]
        if main:
            p = min(main, key=lambda p: (self._fallback_rank(p), self._in_parentheses(doc, p),
                                         abs(p.start - trigger.idx)))
            return self._copy(p, "sentence: most specific place of the sentence")
        if not aside:  # the sentence names no known place: an unknown name after a locative preposition
            sent = doc[trigger.i].sent
            unresolved = self._unresolved_argument(
                doc, {t.i: 10 + abs(t.i - trigger.i) for t in sent}, places, exclude)
            if unresolved is not None:
                return unresolved
        # 3. the sentence names no place: the place of the previous event of the paragraph
        prev = self._previous_event_place(doc, sentence_index)
        if prev is not None:
            return self._copy(prev, f"context: sentence names no place; place of the previous event of "
                                    f"the paragraph (sentence {prev.sentence_index})")
        # 4. the place the section heading names ("## Siege of X"), for sentences that name none
        heading = self._heading_place(doc, sentence_index, places)
        if heading is not None:
            return self._copy(heading, f"section: place of the heading (sentence {heading.sentence_index})")
        # 5. a place of the sentence outside the event's own clause (not the seat of whoever reports
        # it: "the office in X said fighters had shot ..." is told from X, not about it)
        reporters = [p for p in aside if self._aside(doc, p, trigger, reporter=True)]
        aside_ok = [p for p in aside if p not in reporters]
        if aside_ok:
            p = min(aside_ok, key=lambda p: (self._fallback_rank(p), abs(p.start - trigger.idx)))
            return self._copy(p, "sentence: only place of the sentence, outside the event's clause")
        if reporters:
            main_place = self._main_place(doc, places)
            if main_place is not None:
                return self._copy(main_place, f"document: the sentence only names where the report comes "
                                              f"from; main place of the document ({main_place.text})")
            p = min(reporters, key=lambda p: (self._fallback_rank(p), abs(p.start - trigger.idx)))
            return self._copy(p, "sentence: only place of the sentence, outside the event's clause")
        # 6. the main place of the document (the populated place it names most often): a place
        # inside the actor/recipient phrase is mostly an origin or affiliation ("troops from X")
        main_place = self._main_place(doc, places)
        if main_place is not None:
            return self._copy(main_place, f"document: sentence and paragraph name no place; main place of "
                                          f"the document ({main_place.text})")
        # 7. an actor/recipient phrase is the only place (an acting government or affiliation such
        # as "Russia's ambassador" last)
        affiliations = [p for p in held if self._metonym(doc, p)
                        and not any(_overlaps((p.start, p.end), e) for e in exclude)]
        held = [p for p in held if p not in affiliations]
        if held:
            p = min(held, key=lambda p: (PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)))
            return self._copy(p, "actor: only place of the sentence is inside the actor/recipient")
        if affiliations:
            p = min(affiliations, key=lambda p: (PRECISION_RANK.get(p.geo_precision, 2), abs(p.start - trigger.idx)))
            return self._copy(p, "actor: only place of the sentence names an acting government or affiliation")
        return None

    def _unresolved_argument(self, doc: "Doc", ranked: dict[int, int], places: list[PlaceMention],
                             exclude: Sequence[tuple[int, int]]) -> PlaceMention | None:
        """A capitalised name that the gazetteer does not know but that is the object of a locative
        preposition ("clashes broke out near Xville") or the unlabelled object of a verb ("shelled
        Xville") among ``ranked`` tokens (token index -> rank, lower first: the trigger's arguments,
        or any token of a sentence that names no known place): an unresolved place (geo_precision
        'none'), unless other evidence says it names a person, group or document (a PERSON tag, an
        organisation word such as Front/Army/Party/Resolution, an acronym, digits, a title, the name
        acting as a subject elsewhere, a known place name, a demonym or stoplisted word)."""
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
            if any(_overlaps((span.start_char, span.end_char), e) for e in list(exclude) + known):
                continue
            key = fold(span.text)
            if key in self._stop or key in self._demonyms or self._is_demonym(span) or self._lookup(span.text):
                continue
            if any(fold(t.text) in self._organisation_words or fold(t.text) in self._institutions
                   or t.text.isupper() or any(c.isdigit() for c in t.text) for t in span):
                continue  # a group, a document ("Resolution"), an acronym or a designation ("Su-24")
            if not self._never_an_actor(doc, span):
                continue
            if best is None or d < best[0]:
                best = (d, i, span)
        if best is None:
            return None
        span = best[2]
        return PlaceMention(start=span.start_char, end=span.end_char, text=span.text, geo_precision="none",
                            reason=f"parse: unresolved name '{span.text}', {doc[best[1]].dep_} of '{doc[best[1]].head.text}' "
                                   f"(not in the gazetteer)",
                            sentence_index=next((si for si, s in enumerate(doc.sents)
                                                 if s.start <= span.start < s.end), -1))

    @staticmethod
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

    def _metonym(self, doc: "Doc", p: PlaceMention) -> bool:
        """Whether the place is the acting subject of a verb with an object or a reported clause
        ("Moscow denied any involvement", "Kyiv said that ..."): it names a government, not where
        the event happened."""
        toks = self._tokens(doc, p)
        if not toks:
            return False
        root = self._phrase_head(doc, toks)
        if root.dep_ == "poss" and p.geo_precision == "country" \
                and not self._place_nouns.get(root.head.lemma_.lower()):
            return True  # "Russia's ambassador said ...": an affiliation, not a location
        while root.dep_ == "conj" and root.head.i != root.i:
            root = root.head  # "the United States and the United Kingdom urged ..."
        if root.dep_ != "nsubj" or root.head.pos_ not in ("VERB", "AUX"):
            return False
        if fold(root.head.lemma_) in self._experiencer_verbs:
            return False  # "X faced a blockade": X undergoes the event, it is where it happened
        return any(c.dep_ in ("dobj", "obj", "ccomp", "xcomp") for c in root.head.children)

    def _aside(self, doc: "Doc", p: PlaceMention, trigger: "Token", reporter: bool = False) -> bool:
        """Whether the place lies outside the trigger's own clause: inside a relative clause that does
        not contain the trigger ("the agreement, which provides for a ceasefire in X"), or inside the
        subject of a verb that governs the trigger ("the office in X said ... had shot")."""
        toks = self._tokens(doc, p)
        if not toks:
            return False
        tok = doc[toks[0]]
        ancestors = {a.i for a in trigger.ancestors} | {trigger.i}
        for a in [tok, *tok.ancestors]:
            if a.i in ancestors:
                return False
            if a.dep_ == "relcl":
                return not reporter
            if a.dep_ in ("nsubj", "nsubjpass") and a.head.i in ancestors and a.head.i != trigger.i:
                return fold(a.head.lemma_) not in self._experiencer_verbs  # "X faced a blockade" is about X
        return False

    def _main_place(self, doc: "Doc", places: list[PlaceMention]) -> PlaceMention | None:
        """The populated place the document names most often (at least twice, not as an acting
        subject); ties go to the earlier one."""
        counts: Counter[int] = Counter()
        first: dict[int, PlaceMention] = {}
        for p in places:
            if p.geo_precision != "populated_place" or p.geonameid is None or self._metonym(doc, p):
                continue
            counts[p.geonameid] += 1
            first.setdefault(p.geonameid, p)
        if not counts:
            return None
        gid, n = max(counts.items(), key=lambda x: (x[1], -first[x[0]].start))
        return first[gid] if n >= 2 else None

    @staticmethod
    def _chain_head(doc: "Doc", best: tuple[tuple, PlaceMention, str], in_sent: list[PlaceMention]
                    ) -> tuple[tuple, PlaceMention, str]:
        """A place chosen by the parse that only qualifies the place before it ("a market in X, in Y
        governorate", "in X, near Y") gives way to that more specific place X."""
        p = best[1]
        text = doc_text(doc)
        for q in in_sent:
            if q.end <= p.start and q.geo_precision != "country" and q.sentence_index == p.sentence_index \
                    and re.fullmatch(r",\s*(?:in|near)\s+(?:the\s+)?", text[q.end:p.start]) \
                    and PRECISION_RANK.get(q.geo_precision, 2) <= PRECISION_RANK.get(p.geo_precision, 2):
                return best[0], q, f"{best[2]}; the most specific place of '{q.text}, in {p.text}'"
        return best

    @staticmethod
    def _more_specific(best: tuple[tuple, PlaceMention, str], scored: list[tuple[tuple, PlaceMention, str]]
                       ) -> tuple[tuple, PlaceMention, str]:
        """A country or region chosen by the parse gives way to a town inside it that is an argument
        nearly as close ("in the capital of X, Y", "in Y, X"): the town is the more precise place."""
        p = best[1]
        if p.geo_precision not in ("country", "admin_region") or not p.country:
            return best
        inner = [x for x in scored if x[1].geo_precision == "populated_place" and x[1].country == p.country
                 and x[0][0] <= best[0][0] + 1 and (p.geo_precision == "country" or x[1].admin1 == p.admin1)]
        if not inner:
            return best
        x = min(inner, key=lambda x: x[0])
        return x[0], x[1], x[2] + f"; more specific than {p.text}"

    def _target_places(self, doc: "Doc", trigger: "Token", exclude: Sequence[tuple[int, int]],
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
            toks = self._tokens(doc, p)
            if not toks:
                continue
            root = self._phrase_head(doc, toks)
            for _ in range(8):  # up to the phrase that is the trigger's object
                if root.head.i in heads and (root.dep_ in ("dobj", "obj", "nsubjpass") or (
                        root.dep_ == "pobj" and trigger.pos_ == "NOUN")):
                    break
                if root.dep_ == "pobj" and root.head.head.i in heads and root.head.lower_ in ("on", "against") \
                        or root.head.i == root.i:
                    break
                if root.dep_ == "prep" and root.head.i in heads and root.lower_ in LOCATIVE_PREPS \
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
            depth = self._target_depth(doc, p, root)
            if depth is not None:
                out.append((p, 1 + depth))
        return out

    def _destination(self, doc: "Doc", p: PlaceMention) -> bool:
        """Whether the place is where a withdrawal goes ("fled to X", "retreat north to X"): the place
        of a withdrawal is where it starts, so the destination is never an event place."""
        toks = self._tokens(doc, p)
        if not toks:
            return False
        return self._destination_token(self._phrase_head(doc, toks))

    def _destination_token(self, tok: "Token") -> bool:
        """Whether the phrase headed by ``tok`` is the destination of a withdrawal verb."""
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and self._place_nouns.get(tok.head.head.lower_):
            tok = tok.head.head  # "to the city of X"
        elif tok.dep_ in ("appos", "compound") and self._place_nouns.get(tok.head.lower_):
            tok = tok.head  # "to the town X"
        if tok.dep_ != "pobj" or tok.head.lower_ not in ("to", "toward", "towards", "into"):
            return False
        verb = tok.head.head
        if verb.dep_ in ("npadvmod", "advmod") and verb.head.i != verb.i:
            verb = verb.head  # "retreat north to X"
        return fold(verb.lemma_) in self._withdrawal_verbs

    def _target_depth(self, doc: "Doc", p: PlaceMention, root: "Token") -> int | None:
        """Steps from the head of a target phrase down to the place, through its own noun phrase and
        locative prepositions only (no clauses, no 'of'-affiliations of non-place nouns); else None."""
        toks = self._tokens(doc, p)
        if not toks:
            return None
        if root.i in toks:
            return 0
        tok = self._phrase_head(doc, toks)
        steps = 0
        while tok.i != root.i:
            head = tok.head
            if head.i == tok.i or steps > 5:
                return None
            if tok.dep_ in ("compound", "amod", "nmod") and not self._place_nouns.get(head.lemma_.lower()):
                return None  # a modifier of a non-place noun is an affiliation ("the Karabakh defence")
            if tok.dep_ in ("compound", "appos", "amod", "nmod", "npadvmod"):
                pass
            elif tok.dep_ == "pobj":
                if head.lower_ not in LOCATIVE_PREPS:
                    return None
                if head.lower_ in NON_TARGET_PREPS and not (
                        head.lower_ == "of" and self._place_nouns.get(head.head.lemma_.lower())):
                    return None
            elif tok.dep_ != "prep":
                return None
            tok = head
            steps += 1
        return min(steps, 3)

    def _paragraph_of(self, doc: "Doc") -> list[int]:
        """Paragraph number of each sentence (a new paragraph starts after a line break)."""
        cached = doc.user_data.get("eventextract.paragraphs")
        if cached is not None:
            return cached
        full = doc_text(doc)
        out: list[int] = []
        para = 0
        prev_end = None
        for sent in doc_sents(doc):
            if prev_end is not None:
                gap = full[prev_end:sent.start_char]
                if "\n" in gap:
                    para += 1
            out.append(para)
            body = sent.text.rstrip()
            prev_end = sent.start_char + len(body)
        doc.user_data["eventextract.paragraphs"] = out
        return out

    def _previous_event_place(self, doc: "Doc", sentence_index: int) -> PlaceMention | None:
        """The place linked to the latest earlier event of the same paragraph (or None)."""
        memory: dict[int, PlaceMention] = doc.user_data.get(_MEMORY_KEY, {})
        paras = self._paragraph_of(doc)
        if sentence_index >= len(paras):
            return None
        earlier = [si for si in memory if si < sentence_index and paras[si] == paras[sentence_index]]
        return memory[max(earlier)] if earlier else None

    def _event_anaphor(self, doc: "Doc", trigger: "Token", sentence_index: int,
                       places: list[PlaceMention]) -> tuple[PlaceMention, str] | None:
        """"This operation failed", "the siege was lifted": an event told before. 'this/that X' is the
        previous event of the paragraph; 'the X' is the latest earlier mention of the same noun in the
        section (a heading "X under siege", or a sentence whose event has a place)."""
        nouns = [t for t in [trigger, *trigger.children]
                 if t.pos_ == "NOUN" and (t is trigger or t.dep_ in ("nsubj", "nsubjpass"))
                 and fold(t.lemma_) in self._event_nouns and not t.ent_type_]
        sents = doc_sents(doc)
        for noun in nouns:
            dets = [c.lower_ for c in noun.children if c.dep_ == "det"]
            if not dets or any(c.dep_ == "prep" for c in noun.children):
                continue
            if dets[0] in DEMONSTRATIVES:
                prev = self._previous_event_place(doc, sentence_index)
                if prev is not None:
                    return prev, f"context: '{dets[0]} {noun.text}' is the previous event (sentence {prev.sentence_index})"
                continue
            if dets[0] != "the":
                continue
            lemma = noun.lemma_.lower()
            memory: dict[int, PlaceMention] = doc.user_data.get(_MEMORY_KEY, {})
            for si in range(sentence_index - 1, max(-1, sentence_index - 15), -1):
                sent = sents[si]
                if not any(t.lemma_.lower() == lemma for t in sent):
                    if self._is_heading_cached(doc, si):
                        break  # the section starts here
                    continue
                own = self._noun_place(doc, sent, lemma, places, si)
                if own is not None:
                    return own, f"context: 'the {noun.text}' refers back to sentence {si}, which places it in {own.text}"
                if self._is_heading_cached(doc, si):
                    place = self._heading_place(doc, si, places)
                elif si in memory:
                    place = memory[si]
                else:
                    continue
                if place is not None:
                    return place, f"context: 'the {noun.text}' refers back to sentence {si} ({place.text})"
                break
        return None

    @staticmethod
    def _noun_place(doc: "Doc", sent: "Span", lemma: str, places: list[PlaceMention],
                    si: int) -> PlaceMention | None:
        """The place an earlier mention of an event noun carries itself ("a ceasefire in the city
        and governorate of X"): the most specific resolved place inside its locative phrase."""
        for tok in sent:
            if tok.lemma_.lower() != lemma:
                continue
            for prep in tok.children:
                if prep.dep_ != "prep" or prep.lower_ not in ("in", "at", "near", "around", "across", "along"):
                    continue
                lo, hi = prep.left_edge.idx, prep.right_edge.idx + len(prep.right_edge)
                inside = [p for p in places if p.sentence_index == si and lo <= p.start and p.end <= hi
                          and p.geo_precision not in ("none", "country")]
                if inside:
                    return min(inside, key=lambda p: (PRECISION_RANK.get(p.geo_precision, 2), p.start))
        return None

    def _is_heading_cached(self, doc: "Doc", si: int) -> bool:
        flags = doc.user_data.setdefault("eventextract.heading_flags", {})
        if si not in flags:
            flags[si] = self._is_heading(doc_sents(doc)[si])
        return flags[si]

    @staticmethod
    def _fallback_rank(p: PlaceMention) -> int:
        """Specificity of a place for the sentence fallback; a named village the gazetteer lacks
        ("the village of X") is as specific as a resolved town."""
        if p.geo_precision == "none" and p.reason.startswith("place-noun"):
            return PRECISION_RANK["populated_place"]
        return PRECISION_RANK.get(p.geo_precision, 2)

    @staticmethod
    def _in_parentheses(doc: "Doc", p: PlaceMention) -> bool:
        """Whether the place sits in a parenthesis of its sentence (background, not the event)."""
        sent = doc.char_span(p.start, p.end, alignment_mode="expand")
        if sent is None:
            return False
        before = doc_text(doc)[sent.sent.start_char:p.start]
        return before.count("(") > before.count(")")

    def _place_phrase(self, doc: "Doc", span: tuple[int, int], places: list[PlaceMention]) -> bool:
        """Whether an actor/recipient span is just a place ("Shusha", "the nearby Armenian village
        X"): then the place it names is the event's place too, not an actor's affiliation."""
        inside = [p for p in places if span[0] <= p.start and p.end <= span[1]]
        sub = doc.char_span(span[0], span[1], alignment_mode="expand")
        if not inside or sub is None or any(p.geo_precision == "country" for p in inside):
            return False  # a country named as actor ("Russia mediated") is not where it happened
        for t in sub:
            if any(p.start <= t.idx < p.end for p in inside):
                continue
            if t.pos_ in ("DET", "ADJ", "PUNCT", "CCONJ") or t.lemma_.lower() in self._place_nouns \
                    or fold(t.text) in self._demonyms:
                continue
            return False
        return True

    def _role_penalty(self, doc: "Doc", toks: list[int]) -> int:
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
            if noun.lemma_.lower() not in self._place_nouns and noun.pos_ in ("NOUN", "PROPN"):
                return 3
        if root.dep_ in ("compound", "amod", "nmod", "poss") and head.lemma_.lower() not in self._place_nouns:
            return 2
        return 0

    @staticmethod
    def _is_heading(sent: "Span") -> bool:
        text = sent.text.strip()
        if text.startswith("#"):
            return True
        doc = sent.doc
        full = doc_text(doc)
        after = full[sent.end_char:sent.end_char + 2]
        return ("\n" in text) is False and len(sent) <= 10 and not re.search(r"[.!?:;,\"”)]$", text) \
            and (after.startswith("\n") or sent.end_char >= len(full)) and not any(t.pos_ in ("VERB", "AUX") for t in sent)

    def _heading_place(self, doc: "Doc", sentence_index: int, places: list[PlaceMention]) -> PlaceMention | None:
        """The single resolved place named by the nearest heading before the sentence (or None)."""
        sents = doc_sents(doc)
        flags = doc.user_data.setdefault("eventextract.heading_flags", {})
        for si in range(min(sentence_index, len(sents) - 1), -1, -1):
            if si not in flags:
                flags[si] = self._is_heading(sents[si])
            if flags[si]:
                named = [p for p in places if p.sentence_index == si and p.geo_precision != "none"]
                if len(named) == 1 and named[0].geo_precision != "country":
                    return named[0]
                return None
        return None

    @staticmethod
    def _phrase_head(doc: "Doc", toks: list[int]) -> "Token":
        """The token of a place mention that governs the others (walking up from its first token)."""
        tok = doc[toks[0]]
        while tok.head.i in toks and tok.head.i != tok.i:
            tok = tok.head
        return tok

    @staticmethod
    def _tokens(doc: "Doc", p: PlaceMention) -> list[int]:
        span = doc.char_span(p.start, p.end, alignment_mode="expand")
        return [t.i for t in span] if span is not None else []

    @staticmethod
    def _arg_distances(trigger: "Token", exclude: Sequence[tuple[int, int]]) -> dict[int, int]:
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

    def _anaphor(self, doc: "Doc", trigger: "Token", dist: dict[int, int], places: list[PlaceMention],
                 sentence_index: int) -> tuple[int, PlaceMention, str] | None:
        """'the town' / 'the city' among the trigger's arguments -> the last populated place before."""
        for i, d in sorted(dist.items(), key=lambda x: x[1]):
            tok = doc[i]
            if self._place_nouns.get(tok.lower_) != "settlement" or tok.ent_type_:
                continue
            if not any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children):
                continue
            if self._destination_token(tok):
                continue  # "fled to the capital": a withdrawal happens where it starts
            sub = (tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge))
            if any(sub[0] <= p.start and p.end <= sub[1] for p in places):
                continue  # "the town of X": X itself is the argument
            before = [p for p in places if p.end <= tok.idx and p.geo_precision == "populated_place"
                      and not self._named_as_other_kind(doc, p, tok.lower_) and not self._metonym(doc, p)]
            if not before:
                continue
            paras = self._paragraph_of(doc)
            same = [p for p in before if paras[p.sentence_index] == paras[sentence_index]
                    and not self._reference_point(doc, p)]
            noun = tok.lemma_.lower()
            introduced = {p.geonameid or p.text for p in before if self._introduced_as(doc, p, noun)}
            main = self._main_place(doc, places)
            heading = self._heading_place(doc, sentence_index, places)
            if heading is not None and heading.geo_precision == "populated_place" and len(same) > 1 \
                    and heading.geonameid in {p.geonameid for p in same} \
                    and (same[-1].geonameid or same[-1].text) not in introduced \
                    and not self._named_as_other_kind(doc, heading, noun):
                # the section is about a town the paragraph names again among others ("## Fall of X"
                # ... "bombarded Y from X" ... "took the town"): the heading's town is the referent,
                # unless the paragraph's last place was introduced with this very noun
                return d, heading, f"the {tok.text}"
            if same and not (main is not None and main.geonameid in introduced
                             and main.geonameid not in {p.geonameid for p in same}):
                # the last such place of the paragraph, unless the document's main place was
                # introduced with this very noun ("the port city of X" ... "advanced into the city")
                return d, same[-1], f"the {tok.text}"
            if heading is not None and heading.geo_precision == "populated_place" and not same:
                return d, heading, f"the {tok.text}"
            titled: set[str] = doc.user_data.get(_TITLE_KEY, set())
            counts = Counter(p.geonameid or p.text for p in before)

            def salience(p: PlaceMention) -> tuple[float, int]:
                """The antecedent: a place introduced with the same noun ("the port city of X"), of
                the same paragraph or heading, named often and recently; not a reference point."""
                s = 3.0 if (p.geonameid or p.text) in introduced else 0.0
                if paras[p.sentence_index] == paras[sentence_index]:
                    s += 1.0 + (0.5 if same and p is same[-1] else 0.0)
                elif sentence_index - 6 <= p.sentence_index:
                    s += 0.5
                if heading is not None and heading.geonameid == p.geonameid:
                    s += 1.0
                s += 0.3 * min(counts[p.geonameid or p.text], 5)
                if fold(p.text) in titled:
                    s += 1.0
                if self._reference_point(doc, p):
                    s -= 1.0
                return s, p.start
            return d, max(before, key=salience), f"the {tok.text}"
        return None

    def _introduced_as(self, doc: "Doc", p: PlaceMention, noun: str) -> bool:
        """Whether the text names the place with this settlement noun ("the town of X", "the port city
        of X", "the city X", "X city")."""
        toks = self._tokens(doc, p)
        if not toks:
            return False
        before = self._noun_before(doc, toks)
        if before is not None and before.lemma_.lower() == noun:
            return True
        return toks[-1] + 1 < len(doc) and doc[toks[-1] + 1].lemma_.lower() == noun

    def _reference_point(self, doc: "Doc", p: PlaceMention) -> bool:
        """Whether the place only locates another one ("X, east of Y", "20 km north of Y")."""
        toks = self._tokens(doc, p)
        if not toks:
            return False
        k = toks[0] - 1
        return k >= 1 and doc[k].lower_ == "of" and doc[k - 1].lower_ in COMPASS | {"km", "kilometres", "miles"}

    def _named_as_other_kind(self, doc: "Doc", p: PlaceMention, noun: str) -> bool:
        """Whether the text introduced the place with a settlement noun of another size ("the village
        X" is not what a later "the city" refers to)."""
        toks = self._tokens(doc, p)
        if not toks:
            return False
        before = self._noun_before(doc, toks)
        if before is None or self._place_nouns.get(before.lemma_.lower()) != "settlement":
            return False
        return (before.lemma_.lower() in SMALL_SETTLEMENTS) != (noun in SMALL_SETTLEMENTS)

    @staticmethod
    def _noun_before(doc: "Doc", toks: list[int]) -> "Token | None":
        """The word that introduces a place mention ("the city X", "the town of X"), skipping 'of'."""
        k = toks[0] - 1
        if k >= 0 and doc[k].lower_ == "of":
            k -= 1
        return doc[k] if k >= 0 else None

    @staticmethod
    def _copy(p: PlaceMention, reason: str) -> PlaceMention:
        return dataclasses.replace(p, reason=reason)


def open_resolver(settings: Settings) -> PlaceResolver:
    """The resolver over the cached index for ``settings`` (built on first use)."""
    gaz = Gazetteer.open(Path(settings.cache_dir), settings.gazetteer_files)
    return PlaceResolver(gaz, settings)
