"""Values private to the events stage: a trigger found in a sentence (before roles and polarity),
how its polarity was stated, how a derived event was derived, and what the stage knows about the
one document it works on. The provenance string ``rule_id`` is rendered from these typed values;
no decision reads it back."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

    from ..context import DocContext
    from .patterns import VerbPattern


class TriggerKind(enum.Enum):
    """Which kind of pattern found a trigger."""

    VERB = "verb"  # a verb pattern (``verbs`` in the pattern file)
    LIGHT = "light"  # a light verb whose object noun carries a noun pattern's event ("launched an offensive")
    LIGHT_OVERRIDE = "light_override"  # a verb + noun pair of ``light_overrides`` ("held talks")
    NOMINAL = "nominal"  # an event noun on its own ("the capture of X by Y")
    OBLIGATION = "obligation"  # "A said B must do X": a demand by A on B


#: the rule id of an obligation trigger
OBLIGATION_RULE = "request.obligation"


@dataclass
class TriggerMatch:
    """A trigger found in a sentence, before roles and polarity (was ``_Found``)."""

    head: "Token"
    tokens: list["Token"]
    type: str
    mode: str | None
    pattern_id: str  # the id of the pattern (or light override) that matched
    conf: float
    kind: TriggerKind
    pattern: "VerbPattern | None" = None
    noun: "Token | None" = None  # object noun of a light verb / the nominal itself
    blocked: bool = False  # a light override without a type: the pair is no event ("took part")
    actor: "Token | None" = None  # a nominal's own actor ("the capture of X by Y")
    recipient: "Token | None" = None  # a recipient found with the trigger (obligation; "an air strike hit a bus")

    @property
    def nominal(self) -> bool:
        return self.kind is TriggerKind.NOMINAL

    @property
    def light_verb(self) -> bool:
        """Found through a light verb (its object noun is the event, not a target)."""
        return self.kind in (TriggerKind.LIGHT, TriggerKind.LIGHT_OVERRIDE)

    @property
    def rule_id(self) -> str:
        """The published rule id: the pattern's id, with ``.light`` after a noun pattern's id when a
        light verb carries it."""
        return f"{self.pattern_id}.light" if self.kind is TriggerKind.LIGHT else self.pattern_id


@dataclass
class PolarityCues:
    """How a trigger's polarity was stated (the first token of each kind met): ``neg`` the negation,
    ``modal`` will/would, ``intent`` the adjective of "ready/willing to", ``report`` the speech verb
    of "said it would ..."."""

    neg: "Token | None" = None
    modal: "Token | None" = None
    intent: "Token | None" = None
    report: "Token | None" = None


class Derivation(enum.Enum):
    """How a derived event was derived from an announced action; the value prefixes its rule id."""

    INTENT = "derived.intent"  # "X will support Y": AGREE; "X said it would attack": THREATEN
    CONDITION = "derived.condition"  # "X will withdraw unless ...": a conditional threat
    REFUSE = "derived.refuse"  # "X will not accept": REJECT

    def rule_id(self, base: str) -> str:
        """The rule id of an event derived from one whose rule id is ``base``."""
        return f"{self.value}.{base}"


@dataclass(frozen=True)
class DocScope:
    """What the events stage knows about the one document it works on: the shared per-document
    context and the country the document is about (generic groups take it). Created by
    :func:`eventextract.events.extract_events`, dropped when it returns."""

    ctx: "DocContext"
    country: str | None
