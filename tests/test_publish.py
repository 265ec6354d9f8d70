"""Tests of the publish stage: strict tables, versions, the release layout, the data package,
SHA256SUMS, overwrite protection and verify_release."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eventextract import catalog, pipeline, publish, schema, validate
from eventextract.errors import ReleaseError
from test_validate import _default, make_document, mention_id  # one row factory for the layout's tables

CREATED = dt.datetime(2024, 3, 5, 10, 30, tzinfo=dt.timezone.utc)
TABLE_FILES = {"mentions.parquet", "mentions.csv", "events.parquet", "events.csv", "documents.parquet",
               "documents.csv", "quarantine.parquet", "quarantine.csv", "changes.parquet", "changes.csv",
               "CHANGES.md"}
VALIDATION_FILES = {"validation/mentions.json", "validation/events.json", "validation/events_mentions.json",
                    "validation/documents.json", "validation/quarantine.json", "validation/summary.md"}
FIGURE_FILES = {"figures/events_per_month.png", "figures/event_places.png", "figures/precision.png",
                "figures/confidence.png"}

# --------------------------------------------------------------------------------------------
# Rows of the layout 2.0 tables (also used by test_changes, test_figures, test_croissant, test_transfer)

SENTENCE = "Rebel units shelled the northern suburbs of the town on 3 May 1992."

#: Values for mention fields whose constraints a type default cannot meet (patterns, offsets, places).
_MENTION_VALUES: dict[str, Any] = {
    "source_sha256": hashlib.sha256(b"a made-up source file").hexdigest(),
    "cameo_root": "19", "actor_country": "ARM", "recipient_country": "AZE", "place_country": "AZE",
    "sentence_start": 100, "sentence_end": 100 + len(SENTENCE), "sentence_text": SENTENCE,
    "trigger_text": "shelled", "trigger_start": 112, "trigger_end": 119,
    "actor_text": "Rebel units", "actor_start": 100, "actor_end": 111,
    "recipient_text": "the northern suburbs", "recipient_start": 120, "recipient_end": 140,
    "place_text": "the town", "place_start": 144, "place_end": 152, "place_name": "Town A",
    "geonameid": 586523, "latitude": 40.0, "longitude": 46.5, "geo_precision": "populated_place",
    "date_start": dt.date(1992, 5, 3), "date_end": dt.date(1992, 5, 3), "published": dt.date(1992, 5, 4),
    "date_precision": "day", "fatalities_low": 2, "fatalities_high": 5, "confidence": 0.8, "cc_score": -9.0,
    "event_type": "ASSAULT", "event_mode": None, "quad_class": "material_conflict", "polarity": "asserted",
    "extracted_at": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
}


def make_mention(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid mentions row (``event_id`` null: ``aggregated`` fills it in); ids derived from ``i``,
    document ``doc{i % 3}.txt``. With the defaults every asserted mention reports the same happening
    (same type, actors, day and place), so mentions of one document merge and documents merge."""
    row = {f.name: copy.copy(_MENTION_VALUES[f.name]) if f.name in _MENTION_VALUES else _default(f)
           for f in schema.table("mentions").fields}
    row.update(mention_id=mention_id(i), event_id=None, doc_id=f"doc{i % 3}.txt", run_id="run-test")
    row.update(overrides)
    return row


def aggregated(mentions: list[dict[str, Any]], run_id: str = "run-test") -> tuple[pa.Table, pa.Table]:
    """(mentions table with event_id filled in, events table), as the pipeline builds them."""
    return pipeline.aggregate_mentions(publish.to_table(mentions, "mentions"), run_id=run_id)


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    """Five mentions (doc0: 0, 3; doc1: 1, 4; doc2: 2) and one invalid row. Mention 1 is negated (no
    event), mention 2 undated (an event of its own); 0, 3 (same document) and 4 (another document,
    same day, place and actors) are one event."""
    mentions = [make_mention(i) for i in range(5)]
    mentions[1].update(event_type="AGREE", quad_class="verbal_cooperation", polarity="negated",
                       date_start=dt.date(1994, 5, 1), date_end=dt.date(1994, 5, 31), date_precision="month")
    mentions[2].update(date_start=None, date_end=None, date_precision=None, sentence_text='He said "no", then left.')
    bad = make_mention(9, event_type="INVADE")
    report = validate.validate_rows(mentions + [bad], "mentions", run_id="run-test")
    mention_table, events = pipeline.aggregate_mentions(publish.to_table(report.valid, "mentions"), run_id="run-test")
    return {"mentions": mention_table, "events": events,
            "documents": publish.to_table([make_document(i) for i in range(3)], "documents"),
            "quarantine": publish.to_table(report.quarantined, "quarantine")}


