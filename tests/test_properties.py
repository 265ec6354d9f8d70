"""Property tests (hypothesis): invariants that must hold for any input, not just our examples."""
from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventextract import evaluate, ingest, publish, validate
from test_validate import make_event, make_mention

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text_st = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=400)


@SETTINGS
@given(text=text_st)
def test_txt_text_and_hash_come_back_exactly(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "doc.txt"
        p.write_bytes(text.encode("utf-8"))
        (doc,) = list(ingest.documents([p]))
        assert doc.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
        if doc.status != "failed":
            assert doc.text == text  # offsets index the decoded file as it is
            assert doc.status == ("ok" if doc.nlp_text.strip() else "empty")


@SETTINGS
@given(title=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                    max_size=40).filter(lambda s: s.strip()),  # PyYAML itself folds line breaks in scalars
       body=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_front_matter_body_start_points_at_the_body(title: str, body: str) -> None:
    front = yaml.safe_dump({"title": title, "published": "2020-02-29"}, allow_unicode=True)
    text = f"---\n{front}---\n{body}"
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "doc.md"
        p.write_text(text, encoding="utf-8")
        (doc,) = list(ingest.documents([p]))
    assert doc.text == text and doc.text[doc.body_start:] == body
    assert doc.title == title and str(doc.published) == "2020-02-29"


@SETTINGS
@given(lat=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e4, max_value=1e4),
       fat=st.tuples(st.integers(0, 1000), st.integers(0, 1000)))
def test_rows_are_either_valid_or_quarantined_with_a_reason(lat: float, fat: tuple[int, int]) -> None:
    row = make_mention(1, latitude=lat, fatalities_low=fat[0], fatalities_high=fat[1])
    report = validate.validate_rows([row, make_mention(2)], "mentions", run_id="r")
    assert len(report.valid) + len(report.quarantined) == 2  # never dropped
    bad = not -90 <= lat <= 90 or fat[0] > fat[1]
    assert (len(report.quarantined) == 1) == bad
    for q in report.quarantined:
        assert q["reasons"] and q["doc_id"] == row["doc_id"] and q["mention_id"] == row["mention_id"]
    # the same for a row of the events table (no doc_id: named by its event_id)
    event = make_event(1, latitude=lat, fatalities_low=fat[0], fatalities_high=fat[1])
    report = validate.validate_rows([event, make_event(2)], "events", run_id="r")
    assert len(report.valid) + len(report.quarantined) == 2
    assert (len(report.quarantined) == 1) == bad
    for q in report.quarantined:
        assert q["reasons"] and q["mention_id"] == event["event_id"]


@SETTINGS
@given(n=st.integers(0, 5))
def test_valid_rows_round_trip_through_parquet(n: int) -> None:
    for table, make in (("mentions", make_mention), ("events", make_event)):
        rows = [make(i) for i in range(n)]
        if table == "events":  # list column of any length
            for i, r in enumerate(rows):
                r["doc_ids"] = [f"doc{j}.txt" for j in range(i + 1)]
                r["n_documents"] = i + 1
        tbl = publish.to_table(rows, table)
        buf = io.BytesIO()
        pq.write_table(tbl, buf)
        back = pq.read_table(io.BytesIO(buf.getvalue()))
        assert back.to_pylist() == tbl.to_pylist() == rows and back.schema.names == tbl.schema.names


@SETTINGS
@given(a=st.text(max_size=60), b=st.text(max_size=60))
def test_scorer_words_are_case_blind_and_a_match_is_symmetric(a: str, b: str) -> None:
    assert evaluate.words(a) == evaluate.words(a.lower())
    gold = {"doc": "d.txt", "evidence": a or "x", "trigger": b or "x", "event_type": "ASSAULT"}
    sys_row = {"doc_id": "d.txt", "sentence_text": a or "x", "trigger_text": b or "x", "event_type": "ASSAULT"}
    res = evaluate.score([sys_row], [gold])
    assert res["typed"]["tp"] == (1 if evaluate.words(b or "x") and evaluate.words(a or "x") else 0)


#: values a mutated field may take: right and wrong types, edge numbers, bad dates and enums
odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["2020-02-30", "2020-02-29", "1993-13-01", "1993-04-02T10:00:00Z",
                                           "1993-04-02T25:00:00+00:00", "ASSAULT", "asserted", "", "1993-04-02"]),
    st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=400, deadline=None)
@given(table=st.sampled_from(["mentions", "events"]), changes=st.dictionaries(st.text(max_size=20), odd_values, max_size=4),
       pick=st.lists(st.integers(0, 200), max_size=4), drop=st.integers(0, 200))
def test_compiled_row_check_accepts_only_what_jsonschema_accepts(table: str, changes: dict, pick: list[int],
                                                                 drop: int) -> None:
    """The compiled validator (fastjsonschema) decides and jsonschema explains: a row passes the
    fast check only when jsonschema finds no violation, so the reasons are always jsonschema's."""
    import fastjsonschema

    row = validate.jsonable_row(make_mention(1) if table == "mentions" else make_event(1))
    names = sorted(row)
    for i, value in zip(pick, changes.values()):
        row[names[i % len(names)]] = value  # existing fields get odd values
    row.update({k: v for k, v in changes.items() if len(k) % 3 == 0})  # some unknown fields
    if drop % 4 == 0:
        row.pop(names[drop % len(names)], None)
    slow = list(validate._validator(table).iter_errors(row))
    try:
        validate._fast_validator(table)(row)
        fast_ok = True
    except fastjsonschema.JsonSchemaException:
        fast_ok = False
    if fast_ok:
        assert not slow, [e.message for e in slow]
    assert (validate.schema_reasons(row, table) == []) == (not slow)


@SETTINGS
@given(strings=st.lists(st.one_of(st.none(), text_st, st.sampled_from(publish.FORMULA_STARTS).flatmap(
           lambda c: text_st.map(lambda t: c + t))), max_size=30),
       ints=st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), max_size=30),
       dates=st.lists(st.one_of(st.none(), st.dates()), max_size=30),
       bools=st.lists(st.one_of(st.none(), st.booleans()), max_size=30))
def test_csv_columns_format_every_cell_as_csv_cell_does(strings: list, ints: list, dates: list, bools: list) -> None:
    """The CSV export formats strings, integers, dates and booleans column by column (in Arrow
    where it can); each cell is what the value-by-value ``_csv_cell`` gives (formula guard, ISO
    dates, true/false, empty for null)."""
    import pyarrow as pa

    for values, arrow_type in ((strings, pa.string()), (ints, pa.int64()), (dates, pa.date32()),
                               (bools, pa.bool_())):
        assert publish._csv_column(pa.array(values, arrow_type)) == [publish._csv_cell(v) for v in values]
