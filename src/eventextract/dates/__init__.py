"""Dates stage: find the time expressions of a document, give each its calendar interval, and
link events to them.

What it is for: every event row carries ``date_start``/``date_end`` (the interval the event may lie
in), ``date_precision`` and ``date_anchor``. This module produces ``Timex`` records for a spaCy
``Doc`` (:meth:`DateResolver.annotate`) and picks the one that dates a given event trigger
(:meth:`DateResolver.link`).

The stage is a package of small modules, in the order a document goes through them:

- :mod:`.grammar` the regular expressions built from the pattern file (once per process),
- :mod:`.candidates` and :mod:`.find` finding and selecting the expressions, the dateline, tenses,
- :mod:`.anchor`, :mod:`.relative` and :mod:`.calendar` the anchoring ladder and the intervals,
- :mod:`.fallback` dateparser for spaCy DATE entities the grammar does not know,
- :mod:`.link` the date of an event.

:func:`find_timexes` (a :class:`DocContext` and the :class:`DateRules` loaded once per process)
returns :class:`DateFindings`; :func:`link_date` takes them back. :class:`DateResolver` is the
0.1 interface over the two.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..context import DocContext
from ..records import Timex
from .calendar import Anchor, Interval, Parts
from .fallback import DATEPARSER_SENTINEL, dateparser_interval as _dateparser_interval
from .find import DateFindings, find_in_text, find_timexes
from .grammar import DASH, PATTERN_FILE, Grammar, load_lexicon
from .link import link_date
from .rules import CARRY_POLICIES, DateRules

if TYPE_CHECKING:
    from spacy.tokens import Doc

#: the Timex fields that carry decisions between the steps of this stage (not published)
_DECISION_FIELDS = ("range_end", "dateline", "vague", "explicit")


class DateResolver:
    """Finds, normalises and links the time expressions of documents (see the module docstring):
    a facade over :func:`find_timexes` and :func:`link_date` that keeps no per-document state."""

    def __init__(self, settings: Settings | None = None, carry: str | None = None) -> None:
        self.rules = DateRules.load(settings, carry)

    settings = property(lambda self: self.rules.settings, doc="The settings of the run.")
    carry = property(lambda self: self.rules.carry, doc="How far :meth:`link` carries a date.")
    grammar = property(lambda self: self.rules.grammar, doc="The compiled grammar.")

    def annotate(self, doc: "Doc", published: dt.date | None = None, title: str | None = None) -> DateFindings:
        """Every time expression of the doc, in text order (:func:`find_timexes`)."""
        return find_timexes(DocContext.build(doc, published, title), self.rules)

    def annotate_text(self, text: str, published: dt.date | None = None, title: str | None = None) -> list[Timex]:
        """Like :meth:`annotate` for a plain string without a parse (:func:`.find.find_in_text`)."""
        return find_in_text(self.rules.grammar, text, published, title)

    def link(self, doc: "Doc", trigger_token: int, sentence_index: int,
             timexes: DateFindings | Sequence[Timex]) -> Timex | None:
        """The date of the event whose trigger head is ``doc[trigger_token]`` (:func:`link_date`);
        ``timexes`` is what :meth:`annotate` returned (a plain list has no published date)."""
        findings = timexes if isinstance(timexes, DateFindings) else DateFindings(tuple(timexes))
        return link_date(DocContext.build(doc), findings, trigger_token, sentence_index, self.rules)

    def dateparser_interval(self, text: str, anchor: Anchor | None,
                            published: dt.date | None) -> tuple[Interval | None, str]:
        """The dateparser fallback (:func:`.fallback.dateparser_interval`); anchor "" for None."""
        iv, how = _dateparser_interval(self.rules.grammar, text, anchor, published)
        return iv, how.value if how is not None else ""


def timex_to_dict(t: Timex) -> dict[str, Any]:
    """A JSON-friendly dict of a Timex (dates as ISO strings)."""
    out = {f.name: getattr(t, f.name) for f in dataclasses.fields(t) if f.name not in _DECISION_FIELDS}
    for k in ("date_start", "date_end"):
        out[k] = out[k].isoformat() if out[k] is not None else None
    return out


__all__ = ["CARRY_POLICIES", "DASH", "DATEPARSER_SENTINEL", "PATTERN_FILE", "DateFindings", "DateResolver",
           "DateRules", "Grammar", "Interval", "Parts", "find_timexes", "link_date", "load_lexicon",
           "timex_to_dict"]
