"""Typed records passed between the stages of the data flow.

ingest -> ``Document``; nlp -> spaCy ``Doc`` (over ``Document.nlp_text``);
dates -> ``Timex``; places -> ``PlaceMention``; extract -> ``EventCandidate`` (with ``ActorRef``);
assembly -> ``EventRecord`` (one row of the events table, fields as in ``schemas/layout.yaml``).

Offsets inside ``Timex``/``PlaceMention``/``EventCandidate``/``Span`` are offsets into the text the
NLP stage saw (``Document.nlp_text``); the pipeline shifts them by ``Document.body_start`` into
document offsets when it assembles ``EventRecord`` rows.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Document:
    """One input document after ingest."""

    doc_id: str
    path: str
    format: str  # txt | md | html | jsonl
    sha256: str
    text: str = ""  # the document text all offsets index
    body_start: int = 0  # where the text handed to NLP begins (after YAML front matter)
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    encoding: str | None = None
    status: str = "ok"  # ok | empty | failed
    error: str | None = None

    @property
    def nlp_text(self) -> str:
        return self.text[self.body_start:]

    @property
    def n_chars(self) -> int:
        return len(self.text)


@dataclass(slots=True, frozen=True)
class Span:
    """A character span of the NLP text."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class Timex:
    """A time expression and the calendar interval it denotes."""

    start: int
    end: int
    text: str
    date_start: dt.date | None
    date_end: dt.date | None
    precision: str | None  # day | month | season | year | range
    anchor: str | None  # explicit | narrative | published | previous_event
    sentence_index: int = -1
    rule: str = ""
    # decisions the dates stage carries from finding to linking; ``rule`` and ``anchor`` are
    # the published renderings (these four fields are not published)
    range_end: bool = False  # one end of a range (rule ``<range rule>/start`` or ``/end``)
    dateline: bool = False  # the news dateline (rule ``dateline``): dates the report, not an event
    vague: bool = False  # a vague count relative to the previous date ("days earlier")
    explicit: bool = False  # the text states the interval itself (anchor ``explicit``)


@dataclass(slots=True)
class PlaceMention:
    """A toponym and its GeoNames resolution (None fields where unresolved)."""

    start: int
    end: int
    text: str
    name: str | None = None
    geonameid: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    country: str | None = None  # ISO 3166-1 alpha-3
    admin1: str | None = None
    feature_class: str | None = None  # GeoNames feature class: P (place), A (admin/country), ...
    feature_code: str | None = None
    population: int | None = None
    geo_precision: str = "none"  # populated_place | admin_region | country | none
    score: float = 0.0
    reason: str = ""
    sentence_index: int = -1
    #: found through a place noun ("the village of X"), not the gazetteer (the reason starts "place-noun")
    place_noun: bool = False


@dataclass(slots=True)
class ActorRef:
    """An actor slot: its span in the text and what the actor dictionary made of it.

    ``span`` is None for an actor the sentence does not name but the context gives (an agentless
    passive in a narrative whose side is clear): then only name/country/sector are set and
    ``resolution`` says where they came from."""

    span: Span | None
    name: str | None = None
    country: str | None = None  # alpha-3, ';'-joined for compound actors
    sector: str | None = None  # ';'-joined for compound actors
    members: tuple[str, ...] = ()
    #: dictionary | title | unknown | coreference | passive_agent | context
    resolution: str = "unknown"


@dataclass(slots=True)
class EventCandidate:
    """What the extract stage found in one sentence, before dates and places are attached."""

    sentence_index: int
    sentence: Span
    trigger: Span
    trigger_token: int  # index of the trigger's head token in the spaCy Doc
    event_type: str
    event_mode: str | None
    polarity: str
    rule_id: str
    confidence: float
    actor: ActorRef | None = None
    recipient: ActorRef | None = None
    speaker: Span | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    #: made by a derivation rule from an announced action or a refusal (``rule_id`` "derived.<how>.<rule>"),
    #: not by a trigger pattern directly
    derived: bool = False


@dataclass(slots=True)
class EventRecord:
    """One row of the mentions table (an event mention). Field names and order follow ``schemas/layout.yaml``;
    ``event_id`` is filled in by ``eventextract.aggregate`` over the whole release."""

    mention_id: str
    event_id: str | None
    doc_id: str
    source_path: str
    source_sha256: str
    source_url: str | None
    source_title: str | None
    published: dt.date | None
    sentence_index: int
    sentence_start: int
    sentence_end: int
    sentence_text: str
    trigger_text: str
    trigger_start: int
    trigger_end: int
    event_type: str
    event_mode: str | None
    quad_class: str
    cc_score: float | None
    cameo_root: str | None
    polarity: str
    actor_text: str | None = None
    actor_start: int | None = None
    actor_end: int | None = None
    actor_name: str | None = None
    actor_country: str | None = None
    actor_sector: str | None = None
    actor_resolution: str | None = None
    recipient_text: str | None = None
    recipient_start: int | None = None
    recipient_end: int | None = None
    recipient_name: str | None = None
    recipient_country: str | None = None
    recipient_sector: str | None = None
    speaker_text: str | None = None
    date_text: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    date_precision: str | None = None
    date_anchor: str | None = None
    place_text: str | None = None
    place_start: int | None = None
    place_end: int | None = None
    place_name: str | None = None
    geonameid: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    place_country: str | None = None
    admin1: str | None = None
    geo_precision: str = "none"
    place_reason: str | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    confidence: float = 0.0
    rule_id: str = ""
    extractor_version: str = ""
    model_name: str = ""
    model_version: str = ""
    ontology_version: str = ""
    gazetteer_version: str = ""
    run_id: str = ""
    extracted_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(slots=True)
class DocumentResult:
    """Everything the library produced for one document (what ``annotate`` prints)."""

    document: Document
    n_sentences: int = 0
    timexes: list[Timex] = field(default_factory=list)
    places: list[PlaceMention] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]