@pytest.fixture(scope="module")
def reports(tables) -> dict[str, validate.ExpectationReport]:
    out = {name: validate.run_expectations(tbl, name) for name, tbl in tables.items()}
    out["events_mentions"] = validate.run_link_expectations(tables["events"], tables["mentions"])
    return out


def _release(out: Path, tables, reports, **kw) -> publish.ReleaseInfo:
    args = dict(mentions=tables["mentions"], events=tables["events"], documents=tables["documents"],
                quarantine=tables["quarantine"],
                run_id="run-test", validation=reports, settings_info={"model_name": "auto", "batch_size": 16},
                sources=[{"title": "A made-up chronicle", "path": "in/doc0.txt", "sha256": "0" * 64}],
                created=CREATED)
    args.update(kw)
    return publish.write_release(out, **args)


@pytest.fixture(scope="module")
def release(tmp_path_factory, tables, reports) -> publish.ReleaseInfo:
    return _release(tmp_path_factory.mktemp("out"), tables, reports)


def test_to_table_is_strict():
    row = make_mention(1)
    tbl = publish.to_table([row], "mentions")
    assert tbl.schema.equals(schema.arrow_schema("mentions"), check_metadata=True)
    assert tbl.column_names == schema.table("mentions").names
    reordered = dict(reversed(list(row.items())))
    assert publish.to_table([reordered], "mentions").column_names == schema.table("mentions").names
    with pytest.raises(ValueError, match="missing"):
        publish.to_table([{k: v for k, v in row.items() if k != "rule_id"}], "mentions")
    with pytest.raises(ValueError, match="unknown"):
        publish.to_table([{**row, "colour": "red"}], "mentions")
    with pytest.raises(ValueError, match="required"):
        publish.to_table([{**row, "run_id": None}], "mentions")
    with pytest.raises(ValueError, match="required"):
        publish.to_table([{**row, "mention_id": None}], "mentions")
    with pytest.raises(ValueError):
        publish.to_table([{**row, "sentence_index": "three"}], "mentions")
    layout_1 = {**{k: v for k, v in row.items() if k != "mention_id"}, "event_id": "ev_" + "0" * 24}
    with pytest.raises(ValueError, match=r"missing \['mention_id'\]"):  # a layout 1.x row: its id was event_id
        publish.to_table([layout_1], "mentions")
    assert publish.to_table([], "mentions").num_rows == 0
    # the events table: the same strictness, with its list column
    _, events = aggregated([make_mention(0)])
    ev = events.to_pylist()[0]
    assert publish.to_table([ev], "events").schema.equals(schema.arrow_schema("events"), check_metadata=True)
    with pytest.raises(ValueError, match="unknown"):
        publish.to_table([{**ev, "doc_id": "doc0.txt"}], "events")  # events have doc_ids, not doc_id
    with pytest.raises(ValueError, match="required"):
        publish.to_table([{**ev, "doc_ids": None}], "events")
    with pytest.raises(ValueError):
        publish.to_table([{**ev, "n_mentions": "three"}], "events")
    assert publish.to_table([], "events").num_rows == 0


def test_to_table_rejects_a_string_for_a_list_column():
    _, events = aggregated([make_mention(0)])
    with pytest.raises(ValueError):
        publish.to_table([{**events.to_pylist()[0], "doc_ids": "doc0.txt"}], "events")


def test_default_version(tmp_path):
    day = dt.date(2024, 3, 5)
    assert publish.default_version(tmp_path / "nothing", day) == "2024.03.05"
    (tmp_path / "2024.03.05").mkdir()
    assert publish.default_version(tmp_path, day) == "2024.03.05.1"
    (tmp_path / "2024.03.05.1").mkdir()
    assert publish.default_version(tmp_path, day) == "2024.03.05.2"


