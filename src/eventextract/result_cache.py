"""Per-document result cache: a document analysed once is not analysed again.

A run asks the cache for each readable document before it parses it. The key is a sha256 over
everything the document's rows depend on, so a hit gives exactly the rows a new analysis would:

* the document as ingest read it: id, path, format, file sha256, the sha256 of its text, where its
  body starts, title, URL, publication date and encoding;
* the run's settings as a release records them (``Settings.to_public_dict``: user dictionaries by
  their sha256, no local paths), without ``reuse_results`` itself;
* the component versions (extractor, spaCy model name and version, ontology, gazetteer);
* a digest of the package's own code and data files (every ``*.py``, ``*.yaml``, ``*.tsv``...
  under ``eventextract/``), so an edited pattern file or rule invalidates every entry, and the
  record layout version.

A changed document, setting or component therefore misses, and only what it touches is analysed
again. Documents that failed, or had no text, are never stored (they are cheap, and a failure may
be transient). An entry holds the document's mention rows (Arrow IPC with LZ4, the mentions layout), its
documents-table row and the outcome of the row checks of its rows (in the file's metadata: a
reused document's rows are not checked again, see ``get_checked``); on reuse the rows get the current ``run_id``, keep
the ``extracted_at`` of the analysis that made them, and the document row says ``reused``.

Entries live under ``<cache_dir>/results/<key[:2]>/<key>.arrow`` and are written to a temporary
file renamed into place, so a killed run leaves no half entry and a re-run continues from what
was done.

A re-run need not read its files through ingest to find their keys: each input file whose
documents were all read is indexed under ``<cache_dir>/results/files/<key[:2]>/<key>.json`` by
:func:`file_keys` (its bytes' sha256, its doc_id and format, the same settings, versions, code digest
and layout as a document key, and the versions of the packages ingest reads with), listing its
documents' keys and word counts. A file whose index entry is missing, or names a key without an
entry, is read through ingest as before; a file that gave a failed or empty document is not
indexed (its error row comes from reading it). Nothing is ever evicted: delete the folder to reclaim the space (about the size of the
published mentions).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from . import schema

if TYPE_CHECKING:
    from .config import Settings
    from .ingest import InputFile
    from .records import Document

#: bump when the entry format changes
CACHE_FORMAT = 3
FOLDER = "results"
_DOCUMENT_KEY = b"eventextract.document"
#: the row checks' outcome: position of each failing row -> its reasons
_FAILURES_KEY = b"eventextract.failures"
#: package files whose bytes enter the code digest
_CODE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".tsv", ".txt", ".csv")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over the relative paths and bytes of the package's code and data files."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _CODE_SUFFIXES
                       and "__pycache__" not in p.parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _key_parts(settings: "Settings", versions: Mapping[str, str]) -> dict[str, Any]:
    """What every key of the cache covers besides its document or file: the entry format, the
    layout, the code digest, the settings (without ``reuse_results``) and the component versions."""
    settings_part = settings.to_public_dict()
    settings_part.pop("reuse_results", None)
    return {"format": CACHE_FORMAT, "layout": schema.layout_version(), "code": code_digest(),
            "settings": settings_part, "versions": dict(sorted(versions.items()))}


def _sha256_json(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def document_key(document: "Document", settings: "Settings", versions: Mapping[str, str]) -> str:
    """The cache key of one document's analysis under these settings and components."""
    return _sha256_json({
        **_key_parts(settings, versions),
        "document": {"doc_id": document.doc_id, "path": document.path, "format": document.format,
                     "sha256": document.sha256, "text": hashlib.sha256(document.text.encode("utf-8", "surrogatepass")).hexdigest(),
                     "body_start": document.body_start, "title": document.title, "url": document.url,
                     "published": document.published.isoformat() if document.published else None,
                     "encoding": document.encoding},
    })


#: distributions whose versions can change what ingest makes of a file's bytes
INGEST_DISTRIBUTIONS = ("trafilatura", "htmldate", "lxml", "charset-normalizer", "PyYAML")


@functools.lru_cache(maxsize=1)
def _ingest_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in INGEST_DISTRIBUTIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def file_keys(items: "Sequence[InputFile]", settings: "Settings", versions: Mapping[str, str]) -> list[str | None]:
    """The key of each input file's index entry (None for a file that cannot be read)."""
    common = {**_key_parts(settings, versions), "ingest": _ingest_versions()}
    out: list[str | None] = []
    for item in items:
        try:
            digest = hashlib.sha256(item.path.read_bytes()).hexdigest()
        except OSError:
            out.append(None)
            continue
        out.append(_sha256_json({**common, "file": {"doc_id": item.doc_id, "format": item.format, "sha256": digest}}))
    return out


def _read_entry(path: Path) -> pa.Table:
    """One entry's table (an Arrow IPC file: a re-run reads hundreds of small entries, and IPC
    with LZ4 reads several times faster than Parquet)."""
    with pa.OSFile(str(path)) as fh:
        return pa.ipc.open_file(fh).read_all()


def _read_entry_schema(path: Path) -> pa.Schema:
    with pa.OSFile(str(path)) as fh:
        return pa.ipc.open_file(fh).schema


