"""The values the places stage passes between its steps: a toponym being resolved (:class:`Mention`),
how it was found (:class:`Found`, :class:`MentionSource`), what the stage returns for a document
(:class:`PlaceFindings`), one event to place (:class:`PlaceLinkRequest`) and the place chosen
for it (:class:`Linked`, :class:`LinkRule`)."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

from ..gazetteer import GeoCandidate
from ..records import PlaceMention


class MentionSource(enum.Enum):
    """The pass that found a toponym; the value starts its published ``reason``."""

    ABBREVIATION = "abbreviation"  # a US state abbreviation ("a Ga. pastor")
    CAPITAL = "descriptive"  # a descriptive mention of a national capital ("the Syrian capital")
    NER = "ner"  # a GPE/LOC/FAC entity of the model
    PLACE_NOUN = "place-noun"  # a name introduced by a place noun, not in the gazetteer ("the village of X")
    GAZETTEER = "gazetteer"  # a gazetteer name the model did not label as a place


@dataclass(frozen=True, slots=True)
class Found:
    """How a toponym was found: the pass, the entity label its span carried (``ner:GPE``,
    ``gazetteer:NORP``; None where it had none) and a free-text note ("institution name",
    "capital of AM")."""

    source: MentionSource
    label: str | None = None
    note: str = ""

    @property
    def labelled_by_norp(self) -> bool:
        """A gazetteer name the model tagged NORP ("the fall of Aleppo")."""
        return self.source is MentionSource.GAZETTEER and self.label == "NORP"

    @property
    def bare_gazetteer(self) -> bool:
        """A gazetteer match with no entity label at all: the weakest evidence."""
        return self.source is MentionSource.GAZETTEER and self.label is None

    def render(self) -> str:
        """The published text: ``ner:GPE``, ``gazetteer:ORG; institution name``, ``descriptive: capital of AM``."""
        if self.source is MentionSource.CAPITAL:
            return f"{self.source.value}: {self.note}"
        head = self.source.value if self.label is None else f"{self.source.value}:{self.label}"
        return f"{head}; {self.note}" if self.note else head


@dataclass
class Mention:
    """A toponym being resolved (internal)."""

    start: int
    end: int
    tok_start: int
    tok_end: int
    text: str
    source: Found
    sentence_index: int
    candidates: list[GeoCandidate] = field(default_factory=list)
    qualifier_country: str | None = None  # alpha-2
    qualifier_admin1: str | None = None
    area_noun: bool = False  # followed by a division noun ("the X province")
    best: GeoCandidate | None = None
    score: float = 0.0
    why: str = ""
    distrusted: bool = False  # left unresolved: only an alternate name of a place abroad


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass(frozen=True)
class PlaceFindings:
    """What :func:`resolve_places` finds in a document and :func:`link_places` needs: every toponym
    (text order, resolved or not) and the folded capitalised names of the document's title."""

    places: list[PlaceMention]
    title_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlaceLinkRequest:
    """One event to place: its trigger's head token, its sentence, and the char spans of its
    actor/recipient phrases (a place inside them is not automatically the event's place)."""

    trigger_token: int
    sentence_index: int
    exclude: tuple[tuple[int, int], ...] = ()


class LinkRule(enum.Enum):
    """The rule that chose an event's place; the value starts its published ``reason``."""

    PARSE = "parse"  # an argument of the trigger in the parse
    CONTEXT = "context"  # a back-reference, or the place of the previous event of the paragraph
    SENTENCE = "sentence"  # a place of the event's sentence
    SECTION = "section"  # the place of the section heading
    DOCUMENT = "document"  # the main place of the document
    ACTOR = "actor"  # a place inside the actor/recipient phrase (not remembered for later events)


@dataclass(frozen=True)
class Linked:
    """An event's place (a copy of the mention, its ``reason`` rendered) and the rule that chose it."""

    place: PlaceMention
    rule: LinkRule

    @classmethod
    def of(cls, p: PlaceMention, rule: LinkRule, why: str) -> "Linked":
        return cls(dataclasses.replace(p, reason=f"{rule.value}: {why}"), rule)
