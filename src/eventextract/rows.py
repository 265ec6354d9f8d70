"""Rows: the published records built from what the stages found (the provenance strings are
rendered here or by the stages' own render functions, never parsed back)."""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from .records import ActorRef, Document, DocumentResult, EventCandidate, EventRecord, PlaceMention, Span, Timex

if TYPE_CHECKING:
    from .resources import Resources


def mention_id(document: Document, cand: EventCandidate) -> str:
    """Stable id: the same input (document id and file bytes) read the same way gives the same id.

    The document id is part of it so that two copies of one file in a corpus keep distinct ids;
    the rule id, so that two readings of one trigger (an intent and its action) do too."""
    parts = [document.sha256, document.doc_id, str(document.body_start + cand.trigger.start),
             str(document.body_start + cand.trigger.end), cand.event_type, cand.polarity, cand.rule_id,
             _span_start(cand.actor), _span_start(cand.recipient)]
    return "mn_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _span_start(ref: ActorRef | None) -> str:
    return str(ref.span.start) if ref is not None and ref.span is not None else ""


def _shift(span: Span | None, base: int) -> tuple[str | None, int | None, int | None]:
    if span is None:
        return None, None, None
    return span.text, span.start + base, span.end + base


def _actor_fields(prefix: str, ref: ActorRef | None, base: int) -> dict[str, Any]:
    text, start, end = _shift(ref.span if ref else None, base)
    out = {f"{prefix}_text": text, f"{prefix}_start": start, f"{prefix}_end": end,
           f"{prefix}_name": ref.name if ref else None, f"{prefix}_country": ref.country if ref else None,
           f"{prefix}_sector": ref.sector if ref else None}
    if prefix == "actor":
        out["actor_resolution"] = ref.resolution if ref else None
    return out


def build_record(document: Document, cand: EventCandidate, timex: Timex | None, place: PlaceMention | None,
                 res: "Resources", run_id: str, extracted_at: dt.datetime) -> EventRecord:
    """One events-table row: the candidate, its date and place, shifted to document offsets."""
    base = document.body_start
    etype = res.ontology.get(cand.event_type)
    rec = EventRecord(
        mention_id=mention_id(document, cand), event_id=None, doc_id=document.doc_id, source_path=document.path,
        source_sha256=document.sha256, source_url=document.url, source_title=document.title,
        published=document.published, sentence_index=cand.sentence_index,
        sentence_start=cand.sentence.start + base, sentence_end=cand.sentence.end + base,
        sentence_text=cand.sentence.text, trigger_text=cand.trigger.text,
        trigger_start=cand.trigger.start + base, trigger_end=cand.trigger.end + base,
        event_type=cand.event_type, event_mode=cand.event_mode, quad_class=etype.quad_class,
        cc_score=etype.cc_score, cameo_root=etype.cameo_root, polarity=cand.polarity,
        **_actor_fields("actor", cand.actor, base), **_actor_fields("recipient", cand.recipient, base),
        speaker_text=cand.speaker.text if cand.speaker else None,
        fatalities_low=cand.fatalities_low, fatalities_high=cand.fatalities_high,
        confidence=round(float(cand.confidence), 4), rule_id=cand.rule_id, run_id=run_id,
        extracted_at=extracted_at, **res.versions)
    if timex is not None and timex.date_start is not None:
        rec.date_text, rec.date_start, rec.date_end = timex.text, timex.date_start, timex.date_end
        rec.date_precision, rec.date_anchor = timex.precision, timex.anchor
    if place is not None:
        rec.place_text, rec.place_start, rec.place_end = place.text, place.start + base, place.end + base
        rec.place_name, rec.geonameid = place.name, place.geonameid
        rec.latitude, rec.longitude = place.latitude, place.longitude
        rec.place_country, rec.admin1 = place.country, place.admin1
        rec.geo_precision, rec.place_reason = place.geo_precision, place.reason or None
    return rec


def document_row(res: DocumentResult) -> dict[str, Any]:
    """One documents-table row (counts of published and quarantined events are set at validation)."""
    d = res.document
    return {"doc_id": d.doc_id, "path": d.path, "format": d.format, "sha256": d.sha256, "title": d.title,
            "url": d.url, "published": d.published, "encoding": d.encoding, "n_chars": d.n_chars,
            "n_sentences": res.n_sentences, "n_mentions": len(res.events), "n_quarantined": 0,
            "status": d.status, "error": d.error, "reused": False}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def annotation(res: DocumentResult) -> dict[str, Any]:
    """One ``annotate`` object: time expressions, places and events of a document (document offsets)."""
    d = res.document
    return {
        "doc_id": d.doc_id, "status": d.status, "error": d.error, "title": d.title,
        "published": _jsonable(d.published),
        "timexes": [{"start": t.start, "end": t.end, "text": t.text, "date_start": _jsonable(t.date_start),
                     "date_end": _jsonable(t.date_end), "precision": t.precision, "anchor": t.anchor}
                    for t in res.timexes],
        "places": [{"start": p.start, "end": p.end, "text": p.text, "name": p.name, "geonameid": p.geonameid,
                    "latitude": p.latitude, "longitude": p.longitude, "country": p.country,
                    "feature_code": p.feature_code, "geo_precision": p.geo_precision}
                   for p in res.places],
        "events": [{k: _jsonable(v) for k, v in e.as_dict().items()} for e in res.events],
    }
