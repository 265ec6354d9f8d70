"""End to end: the library run on the sample corpus and on the seed corpus, the CLI, and the
release's promises (offsets give back their texts, hashes match, every document is listed, the
events table and the mentions table agree, events keep their ids when unrelated documents are added)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eventextract import ingest, pipeline, validate
from eventextract.cli import app
from eventextract.config import Settings
from eventextract.errors import ConfigError

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
            assert text[start:end] == e[f"{f}_text"], (e["mention_id"], f)
            checked += 1
        assert e["sentence_start"] <= e["trigger_start"] < e["trigger_end"] <= e["sentence_end"]
    return checked


def _read(release: Path, table: str) -> list[dict]:
    return pq.read_table(release / f"{table}.parquet").to_pylist()


def _members(mentions: list[dict]) -> dict[str, set[str]]:
    """event_id -> the mention_ids that name it."""
    out: dict[str, set[str]] = {}
    for m in mentions:
        if m["event_id"] is not None:
            out.setdefault(m["event_id"], set()).add(m["mention_id"])
    return out


def _check_events(mentions: list[dict], events: list[dict], polarities=("asserted",)) -> None:
    """The events table and the mentions table of one release agree: every mention of an
    aggregated polarity has an event and no other mention has one, every event is named by its
    mentions, and its counts, documents, first mention, type and polarity are theirs."""
    by_mention = {m["mention_id"]: m for m in mentions}
    assert len(by_mention) == len(mentions)
    for m in mentions:
        assert (m["event_id"] is not None) == (m["polarity"] in polarities), m["mention_id"]
    members = _members(mentions)
    by_event = {e["event_id"]: e for e in events}
    assert len(by_event) == len(events)
    assert set(by_event) == set(members)
    for eid, e in by_event.items():
        rows = [by_mention[i] for i in members[eid]]
        assert e["n_mentions"] == len(rows)
        assert e["doc_ids"] == sorted({r["doc_id"] for r in rows}) and e["n_documents"] == len(e["doc_ids"])
        first = min(rows, key=lambda r: (r["doc_id"], r["trigger_start"], r["mention_id"]))
        assert e["first_mention_id"] == first["mention_id"]
        assert {r["event_type"] for r in rows} == {e["event_type"]}
        assert {r["polarity"] for r in rows} == {e["polarity"]} and e["polarity"] in polarities
        assert (e["merge_reason"] == "single") == (len(rows) == 1)
        assert (e["merge_reason"] == "across_documents") == (e["n_documents"] > 1)
        assert e["confidence"] == max(r["confidence"] for r in rows)


def test_sample_release_layout(sample_release: Path) -> None:
    names = {p.name for p in sample_release.iterdir()}
    assert {"mentions.parquet", "mentions.csv", "events.parquet", "events.csv", "documents.parquet",
            "documents.csv", "quarantine.parquet", "datapackage.json", "SHA256SUMS", "README.md",
            "validation"} <= names
    validation = {p.name for p in (sample_release / "validation").iterdir()}
    assert {"mentions.json", "events.json", "events_mentions.json"} <= validation
    dp = json.loads((sample_release / "datapackage.json").read_text())
    assert {"mentions", "events", "documents", "quarantine", "mentions-csv", "events-csv"} <= {
        r["name"] for r in dp["resources"]}
    assert dp["eventextract"]["layout_version"] == "2.1"
    assert dp["eventextract"]["validation"]["events_mentions"] is True
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=sample_release).returncode == 0


def test_sample_release_rows(sample_release: Path) -> None:
    mentions = _read(sample_release, "mentions")
    events = _read(sample_release, "events")
    docs = _read(sample_release, "documents")
    corpus = pipeline.sample_corpus_dir()
    assert {d["doc_id"] for d in docs} == set(_texts([corpus]))
    assert len(mentions) >= 20
    assert _check_offsets(mentions, _texts([corpus])) > len(mentions)
    assert {m["event_type"] for m in mentions} >= {"ASSAULT", "COERCE", "AGREE"}
    assert len({m["mention_id"] for m in mentions}) == len(mentions)
    by_doc = {d["doc_id"]: d for d in docs}
    for d in docs:
        assert d["n_mentions"] == sum(1 for m in mentions if m["doc_id"] == d["doc_id"])
    assert any(d["encoding"] not in (None, "utf-8") for d in by_doc.values())
    # the events table: one row per real-world event, built from the asserted mentions
    _check_events(mentions, events)
    asserted = [m for m in mentions if m["polarity"] == "asserted"]
    assert 0 < len(events) <= len(asserted)
    assert {e["event_type"] for e in events} >= {"ASSAULT", "AGREE"}


def test_event_ids_are_stable_across_runs(sample_release: Path, tmp_path: Path, settings) -> None:
    info = pipeline.run(None, tmp_path, settings=settings)
    for table, column in (("mentions", "mention_id"), ("events", "event_id")):
        a = pq.read_table(sample_release / f"{table}.parquet").column(column).to_pylist()
        b = pq.read_table(Path(info.path) / f"{table}.parquet").column(column).to_pylist()
        assert sorted(a) == sorted(b), table
    assert _members(_read(sample_release, "mentions")) == _members(_read(Path(info.path), "mentions"))
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
    assert docs["ok.txt"]["status"] == "ok" and docs["ok.txt"]["n_mentions"] >= 1
    # two copies of one file keep distinct mention ids: nothing is quarantined as a duplicate
    assert docs["copy/ok.txt"]["n_mentions"] == docs["ok.txt"]["n_mentions"]
    assert pq.read_table(Path(info.path) / "quarantine.parquet").num_rows == 0
    mentions = _read(Path(info.path), "mentions")
    assert {m["doc_id"] for m in mentions} == {"ok.txt", "copy/ok.txt"}
    _check_events(mentions, _read(Path(info.path), "events"))
    assert docs["bin.txt"]["status"] == "failed" and docs["bin.txt"]["error"].startswith("E103")
    assert docs["empty.md"]["status"] == "empty"


def test_seed_corpus_release(shared_dir: Path, tmp_path_factory, settings) -> None:
    seeds = shared_dir / "corpus" / "seeds"
    out = tmp_path_factory.mktemp("seeds")
    info = pipeline.run([seeds], out, settings=settings)
    mentions = _read(Path(info.path), "mentions")
    asserted = [m for m in mentions if m["polarity"] == "asserted"]
    assert len(asserted) >= 100
    files = {p.name: p for p in seeds.iterdir()}
    texts = {name: p.read_bytes().decode("utf-8") for name, p in files.items()}
    assert _check_offsets(mentions, texts) > 0
    events = _read(Path(info.path), "events")
    _check_events(mentions, events)
    assert 0 < len(events) <= len(asserted)
    assert validate.validate_release(Path(info.path)).ok
    for e in mentions:
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
        return [(e.mention_id, e.actor_country, e.recipient_country, e.place_name, e.date_start) for e in res.events]

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
    for table, column in (("mentions", "source_path"), ("documents", "path")):
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
    mentions = _read(Path(info.path), "mentions")
    assert mentions and {m["source_url"] for m in mentions} == {doc["url"]}


# ---------------------------------------------------------------- events across releases

#: Two reports of one happening (Tskhinvali, 7 August 2008) in two documents, beside mentions that
#: did not happen (negated, future) and other events; a third document about another war.
SMALL_CORPUS = {
    "tskhinvali.txt": "On 7 August 2008 Georgian troops shelled Russian peacekeepers in Tskhinvali. The shelling "
                      "killed two peacekeepers.\nGeorgian officials said the army did not attack civilians. The "
                      "defence ministry said its army would attack the rebel camps.\n",
    "wire.txt": "Georgian troops shelled Russian peacekeepers in Tskhinvali on 7 August 2008, witnesses said.\n"
                "On 12 August 2008 Russia and Georgia signed a ceasefire agreement in Moscow.\n",
    "kosovo.txt": "On 2 June 1999 NATO suspended its air strikes after Serbian forces began to withdraw from "
                  "Kosovo.\n",
}
#: A document that reports none of those happenings (one of them is close: same actors, type and
#: month, another day and place).
UNRELATED = ("gori.txt", "Farmers protested against new taxes in Lagos on 3 March 2015. Police did not arrest "
                         "the protesters.\nGeorgian artillery shelled Russian peacekeepers near Gori on 9 "
                         "August 2008.\n")


def _corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory, settings) -> tuple[Path, Path]:
    """The small corpus, then the same plus the unrelated document, published one after the other."""
    d = tmp_path_factory.mktemp("releases")
    first = pipeline.run([_corpus(d / "in1", SMALL_CORPUS)], d / "out", version="first", settings=settings)
    second = pipeline.run([_corpus(d / "in2", {**SMALL_CORPUS, UNRELATED[0]: UNRELATED[1]})], d / "out",
                          version="second", settings=settings)
    return Path(first.path), Path(second.path)


def test_small_corpus_has_events_of_several_mentions_and_mentions_without_event(two_releases) -> None:
    """The corpus exercises what the other tests rely on: an event reported by two documents, and
    mentions that are not asserted."""
    for release in two_releases:
        mentions, events = _read(release, "mentions"), _read(release, "events")
        _check_events(mentions, events)
        assert validate.validate_release(release).ok
        across = [e for e in events if e["n_documents"] > 1]
        assert any(e["doc_ids"] == ["tskhinvali.txt", "wire.txt"] and e["event_type"] == "ASSAULT" for e in across)
        assert any(m["polarity"] != "asserted" for m in mentions)


def test_every_asserted_mention_and_only_those_has_an_event(two_releases) -> None:
    for release in two_releases:
        mentions = _read(release, "mentions")
        asserted = [m for m in mentions if m["polarity"] == "asserted"]
        others = [m for m in mentions if m["polarity"] != "asserted"]
        assert asserted and others
        assert all(m["event_id"] is not None for m in asserted)
        assert all(m["event_id"] is None for m in others)
        event_ids = {e["event_id"] for e in _read(release, "events")}
        assert {m["event_id"] for m in asserted} == event_ids


def test_an_unrelated_document_changes_no_event(two_releases) -> None:
    """Every event of the first release is in the second with the same id, the same member
    mentions and the same values; the new events are the new document's alone."""
    first, second = two_releases
    members1, members2 = _members(_read(first, "mentions")), _members(_read(second, "mentions"))
    assert members1 and set(members1) <= set(members2)
    for eid, ids in members1.items():
        assert members2[eid] == ids, eid
    events1 = {e["event_id"]: e for e in _read(first, "events")}
    events2 = {e["event_id"]: e for e in _read(second, "events")}
    for eid, e in events1.items():
        assert {k: v for k, v in events2[eid].items() if k != "run_id"} == \
            {k: v for k, v in e.items() if k != "run_id"}, eid
    added = [events2[eid] for eid in set(events2) - set(events1)]
    assert added and all(e["doc_ids"] == [UNRELATED[0]] for e in added)
    # the changelog of the second release says the same: nothing removed or changed
    changes = _read(second, "changes")
    assert not [c for c in changes if c["table"] in ("events", "mentions") and c["change"] != "added"]
    assert {c["id"] for c in changes if c["table"] == "events"} == {e["event_id"] for e in added}


