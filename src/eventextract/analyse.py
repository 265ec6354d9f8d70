"""One document through the rule stages: the only place that orders them.

``analyse`` builds the document's :class:`~eventextract.context.DocContext` once and passes it,
with the process's read-only :class:`~eventextract.resources.Resources`, to each stage in turn.
Each stage returns what the later ones need, so the data flow is visible here::

    ctx    = DocContext.build(doc, published, title)       text, sentences, layout: computed once
    dates  = find_timexes(ctx, res.dates)                   time expressions, published date, tenses
    places = resolve_places(ctx, res.places)                toponyms resolved to GeoNames, title names
    events = extract_events(ctx, res.events) (kept ones)    PLOVER events with actors and polarity
    when   = link_date(ctx, dates, event) per event         the event's date
    where  = link_places(ctx, places, events)               the events' places (a fold in document order)
    rows   = build_record(...) per event

Nothing about a document outlives its call, and nothing is locked: any number of threads may
call ``analyse`` at once with the same resources. ``process_documents`` streams documents through
spaCy in batches and ``analyse``; a document that breaks a stage is recorded as failed (E201 for
the parser, E301 for the rule stages, E305 for one over its time budget) and the others go on.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import nlp as nlp_stage
from .context import DocContext, DocumentTimeout
from .records import Document, DocumentResult, EventCandidate
from .rows import build_record

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from .config import Settings
    from .resources import Resources


def keep(cand: EventCandidate, settings: "Settings") -> bool:
    """Whether a candidate is published under the settings' polarity filter (the confidence floor
    applies to the calibrated confidence of its row)."""
    return cand.polarity == "asserted" or settings.keep_non_asserted


def analyse(document: Document, sdoc: "Doc", res: "Resources", run_id: str,
            extracted_at: dt.datetime) -> DocumentResult:
    """All stages after NLP for one document; offsets in the result index ``document.text``."""
    from .dates import find_timexes, link_date
    from .events import extract_events
    from .places import PlaceLinkRequest, link_places, resolve_places

    ctx = DocContext.build(sdoc, published=document.published, title=document.title,
                           seconds=res.settings.max_doc_seconds)
    result = DocumentResult(document=document, n_sentences=len(ctx.sents))
    dates = find_timexes(ctx, res.dates)
    ctx.check_time()
    places = resolve_places(ctx, res.places)
    ctx.check_time()
    located = [(p.text, p.country) for p in places.places
               if p.country and p.geo_precision in ("populated_place", "admin_region")]
    events = [c for c in extract_events(ctx, res.events, located) if keep(c, res.settings)]
    when = [link_date(ctx, dates, c.trigger_token, c.sentence_index, res.dates) for c in events]
    ctx.check_time()
    where = link_places(ctx, places, [PlaceLinkRequest(c.trigger_token, c.sentence_index, _role_spans(c))
                                      for c in events], res.places)
    records = [build_record(document, c, t, p, res, run_id, extracted_at) for c, t, p in zip(events, when, where)]
    if res.calibration is not None:
        for rec in records:
            rec.confidence = res.calibration.apply(rec)
    result.events = [r for r in records if r.confidence >= res.settings.min_confidence]
    base = document.body_start
    result.timexes = [replace(t, start=t.start + base, end=t.end + base) for t in dates.timexes]
    result.places = [replace(p, start=p.start + base, end=p.end + base) for p in places.places]
    return result


def _role_spans(cand: EventCandidate) -> tuple[tuple[int, int], ...]:
    """Character spans of the event's actor and recipient (a place inside them is not by itself
    the event's place)."""
    return tuple((r.span.start, r.span.end) for r in (cand.actor, cand.recipient) if r is not None and r.span)


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` consecutive items (the last may be shorter)."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def process_documents(documents: Iterable[Document], res: "Resources", run_id: str,
                      extracted_at: dt.datetime) -> Iterator[DocumentResult]:
    """Stream results, running spaCy over ``settings.batch_size`` documents at a time.

    A document that breaks a stage is recorded as failed (E201/E301) and the others go on.
    """
    settings = res.settings
    size = max(1, settings.batch_size)
    # spaCy streams chunks of many batches so that worker processes (n_process > 1) start once per
    # chunk; Docs are analysed as they come and not kept. If spaCy fails inside a chunk, the
    # documents it had not yet returned are parsed again one at a time, so one bad document
    # fails alone.
    for chunk in batched(documents, size * 16):
        done: set[int] = set()
        stream = nlp_stage.pipe(res.nlp, ((d.nlp_text, i) for i, d in enumerate(chunk) if d.status == "ok"),
                                batch_size=size, n_process=settings.n_process)
        try:
            for sdoc, i in stream:
                done.add(i)
                yield analyse_safely(chunk[i], sdoc, res, run_id, extracted_at)
        except Exception:  # noqa: BLE001 - retried document by document below
            pass
        for i, d in enumerate(chunk):
            if i not in done:
                yield _parse_alone(d, res, run_id, extracted_at)


def _parse_alone(d: Document, res: "Resources", run_id: str, extracted_at: dt.datetime) -> DocumentResult:
    """A document spaCy's batch did not return: parsed on its own (or passed on as it is)."""
    if d.status != "ok":
        return DocumentResult(document=d)
    try:
        sdoc = res.nlp(d.nlp_text)
    except Exception as exc:  # noqa: BLE001 - recorded on the document
        d.status, d.error = "failed", f"E201: NLP stage failed: {type(exc).__name__}: {exc}"
        return DocumentResult(document=d)
    return analyse_safely(d, sdoc, res, run_id, extracted_at)


def analyse_safely(d: Document, sdoc: "Doc", res: "Resources", run_id: str,
                   extracted_at: dt.datetime) -> DocumentResult:
    """``analyse``, with any exception recorded on the document (its own code, E305 for a document
    over its time budget, else E301) instead of raised."""
    try:
        return analyse(d, sdoc, res, run_id, extracted_at)
    except Exception as exc:  # noqa: BLE001 - recorded on the document, the run goes on
        error = str(exc) if isinstance(exc, DocumentTimeout) else \
            f"E301: extraction failed: {type(exc).__name__}: {exc}"
        d.status, d.error = "failed", error
        return DocumentResult(document=d, n_sentences=sum(1 for _ in sdoc.sents))
