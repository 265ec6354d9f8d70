"""Tests of the validate stage: row checks (JSON Schema, ROW_RULES, uniqueness), the Great
Expectations suite and validate_release."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from eventextract import publish, schema, validate

SENTENCE = "Rebel units shelled the northern suburbs of the town on 3 May 1992."

#: Values for fields whose constraints a type default cannot meet (patterns, offsets, places).
_EVENT_VALUES: dict[str, Any] = {
    "source_sha256": hashlib.sha256(b"a made-up source file").hexdigest(),
    "cameo_root": "19",
    "actor_country": "ARM",
    "recipient_country": "AZE",
    "place_country": "AZE",
    "sentence_start": 100,
    "sentence_end": 100 + len(SENTENCE),
    "sentence_text": SENTENCE,
    "trigger_text": "shelled",
    "trigger_start": 112,
    "trigger_end": 119,
    "actor_text": "Rebel units",
    "actor_start": 100,
    "actor_end": 111,
    "recipient_text": "the northern suburbs",
    "recipient_start": 120,
    "recipient_end": 140,
    "place_text": "the town",
    "place_start": 144,
    "place_end": 152,
    "geonameid": 586523,
    "latitude": 40.0,
    "longitude": 46.5,
    "date_start": dt.date(1992, 5, 3),
    "date_end": dt.date(1992, 5, 3),
    "published": dt.date(1992, 5, 4),
    "date_precision": "day",
    "fatalities_low": 2,
    "fatalities_high": 5,
    "confidence": 0.8,
    "cc_score": -9.0,
    "event_type": "ASSAULT",
    "quad_class": "material_conflict",
    "extracted_at": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
}
_TYPE_DEFAULTS: dict[str, Any] = {"string": "x", "int32": 0, "int64": 0, "float64": 0.0, "boolean": True,
                                  "date": dt.date(1992, 1, 1), "list_string": ["x"]}


def _default(f: schema.FieldSpec) -> Any:
    if f.enum:
        return f.enum[0]
    if f.type == "timestamp":
        return dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    value = _TYPE_DEFAULTS[f.type]
    if f.minimum is not None and isinstance(value, (int, float)) and value < f.minimum:
        value = type(value)(f.minimum)
    return value


def make_event(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid events row with every field set (ids derived from ``i``)."""
    row = {}
    for f in schema.table("events").fields:
        row[f.name] = copy.copy(_EVENT_VALUES[f.name]) if f.name in _EVENT_VALUES else _default(f)
    row["event_id"] = "ev_" + hashlib.sha256(f"event {i}".encode()).hexdigest()[:24]
    row["doc_id"] = f"doc{i % 3}.txt"
    row["run_id"] = "run-test"
    row.update(overrides)
    return row


def make_document(i: int = 0, **overrides: Any) -> dict[str, Any]:
    row = {f.name: _default(f) for f in schema.table("documents").fields}
    row.update(doc_id=f"doc{i}.txt", path=f"in/doc{i}.txt", format="txt", status="ok", error=None,
               sha256=hashlib.sha256(f"doc {i}".encode()).hexdigest(), n_events=1)
    row.update(overrides)
    return row


def reasons_of(report: validate.RowReport, event_id: str) -> list[str]:
    return [r for q in report.quarantined if q["event_id"] == event_id for r in q["reasons"]]


def test_helper_row_has_every_field_and_is_valid():
    row = make_event()
    assert list(row) == schema.table("events").names
    assert all(v is not None for v in row.values())
    report = validate.validate_rows([row])
    assert report.quarantined == [] and report.valid == [row]


def test_jsonable_row_serialises_dates_and_nan():
    out = validate.jsonable_row({"a": dt.date(1992, 5, 3), "b": dt.datetime(2024, 1, 1, 12, 0),
                                 "c": float("nan"), "d": ("x", "y")})
    assert out == {"a": "1992-05-03", "b": "2024-01-01T12:00:00+00:00", "c": None, "d": ["x", "y"]}
    json.dumps(out)


