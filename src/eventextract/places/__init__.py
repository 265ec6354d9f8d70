"""Places stage: find toponyms in a parsed document, resolve them against the gazetteer, and pick
the place of each event.

``resolve_places(ctx, rules)`` finds and resolves the toponyms of a document (:mod:`.mentions`,
then :mod:`.disambiguate`); ``link_places(ctx, findings, requests, rules)`` picks the place of each
event (:mod:`.linking`, with :mod:`.anaphora` and :mod:`.arguments`). ``PlaceRules`` is what is
loaded once per process; ``PlaceResolver`` is the 0.1.0 interface over these functions.
"""
from __future__ import annotations

from .disambiguate import resolve_places
from .facade import PlaceList, PlaceResolver, open_resolver
from .lexicon import PlaceLexicon, PlaceRules, load_lexicon
from .linking import link_places
from .types import LinkRule, MentionSource, PlaceFindings, PlaceLinkRequest

__all__ = ["LinkRule", "MentionSource", "PlaceFindings", "PlaceLexicon", "PlaceLinkRequest", "PlaceList",
           "PlaceResolver", "PlaceRules", "link_places", "load_lexicon", "open_resolver", "resolve_places"]
