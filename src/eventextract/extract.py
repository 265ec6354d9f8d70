"""Extract stage façade: :class:`Extractor` over :func:`eventextract.events.extract_events`.

The stage lives in the package :mod:`eventextract.events` (see its docstring); this module keeps
the 0.1.0 interface for one release. The extractor holds only the rules loaded once per process
(:class:`~eventextract.events.EventRules`); every document gets its own ``DocContext``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .actors import ActorResolver
from .config import Settings
from .context import DocContext
from .events import EventRules, extract_events, load_patterns, parse_patterns, patterns_version
from .ontology import Ontology
from .records import EventCandidate

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["Extractor", "load_patterns", "parse_patterns", "patterns_version"]


class Extractor:
    """Find PLOVER events in parsed documents (see :mod:`eventextract.events`)."""

    def __init__(self, settings: Settings | None = None, ontology: Ontology | None = None,
                 actors: ActorResolver | None = None) -> None:
        self.rules = EventRules.load(settings, ontology, actors)

    def extract(self, doc: "Doc") -> list[EventCandidate]:
        """All events of the doc (offsets into doc.text), in text order."""
        return extract_events(DocContext.build(doc), self.rules)
