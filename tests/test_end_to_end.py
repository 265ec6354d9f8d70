"""End to end: the library run on the sample corpus and on the seed corpus, the CLI, and the
release's promises (offsets give back their texts, hashes match, every document is listed)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eventextract import ingest, pipeline
from eventextract.cli import app

pytestmark = pytest.mark.slow
SPAN_FIELDS = ("sentence", "trigger", "actor", "recipient", "place")


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory, settings):
    out = tmp_path_factory.mktemp("out")
    info = pipeline.run(None, out, version="2000.01.01", settings=settings)
    return Path(info.path)


def _texts(inputs) -> dict[str, str]:
    return {d.doc_id: d.text for d in ingest.documents(inputs)}


def _check_offsets(events: list[dict], texts: dict[str, str]) -> int:
    checked = 0
    for e in events:
        text = texts[e["doc_id"]]
        for f in SPAN_FIELDS:
            start, end = e.get(f"{f}_start"), e.get(f"{f}_end")
            if start is None:
                continue
            assert text[start:end] == e[f"{f}_text"], (e["event_id"], f)
            checked += 1
        assert e["sentence_start"] <= e["trigger_start"] < e["trigger_end"] <= e["sentence_end"]
    return checked


def test_sample_release_layout(sample_release: Path) -> None:
    names = {p.name for p in sample_release.iterdir()}
    assert {"events.parquet", "events.csv", "documents.parquet", "documents.csv", "quarantine.parquet",
            "datapackage.json", "SHA256SUMS", "README.md", "validation"} <= names
    dp = json.loads((sample_release / "datapackage.json").read_text())
    assert {"events", "documents", "quarantine"} <= {r["name"] for r in dp["resources"]}
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=sample_release).returncode == 0


def test_sample_release_rows(sample_release: Path) -> None:
    events = pq.read_table(sample_release / "events.parquet").to_pylist()
    docs = pq.read_table(sample_release / "documents.parquet").to_pylist()
    corpus = pipeline.sample_corpus_dir()
    assert {d["doc_id"] for d in docs} == set(_texts([corpus]))
    assert len(events) >= 20
    assert _check_offsets(events, _texts([corpus])) > len(events)
    assert {e["event_type"] for e in events} >= {"ASSAULT", "COERCE", "AGREE"}
    assert len({e["event_id"] for e in events}) == len(events)
    by_doc = {d["doc_id"]: d for d in docs}
    for d in docs:
        assert d["n_events"] == sum(1 for e in events if e["doc_id"] == d["doc_id"])
    assert any(d["encoding"] not in (None, "utf-8") for d in by_doc.values())


def test_event_ids_are_stable_across_runs(sample_release: Path, tmp_path: Path, settings) -> None:
    info = pipeline.run(None, tmp_path, settings=settings)
    a = pq.read_table(sample_release / "events.parquet").column("event_id").to_pylist()
    b = pq.read_table(Path(info.path) / "events.parquet").column("event_id").to_pylist()
    assert sorted(a) == sorted(b)
    assert Path(info.path).name == dt.date.today().strftime("%Y.%m.%d")


def test_cli_verify_validate_and_annotate(sample_release: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["verify", str(sample_release)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(sample_release)]).exit_code == 0
    doc = tmp_path / "note.txt"
    doc.write_text("On 3 March 2001 rebels shelled the town of Tetovo, killing two police officers.\n", encoding="utf-8")
    res = runner.invoke(app, ["annotate", str(doc)])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout.strip().splitlines()[0])
    text = doc.read_text(encoding="utf-8")
    assert obj["doc_id"] == "note.txt"
    assert all(text[t["start"]:t["end"]] == t["text"] for t in obj["timexes"] + obj["places"])
    assert any(t["date_start"] == "2001-03-03" for t in obj["timexes"])
    assert obj["events"] and obj["events"][0]["event_type"] == "ASSAULT"


def test_bad_documents_do_not_stop_a_run(tmp_path: Path, settings) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("Government troops captured the city of Homs on 5 May 2012.\n", encoding="utf-8")
    (corpus / "bin.txt").write_bytes(b"\x00\x01\x02garbage\x00" * 50)
    (corpus / "empty.md").write_text("", encoding="utf-8")
    (corpus / "copy").mkdir()
    (corpus / "copy" / "ok.txt").write_bytes((corpus / "ok.txt").read_bytes())
    info = pipeline.run([corpus], tmp_path / "out", settings=settings)
    docs = {d["doc_id"]: d for d in pq.read_table(Path(info.path) / "documents.parquet").to_pylist()}
    assert docs["ok.txt"]["status"] == "ok" and docs["ok.txt"]["n_events"] >= 1
    # two copies of one file keep distinct event ids: nothing is quarantined as a duplicate
    assert docs["copy/ok.txt"]["n_events"] == docs["ok.txt"]["n_events"]
    assert pq.read_table(Path(info.path) / "quarantine.parquet").num_rows == 0
    assert docs["bin.txt"]["status"] == "failed" and docs["bin.txt"]["error"].startswith("E103")
    assert docs["empty.md"]["status"] == "empty"


def test_seed_corpus_release(shared_dir: Path, tmp_path_factory, settings) -> None:
    seeds = shared_dir / "corpus" / "seeds"
    out = tmp_path_factory.mktemp("seeds")
    info = pipeline.run([seeds], out, settings=settings)
    events = pq.read_table(Path(info.path) / "events.parquet").to_pylist()
    asserted = [e for e in events if e["polarity"] == "asserted"]
    assert len(asserted) >= 100
    files = {p.name: p for p in seeds.iterdir()}
    texts = {name: p.read_bytes().decode("utf-8") for name, p in files.items()}
    assert _check_offsets(events, texts) > 0
    for e in events:
        assert e["source_sha256"] == hashlib.sha256(files[e["doc_id"]].read_bytes()).hexdigest()
        if e["date_start"] is not None:
            assert e["date_end"] <= dt.date(2024, 12, 31), e  # no event after the documents were written
            assert e["date_start"].year != dt.date.today().year


def test_threads_sharing_components_keep_documents_apart(settings) -> None:
    """The Prefect flow runs batches in threads that share one set of components: a document's
    rows must not depend on what another thread analyses at the same time (e.g. the country a
    generic group like "the insurgents" is coded with comes from its own document)."""
    import sys
    import threading

    from eventextract.records import Document

    texts = {
        "north.txt": ("Clashes broke out around Mosul and Kirkuk in spring. Then the insurgents captured a "
                      "checkpoint near Tikrit, and soldiers shelled their trenches outside Mosul.\n") * 6,
        "west.txt": ("Clashes broke out around Aleppo and Homs in spring. Then the insurgents captured a "
                     "checkpoint near Idlib, and soldiers shelled their trenches outside Aleppo.\n") * 6,
    }
    docs = {k: Document(k, k, "txt", hashlib.sha256(v.encode()).hexdigest(), text=v) for k, v in texts.items()}
    resources = pipeline.load_resources(settings)
    now = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)

    def rows(doc_id: str) -> list[tuple]:
        (res,) = pipeline.process_documents([docs[doc_id]], resources, "run-x", now)
        return [(e.event_id, e.actor_country, e.recipient_country, e.place_name, e.date_start) for e in res.events]

    expected = {k: rows(k) for k in texts}
    assert any(r[1] for r in expected["north.txt"]) and expected["north.txt"] != expected["west.txt"]
    got: dict[str, list] = {k: [] for k in texts}
    errors: list[BaseException] = []

    def work(doc_id: str) -> None:
        try:
            for _ in range(4):
                got[doc_id].append(rows(doc_id))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in texts for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors
    for k in texts:
        assert all(r == expected[k] for r in got[k]), k


def test_release_has_no_local_absolute_path(sample_release: Path, settings) -> None:
    """Rows and metadata name sources relative to their input folder: nothing of the builder's file
    system (the input folder, the cache, the output folder, the home folder) is in any file."""
    local = {str(pipeline.sample_corpus_dir().resolve()), str(Path(settings.cache_dir).resolve()),
             str(sample_release.parent.parent.resolve()), str(Path.home())}
    for path in sample_release.rglob("*"):
        if path.is_file() and path.suffix != ".png":
            text = path.read_bytes().decode("utf-8", errors="replace")
            assert not [p for p in local if p in text], path.name
    for table, column in (("events", "source_path"), ("documents", "path")):
        values = pq.read_table(sample_release / f"{table}.parquet").column(column).to_pylist()
        assert values and not any(v.startswith("/") for v in values)
    docs = pq.read_table(sample_release / "documents.parquet").to_pylist()
    assert all(d["path"] == d["doc_id"].split("#")[0] for d in docs)


def test_source_base_url_gives_urls_to_documents_without_one(tmp_path: Path, settings) -> None:
    import dataclasses

    corpus = tmp_path / "in" / "sub"
    corpus.mkdir(parents=True)
    (corpus / "a b.txt").write_text("Rebels shelled the town of Tetovo on 3 March 2001.\n", encoding="utf-8")
    info = pipeline.run([tmp_path / "in"], tmp_path / "out", version="u",
                        settings=dataclasses.replace(settings, source_base_url="https://example.org/corpus/"))
    (doc,) = pq.read_table(Path(info.path) / "documents.parquet").to_pylist()
    assert doc["url"] == "https://example.org/corpus/sub/a%20b.txt"
    events = pq.read_table(Path(info.path) / "events.parquet").to_pylist()
    assert events and {e["source_url"] for e in events} == {doc["url"]}
