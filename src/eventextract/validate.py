"""The VALIDATE stage: checks rows and tables against the record layout, and reports.

Two complementary checks, both derived from ``schemas/layout.yaml`` via ``eventextract.schema``:

* ``validate_rows``: per row, the JSON Schema of the table (types, required, enum, pattern,
  ranges), the cross-field rules the layout names (``ROW_RULES``) and the uniqueness of the
  ``unique`` fields. It never raises on bad data and never drops a row: every row ends up either
  in ``RowReport.valid`` or in ``RowReport.quarantined`` (a row of the ``quarantine`` table with
  every reason it failed).
* ``run_expectations``: the Great Expectations 1.x suite of the table
  (``schema.expectation_specs``), run on an Arrow table (in slices of ``GX_CHUNK_ROWS`` rows
  when longer) in an ephemeral, in-memory context (``eventextract.expectations``, re-exported here).
  Its JSON results and a Markdown summary go into the release's ``validation/`` folder.

* ``run_link_expectations``: Great Expectations on the link between the ``events`` table and
  the ``mentions`` table (every mention's ``event_id`` exists, ``n_mentions``/``n_documents``
  match the mentions, ``first_mention_id`` is a member).

``validate_release`` re-runs all three on the Parquet files of a published release.

Reasons are strings ``"<JSON pointer>: <message>"``, e.g. ``"/event_type: 'FOO' is not one of
[...]"`` or ``"/date_end: 1990-01-01 is before /date_start 1990-02-01 [rule date_order]"``.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from . import schema
from .expectations import (  # noqa: F401 - re-exported: the Great Expectations half of this stage
    GX_CHUNK_ROWS, LINK_TABLE, MAX_UNEXPECTED_VALUES, ExpectationReport, link_frame, run_expectations,
    run_link_expectations,
)

#: Longest message kept per reason (enum lists and long values are cut).
MAX_REASON_CHARS = 300


# --------------------------------------------------------------------------------------------
# Serialising rows for JSON Schema


def jsonable_value(value: Any) -> Any:
    """One cell as JSON Schema sees it: date -> ISO date, datetime -> ISO date-time (UTC when
    naive), NaN -> null (how pandas writes a missing number), tuples -> lists."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return [jsonable_value(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and type(value).__module__ == "numpy":
        return jsonable_value(value.item())  # numpy scalars from pandas rows
    return value


def jsonable_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with every value JSON-serialisable, in the form ``schema.json_schema`` describes."""
    return {str(k): jsonable_value(v) for k, v in row.items()}


# --------------------------------------------------------------------------------------------
# Cross-field rules (the names in layout.yaml 'rules')


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _comparable(a: Any, b: Any) -> bool:
    """Both values present and of types that compare (a row with a type error already fails the
    JSON Schema check; the rules then stay silent instead of raising)."""
    if not (_present(a) and _present(b)):
        return False
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, numbers) and isinstance(b, numbers):
        return True
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return isinstance(a, dt.datetime) == isinstance(b, dt.datetime)
    return False


def _date(value: Any) -> Any:
    """ISO date strings (a row already serialised) become dates so that they compare."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def rule_date_order(row: Mapping[str, Any]) -> str | None:
    """date_end must not be before date_start (the interval is inclusive)."""
    start, end = _date(row.get("date_start")), _date(row.get("date_end"))
    if _comparable(start, end) and end < start:
        return f"/date_end: {end} is before /date_start {start}"
    return None


def rule_date_complete(row: Mapping[str, Any]) -> str | None:
    """A dated row carries its whole interval: date_start set -> date_end and date_precision set."""
    if not _present(row.get("date_start")):
        return None
    missing = [f"/{k}" for k in ("date_end", "date_precision") if not _present(row.get(k))]
    if missing:
        return f"{', '.join(missing)}: missing although /date_start is set"
    return None


