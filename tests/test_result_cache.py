"""The per-document result cache: unchanged documents are not analysed twice, anything that
changes what a document's rows would be makes it analysed again (documents written here)."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eventextract import pipeline
from eventextract.config import Settings
from eventextract.release_cache import FOLDER as RELEASES
from eventextract.result_cache import FOLDER, ResultCache, document_key

pytestmark = pytest.mark.slow

DOCS = {
    "harbour.txt": "On 3 May 2011 rebel fighters shelled the harbour of Misrata. Government troops repelled the attack.",
    "talks.txt": "On 9 June 2011 envoys of both sides met in Tunis and agreed to exchange prisoners.",
    "border.txt": "Border guards detained twelve smugglers near Ghat on 14 July 2011.",
}


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


def _run(corpus: Path, out: Path, version: str, settings: Settings):
    info = pipeline.run([corpus], out, version=version, settings=settings)
    path = Path(info.path)
    docs = {r["doc_id"]: r for r in pq.read_table(path / "documents.parquet").to_pylist()}
    mentions = pq.read_table(path / "mentions.parquet").to_pylist()
    return docs, mentions


def _without_run(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "run_id"} for r in rows]


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"]))


def test_unchanged_documents_are_reused_with_the_same_rows(tmp_path, settings, monkeypatch) -> None:
    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = _corpus(tmp_path / "in")
    docs1, rows1 = _run(corpus, tmp_path / "out", "a", settings)
    assert rows1, "the documents report events"
    assert not any(d["reused"] for d in docs1.values())

    analysed: list[str] = []
    real = pipeline.process_documents

    def counting(documents, *args, **kwargs):
        for result in real(documents, *args, **kwargs):
            analysed.append(result.document.doc_id)
            yield result

    monkeypatch.setattr(pipeline, "process_documents", counting)
    docs2, rows2 = _run(corpus, tmp_path / "out", "b", settings)
    assert analysed == []
    assert all(d["reused"] for d in docs2.values())
    assert _without_run(rows2) == _without_run(rows1)  # extracted_at too: the rows of the first analysis
    assert {r["run_id"] for r in rows2} != {r["run_id"] for r in rows1}
    changes = pq.read_table(tmp_path / "out" / "releases" / "b" / "changes.parquet").num_rows
    assert changes == 0  # being reused is not a change of the data

    # one edited document is analysed again, alone
    (corpus / "border.txt").write_text("Border guards detained forty smugglers near Ghat on 15 July 2011.\n",
                                       encoding="utf-8")
    docs3, rows3 = _run(corpus, tmp_path / "out", "c", settings)
    assert analysed == ["border.txt"]
    assert {k for k, d in docs3.items() if not d["reused"]} == {"border.txt"}
    assert [r for r in _without_run(rows3) if r["doc_id"] != "border.txt"] == \
        [r for r in _without_run(rows1) if r["doc_id"] != "border.txt"]


def _isolated_cache(tmp_path: Path, settings: Settings) -> Path:
    """A cache folder of this test's own, sharing the session's gazetteer index (no rebuild)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for entry in Path(settings.cache_dir).iterdir():
        if entry.name not in (FOLDER, RELEASES):
            (cache / entry.name).symlink_to(entry.resolve())
    return cache


def test_a_changed_setting_or_no_cache_analyses_everything(tmp_path, settings) -> None:
    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = _corpus(tmp_path / "in")
    _run(corpus, tmp_path / "out", "a", settings)
    docs, _ = _run(corpus, tmp_path / "out", "b", dataclasses.replace(settings, min_confidence=0.01))
    assert not any(d["reused"] for d in docs.values())
    docs, _ = _run(corpus, tmp_path / "out", "c", dataclasses.replace(settings, reuse_results=False))
    assert not any(d["reused"] for d in docs.values())
    docs, _ = _run(corpus, tmp_path / "out", "d", settings)
    assert all(d["reused"] for d in docs.values())


def test_a_broken_entry_is_a_miss_and_is_rewritten(tmp_path, settings) -> None:
    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = _corpus(tmp_path / "in")
    _, rows1 = _run(corpus, tmp_path / "out", "a", settings)
    entries = sorted((settings.cache_dir / FOLDER).rglob("*.arrow"))
    assert len(entries) == len(DOCS)
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40])  # as a disk-full or killed writer could leave it
    docs, rows2 = _run(corpus, tmp_path / "out", "b", settings)
    assert not any(d["reused"] for d in docs.values())
    assert [{k: v for k, v in r.items() if k not in ("run_id", "extracted_at")} for r in rows2] == \
        [{k: v for k, v in r.items() if k not in ("run_id", "extracted_at")} for r in rows1]
    docs, _ = _run(corpus, tmp_path / "out", "c", settings)
    assert all(d["reused"] for d in docs.values())