BAD_ROWS = [
    # (overrides, expected substring in a reason)
    ({"event_type": "INVADE"}, "/event_type"),
    ({"polarity": "maybe"}, "/polarity"),
    ({"event_id": "ev_NOT-HEX"}, "/event_id"),
    ({"actor_country": "Armenia"}, "/actor_country"),
    ({"source_sha256": None}, "/source_sha256"),
    ({"rule_id": None}, "/rule_id"),
    ({"confidence": 1.5}, "/confidence"),
    ({"latitude": -91.0}, "/latitude"),
    ({"sentence_index": -1}, "/sentence_index"),
    ({"date_start": dt.date(1992, 6, 1), "date_end": dt.date(1992, 5, 1)}, "[rule date_order]"),
    ({"date_end": None}, "[rule date_complete]"),
    ({"latitude": None, "longitude": None}, "[rule coordinates_with_geonameid]"),
    ({"fatalities_low": 10, "fatalities_high": 3}, "[rule fatalities_order]"),
    ({"trigger_start": 119, "trigger_end": 112}, "[rule offsets_order]"),
    ({"actor_end": None}, "[rule offsets_order]"),
    ({"trigger_start": 10, "trigger_end": 17}, "outside its sentence"),
]


@pytest.mark.parametrize("overrides,expected", BAD_ROWS)
def test_each_broken_rule_goes_to_quarantine_with_reason(overrides, expected):
    good = [make_event(i) for i in range(3)]
    bad = make_event(99, **overrides)
    report = validate.validate_rows([good[0], bad, good[1], good[2]], run_id="run-q")
    assert report.valid == good
    assert len(report.quarantined) == 1
    q = report.quarantined[0]
    assert set(q) == set(schema.table("quarantine").names)
    assert q["run_id"] == "run-q" and q["doc_id"] == bad["doc_id"]
    assert any(expected in r for r in q["reasons"]), q["reasons"]
    assert all(r.startswith("/") for r in q["reasons"])
    assert json.loads(q["record"])["trigger_text"] == "shelled"


def test_every_reason_is_reported_and_quarantine_rows_fit_the_layout():
    bad = make_event(1, event_type="INVADE", confidence=-0.1, fatalities_low=9, fatalities_high=1)
    report = validate.validate_rows([bad])
    reasons = report.quarantined[0]["reasons"]
    assert len(reasons) == 3
    assert any(r.startswith("/event_type: 'INVADE' is not one of") for r in reasons)
    # quarantine rows are valid rows of the quarantine table and convert to its Arrow table
    assert validate.validate_rows(report.quarantined, "quarantine").quarantined == []
    assert publish.to_table(report.quarantined, "quarantine").num_rows == 1


def test_missing_and_unknown_fields():
    row = make_event(1)
    del row["rule_id"]
    row["colour"] = "red"
    reasons = validate.validate_rows([row]).quarantined[0]["reasons"]
    assert "/rule_id: field is missing" in reasons and "/colour: unknown field" in reasons


def test_duplicate_event_id_keeps_first_valid_row():
    a, b = make_event(1), make_event(2)
    dup = make_event(1, trigger_text="pounded")
    report = validate.validate_rows([a, b, dup])
    assert report.valid == [a, b]
    assert any("/event_id: duplicate value" in r for r in reasons_of(report, a["event_id"]))


def test_duplicate_of_a_quarantined_row_is_not_a_duplicate():
    first_bad = make_event(1, event_type="INVADE")
    second_good = make_event(1)
    report = validate.validate_rows([first_bad, second_good])
    assert report.valid == [second_good] and len(report.quarantined) == 1


def test_optional_fields_may_be_null_and_rules_stay_silent():
    nullable = [f.name for f in schema.table("events").fields if not f.required]
    row = make_event(5, **{name: None for name in nullable})
    assert validate.validate_rows([row]).quarantined == []
    assert all(rule(row) is None for rule in validate.ROW_RULES.values())


def test_rules_cover_the_layout_and_tolerate_wrong_types():
    for name in schema.table_names():
        assert set(schema.table(name).rules) <= set(validate.ROW_RULES)
    row = make_event(1, date_start=5, date_end="x", fatalities_low="many", trigger_start="a")
    report = validate.validate_rows([row])  # type errors are reported, rules do not raise
    assert len(report.quarantined) == 1 and len(report.quarantined[0]["reasons"]) >= 3


