"""Release-level reuse (``eventextract.release_cache``): a run whose checked tables have the same
content as an earlier run's reads the events, the expectation reports and the figures back, and
publishes the same release; any change to the content misses (documents written here)."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eventextract import pipeline
from eventextract.config import Settings
from eventextract.release_cache import FOLDER as RELEASES
from eventextract.release_cache import ReleaseCache, release_key
from test_result_cache import _isolated_cache

pytestmark = pytest.mark.slow

DOCS = {
    "ridge.txt": "On 12 April 2003 militia fighters attacked a police post near Bunia. Two officers were killed.",
    "port.txt": "On 20 April 2003 the two factions signed a truce in Dar es Salaam and agreed to withdraw.",
}


def _cache(tmp_path: Path) -> Path:
    """A cache folder of this test's own, sharing the session's built indexes (no rebuild)."""
    return _isolated_cache(tmp_path, Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"])))


def _corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


def _tables(path: Path) -> dict[str, pa.Table]:
    return {t: pq.read_table(path / f"{t}.parquet") for t in ("mentions", "events", "documents", "quarantine")}


def test_a_run_over_the_same_content_reuses_events_reports_and_figures(tmp_path, monkeypatch) -> None:
    settings = Settings(cache_dir=_cache(tmp_path))
    corpus = _corpus(tmp_path / "in", DOCS)
    first = pipeline.run([corpus], tmp_path / "out", version="a", settings=settings, run_id="run-a")
    assert len(list((settings.cache_dir / RELEASES).iterdir())) == 1

    def no_merge(*args, **kwargs):
        raise AssertionError("the events were merged again")

    monkeypatch.setattr(pipeline, "aggregate_mentions", no_merge)
    second = pipeline.run([corpus], tmp_path / "out", version="b", settings=settings, run_id="run-b")
    a, b = _tables(first.path), _tables(second.path)
    assert a["mentions"].num_rows >= 2 and a["events"].num_rows >= 2
    assert a["mentions"].drop_columns(["run_id"]).equals(b["mentions"].drop_columns(["run_id"]))
    assert a["events"].drop_columns(["run_id"]).equals(b["events"].drop_columns(["run_id"]))
    assert set(b["events"].column("run_id").to_pylist()) == {"run-b"}
    for png in (first.path / "figures").iterdir():
        assert png.read_bytes() == (second.path / "figures" / png.name).read_bytes()
    for report in (second.path / "validation").glob("*.json"):
        data = json.loads(report.read_text(encoding="utf-8"))
        assert data["reused_from_run"] == "run-a" and data["success"]
        assert "reused_from_run" not in json.loads((first.path / "validation" / report.name).read_text(encoding="utf-8"))
    assert "run-a" in (second.path / "validation" / "summary.md").read_text(encoding="utf-8")


def test_changed_content_or_no_cache_runs_everything(tmp_path) -> None:
    settings = Settings(cache_dir=_cache(tmp_path))
    corpus = _corpus(tmp_path / "in", DOCS)
    pipeline.run([corpus], tmp_path / "out", version="a", settings=settings)
    (corpus / "ridge.txt").write_text(DOCS["ridge.txt"].replace("Two", "Three") + "\n", encoding="utf-8")
    changed = pipeline.run([corpus], tmp_path / "out", version="b", settings=settings)
    assert len(list((settings.cache_dir / RELEASES).iterdir())) == 2
    assert not json.loads((changed.path / "validation" / "mentions.json").read_text()).get("reused_from_run")
    off = pipeline.run([corpus], tmp_path / "out", version="c", settings=dataclasses.replace(settings, reuse_results=False))
    assert not json.loads((off.path / "validation" / "mentions.json").read_text()).get("reused_from_run")


def test_the_key_ignores_what_a_run_sets_and_follows_everything_else() -> None:
    from eventextract import schema

    mentions = schema.arrow_schema("mentions").empty_table()
    documents = pa.Table.from_pylist([{"doc_id": "d1", "path": "a.txt", "format": "txt", "sha256": "0" * 64,
                                       "n_chars": 10, "status": "ok", "reused": False}],
                                     schema=schema.arrow_schema("documents"))
    quarantine = schema.arrow_schema("quarantine").empty_table()
    base = release_key({"mentions": mentions, "documents": documents, "quarantine": quarantine}, ("asserted",))
    reused = documents.set_column(documents.schema.get_field_index("reused"), "reused", pa.array([True]))
    assert release_key({"mentions": mentions, "documents": reused, "quarantine": quarantine}, ("asserted",)) == base
    other = documents.set_column(documents.schema.get_field_index("n_chars"), "n_chars", pa.array([11], pa.int64()))
    assert release_key({"mentions": mentions, "documents": other, "quarantine": quarantine}, ("asserted",)) != base
    assert release_key({"mentions": mentions, "documents": documents, "quarantine": quarantine},
                       ("asserted", "negated")) != base
    nulled = documents.set_column(documents.schema.get_field_index("reused"), "reused", pa.array([None], pa.bool_()))
    assert release_key({"mentions": mentions, "documents": nulled, "quarantine": quarantine}, ("asserted",)) != base


def test_a_broken_entry_is_a_miss(tmp_path) -> None:
    cache = ReleaseCache(tmp_path)
    (cache.root / "k1").mkdir(parents=True)
    (cache.root / "k1" / "events.parquet").write_bytes(b"not parquet")
    assert cache.get("k1", "run-x") is None
    assert cache.get("absent", "run-x") is None


def test_the_flows_parts_give_the_same_key_analysed_or_read_from_the_cache(tmp_path) -> None:
    """In the flow, a batch's parts come from analysis the first time and from the result cache
    (Arrow, with the entry's metadata) the next: the same content gives the same key."""
    import datetime as dt

    settings = Settings(cache_dir=_cache(tmp_path))
    corpus = _corpus(tmp_path / "in", DOCS)
    (batch,) = pipeline.plan_batches([corpus], files_per_batch=8)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    keys = []
    for run in ("run-1", "run-2"):
        staged = pipeline.assemble([pipeline.process_batch_to_parts(batch, settings, run, now, tmp_path / run, 0)])
        keys.append(release_key({"mentions": staged.mentions, "documents": staged.documents,
                                 "quarantine": staged.quarantine}, ("asserted",)))
    assert staged.documents.column("reused").to_pylist() == [True] * len(DOCS)
    assert keys[0] == keys[1]


def test_a_cache_that_cannot_be_written_does_not_fail_the_run(tmp_path) -> None:
    """The entry is stored after the release is published: a cache folder that cannot be written
    leaves the release as it is (the next run only misses)."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    figures = tmp_path / "figures"
    figures.mkdir()
    stored = ReleaseCache(blocked).put("k1", run_id="run-x", event_ids=pa.array(["ev_1"]),
                                        events=pa.table({"event_id": ["ev_1"]}), reports={}, figures=figures)
    assert stored is False
    assert ReleaseCache(tmp_path / "ok").put("k1", run_id="run-x", event_ids=pa.array(["ev_1"]),
                                              events=pa.table({"event_id": ["ev_1"]}), reports={}, figures=figures)
    assert (tmp_path / "ok" / RELEASES / "k1" / "reports.json").is_file()
