"""What the events stage loads once per process: settings, ontology, actor dictionary, trigger patterns."""
from __future__ import annotations

from dataclasses import dataclass

from ..actors import ActorResolver
from ..config import Settings
from ..ontology import Ontology
from .patterns import TriggerSet, load_patterns, patterns_version


@dataclass(frozen=True, eq=False)
class EventRules:
    """The resources of the events stage, built once per process and never changed; one instance
    serves every document, from any thread."""

    settings: Settings
    ontology: Ontology
    actors: ActorResolver
    triggers: TriggerSet
    patterns_version: str

    @classmethod
    def load(cls, settings: Settings | None = None, ontology: Ontology | None = None,
             actors: ActorResolver | None = None) -> "EventRules":
        """The packaged trigger patterns with the given (or default) settings, ontology and actors."""
        settings = settings or Settings()
        return cls(settings=settings, ontology=ontology or Ontology.load(), actors=actors or ActorResolver(settings),
                   triggers=load_patterns(), patterns_version=patterns_version())
