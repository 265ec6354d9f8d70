"""Tests of the validate stage: row checks (JSON Schema, ROW_RULES, uniqueness) of the mentions,
events and documents tables, the Great Expectations suites, the link check between the events and
the mentions tables, and validate_release."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eventextract import pipeline, publish, schema, validate

SENTENCE = "Rebel units shelled the northern suburbs of the town on 3 May 1992."

#: Values for fields whose constraints a type default cannot meet (patterns, offsets, places).
_ROW_VALUES: dict[str, Any] = {
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
    "date_conflict": False,
    "place_conflict": False,
    "fatalities_low": 2,
    "fatalities_high": 5,
    "confidence": 0.8,
    "cc_score": -9.0,
    "event_type": "ASSAULT",
    "quad_class": "material_conflict",
    "polarity": "asserted",
    "geo_precision": "populated_place",
    "extracted_at": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
}
_TYPE_DEFAULTS: dict[str, Any] = {"string": "x", "int32": 0, "int64": 0, "float64": 0.0, "boolean": False,
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


def _row(table: str) -> dict[str, Any]:
    return {f.name: copy.copy(_ROW_VALUES[f.name]) if f.name in _ROW_VALUES else _default(f)
            for f in schema.table(table).fields}


def mention_id(i: int) -> str:
    return "mn_" + hashlib.sha256(f"mention {i}".encode()).hexdigest()[:24]


def event_id(i: int) -> str:
    return "ev_" + hashlib.sha256(f"event {i}".encode()).hexdigest()[:24]


def make_mention(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid mentions row with every field set (ids derived from ``i``, document ``doc{i % 3}.txt``;
    ``event_id`` names the made-up event ``i``)."""
    row = _row("mentions")
    row.update(mention_id=mention_id(i), event_id=event_id(i), doc_id=f"doc{i % 3}.txt", run_id="run-test")
    row.update(overrides)
    return row


