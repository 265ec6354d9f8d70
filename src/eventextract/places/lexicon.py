"""What the places stage loads once per process: the word lists of ``data/gazetteer``
(:class:`PlaceLexicon`), the thresholds and closed word sets of its rules, and :class:`PlaceRules`
(settings, gazetteer handle and lexicon together)."""
from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from ..config import Settings
from ..gazetteer import DATA_DIR, Gazetteer, fold

NER_PLACE_LABELS = {"GPE": 1.0, "LOC": 0.9, "FAC": 0.6}
#: entity labels whose tokens are never scanned for place names
BLOCKING_LABELS = {"NORP", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL",
                   "LANGUAGE", "LAW", "EVENT", "WORK_OF_ART", "PRODUCT"}
#: numeric entity labels: a span of them without any number-like token is a mislabel
NUMERIC_LABELS = {"MONEY", "QUANTITY", "CARDINAL", "PERCENT", "ORDINAL"}
#: determiners that make a noun refer back to something already told ("this operation", "the siege")
DEMONSTRATIVES = {"this", "that", "these", "those"}
#: settlement nouns that name small places ("the village X" is not what "the city" refers to)
SMALL_SETTLEMENTS = {"village", "hamlet", "settlement", "suburb", "outskirts"}
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
MOJIBAKE = re.compile(r"[ƒ…ôÃÂ√∂±]")
PRECISION_RANK = {"populated_place": 0, "admin_region": 1, "none": 2, "country": 3}


class PlaceNoun(enum.Enum):
    """The kind of a place noun (``data/gazetteer/place_nouns.txt``)."""

    SETTLEMENT = "settlement"  # "the town", "the village of X"
    AREA = "area"  # a division: "the X district", "the region of X"
    SUBCITY = "subcity"  # a part of a town: "the X neighbourhood"
    FEATURE = "feature"  # a natural or built feature


@dataclass(frozen=True)
class PlaceLexicon:
    """The word lists of ``data/gazetteer`` (folded where the file is), read once per process by
    :func:`load_lexicon`."""

    stop: frozenset[str]  # common words that are never toponyms on their own
    demonyms: frozenset[str]
    place_nouns: Mapping[str, PlaceNoun]  # noun -> kind
    state_abbrev: Mapping[str, str]  # AP-style abbreviation -> US state code
    abbrev_comma_only: frozenset[str]  # abbreviations that are also words: toponyms only after a comma
    institutions: frozenset[str]  # words that end an institution name ("University")
    event_nouns: frozenset[str]  # nouns that refer back to an event told before ("the siege")
    withdrawal_verbs: frozenset[str]
    demonym_countries: Mapping[str, str]  # irregular nationality adjective -> ISO alpha-2
    experiencer_verbs: frozenset[str]  # "X faced a blockade": the subject undergoes the event
    organisation_words: frozenset[str]


def _read_list(name: str) -> frozenset[str]:
    path = DATA_DIR / name
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(fold(line.split("\t")[0]))
    return frozenset(out)


@lru_cache(maxsize=1)
def load_lexicon() -> PlaceLexicon:
    """The data files of this stage, read once per process."""
    nouns: dict[str, PlaceNoun] = {}
    for line in (DATA_DIR / "place_nouns.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            noun, kind = line.split("\t")
            nouns[noun.strip()] = PlaceNoun(kind.strip())
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
    return PlaceLexicon(stop=_read_list("stoplist.txt"), demonyms=_read_list("demonyms.txt"),
                        place_nouns=MappingProxyType(nouns), state_abbrev=MappingProxyType(abbrev),
                        abbrev_comma_only=frozenset(comma_only),
                        institutions=_read_list("institution_words.txt"),
                        event_nouns=_read_list("event_nouns.txt"),
                        withdrawal_verbs=_read_list("withdrawal_verbs.txt"),
                        demonym_countries=MappingProxyType(demonym_countries),
                        experiencer_verbs=_read_list("experiencer_verbs.txt"),
                        organisation_words=_read_list("organisation_words.txt"))


@dataclass(frozen=True, eq=False)
class PlaceRules:
    """What the places stage loads once per process and shares between documents and threads:
    the settings, the gazetteer handle (one SQLite connection per thread) and the lexicon."""

    settings: Settings
    gazetteer: Gazetteer
    lexicon: PlaceLexicon

    @classmethod
    def load(cls, gazetteer: Gazetteer, settings: Settings | None = None) -> "PlaceRules":
        return cls(settings=settings or Settings(), gazetteer=gazetteer, lexicon=load_lexicon())
