"""``PlaceResolver``: the 0.1.0 interface of the places stage, kept for one release as a thin
facade over :func:`resolve_places` and :func:`link_event`. It keeps no state of its own."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..context import DocContext
from ..gazetteer import Gazetteer
from ..records import PlaceMention
from .disambiguate import resolve_places
from .lexicon import PlaceRules
from .linking import link_event, remember
from .types import PlaceFindings, PlaceLinkRequest

if TYPE_CHECKING:
    from spacy.tokens import Doc


class PlaceList(list[PlaceMention]):
    """What :meth:`PlaceResolver.annotate` returns: the document's places, a plain list to its
    callers, that also carries what :meth:`PlaceResolver.link` needs for the same document: its
    context, the title names, and the places linked so far (the fold of :func:`link_places`,
    advanced one event per ``link`` call). It belongs to the caller and lives as long as it."""

    def __init__(self, ctx: DocContext, findings: PlaceFindings) -> None:
        super().__init__(findings.places)
        self.ctx = ctx
        self.findings = findings
        self.memory: dict[int, PlaceMention] = {}


class PlaceResolver:
    """Finds and resolves the toponyms of a document and links events to places."""

    def __init__(self, gazetteer: Gazetteer, settings: Settings | None = None) -> None:
        self.rules = PlaceRules.load(gazetteer, settings)

    @property
    def gazetteer(self) -> Gazetteer:
        return self.rules.gazetteer

    @property
    def settings(self) -> Settings:
        return self.rules.settings

    def annotate(self, doc: "Doc", exclude: Sequence[tuple[int, int]] = (),
                 title: str | None = None) -> list[PlaceMention]:
        """Every toponym in doc.text (char offsets into doc.text), resolved or not, with sentence_index."""
        ctx = DocContext.build(doc, title=title)
        return PlaceList(ctx, resolve_places(ctx, self.rules, exclude))

    def link(self, doc: "Doc", trigger_token: int, sentence_index: int, places: list[PlaceMention],
             exclude: Sequence[tuple[int, int]] = ()) -> PlaceMention | None:
        """The place of the event whose trigger head is doc[trigger_token]: :func:`link_places` for
        one request. Given the list :meth:`annotate` returned for ``doc``, it knows the title names
        and the places linked by the earlier calls (link the events in document order); given any
        other list, it knows neither (no title names, no previous event in the paragraph)."""
        request = PlaceLinkRequest(trigger_token, sentence_index, tuple((e[0], e[1]) for e in exclude))
        if isinstance(places, PlaceList) and places.ctx.doc is doc:
            linked = link_event(places.ctx, places, request, self.rules, places.findings.title_names, places.memory)
            remember(places.memory, request, linked)
        else:
            linked = link_event(DocContext.build(doc), places, request, self.rules)
        return linked.place if linked is not None else None


def open_resolver(settings: Settings) -> PlaceResolver:
    """The resolver over the cached index for ``settings`` (built on first use)."""
    gaz = Gazetteer.open(Path(settings.cache_dir), settings.gazetteer_files)
    return PlaceResolver(gaz, settings)