def make_event(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid events row with every field set: the event of the single mention ``i``."""
    row = _row("events")
    row.update(event_id=event_id(i), n_mentions=1, n_documents=1, doc_ids=[f"doc{i % 3}.txt"],
               first_mention_id=mention_id(i), merge_reason="single", run_id="run-test")
    row.update(overrides)
    return row


def make_document(i: int = 0, **overrides: Any) -> dict[str, Any]:
    row = {f.name: _default(f) for f in schema.table("documents").fields}
    row.update(doc_id=f"doc{i}.txt", path=f"in/doc{i}.txt", format="txt", status="ok", error=None,
               sha256=hashlib.sha256(f"doc {i}".encode()).hexdigest(), n_mentions=1)
    row.update(overrides)
    return row


def reasons_of(report: validate.RowReport, row_id: str) -> list[str]:
    return [r for q in report.quarantined if q["mention_id"] == row_id for r in q["reasons"]]


@pytest.mark.parametrize("table,make", [("mentions", make_mention), ("events", make_event)])
def test_helper_row_has_every_field_and_is_valid(table, make):
    row = make()
    assert list(row) == schema.table(table).names
    assert all(v is not None for v in row.values())
    report = validate.validate_rows([row], table)
    assert report.quarantined == [] and report.valid == [row]


def test_default_table_is_mentions():
    row = make_mention()
    assert validate.validate_rows([row]).valid == [row]
    assert validate.schema_reasons(validate.jsonable_row(row)) == []
    # an events row is not a mentions row
    ev = make_event()
    assert validate.validate_rows([ev]).quarantined
    assert any(r == "/mention_id: field is missing" for r in validate.schema_reasons(validate.jsonable_row(ev)))
    # the offsets rule is a rule of the mentions table only
    broken = make_mention(1, trigger_start=119, trigger_end=112)
    assert any("[rule offsets_order]" in r for r in validate.rule_reasons(broken))
    assert validate.rule_reasons(broken, "events") == []


def test_jsonable_row_serialises_dates_and_nan():
    out = validate.jsonable_row({"a": dt.date(1992, 5, 3), "b": dt.datetime(2024, 1, 1, 12, 0),
                                 "c": float("nan"), "d": ("x", "y")})
    assert out == {"a": "1992-05-03", "b": "2024-01-01T12:00:00+00:00", "c": None, "d": ["x", "y"]}
    json.dumps(out)


BAD_ROWS = [
    # (overrides, expected substring in a reason)
    ({"event_type": "INVADE"}, "/event_type"),
    ({"polarity": "maybe"}, "/polarity"),
    ({"mention_id": "mn_NOT-HEX"}, "/mention_id"),
    ({"mention_id": event_id(98)}, "/mention_id"),  # an event id is not a mention id
    ({"event_id": "ev_NOT-HEX"}, "/event_id"),
    ({"event_id": mention_id(98)}, "/event_id"),  # nor the other way round
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
    good = [make_mention(i) for i in range(3)]
    bad = make_mention(99, **overrides)
    report = validate.validate_rows([good[0], bad, good[1], good[2]], run_id="run-q")
    assert report.valid == good
    assert len(report.quarantined) == 1
    q = report.quarantined[0]
    assert set(q) == set(schema.table("quarantine").names)
    assert q["run_id"] == "run-q" and q["doc_id"] == bad["doc_id"]
    # the quarantine row names the mention (never the event the mention points to)
    assert q["mention_id"] == (bad["mention_id"] if isinstance(bad["mention_id"], str) else None)
    assert any(expected in r for r in q["reasons"]), q["reasons"]
    assert all(r.startswith("/") for r in q["reasons"])
    assert json.loads(q["record"])["trigger_text"] == "shelled"


def test_quarantine_never_names_a_mention_by_its_event_id():
    """quarantine.mention_id is 'the mention_id of the rejected row, if it had one': a mentions row
    without one must not be recorded under the id of the event it points to."""
    bad = make_mention(1, mention_id=None)
    (q,) = validate.validate_rows([bad]).quarantined
    assert q["mention_id"] is None


BAD_EVENT_ROWS = [
    ({"event_type": "INVADE"}, "/event_type"),
    ({"event_id": mention_id(98)}, "/event_id"),
    ({"first_mention_id": event_id(98)}, "/first_mention_id"),
    ({"n_mentions": 0}, "/n_mentions"),
    ({"n_documents": 0}, "/n_documents"),
    ({"n_mentions": None}, "/n_mentions"),
    ({"doc_ids": None}, "/doc_ids"),
    ({"doc_ids": "doc0.txt"}, "/doc_ids"),
    ({"merge_reason": "hunch"}, "/merge_reason"),
    ({"merge_reason": None}, "/merge_reason"),
    ({"date_conflict": None}, "/date_conflict"),
    ({"place_conflict": "no"}, "/place_conflict"),
    ({"geo_precision": None}, "/geo_precision"),
    ({"confidence": -0.5}, "/confidence"),
    ({"date_start": dt.date(1992, 6, 1), "date_end": dt.date(1992, 5, 1)}, "[rule date_order]"),
    ({"date_precision": None}, "[rule date_complete]"),
    ({"longitude": None}, "[rule coordinates_with_geonameid]"),
    ({"fatalities_low": 10, "fatalities_high": 3}, "[rule fatalities_order]"),
]


@pytest.mark.parametrize("overrides,expected", BAD_EVENT_ROWS)
def test_each_broken_events_row_goes_to_quarantine_with_reason(overrides, expected):
    good = [make_event(i) for i in range(3)]
    bad = make_event(99, **overrides)
    report = validate.validate_rows([good[0], bad, good[1], good[2]], "events", run_id="run-q")
    assert report.valid == good
    assert len(report.quarantined) == 1
    q = report.quarantined[0]
    assert set(q) == set(schema.table("quarantine").names)
    # an events row has no mention_id: the quarantine row names it by its event_id
    assert q["mention_id"] == bad["event_id"] and q["doc_id"] is None and q["run_id"] == "run-q"
    assert any(expected in r for r in q["reasons"]), q["reasons"]
    assert json.loads(q["record"])["event_id"] == bad["event_id"]


def test_every_reason_is_reported_and_quarantine_rows_fit_the_layout():
    bad = make_mention(1, event_type="INVADE", confidence=-0.1, fatalities_low=9, fatalities_high=1)
    bad_event = make_event(1, merge_reason="hunch", n_documents=0, fatalities_low=9, fatalities_high=1)
    report = validate.validate_rows([bad])
    event_report = validate.validate_rows([bad_event], "events")
    reasons = report.quarantined[0]["reasons"]
    assert len(reasons) == 3
    assert any(r.startswith("/event_type: 'INVADE' is not one of") for r in reasons)
    assert len(event_report.quarantined[0]["reasons"]) == 3
    # quarantine rows are valid rows of the quarantine table and convert to its Arrow table
    rows = report.quarantined + event_report.quarantined
    assert validate.validate_rows(rows, "quarantine").quarantined == []
    assert publish.to_table(rows, "quarantine").num_rows == 2


@pytest.mark.parametrize("table,make,drop", [("mentions", make_mention, "rule_id"),
                                             ("events", make_event, "first_mention_id")])
def test_missing_and_unknown_fields(table, make, drop):
    row = make(1)
    del row[drop]
    row["colour"] = "red"
    reasons = validate.validate_rows([row], table).quarantined[0]["reasons"]
    assert f"/{drop}: field is missing" in reasons and "/colour: unknown field" in reasons


def test_duplicate_mention_id_keeps_first_valid_row():
    a, b = make_mention(1), make_mention(2)
    dup = make_mention(1, trigger_text="pounded", event_id=event_id(5))
    report = validate.validate_rows([a, b, dup])
    assert report.valid == [a, b]
    assert any("/mention_id: duplicate value" in r for r in reasons_of(report, a["mention_id"]))


def test_mentions_of_one_event_are_not_duplicates():
    """event_id is not unique in the mentions table: many mentions report one event."""
    rows = [make_mention(i, event_id=event_id(0)) for i in range(4)] + [make_mention(9, event_id=None)]
    report = validate.validate_rows(rows)
    assert report.quarantined == [] and report.valid == rows


def test_duplicate_event_id_in_events_table_keeps_first_valid_row():
    a, b = make_event(1), make_event(2)
    dup = make_event(1, n_mentions=2, first_mention_id=mention_id(7))
    report = validate.validate_rows([a, b, dup], "events")
    assert report.valid == [a, b]
    assert any("/event_id: duplicate value" in r for r in reasons_of(report, a["event_id"]))


def test_duplicate_of_a_quarantined_row_is_not_a_duplicate():
    first_bad = make_mention(1, event_type="INVADE")
    second_good = make_mention(1)
    report = validate.validate_rows([first_bad, second_good])
    assert report.valid == [second_good] and len(report.quarantined) == 1
    first_bad_event = make_event(1, n_mentions=0)
    second_good_event = make_event(1)
    report = validate.validate_rows([first_bad_event, second_good_event], "events")
    assert report.valid == [second_good_event] and len(report.quarantined) == 1


@pytest.mark.parametrize("table,make", [("mentions", make_mention), ("events", make_event)])
def test_optional_fields_may_be_null_and_rules_stay_silent(table, make):
    nullable = [f.name for f in schema.table(table).fields if not f.required]
    assert ("event_id" in nullable) == (table == "mentions")  # a mention need not belong to an event
    row = make(5, **{name: None for name in nullable})
    assert validate.validate_rows([row], table).quarantined == []
    assert all(rule(row) is None for rule in validate.ROW_RULES.values())


def test_rules_cover_the_layout_and_tolerate_wrong_types():
    for name in schema.table_names():
        assert set(schema.table(name).rules) <= set(validate.ROW_RULES)
    row = make_mention(1, date_start=5, date_end="x", fatalities_low="many", trigger_start="a")
    report = validate.validate_rows([row])  # type errors are reported, rules do not raise
    assert len(report.quarantined) == 1 and len(report.quarantined[0]["reasons"]) >= 3
    row = make_event(1, date_start=5, date_end="x", fatalities_low="many", n_mentions="3")
    report = validate.validate_rows([row], "events")
    assert len(report.quarantined) == 1 and len(report.quarantined[0]["reasons"]) >= 3


def test_documents_table_rows():
    docs = [make_document(0), make_document(1), make_document(0), make_document(2, format="pdf"),
            make_document(3, n_mentions=-1)]
    report = validate.validate_rows(docs, "documents", run_id="r")
    assert [d["doc_id"] for d in report.valid] == ["doc0.txt", "doc1.txt"]
    reasons = [r for q in report.quarantined for r in q["reasons"]]
    assert any(r.startswith("/doc_id: duplicate value") for r in reasons)
    assert any(r.startswith("/format:") for r in reasons)
    assert any(r.startswith("/n_mentions:") for r in reasons)
    assert "n_events" not in schema.table("documents").names


# ---------------------------------------------------------------- Great Expectations (few runs)


@pytest.fixture(scope="module")
def good_tables() -> dict[str, pa.Table]:
    mentions = [make_mention(i) for i in range(4)]
    mentions[1].update({f.name: None for f in schema.table("mentions").fields if not f.required})
    events = [make_event(i) for i in range(4)]
    events[1].update({f.name: None for f in schema.table("events").fields if not f.required})
    return {"mentions": publish.to_table(mentions, "mentions"), "events": publish.to_table(events, "events")}


@pytest.fixture(scope="module")
def expectation_reports(good_tables) -> dict[tuple[str, str], validate.ExpectationReport]:
    bad = good_tables["mentions"].to_pylist()
    bad[0]["event_type"] = "INVADE"
    bad[1]["mention_id"] = bad[2]["mention_id"]
    bad[2]["date_end"] = dt.date(1900, 1, 1)
    bad[3]["latitude"] = None
    bad_events = good_tables["events"].to_pylist()
    bad_events[0]["merge_reason"] = "hunch"
    bad_events[1]["event_id"] = bad_events[2]["event_id"]
    bad_events[2]["n_mentions"] = 0
    bad_events[3]["first_mention_id"] = bad_events[3]["event_id"]
    out = {}
    for table, rows in (("mentions", bad), ("events", bad_events)):
        bad_tbl = pa.Table.from_pylist(rows, schema=schema.arrow_schema(table))
        out[table, "good"] = validate.run_expectations(good_tables[table], table)
        out[table, "bad"] = validate.run_expectations(bad_tbl, table)
    return out


def _failed(rep: validate.ExpectationReport) -> set[tuple[str, str]]:
    return {(r["type"], r["kwargs"].get("column") or r["kwargs"].get("column_A")) for r in rep.failed}


@pytest.mark.parametrize("table", ["mentions", "events"])
def test_expectations_pass_on_good_table(expectation_reports, table):
    rep = expectation_reports[table, "good"]
    assert rep.success, rep.failed
    assert rep.table == table
    assert rep.statistics["evaluated_expectations"] == len(schema.expectation_specs(table))
    assert rep.statistics["unsuccessful_expectations"] == 0
    json.dumps(rep.to_json())
    assert "passed" in rep.summary_markdown()


def test_expectations_fail_on_bad_mentions_table(expectation_reports):
    rep = expectation_reports["mentions", "bad"]
    assert not rep.success
    assert _failed(rep) == {("expect_column_values_to_be_in_set", "event_type"),
                            ("expect_column_values_to_be_unique", "mention_id"),
                            ("expect_column_pair_values_a_to_be_greater_than_b", "date_end"),
                            ("expect_column_values_to_not_be_null", "latitude")}
    assert len(rep.failed) == 4
    md = rep.summary_markdown()
    assert "FAILED" in md and "INVADE" in md
    data = json.loads(json.dumps(rep.to_json()))
    assert data["success"] is False and data["gx_validation_result"]["results"]


def test_expectations_fail_on_bad_events_table(expectation_reports):
    rep = expectation_reports["events", "bad"]
    assert not rep.success
    assert _failed(rep) == {("expect_column_values_to_be_in_set", "merge_reason"),
                            ("expect_column_values_to_be_unique", "event_id"),
                            ("expect_column_values_to_be_between", "n_mentions"),
                            ("expect_column_values_to_match_regex", "first_mention_id")}
    assert "FAILED" in rep.summary_markdown() and "hunch" in rep.summary_markdown()


def test_expectations_write_no_files(expectation_reports, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rep = validate.run_expectations(publish.to_table([], "documents"), "documents")
    assert rep.success
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the events <-> mentions link


LINK_IN_EVENTS = ("expect_column_values_to_be_in_set", "in_events")
LINK_FIRST_MEMBER = ("expect_column_values_to_be_in_set", "first_is_member")
LINK_NOT_EMPTY = ("expect_column_values_to_be_between", "counted_mentions")
LINK_N_MENTIONS = ("expect_column_pair_values_to_be_equal", "n_mentions")
LINK_N_DOCUMENTS = ("expect_column_pair_values_to_be_equal", "n_documents")


def linked_mentions() -> list[dict[str, Any]]:
    """Six mentions: 0 and 3 (doc0, same day, place and actors), 1 (doc1, the same again) make one
    event across documents; 2 (doc2, another day) and 5 (doc2, another type) are events of their
    own; 4 (doc1) is negated and belongs to no event. event_id is left for the aggregation."""
    rows = [make_mention(i, event_id=None) for i in range(6)]
    rows[2].update(date_start=dt.date(1992, 6, 10), date_end=dt.date(1992, 6, 10))
    rows[4].update(polarity="negated")
    rows[5].update(event_type="AGREE", quad_class="verbal_cooperation", cameo_root="05", cc_score=4.0,
                   date_start=dt.date(1992, 7, 1), date_end=dt.date(1992, 7, 1))
    return rows


@pytest.fixture(scope="module")
def linked() -> dict[str, pa.Table]:
    rows = linked_mentions()
    assert validate.validate_rows(rows).quarantined == []
    mentions, events = pipeline.aggregate_mentions(publish.to_table(rows, "mentions"), run_id="run-test")
    return {"mentions": mentions, "events": events}


def _member_sets(mentions: pa.Table) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in mentions.to_pylist():
        if m["event_id"] is not None:
            out.setdefault(m["event_id"], set()).add(m["mention_id"])
    return out


def test_aggregated_tables_are_what_the_link_check_expects(linked):
    """The fixture is the intended pair: one event of three mentions in two documents, two single
    events, a negated mention without event; both tables pass their own checks."""
    mentions, events = linked["mentions"], linked["events"]
    by_id = {m["mention_id"]: m for m in mentions.to_pylist()}
    assert by_id[mention_id(4)]["event_id"] is None
    assert sorted(map(sorted, _member_sets(mentions).values())) == sorted(
        [sorted(mention_id(i) for i in (0, 1, 3)), [mention_id(2)], [mention_id(5)]])
    rows = {e["event_id"]: e for e in events.to_pylist()}
    big = rows[by_id[mention_id(0)]["event_id"]]
    assert (big["n_mentions"], big["n_documents"], big["doc_ids"]) == (3, 2, ["doc0.txt", "doc1.txt"])
    assert big["merge_reason"] == "across_documents"
    assert big["first_mention_id"] in {mention_id(0), mention_id(3)}  # doc0 comes first
    assert validate.validate_rows(mentions.to_pylist()).quarantined == []
    assert validate.validate_rows(events.to_pylist(), "events").quarantined == []


def test_link_check_passes_on_consistent_tables(linked):
    frame = validate.link_frame(linked["events"], linked["mentions"])
    assert len(frame) == linked["events"].num_rows == 3
    assert frame["in_events"].all() and frame["first_is_member"].all()
    assert (frame["n_mentions"] == frame["counted_mentions"]).all()
    rep = validate.run_link_expectations(linked["events"], linked["mentions"])
    assert rep.success, rep.failed
    assert rep.table == validate.LINK_TABLE == "events_mentions"
    assert {LINK_IN_EVENTS, LINK_FIRST_MEMBER, LINK_NOT_EMPTY, LINK_N_MENTIONS, LINK_N_DOCUMENTS,
            ("expect_column_values_to_be_in_set", "doc_ids_match")} == {
        (r["type"], r["kwargs"].get("column") or r["kwargs"].get("column_A")) for r in rep.results}
    json.dumps(rep.to_json())
    assert "passed" in rep.summary_markdown()


def _with_event_of(mentions: pa.Table, mid: str, value: str | None) -> pa.Table:
    rows = mentions.to_pylist()
    for r in rows:
        if r["mention_id"] == mid:
            r["event_id"] = value
    return publish.to_table(rows, "mentions")


def _changed_event(events: pa.Table, eid: str, **changes: Any) -> pa.Table:
    rows = events.to_pylist()
    for r in rows:
        if r["event_id"] == eid:
            r.update(changes)
    return publish.to_table(rows, "events")


def _big_event(linked) -> str:
    return next(m["event_id"] for m in linked["mentions"].to_pylist() if m["mention_id"] == mention_id(0))


def test_link_check_fails_on_a_mention_of_an_unknown_event(linked):
    phantom = event_id(12345)
    mentions = _with_event_of(linked["mentions"], mention_id(4), phantom)
    rep = validate.run_link_expectations(linked["events"], mentions)
    assert not rep.success
    assert LINK_IN_EVENTS in _failed(rep)
    in_events = next(r for r in rep.failed if (r["type"], r["kwargs"]["column"]) == LINK_IN_EVENTS)
    assert in_events["unexpected_count"] == 1
    # the events table's own checks cannot see it
    assert validate.run_expectations(linked["events"], "events").success


def test_link_check_fails_on_a_wrong_n_mentions(linked):
    events = _changed_event(linked["events"], _big_event(linked), n_mentions=2)
    assert validate.validate_rows(events.to_pylist(), "events").quarantined == []  # a valid row by itself
    rep = validate.run_link_expectations(events, linked["mentions"])
    assert not rep.success
    assert _failed(rep) == {LINK_N_MENTIONS}
    assert "FAILED" in rep.summary_markdown() and "n_mentions" in rep.summary_markdown()


def test_link_check_fails_on_a_wrong_n_documents(linked):
    events = _changed_event(linked["events"], _big_event(linked), n_documents=1)
    rep = validate.run_link_expectations(events, linked["mentions"])
    assert _failed(rep) == {LINK_N_DOCUMENTS}


def test_link_check_fails_when_first_mention_is_not_a_member(linked):
    # mention 2 exists, but belongs to another event
    events = _changed_event(linked["events"], _big_event(linked), first_mention_id=mention_id(2))
    rep = validate.run_link_expectations(events, linked["mentions"])
    assert not rep.success
    assert _failed(rep) == {LINK_FIRST_MEMBER}


def test_link_check_fails_on_an_event_without_mentions(linked):
    rows = linked["events"].to_pylist() + [make_event(77)]
    rep = validate.run_link_expectations(publish.to_table(rows, "events"), linked["mentions"])
    assert not rep.success
    assert LINK_NOT_EMPTY in _failed(rep) and LINK_N_MENTIONS in _failed(rep)


# ---------------------------------------------------------------- validate_release


def _write(tmp_path: Path, tables: dict[str, pa.Table], reports: dict) -> Path:
    docs = publish.to_table([make_document(i) for i in range(3)], "documents")
    quarantine = publish.to_table([], "quarantine")
    info = publish.write_release(tmp_path, mentions=tables["mentions"], events=tables["events"], documents=docs,
                                 quarantine=quarantine, version="2024.01.02", run_id="run-test", sources=[],
                                 validation=reports, settings_info={})
    return info.path


def _rewrite(path: Path, name: str, rows: list[dict]) -> None:
    """Replace a table's Parquet file as publish writes it (same Arrow schema, lists included)."""
    pq.write_table(publish.to_table(rows, name), path / f"{name}.parquet", use_compliant_nested_type=False)


@pytest.fixture()
def release_path(tmp_path, linked) -> Path:
    reports = {name: validate.run_expectations(tbl, name) for name, tbl in linked.items()}
    reports["events_mentions"] = validate.run_link_expectations(linked["events"], linked["mentions"])
    return _write(tmp_path, linked, reports)


def test_validate_release(release_path, linked):
    path = release_path
    summary = validate.validate_release(path)
    assert summary.ok, summary.problems
    assert set(summary.tables) == {*schema.table_names(), "events_mentions"}
    assert summary.tables["mentions"].n_rows == 6 and summary.tables["events"].n_rows == 3
    assert summary.tables["documents"].n_rows == 3 and summary.tables["events_mentions"].n_rows == 3
    assert all(t.expectations is not None and t.expectations.success for t in summary.tables.values())
    assert "OK" in summary.summary_markdown().splitlines()[0]

    # broken rows smuggled into the Parquet files are caught, in both tables
    rows = linked["mentions"].to_pylist()
    rows[0]["confidence"] = 7.0
    _rewrite(path, "mentions", rows)
    events = linked["events"].to_pylist()
    events[0]["merge_reason"] = "hunch"
    _rewrite(path, "events", events)
    (path / "quarantine.parquet").unlink()
    summary = validate.validate_release(path)
    assert not summary.ok
    assert summary.tables["mentions"].n_invalid == 1 and summary.tables["events"].n_invalid == 1
    assert any(p.startswith(f"row {rows[0]['mention_id']}: /confidence") for p in summary.tables["mentions"].problems)
    assert any(p.startswith(f"row {events[0]['event_id']}: /merge_reason")
               for p in summary.tables["events"].problems)
    assert "quarantine.parquet is missing" in summary.tables["quarantine"].problems
    assert summary.tables["events_mentions"].ok  # the link itself is still intact
    md = summary.summary_markdown()
    assert "FAILED" in md.splitlines()[0] and "/confidence" in md and "/merge_reason" in md


def test_validate_release_catches_a_wrong_n_mentions(release_path, linked):
    events = linked["events"].to_pylist()
    big = _big_event(linked)
    for e in events:
        if e["event_id"] == big:
            e["n_mentions"] += 1
    _rewrite(release_path, "events", events)
    summary = validate.validate_release(release_path)
    assert not summary.ok
    # every table passes its own checks: only the link between events and mentions fails
    assert all(summary.tables[name].ok for name in schema.table_names()), summary.problems
    link = summary.tables["events_mentions"]
    assert not link.ok and link.expectations is not None
    assert _failed(link.expectations) == {LINK_N_MENTIONS}
    assert "events_mentions: expectations failed" in summary.problems
    assert "FAILED" in summary.summary_markdown().splitlines()[0]


def test_validate_release_without_mentions_reports_the_link_unchecked(release_path):
    (release_path / "mentions.parquet").unlink()
    summary = validate.validate_release(release_path)
    assert not summary.ok
    assert "mentions.parquet is missing" in summary.tables["mentions"].problems
    assert summary.tables["events_mentions"].expectations is None
    assert summary.tables["events_mentions"].problems


def test_link_check_fails_when_doc_ids_are_not_the_mentions_documents() -> None:
    from eventextract import pipeline
    from eventextract.publish import to_table
    from eventextract.validate import run_link_expectations

    rows = [make_mention(0, doc_id="a.txt"), make_mention(1, doc_id="a.txt")]
    mentions, events = pipeline.aggregate_mentions(to_table(rows, "mentions"), run_id="run-test")
    assert run_link_expectations(events, mentions).success
    bad = events.to_pylist()
    bad[0]["doc_ids"] = [*bad[0]["doc_ids"], "zzz.txt"]
    report = run_link_expectations(to_table(bad, "events"), mentions)
    assert not report.success
    assert [r["kwargs"].get("column") for r in report.failed] == ["doc_ids_match"]


def test_expectations_in_slices_give_the_whole_table_verdict():
    """A table longer than the slice size is validated in bounded memory: the row expectations on
    slices, uniqueness and the columns on narrow frames; the verdict and the counts are the ones of
    the whole-table run, on a clean table and on one with a bad value and a duplicate id in
    different slices."""
    from eventextract.publish import to_table

    rows = [make_mention(i) for i in range(7)]
    clean = to_table(rows, "mentions")
    bad_rows = [dict(r) for r in rows]
    bad_rows[5]["confidence"] = 7.0  # out of range, in the third slice of 2 rows
    bad_rows[6]["mention_id"] = bad_rows[0]["mention_id"]  # duplicate across slices
    bad = to_table(bad_rows, "mentions")
    for tbl in (clean, bad):
        whole = validate.run_expectations(tbl, "mentions")
        sliced = validate.run_expectations(tbl, "mentions", chunk_rows=2)
        assert sliced.success == whole.success
        assert sliced.statistics["evaluated_expectations"] == whole.statistics["evaluated_expectations"]
        assert sliced.statistics["successful_expectations"] == whole.statistics["successful_expectations"]
        key = lambda r: json.dumps([r["type"], r["kwargs"]], sort_keys=True, default=str)  # noqa: E731
        by_whole = {key(r): r for r in whole.results}
        for r in sliced.results:
            w = by_whole[key(r)]
            assert r["success"] == w["success"], key(r)
            assert r.get("unexpected_count") == w.get("unexpected_count"), key(r)
            assert r.get("element_count") == w.get("element_count") or r["type"] in (
                "ExpectColumnToExist", "ExpectTableColumnsToMatchOrderedList"), key(r)
        assert len(sliced.gx_result["batches"]) == 1 + 1 + 4  # columns, uniqueness, 4 slices of 2 rows
    assert not validate.run_expectations(bad, "mentions", chunk_rows=2).success