def rule_coordinates_with_geonameid(row: Mapping[str, Any]) -> str | None:
    """A resolved place (geonameid set) has coordinates: latitude and longitude set."""
    if not _present(row.get("geonameid")):
        return None
    missing = [f"/{k}" for k in ("latitude", "longitude") if not _present(row.get(k))]
    if missing:
        return f"{', '.join(missing)}: missing although /geonameid is set"
    return None


def rule_fatalities_order(row: Mapping[str, Any]) -> str | None:
    """fatalities_high must not be below fatalities_low."""
    low, high = row.get("fatalities_low"), row.get("fatalities_high")
    if _comparable(low, high) and high < low:
        return f"/fatalities_high: {high} is below /fatalities_low {low}"
    return None


#: Character spans of an events row, by the prefix of their ``_start``/``_end`` fields.
_SPANS = ("sentence", "trigger", "actor", "recipient", "place")


def rule_offsets_order(row: Mapping[str, Any]) -> str | None:
    """Every span has end > start, has both offsets or neither, and the trigger lies inside its
    sentence."""
    problems: list[str] = []
    for prefix in _SPANS:
        start_key, end_key = f"{prefix}_start", f"{prefix}_end"
        if start_key not in row and end_key not in row:
            continue
        start, end = row.get(start_key), row.get(end_key)
        if _present(start) != _present(end):
            problems.append(f"/{start_key}, /{end_key}: one is set and the other is null")
        elif _comparable(start, end) and end <= start:
            problems.append(f"/{end_key}: {end} is not after /{start_key} {start}")
    s0, s1 = row.get("sentence_start"), row.get("sentence_end")
    t0, t1 = row.get("trigger_start"), row.get("trigger_end")
    if _comparable(s0, t0) and _comparable(s1, t1) and (t0 < s0 or t1 > s1):
        problems.append(f"/trigger_start: trigger {t0}-{t1} is outside its sentence {s0}-{s1}")
    return "; ".join(problems) if problems else None


#: The cross-field checks named in a table's ``rules`` in layout.yaml: rule name -> function of a
#: row returning a reason (JSON-pointer-ish field + message) or None when the row is fine.
ROW_RULES: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "date_order": rule_date_order,
    "date_complete": rule_date_complete,
    "coordinates_with_geonameid": rule_coordinates_with_geonameid,
    "fatalities_order": rule_fatalities_order,
    "offsets_order": rule_offsets_order,
}


# --------------------------------------------------------------------------------------------
# Row validation


@dataclass
class RowReport:
    """Outcome of ``validate_rows``: the rows that passed (unchanged) and one quarantine-table
    row (mention_id, doc_id, reasons, record, run_id) per row that failed."""

    valid: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    #: input position -> reasons, of every row that failed
    failures: dict[int, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.quarantined


@functools.lru_cache(maxsize=None)
def _validator(table: str) -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(schema.json_schema(table))
    return cls(schema.json_schema(table), format_checker=cls.FORMAT_CHECKER)


@functools.lru_cache(maxsize=None)
def _fast_validator(table: str) -> Any:
    """The table's JSON Schema compiled to Python by fastjsonschema (about 17x faster than
    jsonschema per row). It only decides: a row it rejects is explained by ``_validator``.

    fastjsonschema compiles draft-07; the generated schemas use only keywords whose meaning is the
    same in draft-07 and 2020-12 (type, enum, pattern, minimum, maximum, items, anyOf, required,
    additionalProperties), and their formats are checked by jsonschema's own format checker, so a
    row passes here only when jsonschema accepts it (``tests/test_properties.py`` checks this)."""
    import fastjsonschema

    checker = _validator(table).format_checker
    spec = {**schema.json_schema(table), "$schema": "http://json-schema.org/draft-07/schema#"}
    spec.pop("$id", None)
    formats = {name: functools.partial(_conforms, checker, name) for name in ("date", "date-time")}
    return fastjsonschema.compile(spec, formats=formats)


def _conforms(checker: Any, name: str, value: Any) -> bool:
    return bool(checker.conforms(value, name))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 3] + "..."


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def schema_reasons(row: Mapping[str, Any], table: str = "mentions") -> list[str]:
    """The JSON Schema violations of one (jsonable) row, one reason per problem."""
    import fastjsonschema

    try:
        _fast_validator(table)(row)
        return []
    except fastjsonschema.JsonSchemaException:
        pass  # explained below, by jsonschema (which alone decides what the reasons are)
    reasons: list[str] = []
    validator = _validator(table)
    names = set(schema.table(table).names)
    for err in sorted(validator.iter_errors(row), key=lambda e: [str(p) for p in e.absolute_path]):
        if err.validator == "required":
            missing = [n for n in names if n not in row]
            for name in sorted(missing) if missing else []:
                reasons.append(f"/{name}: field is missing")
            continue
        if err.validator == "additionalProperties":
            extra = sorted(set(row) - names)
            reasons.extend(f"/{name}: unknown field" for name in extra)
            continue
        pointer = _pointer(err.absolute_path)
        if err.validator == "anyOf" and err.context:
            # optional field: {"anyOf": [base, null]}; report why the base branch failed
            branch = [e for e in err.context if e.relative_schema_path and e.relative_schema_path[0] == 0]
            for sub in branch or err.context[:1]:
                reasons.append(_clip(f"{pointer}: {sub.message}"))
            continue
        reasons.append(_clip(f"{pointer}: {err.message}"))
    return list(dict.fromkeys(reasons))


