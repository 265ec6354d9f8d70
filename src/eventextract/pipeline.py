"""Assembly of the stages into runs, without any orchestration framework.

The Prefect flow in ``flows/`` calls these functions as its tasks; ``run`` chains them in one
process for library users and tests; ``annotate`` is the inspection view of the same code.

- ``plan_batches``   inputs -> batches of ``InputFile`` (discovery only: cheap)
- ``process_files``  one batch -> ``BatchOutput`` (ingest -> nlp -> extract -> dates -> places -> rows)
- ``finalize``       all batches -> validated tables -> published release
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, ingest
from . import nlp as nlp_stage
from .config import Settings
from .records import (ActorRef, Document, DocumentResult, EventCandidate, EventRecord, PlaceMention, Span,
                      Timex)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from .dates import DateResolver
    from .extract import Extractor
    from .ontology import Ontology
    from .places import PlaceResolver
    from .publish import ReleaseInfo


def sample_corpus_dir() -> Path:
    """The sample corpus shipped inside the package (the default input of ``run``)."""
    return Path(str(resources.files("eventextract").joinpath("data", "sample_corpus")))


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"run-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@dataclass
class Components:
    """Everything loaded once per process and shared by all documents of a run.

    The stages keep per-document state on themselves while they work on a document (the
    extractor's document country and noun-chunk caches), so documents are analysed one at a
    time under ``lock``: the Prefect flow runs batches in threads that share these components."""

    settings: Settings
    nlp: "Language"
    model_name: str
    model_version: str
    ontology: "Ontology"
    extractor: "Extractor"
    dates: "DateResolver"
    places: "PlaceResolver"
    gazetteer_version: str
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def versions(self) -> dict[str, str]:
        return {"extractor_version": __version__, "model_name": self.model_name,
                "model_version": self.model_version, "ontology_version": self.ontology.version,
                "gazetteer_version": self.gazetteer_version}


def settings_key(settings: Settings) -> str:
    return hashlib.sha256(json.dumps(settings.to_dict(), sort_keys=True).encode()).hexdigest()


_COMPONENTS: dict[str, Components] = {}
_COMPONENTS_LOCK = threading.Lock()


def get_components(settings: Settings) -> Components:
    """Load (once per process and settings, also when threads ask at once) the NLP pipeline,
    extractor, resolvers and gazetteer."""
    key = settings_key(settings)
    with _COMPONENTS_LOCK:
        return _components(settings, key)


def _components(settings: Settings, key: str) -> Components:
    if key not in _COMPONENTS:
        from .actors import ActorResolver
        from .dates import DateResolver
        from .extract import Extractor
        from .gazetteer import Gazetteer
        from .ontology import Ontology
        from .places import PlaceResolver

        nlp = nlp_stage.load(settings.model_name)
        name, version = nlp_stage.model_info(nlp)
        ontology = Ontology.load()
        gazetteer = Gazetteer.open(Path(settings.cache_dir), settings.gazetteer_files)
        _COMPONENTS[key] = Components(
            settings=settings, nlp=nlp, model_name=name, model_version=version, ontology=ontology,
            extractor=Extractor(settings, ontology=ontology, actors=ActorResolver(settings)),
            dates=DateResolver(settings), places=PlaceResolver(gazetteer, settings),
            gazetteer_version=gazetteer.version)
    return _COMPONENTS[key]


# ---------------------------------------------------------------------------------------------
# one document


def event_id(document: Document, cand: EventCandidate) -> str:
    """Stable id: the same input (document id and file bytes) read the same way gives the same id.

    The document id is part of it so that two copies of one file in a corpus keep distinct ids;
    the rule id, so that two readings of one trigger (an intent and its action) do too."""
    parts = [document.sha256, document.doc_id, str(document.body_start + cand.trigger.start),
             str(document.body_start + cand.trigger.end), cand.event_type, cand.polarity, cand.rule_id,
             _span_start(cand.actor), _span_start(cand.recipient)]
    return "ev_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


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
                 comps: Components, run_id: str, extracted_at: dt.datetime) -> EventRecord:
    base = document.body_start
    etype = comps.ontology.get(cand.event_type)
    rec = EventRecord(
        event_id=event_id(document, cand), doc_id=document.doc_id, source_path=document.path,
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
        extracted_at=extracted_at, **comps.versions)
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


def analyse(document: Document, sdoc: "Doc", comps: Components, run_id: str,
            extracted_at: dt.datetime) -> DocumentResult:
    """All stages after NLP for one document; offsets in the result index ``document.text``.

    One document at a time per ``Components`` (see ``Components.lock``)."""
    with comps.lock:
        return _analyse(document, sdoc, comps, run_id, extracted_at)


def _analyse(document: Document, sdoc: "Doc", comps: Components, run_id: str,
             extracted_at: dt.datetime) -> DocumentResult:
    result = DocumentResult(document=document, n_sentences=sum(1 for _ in sdoc.sents))
    timexes = comps.dates.annotate(sdoc, published=document.published, title=document.title)
    places = comps.places.annotate(sdoc, title=document.title)
    for cand in comps.extractor.extract(sdoc):
        if cand.confidence < comps.settings.min_confidence:
            continue
        if cand.polarity != "asserted" and not comps.settings.keep_non_asserted:
            continue
        exclude = [(r.span.start, r.span.end) for r in (cand.actor, cand.recipient) if r is not None and r.span]
        timex = comps.dates.link(sdoc, cand.trigger_token, cand.sentence_index, timexes)
        place = comps.places.link(sdoc, cand.trigger_token, cand.sentence_index, places, exclude=exclude)
        result.events.append(build_record(document, cand, timex, place, comps, run_id, extracted_at))
    base = document.body_start
    result.timexes = [replace(t, start=t.start + base, end=t.end + base) for t in timexes]
    result.places = [replace(p, start=p.start + base, end=p.end + base) for p in places]
    return result


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def process_documents(documents: Iterable[Document], comps: Components, run_id: str,
                      extracted_at: dt.datetime) -> Iterator[DocumentResult]:
    """Stream results, running spaCy over ``settings.batch_size`` documents at a time.

    A document that breaks a stage is recorded as failed (E201/E301) and the others go on.
    """
    settings = comps.settings
    size = max(1, settings.batch_size)
    # spaCy streams chunks of many batches so that worker processes (n_process > 1) start once per
    # chunk; Docs are analysed as they come and not kept. If spaCy fails inside a chunk, the
    # documents it had not yet returned are parsed again one at a time, so one bad document
    # fails alone.
    for chunk in _batched(documents, size * 16):
        done: set[int] = set()
        stream = nlp_stage.pipe(comps.nlp, ((d.nlp_text, i) for i, d in enumerate(chunk) if d.status == "ok"),
                                batch_size=size, n_process=settings.n_process)
        try:
            for sdoc, i in stream:
                done.add(i)
                yield _analyse_safely(chunk[i], sdoc, comps, run_id, extracted_at)
        except Exception:  # noqa: BLE001 - retried document by document below
            pass
        for i, d in enumerate(chunk):
            if i in done:
                continue
            if d.status == "ok":
                try:
                    sdoc = comps.nlp(d.nlp_text)
                except Exception as exc:  # noqa: BLE001 - recorded on the document
                    d.status, d.error = "failed", f"E201: NLP stage failed: {type(exc).__name__}: {exc}"
                else:
                    yield _analyse_safely(d, sdoc, comps, run_id, extracted_at)
                    continue
            yield DocumentResult(document=d)


def _analyse_safely(d: Document, sdoc: "Doc", comps: Components, run_id: str,
                    extracted_at: dt.datetime) -> DocumentResult:
    try:
        return analyse(d, sdoc, comps, run_id, extracted_at)
    except Exception as exc:  # noqa: BLE001 - recorded on the document, the run goes on
        d.status, d.error = "failed", f"E301: extraction failed: {type(exc).__name__}: {exc}"
        return DocumentResult(document=d, n_sentences=sum(1 for _ in sdoc.sents))


# ---------------------------------------------------------------------------------------------
# batches and runs


def plan_batches(inputs: Sequence[str | Path] | None, files_per_batch: int = 64) -> list[list[ingest.InputFile]]:
    """Discover the input files (the sample corpus when ``inputs`` is empty) and cut them into batches."""
    paths = list(inputs) if inputs else [sample_corpus_dir()]
    return list(_batched(ingest.discover(paths), max(1, files_per_batch)))


@dataclass
class BatchOutput:
    """What one batch contributes to a release (plain rows: cheap to pass between processes)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    n_words: int = 0
    n_files: int = 0


def document_row(res: DocumentResult) -> dict[str, Any]:
    d = res.document
    return {"doc_id": d.doc_id, "path": d.path, "format": d.format, "sha256": d.sha256, "title": d.title,
            "url": d.url, "published": d.published, "encoding": d.encoding, "n_chars": d.n_chars,
            "n_sentences": res.n_sentences, "n_events": len(res.events), "n_quarantined": 0,
            "status": d.status, "error": d.error}


def process_files(files: Sequence[ingest.InputFile], settings: Settings, run_id: str,
                  extracted_at: dt.datetime) -> BatchOutput:
    """Ingest, analyse and turn into rows one batch of input files."""
    started = time.perf_counter()
    comps = get_components(settings)
    out = BatchOutput(n_files=len(files))
    docs = (doc for item in files for doc in ingest.read(item, settings.max_doc_chars, settings.ingest_limits()))
    for res in process_documents(docs, comps, run_id, extracted_at):
        out.events.extend(e.as_dict() for e in res.events)
        out.documents.append(document_row(res))
        out.n_words += len(res.document.nlp_text.split())
    out.seconds = time.perf_counter() - started
    return out


@dataclass
class Validated:
    events: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]