def _write_entry(table: pa.Table, path: str) -> None:
    with pa.OSFile(path, "wb") as sink:
        with pa.ipc.new_file(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4")) as writer:
            writer.write_table(table)


def _is_mentions_layout(found: pa.Schema) -> bool:
    """Whether an entry's schema (its metadata aside) is the mentions layout of this version."""
    return found.remove_metadata() == schema.arrow_schema("mentions").remove_metadata()


@dataclass
class CheckedEntry:
    """A cached document split by its row checks (see :meth:`ResultCache.get_checked`)."""

    mentions: pa.Table
    quarantine: list[dict[str, Any]]
    document: dict[str, Any]


class ResultCache:
    """The entries under one folder (no other state: any number of processes may share it)."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir) / FOLDER

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.arrow"

    def get(self, key: str, run_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """The mention rows and the documents row stored under ``key`` (with ``run_id`` set and
        ``reused`` true), or None when there is no readable entry."""
        path = self._path(key)
        try:
            table = _read_entry(path)
            meta = json.loads(table.schema.metadata[_DOCUMENT_KEY])
        except (OSError, pa.ArrowException, KeyError, TypeError, ValueError):
            return None
        if not _is_mentions_layout(table.schema):
            return None
        mentions = table.to_pylist()
        for row in mentions:
            row["run_id"] = run_id
        if meta.get("published"):
            meta["published"] = dt.date.fromisoformat(meta["published"])
        meta["reused"] = True
        return mentions, meta

    def has(self, key: str) -> bool:
        """Whether ``key`` has an entry that :meth:`get_checked` can serve (its footer is read, not
        its rows)."""
        try:
            found = _read_entry_schema(self._path(key))
        except (OSError, pa.ArrowException):
            return False
        meta = found.metadata or {}
        return _DOCUMENT_KEY in meta and _FAILURES_KEY in meta and _is_mentions_layout(found)

    def get_checked(self, key: str, run_id: str) -> "CheckedEntry | None":
        """The entry as Arrow, split by the row checks stored with it: the rows that passed (with
        ``run_id`` set), the quarantine rows of those that failed, and the documents row (with its
        counts and ``reused`` true). None when there is no readable entry."""
        from .validate import quarantine_row

        path = self._path(key)
        try:
            table = _read_entry(path)
            meta = json.loads(table.schema.metadata[_DOCUMENT_KEY])
            failures = {int(k): list(v) for k, v in json.loads(table.schema.metadata[_FAILURES_KEY]).items()}
        except (OSError, pa.ArrowException, KeyError, TypeError, ValueError, AttributeError):
            return None
        table = table.replace_schema_metadata(None)
        if not _is_mentions_layout(table.schema):
            return None
        col = table.schema.get_field_index("run_id")
        table = table.set_column(col, table.schema.field(col), pa.array([run_id] * table.num_rows, pa.string()))
        quarantine: list[dict[str, Any]] = []
        if failures:
            failed = table.take(sorted(failures)).to_pylist()
            quarantine = [quarantine_row(row, failures[i], run_id) for i, row in zip(sorted(failures), failed)]
            keep = [i not in failures for i in range(table.num_rows)]
            table = table.filter(pa.array(keep, pa.bool_()))
        if meta.get("published"):
            meta["published"] = dt.date.fromisoformat(meta["published"])
        meta["reused"] = True
        meta["n_mentions"] = table.num_rows
        meta["n_quarantined"] = sum(1 for q in quarantine if q.get("doc_id") == meta.get("doc_id"))
        return CheckedEntry(mentions=table, quarantine=quarantine, document=meta)

    def _file_path(self, key: str) -> Path:
        return self.root / "files" / key[:2] / f"{key}.json"

    def file_documents(self, key: str) -> list[tuple[str, int]] | None:
        """The (document key, word count) of each document of the file indexed under ``key``, or
        None when it is not indexed (or its entry cannot be read)."""
        try:
            listed = json.loads(self._file_path(key).read_text(encoding="utf-8"))["documents"]
            return [(str(k), int(n)) for k, n in listed]
        except (OSError, KeyError, TypeError, ValueError):
            return None

    def put_file(self, key: str, documents: list[tuple[str, int]]) -> None:
        """Index one file's documents (written aside and renamed into place; skipped when the
        cache cannot be written)."""
        path = self._file_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"documents": [[k, n] for k, n in documents]}, fh)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError:
            return

    def put(self, key: str, mentions: list[dict[str, Any]], document: Mapping[str, Any],
            failures: Mapping[int, list[str]] | None = None) -> None:
        """Store one document's rows and the outcome of their row checks (``failures``: position
        -> reasons; written aside and renamed into place). A cache that cannot be written is
        skipped: the run does not depend on it."""
        path = self._path(key)
        meta = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in document.items()}
        sch = schema.arrow_schema("mentions")
        try:
            table = pa.Table.from_pylist([{n: r.get(n) for n in sch.names} for r in mentions], schema=sch)
            table = table.replace_schema_metadata({
                _DOCUMENT_KEY: json.dumps(meta, default=str).encode(),
                _FAILURES_KEY: json.dumps({str(k): v for k, v in (failures or {}).items()}).encode()})
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".arrow")
            os.close(fd)
            try:
                _write_entry(table, tmp)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except (OSError, pa.ArrowException):
            return