def rule_reasons(row: Mapping[str, Any], table: str = "mentions") -> list[str]:
    """The cross-field rule violations of one row (rules named by the table in layout.yaml)."""
    out: list[str] = []
    for name in schema.table(table).rules:
        if name not in ROW_RULES:
            raise KeyError(f"schemas/layout.yaml names rule {name!r}, which validate.ROW_RULES does not define")
        message = ROW_RULES[name](row)
        if message:
            out.append(_clip(f"{message} [rule {name}]"))
    return out


def quarantine_row(row: Mapping[str, Any], reasons: list[str], run_id: str = "") -> dict[str, Any]:
    """The quarantine-table row of a rejected row: ids (when they are strings), the reasons and the
    whole row as JSON."""
    data = jsonable_row(row)
    row_id, doc_id = data.get("mention_id"), data.get("doc_id")
    if "mention_id" not in data:
        row_id = data.get("event_id")  # a row of the events table
    return {
        "mention_id": row_id if isinstance(row_id, str) else None,
        "doc_id": doc_id if isinstance(doc_id, str) else None,
        "reasons": list(reasons),
        "record": json.dumps(data, ensure_ascii=False, default=str),
        "run_id": run_id or (data["run_id"] if isinstance(data.get("run_id"), str) else ""),
    }


def validate_rows(rows: Iterable[Mapping[str, Any]], table: str = "mentions", run_id: str = "") -> RowReport:
    """Check rows against the table's JSON Schema, its ROW_RULES and the uniqueness of its unique
    fields. Rows that fail go to quarantine with every reason; none is dropped, nothing raises.

    A duplicate of a unique value already taken by an earlier *valid* row is quarantined; the
    first valid occurrence is kept. Values may be Python date/datetime objects (or dataclasses
    with ``as_dict``).
    """
    spec = schema.table(table)
    unique_fields = [f.name for f in spec.fields if f.unique]
    seen: dict[str, dict[Any, int]] = {name: {} for name in unique_fields}
    report = RowReport()
    for index, raw in enumerate(rows):
        row = raw.as_dict() if hasattr(raw, "as_dict") else raw
        if not isinstance(row, Mapping):
            report.quarantined.append(quarantine_row({"value": repr(row)}, ["/: row is not a mapping"], run_id))
            report.failures[index] = ["/: row is not a mapping"]
            continue
        data = jsonable_row(row)
        reasons = schema_reasons(data, table)
        reasons += rule_reasons(row, table)
        for name in unique_fields:
            value = data.get(name)
            if value is not None and not isinstance(value, (list, dict)) and value in seen[name]:
                reasons.append(f"/{name}: duplicate value {value!r} (first in row {seen[name][value]})")
        if reasons:
            report.quarantined.append(quarantine_row(row, reasons, run_id))
            report.failures[index] = reasons
            continue
        for name in unique_fields:
            value = data.get(name)
            if value is not None:
                seen[name][value] = index
        report.valid.append(dict(row))
    return report