def validate_batches(outputs: Iterable[BatchOutput], run_id: str) -> Validated:
    """JSON-Schema and row-rule checks; failing rows go to quarantine, documents get their counts."""
    from .validate import validate_rows

    events: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for out in outputs:
        events.extend(out.events)
        documents.extend(out.documents)
    report = validate_rows(events, "events", run_id=run_id)
    quarantined = Counter(q.get("doc_id") for q in report.quarantined)
    published = Counter(e["doc_id"] for e in report.valid)
    for d in documents:
        d["n_events"] = published.get(d["doc_id"], 0)
        d["n_quarantined"] = quarantined.get(d["doc_id"], 0)
    return Validated(events=report.valid, documents=documents, quarantine=report.quarantined)


def finalize(validated: Validated, out_dir: str | Path, *, run_id: str, settings: Settings,
             versions: dict[str, str], version: str | None = None, force: bool = False,
             created: dt.datetime | None = None) -> "ReleaseInfo":
    """Build the Arrow tables, run the Great Expectations suites and publish the release."""
    from .publish import to_table, write_release
    from .validate import run_expectations

    tables = {"events": to_table(validated.events, "events"),
              "documents": to_table(validated.documents, "documents"),
              "quarantine": to_table(validated.quarantine, "quarantine")}
    reports = {name: run_expectations(tbl, name) for name, tbl in tables.items()}
    sources = [{"title": d.get("title") or d["doc_id"], "path": d["path"], "sha256": d["sha256"]}
               for d in validated.documents]
    info = {"settings": settings.to_dict(), **versions}
    return write_release(Path(out_dir), events=tables["events"], documents=tables["documents"],
                         quarantine=tables["quarantine"], version=version, force=force, run_id=run_id,
                         sources=sources, validation=reports, settings_info=info, created=created)