def test_documents_table_rows():
    docs = [make_document(0), make_document(1), make_document(0), make_document(2, format="pdf")]
    report = validate.validate_rows(docs, "documents", run_id="r")
    assert [d["doc_id"] for d in report.valid] == ["doc0.txt", "doc1.txt"]
    reasons = [r for q in report.quarantined for r in q["reasons"]]
    assert any(r.startswith("/doc_id: duplicate value") for r in reasons)
    assert any(r.startswith("/format:") for r in reasons)


# ---------------------------------------------------------------- Great Expectations (few runs)


@pytest.fixture(scope="module")
def good_events_table() -> pa.Table:
    rows = [make_event(i) for i in range(4)]
    rows[1].update({f.name: None for f in schema.table("events").fields if not f.required})
    return publish.to_table(rows, "events")


@pytest.fixture(scope="module")
def expectation_reports(good_events_table) -> dict[str, validate.ExpectationReport]:
    bad = good_events_table.to_pylist()
    bad[0]["event_type"] = "INVADE"
    bad[1]["event_id"] = bad[2]["event_id"]
    bad[2]["date_end"] = dt.date(1900, 1, 1)
    bad[3]["latitude"] = None
    bad_tbl = pa.Table.from_pylist(bad, schema=schema.arrow_schema("events"))
    return {"good": validate.run_expectations(good_events_table, "events"),
            "bad": validate.run_expectations(bad_tbl, "events")}


def test_expectations_pass_on_good_table(expectation_reports):
    rep = expectation_reports["good"]
    assert rep.success, rep.failed
    assert rep.table == "events"
    assert rep.statistics["evaluated_expectations"] == len(schema.expectation_specs("events"))
    assert rep.statistics["unsuccessful_expectations"] == 0
    json.dumps(rep.to_json())
    assert "passed" in rep.summary_markdown()


def test_expectations_fail_on_bad_table(expectation_reports):
    rep = expectation_reports["bad"]
    assert not rep.success
    failed = {(r["type"], r["kwargs"].get("column") or r["kwargs"].get("column_A")) for r in rep.failed}
    assert ("expect_column_values_to_be_in_set", "event_type") in failed
    assert ("expect_column_values_to_be_unique", "event_id") in failed
    assert ("expect_column_pair_values_a_to_be_greater_than_b", "date_end") in failed
    assert ("expect_column_values_to_not_be_null", "latitude") in failed
    assert len(rep.failed) == 4
    md = rep.summary_markdown()
    assert "FAILED" in md and "INVADE" in md
    data = json.loads(json.dumps(rep.to_json()))
    assert data["success"] is False and data["gx_validation_result"]["results"]


def test_expectations_write_no_files(expectation_reports, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rep = validate.run_expectations(publish.to_table([], "documents"), "documents")
    assert rep.success
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- validate_release


def _write(tmp_path: Path, events: pa.Table, reports: dict) -> Path:
    docs = publish.to_table([make_document(i) for i in range(3)], "documents")
    quarantine = publish.to_table([], "quarantine")
    info = publish.write_release(tmp_path, events=events, documents=docs, quarantine=quarantine,
                                 version="2024.01.02", run_id="run-test", sources=[],
                                 validation=reports, settings_info={})
    return info.path


def test_validate_release(tmp_path, good_events_table, expectation_reports):
    path = _write(tmp_path, good_events_table, {"events": expectation_reports["good"]})
    summary = validate.validate_release(path)
    assert summary.ok, summary.problems
    assert summary.tables["events"].n_rows == 4 and summary.tables["documents"].n_rows == 3
    assert all(t.expectations is not None and t.expectations.success for t in summary.tables.values())
    assert "OK" in summary.summary_markdown().splitlines()[0]

    # a broken row smuggled into the Parquet file is caught
    import pyarrow.parquet as pq

    rows = good_events_table.to_pylist()
    rows[0]["confidence"] = 7.0
    pq.write_table(pa.Table.from_pylist(rows, schema=schema.arrow_schema("events")), path / "events.parquet")
    (path / "quarantine.parquet").unlink()
    summary = validate.validate_release(path)
    assert not summary.ok
    assert summary.tables["events"].n_invalid == 1
    assert any("/confidence" in p for p in summary.tables["events"].problems)
    assert "quarantine.parquet is missing" in summary.tables["quarantine"].problems
    md = summary.summary_markdown()
    assert "FAILED" in md.splitlines()[0] and "/confidence" in md
