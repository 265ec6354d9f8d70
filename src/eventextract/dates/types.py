"""The typed values the steps of the dates stage pass to each other: what kind of expression a
candidate is, where its interval came from (the published ``anchor`` string is rendered from it),
and the relative expressions of the pattern file, classified once when the grammar is built."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Literal

from .calendar import Parts

#: the tense of the clause a time expression belongs to
Tense = Literal["past", "present", "future"]
#: the parts of speech of a clause's head (tense, linking)
VERB_POS = frozenset({"VERB", "AUX"})
#: "last Friday", "this June", "next Friday"; "" for a bare weekday
Relation = Literal["last", "this", "next", ""]


class Kind(enum.Enum):
    """What a candidate time expression is; decides how its interval is computed."""

    CAL = "cal"  # a calendar expression (Parts)
    RANGE = "range"  # two calendar expressions (Parts, Parts)
    PREV = "prev"  # relative to the previous date of the narrative
    PUB = "pub"  # relative to the published date
    WEEKDAY = "weekday"  # "on Friday", "next Friday"
    PUBMONTH = "pubmonth"  # "last June", "this June"
    DURATION = "duration"  # "for 3 days": never a date
    SPACY = "spacy"  # a spaCy DATE entity the grammar does not know (dateparser fallback)


class AnchorKind(enum.Enum):
    """Where the interval of a time expression came from (published as ``Timex.anchor``)."""

    EXPLICIT = "explicit"  # the text states it in full
    NARRATIVE = "narrative"  # missing parts from the narrative's anchor
    PUBLISHED = "published"  # counted from the published date
    PREVIOUS_EVENT = "previous_event"  # counted from the previous date of the narrative


@dataclass(frozen=True)
class RelSpec:
    """One relative expression of ``relative_previous``/``relative_published`` (pattern file)."""

    id: str  # the rule id, published as ``Timex.rule``
    kind: Kind  # Kind.PREV or Kind.PUB
    regex: re.Pattern[str]
    unit: str  # day | week | month | year | span, or "captured" (the text names it)
    offset: int  # the offset in units; with ``counted``, the sign of the count
    counted: bool  # offset N / -N: the captured count times ``offset``
    mode: str | None  # vague | part | rest_of | start_of | span
    part: str | None  # early | mid | late (mode part), unless the text names it
    length: int  # how many units the interval covers
    #: a calendar week (Monday..Sunday): "the following week", "last week" (not "two weeks later")
    calendar_week: bool
    #: a vague count ("days earlier"): yields to a date beside it in linking
    vague: bool


@dataclass
class Cand:
    """A candidate time expression found in the text (one document; selection may drop it)."""

    start: int
    end: int
    kind: Kind
    rule: str  # the rule id as published (a pattern id, ``range.<a>+<b>``, ``duration`` ...)
    parts: Parts | None = None
    parts2: Parts | None = None
    #: a relative expression: its spec; the count, unit and part the text gives
    rel: RelSpec | None = None
    n: int = 1
    unit: str = ""
    part: str | None = None
    #: a weekday or a month relative to the published date: last | this | next | ""
    relation: Relation = ""
    weekday: int | None = None  # Monday = 0
    entity: str | None = None  # the text of a spaCy DATE entity (for the dateparser fallback)
    priority: int = 0
    #: for ranges: the character spans of the two ends, returned as timexes of their own
    ends: tuple[tuple[int, int], tuple[int, int]] | None = None
    #: the news dateline at the head of the text (published with rule ``dateline``)
    dateline: bool = False

    @property
    def label(self) -> str:
        """The rule published for this expression."""
        return "dateline" if self.dateline else self.rule
