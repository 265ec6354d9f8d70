"""Release-level reuse: the whole-release work done once per content.

After the batches, a run holds its checked tables (mentions, documents, quarantine). What it then
computes over the whole release is a function of their content: the merge of mentions into events
(``eventextract.aggregate``), the Great Expectations suites and the figures. When a run's tables
have the same content as an earlier run's (a scheduled re-run over an unchanged corpus), that work
is read back from ``<cache_dir>/releases/<key>/`` instead of done again.

The key is a sha256 over

* every column of the three tables except those a run sets by design (``run_id``,
  ``extracted_at``, ``documents.reused``), as Arrow IPC streamed in slices (bounded memory), and
  the null count of each of those columns (the only expectations on them are "not null");
* the events polarity setting, the record layout version, the digest of the package's code and
  data (``result_cache.code_digest``: the merge rule, the suites, the figures) and the versions
  of Great Expectations and matplotlib.

So the same key means the same events, the same expectation outcomes and the same pictures. A
reused report says so: its JSON in ``validation/`` names the run whose suites produced it
(``reused_from_run``). ``--no-cache`` turns this off with the document cache. An entry is written
to a temporary folder renamed into place; nothing is evicted (delete the folder to reclaim it).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema
from .result_cache import code_digest

if TYPE_CHECKING:
    from .expectations import ExpectationReport

#: bump when the entry format changes
FORMAT = 1
FOLDER = "releases"
#: columns a run sets by design, left out of the key (their null counts are in it)
VOLATILE = {"mentions": ("run_id", "extracted_at"), "documents": ("reused",), "quarantine": ("run_id",)}
#: rows serialised into the digest at a time
_SLICE_ROWS = 10_000


class _Digest:
    """A write-only file that feeds sha256 (what the Arrow IPC writer streams into)."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.hash.update(view)
        return view.nbytes

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def release_key(tables: Mapping[str, pa.Table], polarities: Sequence[str]) -> str:
    """The key of the release-level work over ``tables`` (mentions, documents, quarantine)."""
    digest = _Digest()
    head = {"format": FORMAT, "layout": schema.layout_version(), "code": code_digest(),
            "great_expectations": _version("great_expectations"), "matplotlib": _version("matplotlib"),
            "polarities": list(polarities)}
    digest.write(json.dumps(head, sort_keys=True).encode())
    for name in sorted(tables):
        tbl = tables[name]
        volatile = [c for c in VOLATILE.get(name, ()) if c in tbl.column_names]
        digest.write(json.dumps([name, tbl.num_rows, {c: tbl.column(c).null_count for c in volatile}]).encode())
        # the values only: no schema or field metadata (a result-cache entry carries its own), and
        # slices made contiguous, so that how the rows were chunked does not change the bytes
        stable = tbl.drop_columns(volatile)
        plain = pa.schema([pa.field(f.name, f.type) for f in stable.schema])
        sink = pa.PythonFile(digest, mode="w")
        with pa.ipc.new_stream(sink, plain) as writer:
            for offset in range(0, stable.num_rows, _SLICE_ROWS):
                part = stable.slice(offset, _SLICE_ROWS).combine_chunks()
                writer.write_table(pa.Table.from_arrays(part.columns, schema=plain))
    return digest.hash.hexdigest()


@dataclass
class ReleaseEntry:
    """What a run reuses: the mentions' event ids (in row order), the events table (``run_id`` set
    to the reusing run), the expectation reports and the folder of the figures to copy."""

    event_ids: pa.Array
    events: pa.Table
    reports: dict[str, "ExpectationReport"]
    figures: Path


class ReleaseCache:
    """The entries under ``<cache_dir>/releases`` (no other state)."""

    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir) / FOLDER

    def get(self, key: str, run_id: str) -> ReleaseEntry | None:
        """The entry under ``key`` for the run ``run_id``, or None when there is no readable one."""
        from .expectations import ExpectationReport

        folder = self.root / key
        try:
            event_ids = pq.read_table(folder / "event_ids.parquet").column("event_id").combine_chunks()
            events = pq.read_table(folder / "events.parquet")
            stored = json.loads((folder / "reports.json").read_text(encoding="utf-8"))
            reports = {name: ExpectationReport(**fields) for name, fields in stored["reports"].items()}
        except (OSError, pa.ArrowException, KeyError, TypeError, ValueError):
            return None
        if events.schema.remove_metadata() != schema.arrow_schema("events").remove_metadata():
            return None
        col = events.schema.get_field_index("run_id")
        events = events.set_column(col, events.schema.field(col), pa.array([run_id] * events.num_rows, pa.string()))
        for report in reports.values():
            report.reused_from = report.reused_from or stored["run_id"]
        return ReleaseEntry(event_ids, events, reports, folder / "figures")

    def put(self, key: str, *, run_id: str, event_ids: pa.Array, events: pa.Table,
            reports: Mapping[str, "ExpectationReport"], figures: Path) -> bool:
        """Store an entry (``figures``: the folder of the drawn figures, copied). Returns whether it
        was stored: a cache that cannot be written (full disk, read-only folder, another run
        storing the same content first) costs the next run time, never this run its release."""
        tmp: Path | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=self.root))
            pq.write_table(pa.table({"event_id": event_ids}), tmp / "event_ids.parquet")
            pq.write_table(events, tmp / "events.parquet", use_compliant_nested_type=False)
            payload = {"run_id": run_id, "reports": {n: dataclasses.asdict(r) for n, r in reports.items()}}
            (tmp / "reports.json").write_text(json.dumps(payload, default=str), encoding="utf-8")
            shutil.copytree(figures, tmp / "figures")
            os.rename(tmp, self.root / key)
            return True
        except (OSError, pa.ArrowException):
            return False
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