def test_layout_and_file_set(release, tables):
    assert release.version == "2024.03.05"
    assert release.path.name == "2024.03.05" and release.path.parent.name == "releases"
    files = {p.relative_to(release.path).as_posix() for p in release.path.rglob("*") if p.is_file()}
    assert files == TABLE_FILES | FIGURE_FILES | VALIDATION_FILES | {"datapackage.json", "croissant.json",
                                                                     "README.md", "SHA256SUMS"}
    assert sorted(release.files) == sorted(files)
    assert release.counts == {"mentions": 5, "events": 2, "documents": 3, "quarantine": 1}
    # no temporary folders are left next to the release
    assert sorted(p.name for p in release.path.parent.iterdir()) == ["2024.03.05", "catalog.json", "index.html"]
    summary = (release.path / "validation" / "summary.md").read_text(encoding="utf-8")
    for name in ("mentions", "events", "events_mentions", "documents", "quarantine"):
        assert f"`{name}`: passed" in summary, name
        assert json.loads((release.path / "validation" / f"{name}.json").read_text())["success"] is True, name
    package = json.loads((release.path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["eventextract"]["counts"] == {"mentions": 5, "events": 2, "documents": 3, "quarantine": 1}
    assert package["eventextract"]["layout_version"] == schema.layout_version()
    assert package["eventextract"]["validation"]["events_mentions"] is True


def test_mentions_name_their_events(release, tables):
    """The published mentions point at the published events: the negated mention at none, the
    undated one at an event of its own, the three reports of one happening at one event."""
    mentions = {r["mention_id"]: r for r in pq.read_table(release.path / "mentions.parquet").to_pylist()}
    events = {r["event_id"]: r for r in pq.read_table(release.path / "events.parquet").to_pylist()}
    assert set(mentions) == {mention_id(i) for i in range(5)}
    assert mentions[mention_id(1)]["event_id"] is None  # negated
    merged = mentions[mention_id(0)]["event_id"]
    assert mentions[mention_id(3)]["event_id"] == mentions[mention_id(4)]["event_id"] == merged
    alone = mentions[mention_id(2)]["event_id"]
    assert set(events) == {merged, alone}
    assert {k: events[merged][k] for k in ("n_mentions", "n_documents", "doc_ids", "merge_reason")} == \
        {"n_mentions": 3, "n_documents": 2, "doc_ids": ["doc0.txt", "doc1.txt"], "merge_reason": "across_documents"}
    assert events[merged]["first_mention_id"] in {mention_id(0), mention_id(3)}
    assert {k: events[alone][k] for k in ("n_mentions", "doc_ids", "merge_reason", "date_start")} == \
        {"n_mentions": 1, "doc_ids": ["doc2.txt"], "merge_reason": "single", "date_start": None}
    assert events[alone]["first_mention_id"] == mention_id(2)
    # every event counts exactly the mentions that name it
    for ident, ev in events.items():
        assert ev["n_mentions"] == sum(1 for m in mentions.values() if m["event_id"] == ident)
    assert validate.run_link_expectations(tables["events"], tables["mentions"]).success


def test_parquet_round_trip_schema(release, tables):
    for name in schema.table_names():
        tbl = pq.read_table(release.path / f"{name}.parquet")
        assert tbl.schema.equals(schema.arrow_schema(name), check_metadata=True)
        assert tbl.schema.field(tbl.schema.names[0]).metadata[b"description"]
        assert tbl.equals(tables[name]) if name in tables else tbl.num_rows == 0  # changes: first release
    for name in ("mentions", "events"):
        meta = pq.ParquetFile(release.path / f"{name}.parquet").metadata
        assert meta.row_group(0).column(0).compression.lower() in ("zstd", "snappy")
    quarantine = pq.read_table(release.path / "quarantine.parquet").to_pylist()
    assert any("INVADE" in r for r in quarantine[0]["reasons"])
    assert quarantine[0]["mention_id"] == mention_id(9)


def test_csv_export(release, tables):
    with (release.path / "mentions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == schema.csv_columns("mentions")
    assert len(rows) == tables["mentions"].num_rows
    by_id = {r["mention_id"]: r for r in rows}
    second = by_id[mention_id(1)]
    assert second["date_start"] == "1994-05-01" and second["date_end"] == "1994-05-31"
    assert second["event_id"] == ""  # negated: no event
    third = by_id[mention_id(2)]
    assert third["date_start"] == "" and third["sentence_text"] == 'He said "no", then left.'
    assert third["event_id"].startswith("ev_")
    assert second["extracted_at"] == "2024-01-02T03:04:05Z"
    assert second["latitude"] == "40.0" and second["geonameid"] == "586523"

    with (release.path / "events.csv").open(encoding="utf-8", newline="") as fh:
        ev_rows = list(csv.DictReader(fh))
    assert list(ev_rows[0]) == schema.csv_columns("events")
    assert len(ev_rows) == tables["events"].num_rows == 2
    merged = next(r for r in ev_rows if r["event_id"] == by_id[mention_id(0)]["event_id"])
    assert merged["doc_ids"] == "doc0.txt | doc1.txt"
    assert merged["n_mentions"] == "3" and merged["merge_reason"] == "across_documents"
    assert merged["date_conflict"] == "false" and merged["place_conflict"] == "false"
    assert merged["date_start"] == "1992-05-03" and merged["geonameid"] == "586523"

    with (release.path / "documents.csv").open(encoding="utf-8", newline="") as fh:
        docs = list(csv.DictReader(fh))
    assert "n_mentions" in docs[0] and "n_events" not in docs[0]
    with (release.path / "quarantine.csv").open(encoding="utf-8", newline="") as fh:
        q = list(csv.DictReader(fh))
    assert len(q) == 1 and "INVADE" in q[0]["reasons"] and q[0]["mention_id"] == mention_id(9)


def test_datapackage(release):
    package = json.loads((release.path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["name"] == "eventextract-events"
    assert package["version"] == "2024.03.05"
    assert package["created"] == "2024-03-05T10:30:00Z"
    assert package["licenses"][0]["name"] == "ODC-By-1.0"
    assert package["sources"] == [{"title": "A made-up chronicle", "path": "in/doc0.txt", "sha256": "0" * 64}]
    assert package["eventextract"]["run_id"] == "run-test"
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"mentions", "events", "documents", "quarantine", "changes", "mentions-csv",
                              "events-csv", "documents-csv", "quarantine-csv", "changes-csv"}
    assert package["eventextract"]["changes"]["since"] is None  # the first release
    paths = [r["path"] for r in package["resources"]]
    assert len(paths) == len(set(paths))  # one file per resource
    for res in package["resources"]:
        data = (release.path / res["path"]).read_bytes()
        assert res["bytes"] == len(data)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert all(f["type"] and f["description"] for f in res["schema"]["fields"])
    for name in ("mentions", "events"):
        assert resources[name]["schema"] == schema.table_schema(name)
        assert resources[name]["path"] == f"{name}.parquet"
        assert resources[f"{name}-csv"]["path"] == f"{name}.csv"
        assert [f["name"] for f in resources[f"{name}-csv"]["schema"]["fields"]] == schema.csv_columns(name)
    assert resources["mentions"]["schema"]["primaryKey"] in ("mention_id", ["mention_id"])
    assert resources["events"]["schema"]["primaryKey"] in ("event_id", ["event_id"])
    # the list column of events is text in the CSV export
    doc_ids = next(f for f in resources["events-csv"]["schema"]["fields"] if f["name"] == "doc_ids")
    assert doc_ids["type"] == "string" and "' | '" in doc_ids["description"]


def test_readme(release):
    text = (release.path / "README.md").read_text(encoding="utf-8")
    # events and mentions by type (2 ASSAULT events from 4 mentions; the AGREE mention is negated: no event),
    # events by year, mentions by polarity, events by merge reason
    for needle in ("| ASSAULT | 2 | 4 |", "| AGREE | 0 | 1 |", "| 1992 | 1 |", "| undated | 1 |",
                   "| negated | 1 |", "| asserted | 4 |", "| across_documents | 1 |", "| single | 1 |",
                   "Mentions: 5 (4 asserted); events: 2, of which 1 merge two or more mentions; documents: 3",
                   "quarantined rows: 1", "`mentions.parquet`", "`events.parquet`",
                   "source_sha256", "sentence_text", "run_id", "pd.read_parquet",
                   "pl.read_parquet", "DuckDB", "library(arrow)", "Known limitations", "ODC-By-1.0",
                   "| A made-up chronicle | `in/doc0.txt` |"):
        assert needle in text, needle
    assert "| 1994 |" not in text  # the only 1994 mention is negated: no event in 1994


def test_sha256sum_c(release):
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    listed = [line.split("  ", 1)[1] for line in (release.path / "SHA256SUMS").read_text().splitlines()]
    for rel in ("validation/events.json", "validation/mentions.json", "validation/events_mentions.json",
                "mentions.parquet", "mentions.csv", "events.parquet", "events.csv", "datapackage.json"):
        assert rel in listed, rel
    assert "SHA256SUMS" not in listed
    proc = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=release.path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["mentions.csv", "events.csv", "events.parquet"])
def test_verify_release_and_tampering(tmp_path, release, name):
    assert publish.verify_release(release.path).ok
    copy = tmp_path / "copy"
    shutil.copytree(release.path, copy)
    with (copy / name).open("ab") as fh:
        fh.write(b"tampered\n")
    report = publish.verify_release(copy)
    assert not report.ok
    assert any(p.startswith("E503") and name in p for p in report.problems)
    (copy / "README.md").unlink()
    (copy / "extra.txt").write_text("x")
    problems = publish.verify_release(copy).problems
    assert any("README.md" in p for p in problems) and any("extra.txt" in p for p in problems)


def test_no_overwrite_without_force(tmp_path, tables, reports):
    first = _release(tmp_path, tables, reports, version="1.0")
    marker = (first.path / "README.md").read_text()
    with pytest.raises(ReleaseError) as err:
        _release(tmp_path, tables, reports, version="1.0")
    assert err.value.code == "E501"
    assert (first.path / "README.md").read_text() == marker
    again = _release(tmp_path, tables, reports, version="1.0", force=True, run_id="run-2")
    assert again.replaced and publish.verify_release(again.path).ok
    assert "run-2" in (again.path / "README.md").read_text()
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == ["1.0", "catalog.json", "index.html"]
    assert catalog.load(tmp_path / "releases").get("latest").run_id == "run-2"  # --force replaced the entry
    with pytest.raises(ReleaseError):
        _release(tmp_path, tables, reports, version="../escape")


def test_default_version_increments_on_second_release(tmp_path, tables, reports):
    a = _release(tmp_path, tables, reports)
    b = _release(tmp_path, tables, reports)
    assert (a.version, b.version) == ("2024.03.05", "2024.03.05.1")


def test_empty_release_has_every_file(tmp_path, reports):
    empty = {name: publish.to_table([], name) for name in schema.table_names()}
    info = publish.write_release(tmp_path, mentions=empty["mentions"], events=empty["events"],
                                 documents=empty["documents"], quarantine=empty["quarantine"], run_id="run-empty",
                                 sources=[], validation={}, settings_info={}, version="empty")
    files = {p.relative_to(info.path).as_posix() for p in info.path.rglob("*") if p.is_file()}
    assert TABLE_FILES | {"datapackage.json", "README.md", "SHA256SUMS", "validation/summary.md"} <= files
    assert info.counts == {"mentions": 0, "events": 0, "documents": 0, "quarantine": 0}
    for name in ("mentions", "events"):
        assert pq.read_table(info.path / f"{name}.parquet").schema.equals(schema.arrow_schema(name))
        assert (info.path / f"{name}.csv").read_text(encoding="utf-8").strip() == ",".join(schema.csv_columns(name))
    assert publish.verify_release(info.path).ok


@pytest.mark.parametrize("swap", [{"events": "documents"}, {"mentions": "events"}, {"events": "mentions"}])
def test_write_release_rejects_wrong_table(tmp_path, tables, reports, swap):
    (name, other), = swap.items()
    with pytest.raises(ValueError):
        _release(tmp_path, tables, reports, **{name: tables[other]})
    assert list((tmp_path / "releases").iterdir()) == []