def run(inputs: Sequence[str | Path] | None = None, out_dir: str | Path = "output", *,
        version: str | None = None, settings: Settings | None = None, force: bool = False,
        progress: Callable[[int, int], None] | None = None, run_id: str | None = None,
        now: dt.datetime | None = None) -> "ReleaseInfo":
    """The whole pipeline in this process (no Prefect): inputs -> published release.

    ``run_id`` and ``now`` (the run's timestamp) default to a new id and the current time; fixing
    them makes two runs over the same input byte-identical (the snapshot tests do)."""
    from .publish import check_writable

    settings = settings or Settings()
    now = now or dt.datetime.now(dt.timezone.utc)
    run_id = run_id or new_run_id(now)
    check_writable(Path(out_dir))
    batches = plan_batches(inputs)
    outputs = []
    for i, files in enumerate(batches, start=1):
        outputs.append(process_files(files, settings, run_id, now))
        if progress:
            progress(i, len(batches))
    comps = get_components(settings)
    return finalize(validate_batches(outputs, run_id), out_dir, run_id=run_id, settings=settings,
                    versions=comps.versions, version=version, force=force, created=now)


# ---------------------------------------------------------------------------------------------
# annotate: the inspection view


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


def annotate(inputs: Sequence[str | Path], settings: Settings | None = None, *, run_id: str | None = None,
             now: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    """Stream one annotation object per input document (``run_id``/``now`` as in :func:`run`)."""
    settings = settings or Settings()
    comps = get_components(settings)
    now = now or dt.datetime.now(dt.timezone.utc)
    run_id = run_id or new_run_id(now)
    docs = ingest.documents(inputs, settings.max_doc_chars, settings.ingest_limits())
    for res in process_documents(docs, comps, run_id, now):
        yield annotation(res)
