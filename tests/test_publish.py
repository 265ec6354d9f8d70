"""Tests of the publish stage: strict tables, versions, the release layout, the data package,
SHA256SUMS, overwrite protection and verify_release."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eventextract import catalog, publish, schema, validate
from eventextract.errors import ReleaseError

from test_validate import make_document, make_event

CREATED = dt.datetime(2024, 3, 5, 10, 30, tzinfo=dt.timezone.utc)
TABLE_FILES = {"events.parquet", "events.csv", "documents.parquet", "documents.csv", "quarantine.parquet",
               "quarantine.csv", "changes.parquet", "changes.csv", "CHANGES.md"}
FIGURE_FILES = {"figures/events_per_month.png", "figures/event_places.png", "figures/precision.png",
                "figures/confidence.png"}


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    events = [make_event(i) for i in range(5)]
    events[1].update(event_type="AGREE", quad_class="verbal_cooperation", polarity="negated",
                     date_start=dt.date(1994, 5, 1), date_end=dt.date(1994, 5, 31), date_precision="month")
    events[2].update(date_start=None, date_end=None, date_precision=None, sentence_text='He said "no", then left.')
    bad = make_event(9, event_type="INVADE")
    report = validate.validate_rows(events + [bad], run_id="run-test")
    return {"events": publish.to_table(report.valid, "events"),
            "documents": publish.to_table([make_document(i) for i in range(3)], "documents"),
            "quarantine": publish.to_table(report.quarantined, "quarantine")}


@pytest.fixture(scope="module")
def reports(tables) -> dict[str, validate.ExpectationReport]:
    return {name: validate.run_expectations(tbl, name) for name, tbl in tables.items()}


def _release(out: Path, tables, reports, **kw) -> publish.ReleaseInfo:
    args = dict(events=tables["events"], documents=tables["documents"], quarantine=tables["quarantine"],
                run_id="run-test", validation=reports, settings_info={"model_name": "auto", "batch_size": 16},
                sources=[{"title": "A made-up chronicle", "path": "in/doc0.txt", "sha256": "0" * 64}],
                created=CREATED)
    args.update(kw)
    return publish.write_release(out, **args)


@pytest.fixture(scope="module")
def release(tmp_path_factory, tables, reports) -> publish.ReleaseInfo:
    return _release(tmp_path_factory.mktemp("out"), tables, reports)


def test_to_table_is_strict():
    row = make_event(1)
    tbl = publish.to_table([row], "events")
    assert tbl.schema.equals(schema.arrow_schema("events"), check_metadata=True)
    assert tbl.column_names == schema.table("events").names
    reordered = dict(reversed(list(row.items())))
    assert publish.to_table([reordered], "events").column_names == schema.table("events").names
    with pytest.raises(ValueError, match="missing"):
        publish.to_table([{k: v for k, v in row.items() if k != "rule_id"}], "events")
    with pytest.raises(ValueError, match="unknown"):
        publish.to_table([{**row, "colour": "red"}], "events")
    with pytest.raises(ValueError, match="required"):
        publish.to_table([{**row, "run_id": None}], "events")
    with pytest.raises(ValueError):
        publish.to_table([{**row, "sentence_index": "three"}], "events")
    assert publish.to_table([], "events").num_rows == 0


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
    assert files == TABLE_FILES | FIGURE_FILES | {"datapackage.json", "croissant.json", "README.md", "SHA256SUMS",
                                                  "validation/events.json", "validation/documents.json",
                                                  "validation/quarantine.json", "validation/summary.md"}
    assert sorted(release.files) == sorted(files)
    assert release.counts == {"events": 5, "documents": 3, "quarantine": 1}
    # no temporary folders are left next to the release
    assert sorted(p.name for p in release.path.parent.iterdir()) == ["2024.03.05", "catalog.json", "index.html"]
    summary = (release.path / "validation" / "summary.md").read_text(encoding="utf-8")
    assert "`events`: passed" in summary
    assert json.loads((release.path / "validation" / "events.json").read_text())["success"] is True


def test_parquet_round_trip_schema(release, tables):
    for name in schema.table_names():
        tbl = pq.read_table(release.path / f"{name}.parquet")
        assert tbl.schema.equals(schema.arrow_schema(name), check_metadata=True)
        assert tbl.schema.field(tbl.schema.names[0]).metadata[b"description"]
        assert tbl.equals(tables[name]) if name in tables else tbl.num_rows == 0  # changes: first release
    meta = pq.ParquetFile(release.path / "events.parquet").metadata
    assert meta.row_group(0).column(0).compression.lower() in ("zstd", "snappy")
    quarantine = pq.read_table(release.path / "quarantine.parquet").to_pylist()
    assert any("INVADE" in r for r in quarantine[0]["reasons"])


def test_csv_export(release, tables):
    with (release.path / "events.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == schema.csv_columns("events")
    assert len(rows) == tables["events"].num_rows
    by_id = {r["event_id"]: r for r in rows}
    second = by_id[make_event(1)["event_id"]]
    assert second["date_start"] == "1994-05-01" and second["date_end"] == "1994-05-31"
    third = by_id[make_event(2)["event_id"]]
    assert third["date_start"] == "" and third["sentence_text"] == 'He said "no", then left.'
    assert second["extracted_at"] == "2024-01-02T03:04:05Z"
    assert second["latitude"] == "40.0" and second["geonameid"] == "586523"
    with (release.path / "quarantine.csv").open(encoding="utf-8", newline="") as fh:
        q = list(csv.DictReader(fh))
    assert len(q) == 1 and "INVADE" in q[0]["reasons"]


def test_datapackage(release):
    package = json.loads((release.path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["name"] == "eventextract-events"
    assert package["version"] == "2024.03.05"
    assert package["created"] == "2024-03-05T10:30:00Z"
    assert package["licenses"][0]["name"] == "ODC-By-1.0"
    assert package["sources"] == [{"title": "A made-up chronicle", "path": "in/doc0.txt", "sha256": "0" * 64}]
    assert package["eventextract"]["run_id"] == "run-test"
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"events", "documents", "quarantine", "changes", "events-csv", "documents-csv",
                              "quarantine-csv", "changes-csv"}
    assert package["eventextract"]["changes"]["since"] is None  # the first release
    paths = [r["path"] for r in package["resources"]]
    assert len(paths) == len(set(paths))  # one file per resource
    for res in package["resources"]:
        data = (release.path / res["path"]).read_bytes()
        assert res["bytes"] == len(data)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert all(f["type"] and f["description"] for f in res["schema"]["fields"])
    assert resources["events"]["schema"] == schema.table_schema("events")
    assert resources["events"]["path"] == "events.parquet"
    assert [f["name"] for f in resources["events-csv"]["schema"]["fields"]] == schema.csv_columns("events")


def test_readme(release):
    text = (release.path / "README.md").read_text(encoding="utf-8")
    for needle in ("| ASSAULT | 4 |", "| AGREE | 1 |", "| 1992 | 3 |", "| 1994 | 1 |", "| undated | 1 |",
                   "| negated | 1 |", "source_sha256", "sentence_text", "run_id", "pd.read_parquet",
                   "pl.read_parquet", "DuckDB", "library(arrow)", "Known limitations", "ODC-By-1.0",
                   "| A made-up chronicle | `in/doc0.txt` |"):
        assert needle in text, needle


def test_sha256sum_c(release):
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    listed = [line.split("  ", 1)[1] for line in (release.path / "SHA256SUMS").read_text().splitlines()]
    assert "validation/events.json" in listed and "datapackage.json" in listed and "SHA256SUMS" not in listed
    proc = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=release.path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_verify_release_and_tampering(tmp_path, release):
    assert publish.verify_release(release.path).ok
    copy = tmp_path / "copy"
    shutil.copytree(release.path, copy)
    with (copy / "events.csv").open("a", encoding="utf-8") as fh:
        fh.write("tampered\n")
    report = publish.verify_release(copy)
    assert not report.ok
    assert any(p.startswith("E503") and "events.csv" in p for p in report.problems)
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
    info = publish.write_release(tmp_path, events=empty["events"], documents=empty["documents"],
                                 quarantine=empty["quarantine"], run_id="run-empty", sources=[],
                                 validation={}, settings_info={}, version="empty")
    files = {p.relative_to(info.path).as_posix() for p in info.path.rglob("*") if p.is_file()}
    assert TABLE_FILES | {"datapackage.json", "README.md", "SHA256SUMS", "validation/summary.md"} <= files
    assert info.counts == {"events": 0, "documents": 0, "quarantine": 0}
    assert pq.read_table(info.path / "events.parquet").schema.equals(schema.arrow_schema("events"))
    assert (info.path / "events.csv").read_text(encoding="utf-8").strip() == ",".join(schema.csv_columns("events"))
    assert publish.verify_release(info.path).ok


def test_write_release_rejects_wrong_table(tmp_path, tables, reports):
    with pytest.raises(ValueError):
        _release(tmp_path, tables, reports, events=tables["documents"])
    assert list((tmp_path / "releases").iterdir()) == []
