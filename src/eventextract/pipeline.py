"""Assembly of the stages into runs, without any orchestration framework.

The Prefect flow in ``flows/`` calls these functions as its tasks; ``run`` chains them in one
process for library users and tests; ``annotate`` is the inspection view of the same code.

- ``plan_batches``   inputs -> batches of ``InputFile`` (discovery only: cheap)
- ``process_files``  one batch -> ``BatchOutput`` (ingest -> ``analyse.process_documents`` -> rows)
- ``process_batch_to_parts``  the same plus the row checks, written as Parquet parts; returns a
  small ``BatchManifest`` (what the flow's batch tasks run: rows stay on disk)
- ``assemble``       the manifests -> the run's Arrow tables, in batch order
- ``finalize`` / ``finalize_tables``  validated rows or tables -> events, expectations -> release

One document's way through the rule stages is ``eventextract.analyse``; what every document is
analysed with is ``eventextract.resources``.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ingest
from .analyse import analyse, batched, process_documents
from .config import Settings
from .records import Document, DocumentResult
from .resources import Resources, component_versions, load_resources, settings_key
from .rows import annotation, build_record, document_row, mention_id

if TYPE_CHECKING:
    import pyarrow as pa

    from .publish import ReleaseInfo
    from .result_cache import ResultCache

__all__ = ["BatchManifest", "BatchOutput", "Resources", "Staged", "Validated", "analyse", "annotate", "annotation",
           "assemble", "build_record", "document_row", "finalize", "finalize_tables", "mention_id", "load_resources",
           "new_run_id", "plan_batches", "process_batch_to_parts", "process_documents", "process_files", "run",
           "sample_corpus_dir", "settings_key", "validate_batches"]


def sample_corpus_dir() -> Path:
    """The sample corpus shipped inside the package (the default input of ``run``)."""
    return Path(str(importlib_resources.files("eventextract").joinpath("data", "sample_corpus")))


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"run-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------------------------------------
# batches and runs


def plan_batches(inputs: Sequence[str | Path] | None, files_per_batch: int = 64) -> list[list[ingest.InputFile]]:
    """Discover the input files (the sample corpus when ``inputs`` is empty) and cut them into batches."""
    paths = list(inputs) if inputs else [sample_corpus_dir()]
    return list(batched(ingest.discover(paths), max(1, files_per_batch)))


@dataclass
class BatchOutput:
    """What one batch contributes to a release (plain rows: cheap to pass between processes)."""

    mentions: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    n_words: int = 0
    n_files: int = 0


def process_files(files: Sequence[ingest.InputFile], settings: Settings, run_id: str,
                  extracted_at: dt.datetime) -> BatchOutput:
    """Ingest, analyse and turn into rows one batch of input files, in input order. A document
    whose result is in the result cache (``settings.reuse_results``) is not analysed again."""
    started = time.perf_counter()
    out = BatchOutput(n_files=len(files))
    for item in _document_results(files, settings, run_id, extracted_at, checked=False):
        out.mentions.extend(item.rows)
        out.documents.append(item.document)
        out.n_words += item.n_words
    out.seconds = time.perf_counter() - started
    return out


@dataclass
class _DocumentResult:
    """One document of a batch: its mention rows and documents row, and, when a checked cache
    entry served it, its rows already split by the row checks (``checked``)."""

    rows: list[dict[str, Any]]
    document: dict[str, Any]
    n_words: int
    checked: Any = None  # result_cache.CheckedEntry
    report: Any = None  # validate.RowReport of ``rows``, when they were checked to be stored


def _document_results(files: Sequence[ingest.InputFile], settings: Settings, run_id: str,
                      extracted_at: dt.datetime, *, checked: bool) -> Iterator[_DocumentResult]:
    """The documents of a batch in input order, each from the result cache or analysed (and then
    stored, with the outcome of its row checks). ``checked``: cache hits come back as Arrow,
    already split by their row checks, instead of as rows. A file that the cache's file index
    serves whole is not read through ingest at all."""
    from .result_cache import ResultCache, document_key, file_keys
    from .validate import validate_rows

    cache = ResultCache(settings.cache_dir) if settings.reuse_results else None
    versions = component_versions(settings) if cache is not None else {}
    served: dict[int, list[_DocumentResult]] = {}
    docs: list[tuple[int, Document]] = []  # (file position, document) of the files read through ingest
    to_index: dict[int, str] = {}
    keyed = file_keys(files, settings, versions) if cache is not None else [None] * len(files)
    for f, (item, key) in enumerate(zip(files, keyed)):
        if key is not None and cache is not None:
            hit = _from_file_index(cache, key, run_id, checked)
            if hit is not None:
                served[f] = hit
                continue
            to_index[f] = key
        docs += [(f, doc) for doc in ingest.with_source_url(
            ingest.read(item, settings.max_doc_chars, settings.ingest_limits()), settings.source_base_url)]
    done: dict[int, _DocumentResult] = {}
    keys: dict[int, str] = {}
    if cache is not None:
        for i, (_, doc) in enumerate(docs):
            if doc.status != "ok":
                continue
            keys[i] = document_key(doc, settings, versions)
            n_words = len(doc.nlp_text.split())
            if checked:
                entry = cache.get_checked(keys[i], run_id)
                if entry is not None:
                    done[i] = _DocumentResult([], entry.document, n_words, checked=entry)
            else:
                hit = cache.get(keys[i], run_id)
                if hit is not None:
                    done[i] = _DocumentResult(hit[0], hit[1], n_words)
        _index_files(cache, to_index, docs, keys)
    position = {id(doc): i for i, (_, doc) in enumerate(docs)}
    fresh = [doc for i, (_, doc) in enumerate(docs) if i not in done]
    # the spaCy pipeline and the rules are built only when a document needs analysing (a document
    # that could not be read is passed on as it is)
    res = load_resources(settings) if any(doc.status == "ok" for doc in fresh) else None
    results = (process_documents(fresh, res, run_id, extracted_at) if res is not None
               else (DocumentResult(document=doc) for doc in fresh))
    for result in results:
        i = position[id(result.document)]
        rows = [e.as_dict() for e in result.events]
        item = _DocumentResult(rows, document_row(result), len(result.document.nlp_text.split()))
        if cache is not None and i in keys and result.document.status == "ok":
            item.report = validate_rows(rows, "mentions", run_id=run_id)
            cache.put(keys[i], rows, item.document, item.report.failures)
        done[i] = item
    of_file: dict[int, list[int]] = {}
    for i, (f, _) in enumerate(docs):
        of_file.setdefault(f, []).append(i)
    for f in range(len(files)):
        yield from served.get(f, ())
        for i in of_file.get(f, ()):
            yield done[i]


def _from_file_index(cache: "ResultCache", key: str, run_id: str, checked: bool) -> list[_DocumentResult] | None:
    """Every document of one indexed file from its cache entry, or None when the file is not
    indexed or one of its documents has no readable entry."""
    listed = cache.file_documents(key)
    if listed is None:
        return None
    out = []
    for doc_key, n_words in listed:
        if checked:
            entry = cache.get_checked(doc_key, run_id)
            if entry is None:
                return None
            out.append(_DocumentResult([], entry.document, n_words, checked=entry))
        else:
            hit = cache.get(doc_key, run_id)
            if hit is None:
                return None
            out.append(_DocumentResult(hit[0], hit[1], n_words))
    return out


def _index_files(cache: "ResultCache", to_index: dict[int, str], docs: list[tuple[int, Document]],
                 keys: dict[int, str]) -> None:
    """Index the files read through ingest (``to_index``: file position -> file key) whose documents
    were all read (``ok``, so each has a document key in ``keys``)."""
    listed: dict[int, list[tuple[str, int]]] = {}
    failed: set[int] = set()
    for i, (f, doc) in enumerate(docs):
        if i in keys:
            listed.setdefault(f, []).append((keys[i], len(doc.nlp_text.split())))
        else:
            failed.add(f)
    for f, key in to_index.items():
        if f in listed and f not in failed:
            cache.put_file(key, listed[f])


def needs_analysis(files: Sequence[ingest.InputFile], settings: Settings) -> bool:
    """Whether some readable document of ``files`` has no entry in the result cache (always true
    with the cache off): a batch that needs none is only cache reads, which the flow does in its
    own process rather than starting a worker for it. An indexed file is not read through ingest."""
    from .result_cache import ResultCache, document_key, file_keys

    if not settings.reuse_results:
        return True
    cache = ResultCache(settings.cache_dir)
    versions = component_versions(settings)
    for item, key in zip(files, file_keys(files, settings, versions)):
        listed = cache.file_documents(key) if key is not None else None
        if listed is not None and all(cache.has(doc_key) for doc_key, _ in listed):
            continue
        docs = ingest.with_source_url(ingest.read(item, settings.max_doc_chars, settings.ingest_limits()),
                                      settings.source_base_url)
        if any(not cache.has(document_key(doc, settings, versions)) for doc in docs if doc.status == "ok"):
            return True
    return False


@dataclass
class Validated:
    mentions: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]


def validate_batches(outputs: Iterable[BatchOutput], run_id: str) -> Validated:
    """JSON-Schema and row-rule checks; failing rows go to quarantine, documents get their counts."""
    from .validate import validate_rows

    mentions: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for out in outputs:
        mentions.extend(out.mentions)
        documents.extend(out.documents)
    report = validate_rows(mentions, "mentions", run_id=run_id)
    quarantined = Counter(q.get("doc_id") for q in report.quarantined)
    published = Counter(e["doc_id"] for e in report.valid)
    for d in documents:
        d["n_mentions"] = published.get(d["doc_id"], 0)
        d["n_quarantined"] = quarantined.get(d["doc_id"], 0)
    return Validated(mentions=report.valid, documents=documents, quarantine=report.quarantined)


@dataclass
class Staged:
    """The validated tables of a run (mentions without event ids yet, documents, quarantine)."""

    mentions: "pa.Table"
    documents: "pa.Table"
    quarantine: "pa.Table"


@dataclass
class BatchManifest:
    """What a batch task returns when it streams its rows to disk: where its Parquet parts are,
    and small counts (rows stay on disk, not in the flow's memory)."""

    index: int
    parts: dict[str, str]
    counts: dict[str, int]
    seconds: float = 0.0
    n_words: int = 0
    n_files: int = 0
    versions: dict[str, str] = field(default_factory=dict)


#: tables a batch writes as parts, in this order
PART_TABLES = ("mentions", "documents", "quarantine")


def process_batch_to_parts(files: Sequence[ingest.InputFile], settings: Settings, run_id: str,
                           extracted_at: dt.datetime, staging: str | Path, index: int) -> BatchManifest:
    """``process_files`` and the row checks of one batch, its rows written as Parquet parts
    ``<staging>/<index>.<table>.parquet``. The checks run per document (a document's rows never
    span documents, and ids embed the unique doc_id, so they are the run's checks); a document
    reused from the result cache comes as Arrow with the outcome of its checks, and is neither
    converted to rows nor checked again."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .publish import PARQUET_COMPRESSION, to_table
    from .validate import validate_rows

    started = time.perf_counter()
    mentions: list[pa.Table] = []
    documents: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    n_words = 0
    for item in _document_results(files, settings, run_id, extracted_at, checked=True):
        n_words += item.n_words
        if item.checked is not None:
            mentions.append(item.checked.mentions)
            quarantine.extend(item.checked.quarantine)
            documents.append(item.document)
            continue
        report = item.report if item.report is not None else validate_rows(item.rows, "mentions", run_id=run_id)
        mentions.append(to_table(report.valid, "mentions"))
        quarantine.extend(report.quarantined)
        doc_id = item.document["doc_id"]
        documents.append({**item.document, "n_mentions": sum(1 for r in report.valid if r["doc_id"] == doc_id),
                          "n_quarantined": sum(1 for q in report.quarantined if q.get("doc_id") == doc_id)})
    tables = {"mentions": pa.concat_tables(mentions) if mentions else to_table([], "mentions"),
              "documents": to_table(documents, "documents"), "quarantine": to_table(quarantine, "quarantine")}
    staging = Path(staging)
    staging.mkdir(parents=True, exist_ok=True)
    parts, counts = {}, {}
    for table in PART_TABLES:
        path = staging / f"{index:06d}.{table}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(tables[table], tmp, compression=PARQUET_COMPRESSION, use_compliant_nested_type=False)
        os.replace(tmp, path)
        parts[table], counts[table] = str(path), tables[table].num_rows
    return BatchManifest(index=index, parts=parts, counts=counts, seconds=time.perf_counter() - started,
                         n_words=n_words, n_files=len(files), versions=component_versions(settings))


def assemble(manifests: Iterable[BatchManifest]) -> Staged:
    """The run's tables from the batches' parts, in batch order (not completion order: the rows and
    their order do not depend on the number of workers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from . import schema

    ordered = sorted(manifests, key=lambda m: m.index)
    tables = {}
    for table in PART_TABLES:
        parts = [pq.read_table(m.parts[table]) for m in ordered]
        tables[table] = pa.concat_tables(parts) if parts else schema.arrow_schema(table).empty_table()
    return Staged(**tables)


def finalize(validated: Validated, out_dir: str | Path, *, run_id: str, settings: Settings,
             versions: dict[str, str], version: str | None = None, force: bool = False,
             created: dt.datetime | None = None, since: str | None = None) -> "ReleaseInfo":
    """``finalize_tables`` over the rows of ``validate_batches``."""
    from .publish import to_table

    staged = Staged(mentions=to_table(validated.mentions, "mentions"),
                    documents=to_table(validated.documents, "documents"),
                    quarantine=to_table(validated.quarantine, "quarantine"))
    return finalize_tables(staged, out_dir, run_id=run_id, settings=settings, versions=versions, version=version,
                           force=force, created=created, since=since)


def finalize_tables(staged: Staged, out_dir: str | Path, *, run_id: str, settings: Settings,
                    versions: dict[str, str], version: str | None = None, force: bool = False,
                    created: dt.datetime | None = None, since: str | None = None) -> "ReleaseInfo":
    """Merge the mentions into events (``eventextract.aggregate``), run the Great Expectations
    suites and publish the release (its changelog against the release ``since``, default the
    latest one)."""
    from .publish import write_release
    from .release_cache import ReleaseCache, release_key
    from .validate import run_expectations, run_link_expectations

    cache = ReleaseCache(settings.cache_dir) if settings.reuse_results else None
    key = release_key({"mentions": staged.mentions, "documents": staged.documents,
                       "quarantine": staged.quarantine}, settings.event_polarities) if cache is not None else ""
    hit = cache.get(key, run_id) if cache is not None else None
    if hit is not None and len(hit.event_ids) == staged.mentions.num_rows:
        col = staged.mentions.schema.get_field_index("event_id")
        mentions = staged.mentions.set_column(col, staged.mentions.schema.field(col), hit.event_ids)
        events, reports, drawn = hit.events, hit.reports, hit.figures
    else:
        mentions, events = aggregate_mentions(staged.mentions, run_id=run_id, polarities=settings.event_polarities)
        tables = {"mentions": mentions, "events": events, "documents": staged.documents, "quarantine": staged.quarantine}
        reports = {name: run_expectations(tbl, name) for name, tbl in tables.items()}
        reports["events_mentions"] = run_link_expectations(events, mentions)
        drawn = None
    docs = staged.documents.select(["doc_id", "title", "path", "sha256"]).to_pylist()
    sources = [{"title": d.get("title") or d["doc_id"], "path": d["path"], "sha256": d["sha256"]} for d in docs]
    info = {"settings": settings.to_public_dict(), **versions}
    release = write_release(Path(out_dir), mentions=mentions, events=events, documents=staged.documents,
                            quarantine=staged.quarantine, version=version, force=force, run_id=run_id,
                            sources=sources, validation=reports, settings_info=info, created=created, since=since,
                            figures_from=drawn)
    if cache is not None and hit is None:
        cache.put(key, run_id=run_id, event_ids=mentions.column("event_id").combine_chunks(), events=events,
                  reports=reports, figures=release.path / "figures")
    return release


#: event rows :func:`aggregate_mentions` holds as Python values at a time
EVENT_ROWS = 5_000


def aggregate_mentions(mentions: "pa.Table", *, run_id: str,
                       polarities: Sequence[str] = ("asserted",)) -> tuple["pa.Table", "pa.Table"]:
    """The mentions table with its ``event_id`` column filled in, and the events table sorted by
    ``event_id`` (``eventextract.aggregate``: the merge rule). The event rows are converted to
    Arrow ``EVENT_ROWS`` at a time: the events are never all held as Python values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from . import __version__
    from .aggregate import DEFAULT_RULE, event_rows
    from .publish import to_table

    event_ids: list[str | None] = [None] * mentions.num_rows
    rows: list[dict[str, Any]] = []
    parts: list[pa.Table] = []
    for row in event_rows(mentions, run_id, __version__, tuple(polarities), DEFAULT_RULE, event_ids):
        rows.append(row)
        if len(rows) >= EVENT_ROWS:
            parts.append(to_table(rows, "events"))
            rows = []
    parts.append(to_table(rows, "events"))
    events = pa.concat_tables(parts)
    del parts, rows
    # sorted column by column, each unsorted column dropped once taken: one copy of the events
    # table at a time, not two
    order = pc.sort_indices(events, sort_keys=[("event_id", "ascending")])
    layout, columns = events.schema, []
    for name in layout.names:
        columns.append(events.column(name).take(order))
        events = events.drop_columns([name])
    col = mentions.schema.get_field_index("event_id")
    return (mentions.set_column(col, mentions.schema.field(col), pa.array(event_ids, pa.string())),
            pa.Table.from_arrays(columns, schema=layout))


def run(inputs: Sequence[str | Path] | None = None, out_dir: str | Path = "output", *,
        version: str | None = None, settings: Settings | None = None, force: bool = False,
        progress: Callable[[int, int], None] | None = None, run_id: str | None = None,
        now: dt.datetime | None = None, since: str | None = None) -> "ReleaseInfo":
    """The whole pipeline in this process (no Prefect): inputs -> published release (``since``:
    the release its changelog compares with; default the latest).

    ``run_id`` and ``now`` (the run's timestamp) default to a new id and the current time; fixing
    them makes two runs over the same input byte-identical (the snapshot tests do)."""
    from .changes import check_since
    from .publish import check_writable

    settings = settings or Settings()
    now = now or dt.datetime.now(dt.timezone.utc)
    run_id = run_id or new_run_id(now)
    check_writable(Path(out_dir))
    check_since(Path(out_dir), since)
    batches = plan_batches(inputs)
    outputs = []
    for i, files in enumerate(batches, start=1):
        outputs.append(process_files(files, settings, run_id, now))
        if progress:
            progress(i, len(batches))
    return finalize(validate_batches(outputs, run_id), out_dir, run_id=run_id, settings=settings,
                    versions=component_versions(settings), version=version, force=force, created=now, since=since)


# ---------------------------------------------------------------------------------------------
# annotate: the inspection view


def annotate(inputs: Sequence[str | Path], settings: Settings | None = None, *, run_id: str | None = None,
             now: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    """Stream one annotation object per input document (``run_id``/``now`` as in :func:`run`)."""
    settings = settings or Settings()
    res = load_resources(settings)
    now = now or dt.datetime.now(dt.timezone.utc)
    run_id = run_id or new_run_id(now)
    docs = ingest.with_source_url(ingest.documents(inputs, settings.max_doc_chars, settings.ingest_limits()),
                                  settings.source_base_url)
    for result in process_documents(docs, res, run_id, now):
        yield annotation(result)
