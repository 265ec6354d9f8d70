"""Tests of croissant.json: Croissant 1.1 vocabulary, file objects that match the files, record sets
from the layout, validated and read back with mlcroissant (the reference implementation)."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pyarrow.parquet as pq
import pytest

from eventextract import croissant, publish, schema

from test_publish import _release, tables  # noqa: F401  (module fixture)


@pytest.fixture(scope="module")
def release(tmp_path_factory, tables) -> publish.ReleaseInfo:  # noqa: F811
    # no Great Expectations reports (slow, and croissant.json does not depend on them)
    return _release(tmp_path_factory.mktemp("out"), tables, {})


@pytest.fixture(scope="module")
def doc(release) -> dict:
    return json.loads((release.path / "croissant.json").read_text(encoding="utf-8"))


def test_dataset_level_properties(doc):
    assert doc["@type"] == "sc:Dataset"
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert doc["@context"]["cr"] == "http://mlcommons.org/croissant/"
    assert doc["@context"]["@vocab"] == "https://schema.org/"
    assert doc["name"] == "eventextract-events" and doc["version"] == "2024.03.05"
    assert doc["datePublished"] == "2024-03-05T10:30:00Z"
    assert doc["license"] == "https://opendatacommons.org/licenses/by/1-0/"
    assert doc["isLiveDataset"] is True
    assert doc["citeAs"].startswith("@misc{eventextract_events_2024_03_05,")
    assert "2024.03.05" in doc["citeAs"] and doc["citeAs"].count("{") == doc["citeAs"].count("}")


def test_file_objects_match_the_files(release, doc):
    objects = {o["@id"]: o for o in doc["distribution"]}
    assert set(objects) == {f"{t}.{ext}" for t in schema.table_names() for ext in ("parquet", "csv")}
    for name, obj in objects.items():
        data = (release.path / obj["contentUrl"]).read_bytes()
        assert obj["@type"] == "cr:FileObject" and obj["contentUrl"] == name
        assert obj["sha256"] == hashlib.sha256(data).hexdigest()
        assert obj["contentSize"] == f"{len(data)} B"
        assert obj["encodingFormat"] == ("text/csv" if name.endswith(".csv") else "application/x-parquet")


def test_record_sets_follow_the_layout(doc):
    sets = {r["@id"]: r for r in doc["recordSet"]}
    assert list(sets) == schema.table_names()
    for name, rs in sets.items():
        assert [f["name"] for f in rs["field"]] == schema.table(name).names
        for fld in rs["field"]:
            assert fld["source"] == {"fileObject": {"@id": f"{name}.parquet"}, "extract": {"column": fld["name"]}}
            assert fld["dataType"] in {dt for dt, _ in croissant.DATA_TYPES.values()}
    assert sets["events"]["key"] == {"@id": "events/event_id"}
    assert sets["mentions"]["key"] == {"@id": "mentions/mention_id"}
    for table, name in (("quarantine", "reasons"), ("events", "doc_ids")):
        listed = next(f for f in sets[table]["field"] if f["name"] == name)
        assert listed["isArray"] is True and listed["dataType"] == "sc:Text", (table, name)
    scalar = next(f for f in sets["mentions"]["field"] if f["name"] == "event_id")
    assert not scalar.get("isArray")


def test_checksummed_and_verified(release):
    assert "croissant.json" in release.sha256
    assert publish.verify_release(release.path).ok
    if shutil.which("sha256sum"):
        proc = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=release.path,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mlcroissant_validates_and_reads_the_records(release):
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(release.path / "croissant.json"))  # raises on any error
    assert not dataset.metadata.ctx.issues.errors
    # the only warning: release versions are dates (YYYY.MM.DD), which mlcroissant would like as semver
    warnings = [str(w) for w in dataset.metadata.ctx.issues.warnings]
    assert all("MAJOR.MINOR.PATCH" in w for w in warnings), warnings
    for table in schema.table_names():
        records = list(dataset.records(record_set=table))
        assert len(records) == pq.read_metadata(release.path / f"{table}.parquet").num_rows
    first = next(iter(dataset.records(record_set="events")))
    events = {r["event_id"]: r for r in pq.read_table(release.path / "events.parquet").to_pylist()}
    assert first["events/event_id"].decode() in events
    doc_ids = [d.decode() if isinstance(d, bytes) else d for d in first["events/doc_ids"]]
    assert doc_ids == events[first["events/event_id"].decode()]["doc_ids"]
    mentions = pq.read_table(release.path / "mentions.parquet", columns=["mention_id", "event_id"]).to_pylist()
    read = {r["mentions/mention_id"].decode(): r["mentions/event_id"] for r in dataset.records(record_set="mentions")}
    assert read == {m["mention_id"]: (m["event_id"].encode() if m["event_id"] else None) for m in mentions}


def test_empty_release_validates(tmp_path):
    mlc = pytest.importorskip("mlcroissant")
    empty = {name: publish.to_table([], name) for name in schema.table_names()}
    info = publish.write_release(tmp_path, mentions=empty["mentions"], events=empty["events"],
                                 documents=empty["documents"], quarantine=empty["quarantine"], run_id="run-empty",
                                 sources=[], validation={}, settings_info={}, version="empty")
    dataset = mlc.Dataset(jsonld=str(info.path / "croissant.json"))
    assert list(dataset.records(record_set="events")) == []
    assert list(dataset.records(record_set="mentions")) == []


def test_croissant_json_is_pure(release):
    package = json.loads((release.path / "datapackage.json").read_text(encoding="utf-8"))
    a = croissant.croissant_json(release.path, package, schema.table_names())
    b = croissant.croissant_json(release.path, package, {name: None for name in schema.table_names()})
    assert a == b == json.loads((release.path / "croissant.json").read_text(encoding="utf-8"))