def test_failed_and_empty_documents_are_not_stored(tmp_path, settings) -> None:
    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "empty.txt").write_text("   \n", encoding="utf-8")
    (corpus / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    docs, _ = _run(corpus, tmp_path / "out", "a", settings)
    assert {d["status"] for d in docs.values()} <= {"empty", "failed"}
    assert not list((settings.cache_dir / FOLDER).rglob("*.arrow"))


def test_the_key_follows_document_settings_and_versions(tmp_path) -> None:
    from eventextract.records import Document

    doc = Document(doc_id="a.txt", path="a.txt", format="txt", sha256="0" * 64, text="Troops left.")
    s = Settings(cache_dir=tmp_path)
    versions = {"extractor_version": "1", "model_name": "m", "model_version": "1", "ontology_version": "1",
                "gazetteer_version": "1"}
    key = document_key(doc, s, versions)
    assert key == document_key(doc, dataclasses.replace(s, cache_dir=tmp_path / "elsewhere"), versions)
    assert key == document_key(doc, dataclasses.replace(s, reuse_results=False), versions)
    assert key != document_key(dataclasses.replace(doc, text="Troops came."), s, versions)
    assert key != document_key(dataclasses.replace(doc, title="T"), s, versions)
    assert key != document_key(doc, dataclasses.replace(s, date_carry="paragraph"), versions)
    assert key != document_key(doc, s, {**versions, "model_version": "2"})


def test_put_then_get_round_trips_dates_and_sets_the_run(tmp_path) -> None:
    import datetime as dt

    from eventextract.publish import to_table

    cache = ResultCache(tmp_path)
    assert cache.get("ab" * 32, "run-x") is None
    doc_row = {"doc_id": "a.txt", "published": dt.date(2011, 5, 3), "status": "ok", "reused": False}
    cache.put("ab" * 32, [], doc_row)
    mentions, document = cache.get("ab" * 32, "run-x")
    assert mentions == [] and document["published"] == dt.date(2011, 5, 3) and document["reused"] is True
    assert to_table([], "mentions").num_rows == 0


def test_checked_entry_splits_rows_by_the_stored_checks(tmp_path) -> None:
    """A reused document comes back as Arrow split by the row checks stored with it: the rows
    that passed (with the new run id), the quarantine rows of those that failed, its counts."""
    from test_validate import make_mention

    cache = ResultCache(tmp_path)
    rows = [make_mention(3), make_mention(6), make_mention(9)]  # all of doc0.txt
    doc_row = {"doc_id": "doc0.txt", "status": "ok", "reused": False, "n_mentions": 0, "n_quarantined": 0}
    cache.put("cd" * 32, rows, doc_row, {1: ["/latitude: 100 is greater than the maximum of 90"]})
    entry = cache.get_checked("cd" * 32, "run-y")
    assert entry.mentions.column("mention_id").to_pylist() == [rows[0]["mention_id"], rows[2]["mention_id"]]
    assert set(entry.mentions.column("run_id").to_pylist()) == {"run-y"}
    (q,) = entry.quarantine
    assert q["mention_id"] == rows[1]["mention_id"] and q["run_id"] == "run-y"
    assert q["reasons"] == ["/latitude: 100 is greater than the maximum of 90"]
    assert entry.document["n_mentions"] == 2 and entry.document["n_quarantined"] == 1 and entry.document["reused"]
    # an entry without stored checks is not trusted as checked
    cache.put("ef" * 32, rows, doc_row)
    assert cache.get_checked("ef" * 32, "run-y").mentions.num_rows == 3
    path = tmp_path / FOLDER / "ef" / f"{'ef' * 32}.arrow"
    with pa.OSFile(str(path)) as fh:
        table = pa.ipc.open_file(fh).read_all()
    table = table.replace_schema_metadata({b"eventextract.document": table.schema.metadata[b"eventextract.document"]})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    assert cache.get_checked("ef" * 32, "run-y") is None


def test_reused_parts_equal_the_analysed_parts(tmp_path, settings) -> None:
    """The flow's batch task: a batch served from the cache writes the same parts as its analysis
    (apart from the run id and the documents' ``reused``), without analysing anything."""
    import datetime as dt

    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = _corpus(tmp_path / "in")
    (batch,) = pipeline.plan_batches([corpus], files_per_batch=8)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    first = pipeline.process_batch_to_parts(batch, settings, "run-1", now, tmp_path / "s1", 0)
    again = pipeline.process_batch_to_parts(batch, settings, "run-2", now, tmp_path / "s2", 0)
    tables = [{t: pq.read_table(m.parts[t]) for t in pipeline.PART_TABLES} for m in (first, again)]
    assert tables[0]["mentions"].num_rows >= 3
    assert tables[0]["mentions"].drop_columns(["run_id"]).equals(tables[1]["mentions"].drop_columns(["run_id"]))
    assert set(tables[1]["mentions"].column("run_id").to_pylist()) == {"run-2"}
    assert tables[0]["documents"].drop_columns(["reused"]).equals(tables[1]["documents"].drop_columns(["reused"]))
    assert tables[1]["documents"].column("reused").to_pylist() == [True] * len(DOCS)
    assert first.counts == again.counts


def test_a_batch_needs_analysis_until_every_readable_document_is_stored(tmp_path, settings) -> None:
    """``needs_analysis`` (the flow reads a batch that needs none in its own process): true before
    the first run, after a document changes and with the cache off; false once every readable
    document has an entry (an unreadable one is never stored and does not count)."""
    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = _corpus(tmp_path / "in")
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00\x00" * 3)
    (batch,) = pipeline.plan_batches([corpus], files_per_batch=8)
    assert pipeline.needs_analysis(batch, settings)
    pipeline.run([corpus], tmp_path / "out", version="a", settings=settings)
    assert not pipeline.needs_analysis(batch, settings)
    assert pipeline.needs_analysis(batch, dataclasses.replace(settings, reuse_results=False))
    (corpus / "talks.txt").write_text(DOCS["talks.txt"].replace("June", "July") + "\n", encoding="utf-8")
    (batch,) = pipeline.plan_batches([corpus], files_per_batch=8)
    assert pipeline.needs_analysis(batch, settings)


def test_indexed_files_are_served_without_reading_them_through_ingest(tmp_path, settings, monkeypatch) -> None:
    """A re-run finds the keys of an unchanged file's documents in the file index: neither
    ``needs_analysis`` nor the batch reads it through ingest, and the parts are the same. A file
    that gave an empty or failed document is not indexed; an edited file misses the index and is read."""
    import datetime as dt

    from eventextract import ingest
    from eventextract.result_cache import ResultCache, file_keys
    from eventextract.resources import component_versions

    settings = dataclasses.replace(settings, cache_dir=_isolated_cache(tmp_path, settings))
    corpus = _corpus(tmp_path / "in")
    (corpus / "blank.txt").write_text("  \n", encoding="utf-8")  # an empty document: not ok
    (batch,) = pipeline.plan_batches([corpus], files_per_batch=8)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    first = pipeline.process_batch_to_parts(batch, settings, "run-1", now, tmp_path / "s1", 0)
    cache, versions = ResultCache(settings.cache_dir), component_versions(settings)
    indexed = {item.doc_id for item, key in zip(batch, file_keys(batch, settings, versions)) if cache.file_documents(key)}
    assert indexed == set(DOCS)  # not blank.txt

    real_read, read = ingest.read, []

    def reading(item, *args, **kwargs):
        read.append(item.doc_id)
        return real_read(item, *args, **kwargs)

    monkeypatch.setattr(ingest, "read", reading)
    assert not pipeline.needs_analysis(batch, settings)
    again = pipeline.process_batch_to_parts(batch, settings, "run-1", now, tmp_path / "s2", 0)
    assert read == ["blank.txt", "blank.txt"]
    for table in pipeline.PART_TABLES:
        a, b = (pq.read_table(m.parts[table]) for m in (first, again))
        if table == "documents":
            a, b = a.drop_columns(["reused"]), b.drop_columns(["reused"])
        assert a.equals(b), table
    assert again.n_words == first.n_words

    read.clear()
    (corpus / "talks.txt").write_text(DOCS["talks.txt"].replace("June", "July") + "\n", encoding="utf-8")
    assert pipeline.needs_analysis(batch, settings)
    assert "talks.txt" in read and "harbour.txt" not in read


def test_component_versions_read_the_model_meta_without_importing_spacy(settings) -> None:
    """A run served from the cache needs the component versions but not spaCy: they come from the
    pipeline package's ``meta.json``, and agree with the loaded pipeline's."""
    import json
    import subprocess
    import sys

    from eventextract.resources import load_resources

    code = ("import json, sys; from pathlib import Path; from eventextract.config import Settings; "
            "from eventextract.resources import component_versions; "
            f"v = component_versions(Settings(cache_dir=Path({str(settings.cache_dir)!r}))); "
            "print(json.dumps({'versions': v, 'spacy': 'spacy' in sys.modules}))")
    out = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                    env=os.environ).stdout)
    assert out["spacy"] is False
    assert out["versions"] == load_resources(settings).versions
