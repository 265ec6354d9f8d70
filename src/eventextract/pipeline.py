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
from .resources import Resources, load_resources, settings_key
from .rows import annotation, build_record, document_row, mention_id

if TYPE_CHECKING:
    import pyarrow as pa

    from .publish import ReleaseInfo

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
    from .result_cache import ResultCache, document_key

    started = time.perf_counter()
    res = load_resources(settings)
    out = BatchOutput(n_files=len(files))
    docs = list(ingest.with_source_url((doc for item in files
                                        for doc in ingest.read(item, settings.max_doc_chars, settings.ingest_limits())),
                                       settings.source_base_url))
    cache = ResultCache(settings.cache_dir) if settings.reuse_results else None
    rows: dict[int, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    keys: dict[int, str] = {}
    if cache is not None:
        versions = res.versions
        for i, doc in enumerate(docs):
            if doc.status == "ok":
                keys[i] = document_key(doc, settings, versions)
                hit = cache.get(keys[i], run_id)
                if hit is not None:
                    rows[i] = hit
    position = {id(doc): i for i, doc in enumerate(docs)}
    fresh = (doc for i, doc in enumerate(docs) if i not in rows)
    for result in process_documents(fresh, res, run_id, extracted_at):
        i = position[id(result.document)]
        rows[i] = ([e.as_dict() for e in result.events], document_row(result))
        if cache is not None and i in keys and result.document.status == "ok":
            cache.put(keys[i], *rows[i])
    for i, doc in enumerate(docs):
        mentions, document = rows[i]
        out.mentions.extend(mentions)
        out.documents.append(document)
        out.n_words += len(doc.nlp_text.split())
    out.seconds = time.perf_counter() - started
    return out


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


#: tables a batch writes as parts, in this order
PART_TABLES = ("mentions", "documents", "quarantine")


def process_batch_to_parts(files: Sequence[ingest.InputFile], settings: Settings, run_id: str,
                           extracted_at: dt.datetime, staging: str | Path, index: int) -> BatchManifest:
    """``process_files`` and the row checks of one batch, its rows written as Parquet parts
    ``<staging>/<index>.<table>.parquet`` (a document's rows never span batches, so the per-batch
    checks are the run's: ids embed the unique doc_id)."""
    import pyarrow.parquet as pq

    from .publish import PARQUET_COMPRESSION, to_table

    out = process_files(files, settings, run_id, extracted_at)
    checked = validate_batches([out], run_id)
    staging = Path(staging)
    staging.mkdir(parents=True, exist_ok=True)
    parts, counts = {}, {}
    for table, rows in zip(PART_TABLES, (checked.mentions, checked.documents, checked.quarantine)):
        path = staging / f"{index:06d}.{table}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(to_table(rows, table), tmp, compression=PARQUET_COMPRESSION, use_compliant_nested_type=False)
        os.replace(tmp, path)
        parts[table], counts[table] = str(path), len(rows)
    return BatchManifest(index=index, parts=parts, counts=counts, seconds=out.seconds, n_words=out.n_words,
                         n_files=out.n_files)


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
    from .validate import run_expectations, run_link_expectations

    mentions, events = aggregate_mentions(staged.mentions, run_id=run_id, polarities=settings.event_polarities)
    tables = {"mentions": mentions, "events": events, "documents": staged.documents, "quarantine": staged.quarantine}
    reports = {name: run_expectations(tbl, name) for name, tbl in tables.items()}
    reports["events_mentions"] = run_link_expectations(tables["events"], tables["mentions"])
    docs = staged.documents.select(["doc_id", "title", "path", "sha256"]).to_pylist()
    sources = [{"title": d.get("title") or d["doc_id"], "path": d["path"], "sha256": d["sha256"]} for d in docs]
    info = {"settings": settings.to_public_dict(), **versions}
    return write_release(Path(out_dir), mentions=tables["mentions"], events=tables["events"],
                         documents=tables["documents"],
                         quarantine=tables["quarantine"], version=version, force=force, run_id=run_id,
                         sources=sources, validation=reports, settings_info=info, created=created, since=since)


def aggregate_mentions(mentions: "pa.Table", *, run_id: str,
                       polarities: Sequence[str] = ("asserted",)) -> tuple["pa.Table", "pa.Table"]:
    """The mentions table with its ``event_id`` column filled in, and the events table
    (``eventextract.aggregate``: the merge rule)."""
    import pyarrow as pa

    from . import __version__
    from .aggregate import aggregate
    from .publish import to_table

    agg = aggregate(mentions, run_id=run_id, extractor_version=__version__, polarities=tuple(polarities))
    col = mentions.schema.get_field_index("event_id")
    mentions = mentions.set_column(col, mentions.schema.field(col), pa.array(agg.event_ids, pa.string()))
    return mentions, to_table(agg.events, "events")


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
    res = load_resources(settings)
    return finalize(validate_batches(outputs, run_id), out_dir, run_id=run_id, settings=settings,
                    versions=res.versions, version=version, force=force, created=now, since=since)


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
