"""Batches stream their checked rows to Parquet parts; the run's tables are the parts in batch
order, equal to the rows of the in-memory path (documents written here)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from eventextract import pipeline
from eventextract.config import Settings

pytestmark = pytest.mark.slow

TEXTS = {
    "a.txt": "On 2 March 2014 armed men seized the parliament in Simferopol.",
    "b.txt": "Ukrainian troops withdrew from Debaltseve on 18 February 2015.",
    "c.txt": "   \n",
    "d.txt": "On 5 September 2014 the two sides signed a ceasefire in Minsk.",
}


def test_parts_in_batch_order_equal_the_in_memory_rows(tmp_path, settings) -> None:
    settings = dataclasses.replace(settings, reuse_results=False)
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text + "\n", encoding="utf-8")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    batches = pipeline.plan_batches([corpus], files_per_batch=1)
    assert len(batches) == 4
    staging = tmp_path / "staging"
    manifests = [pipeline.process_batch_to_parts(b, settings, "run-p", now, staging, i)
                 for i, b in enumerate(batches)]
    assert all(Path(p).is_file() for m in manifests for p in m.parts.values())
    assert sum(m.counts["documents"] for m in manifests) == 4
    staged = pipeline.assemble(reversed(manifests))  # finishing order must not matter

    validated = pipeline.validate_batches([pipeline.process_files(b, settings, "run-p", now) for b in batches], "run-p")
    assert staged.mentions.to_pylist() == validated.mentions
    assert staged.documents.to_pylist() == validated.documents
    assert staged.mentions.num_rows >= 3 and staged.quarantine.num_rows == 0

    a = pipeline.finalize_tables(staged, tmp_path / "out", run_id="run-p", settings=settings, versions={},
                                 version="parts", created=now)
    b = pipeline.finalize(validated, tmp_path / "out", run_id="run-p", settings=settings, versions={},
                          version="rows", created=now)
    for table in ("mentions", "events", "documents", "quarantine"):
        assert pq.read_table(Path(a.path) / f"{table}.parquet").equals(pq.read_table(Path(b.path) / f"{table}.parquet"))


def test_assemble_of_no_batches_gives_empty_tables() -> None:
    staged = pipeline.assemble([])
    assert staged.mentions.num_rows == staged.documents.num_rows == staged.quarantine.num_rows == 0
    assert staged.mentions.schema.names[0] == "mention_id"