def test_event_polarities_choose_the_mentions_that_become_events(tmp_path: Path, settings) -> None:
    """With negated mentions aggregated too, they get events of their own (never merged with
    asserted ones) and the asserted events stay as they were."""
    import dataclasses

    corpus = _corpus(tmp_path / "in", SMALL_CORPUS)
    default = Path(pipeline.run([corpus], tmp_path / "a", version="a", settings=settings).path)
    wider = dataclasses.replace(settings, event_polarities=Settings.from_dict(
        {"event_polarities": ["negated", "asserted"]}).event_polarities)
    assert wider.event_polarities == ["asserted", "negated"]
    both = Path(pipeline.run([corpus], tmp_path / "b", version="b", settings=wider).path)
    mentions = _read(both, "mentions")
    assert any(m["polarity"] == "negated" for m in mentions)
    _check_events(mentions, _read(both, "events"), polarities=("asserted", "negated"))
    asserted_before = _members(_read(default, "mentions"))
    after = _members(mentions)
    assert {k: v for k, v in after.items() if k in asserted_before} == asserted_before


@pytest.mark.parametrize("value", [["bogus"], "bogus", ["asserted", "bogus"], []])
def test_unknown_event_polarity_is_a_config_error(value) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.from_dict({"event_polarities": value})
    assert err.value.code == "E003"
    assert str(err.value).startswith("E003")