# --------------------------------------------------------------------------------------------
# Releases


@dataclass
class TableValidation:
    """Checks of one table of a release."""

    table: str
    n_rows: int = 0
    n_invalid: int = 0
    problems: list[str] = field(default_factory=list)  # file/schema problems and row reasons (first ones)
    expectations: ExpectationReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.n_invalid == 0 and (self.expectations is None or self.expectations.success)


@dataclass
class ValidationSummary:
    """Outcome of ``validate_release``: ``ok`` when every table passes every check."""

    release_dir: Path
    tables: dict[str, TableValidation] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.tables) and all(t.ok for t in self.tables.values())

    @property
    def problems(self) -> list[str]:
        return [f"{name}: {p}" for name, t in self.tables.items() for p in t.problems] + [
            f"{name}: expectations failed" for name, t in self.tables.items()
            if t.expectations is not None and not t.expectations.success]

    def summary_markdown(self) -> str:
        """What ``eventextract validate`` prints: per table rows, invalid rows, problems and the
        Great Expectations summary."""
        lines = [f"# Validation of {self.release_dir}: {'OK' if self.ok else 'FAILED'}", ""]
        for name, t in self.tables.items():
            lines.append(f"- `{name}`: {t.n_rows} rows, {t.n_invalid} failing the row checks, "
                         f"expectations {'not run' if t.expectations is None else 'passed' if t.expectations.success else 'FAILED'}")
            lines.extend(f"  - {p}" for p in t.problems)
        lines.append("")
        for t in self.tables.values():
            if t.expectations is not None:
                lines.append(t.expectations.summary_markdown())
        return "\n".join(lines)


#: Row reasons kept per table in ``TableValidation.problems``.
MAX_ROW_PROBLEMS = 20


def validate_release(release_dir: Path) -> ValidationSummary:
    """Re-check a published release: each table's Parquet file must exist, have the layout's
    Arrow schema, and its rows must pass ``validate_rows`` and ``run_expectations``; the events
    and mentions tables must agree (``run_link_expectations``)."""
    import pyarrow.parquet as pq

    release_dir = Path(release_dir)
    summary = ValidationSummary(release_dir=release_dir)
    loaded: dict[str, pa.Table] = {}
    for name in schema.table_names():
        check = TableValidation(table=name)
        summary.tables[name] = check
        path = release_dir / f"{name}.parquet"
        if not path.is_file():
            check.problems.append(f"{path.name} is missing")
            continue
        try:
            tbl = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            check.problems.append(f"{path.name} cannot be read: {exc}")
            continue
        expected = schema.arrow_schema(name)
        if not tbl.schema.equals(expected, check_metadata=False):
            check.problems.append(f"{path.name}: schema differs from the layout")
            if tbl.column_names != expected.names:
                continue
            try:
                tbl = tbl.cast(expected)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
                check.problems.append(f"{path.name}: cannot be cast to the layout's schema: {exc}")
                continue
        rows = tbl.to_pylist()
        check.n_rows = len(rows)
        report = validate_rows(rows, name)
        check.n_invalid = len(report.quarantined)
        for q in report.quarantined[:MAX_ROW_PROBLEMS]:
            ident = q.get("mention_id") or q.get("doc_id") or "?"
            check.problems.extend(f"row {ident}: {r}" for r in q["reasons"])
        check.expectations = run_expectations(tbl, name)
        loaded[name] = tbl
    link = TableValidation(table=LINK_TABLE)
    if "events" in loaded and "mentions" in loaded:
        link.n_rows = loaded["events"].num_rows
        link.expectations = run_link_expectations(loaded["events"], loaded["mentions"])
    else:
        link.problems.append("not checked: the events or the mentions table is unreadable")
    summary.tables[LINK_TABLE] = link
    return summary
