"""Great Expectations for eventextract: the suite of one table (``run_expectations``, in slices
of ``GX_CHUNK_ROWS`` rows for long tables) and the suite over the link between the events and the
mentions tables (``run_link_expectations``), each returning an ``ExpectationReport``.

Part of the VALIDATE stage; ``eventextract.validate`` re-exports these names. Great Expectations
itself is imported inside the functions (it takes seconds), in an ephemeral in-memory context.
"""
from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from . import schema

#: Unexpected values kept per expectation in ``ExpectationReport.results``.
MAX_UNEXPECTED_VALUES = 10


@dataclass
class ExpectationReport:
    """Outcome of the Great Expectations suite on one table.

    ``results`` holds one compact dict per expectation (type, kwargs, success, element and
    unexpected counts, a few unexpected values, exception message); ``gx_result`` the full
    JSON result of Great Expectations.
    """

    success: bool
    table: str
    statistics: dict
    results: list[dict]
    gx_version: str = ""
    gx_result: dict = field(default_factory=dict)
    #: the run whose suites produced this report, when this run reused it for the same table
    #: content (``eventextract.release_cache``); None when this run ran them
    reused_from: str | None = None

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if not r["success"]]

    def to_json(self) -> dict:
        """What ``validation/<table>.json`` of a release holds (``reused_from_run`` only when the
        report was reused from an earlier run over the same content)."""
        reused = {"reused_from_run": self.reused_from} if self.reused_from else {}
        return {
            **reused,
            "table": self.table,
            "success": self.success,
            "statistics": self.statistics,
            "great_expectations_version": self.gx_version,
            "suite": f"eventextract.{self.table}",
            "layout_version": schema.layout_version(),
            "results": self.results,
            "gx_validation_result": self.gx_result,
        }

    def summary_markdown(self) -> str:
        """A readable summary: overall outcome and a line per failed expectation."""
        stats = self.statistics
        lines = [
            f"## `{self.table}`: {'passed' if self.success else 'FAILED'}",
            "",
            f"{stats.get('successful_expectations', 0)} of {stats.get('evaluated_expectations', 0)} "
            f"expectations met (Great Expectations {self.gx_version}).",
            "",
        ]
        if self.reused_from:
            lines[-1:-1] = ["", f"Results of run `{self.reused_from}`, over the same content (reused, not run again)."]
        failed = self.failed
        if failed:
            lines += ["| expectation | column(s) | unexpected | examples |", "|---|---|---|---|"]
            for r in failed:
                kw = r.get("kwargs", {})
                cols = kw.get("column") or ", ".join(str(kw[k]) for k in ("column_A", "column_B") if k in kw) or "(table)"
                if kw.get("row_condition"):
                    cols = f"{cols} where {kw['row_condition']}"
                examples = r.get("exception") or ", ".join(json.dumps(v, default=str) for v in r.get("unexpected_values", [])[:3])
                unexpected = r.get("unexpected_count")
                lines.append(
                    f"| {r['type']} | {cols} | {'' if unexpected is None else unexpected} | "
                    f"{examples.replace('|', '/')[:120]} |")
            lines.append("")
        return "\n".join(lines)


def _gx_context() -> Any:
    """An ephemeral, in-memory GX context: no files, no analytics, no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _compact_result(raw: dict) -> dict:
    config = raw.get("expectation_config") or {}
    kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
    if isinstance(kwargs.get("row_condition"), dict):  # GX 1.x wraps a pandas condition
        kwargs["row_condition"] = kwargs["row_condition"].get("pass_through_filter", kwargs["row_condition"])
    result = raw.get("result") or {}
    exc = raw.get("exception_info") or {}
    out: dict[str, Any] = {
        "type": config.get("type", ""),
        "kwargs": kwargs,
        "success": bool(raw.get("success")),
        "element_count": result.get("element_count"),
        "unexpected_count": result.get("unexpected_count"),
        "unexpected_percent": result.get("unexpected_percent"),
        "unexpected_values": list(result.get("partial_unexpected_list") or [])[:MAX_UNEXPECTED_VALUES],
    }
    if "observed_value" in result:
        out["observed_value"] = result["observed_value"]
    if isinstance(exc, dict) and exc.get("raised_exception"):
        out["exception"] = str(exc.get("exception_message"))
    return json.loads(json.dumps(out, default=str))


#: rows of a table validated at a time: a longer table is validated in slices of this many rows (the
#: slices' counts are summed), so that memory does not grow with the table
GX_CHUNK_ROWS = 25_000
#: expectations over the whole table rather than row by row (run once, on narrow frames)
_TABLE_LEVEL = frozenset({"ExpectColumnValuesToBeUnique", "ExpectTableColumnsToMatchOrderedList",
                          "ExpectColumnToExist"})


def run_expectations(tbl: pa.Table, table: str = "mentions", chunk_rows: int = GX_CHUNK_ROWS) -> ExpectationReport:
    """Run the table's Great Expectations suite (built from ``schema.expectation_specs(table)``)
    on ``tbl`` as pandas dataframe batches in an ephemeral context.

    A table of at most ``chunk_rows`` rows is one batch. A longer one is validated in bounded
    memory: the row-by-row expectations on slices of ``chunk_rows`` rows (element and unexpected
    counts summed, unexpected examples collected up to the usual cap), the column expectations on an
    empty frame with the table's columns, and uniqueness on a frame of the one column it checks.
    ``gx_result`` then holds every batch's Great Expectations result.

    Writes no files and uses no network; Great Expectations is imported here, not at module
    import (it takes seconds).
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations.expectations as gxe

    specs = list(schema.expectation_specs(table))

    def make(items: list[tuple[str, dict]]) -> list:
        return [getattr(gxe, class_name)(**kwargs) for class_name, kwargs in items]

    if tbl.num_rows <= max(1, chunk_rows):
        return _run_suite(tbl.to_pandas(date_as_object=True), table, make(specs))
    whole = [s for s in specs if s[0] in _TABLE_LEVEL and s[0] != "ExpectColumnValuesToBeUnique"]
    unique = [s for s in specs if s[0] == "ExpectColumnValuesToBeUnique"]
    rows = [s for s in specs if s[0] not in _TABLE_LEVEL]
    reports = [_run_suite(tbl.slice(0, 0).to_pandas(date_as_object=True), table, make(whole))]
    for spec in unique:
        reports.append(_run_suite(tbl.select([spec[1]["column"]]).to_pandas(), table, make([spec])))
    for offset in range(0, tbl.num_rows, chunk_rows):
        reports.append(_run_suite(tbl.slice(offset, chunk_rows).to_pandas(date_as_object=True), table, make(rows)))
    return _merge_reports(table, reports, chunk_rows)


def _merge_reports(table: str, reports: list[ExpectationReport], chunk_rows: int) -> ExpectationReport:
    """One report from the reports of several batches of one table (see :func:`run_expectations`)."""
    merged: dict[str, dict[str, Any]] = {}
    for report in reports:
        for r in report.results:
            key = json.dumps([r["type"], r["kwargs"]], sort_keys=True, default=str)
            m = merged.get(key)
            if m is None:
                merged[key] = dict(r, unexpected_values=list(r.get("unexpected_values") or []))
                continue
            m["success"] = m["success"] and r["success"]
            for count in ("element_count", "unexpected_count"):
                if r.get(count) is not None:
                    m[count] = (m.get(count) or 0) + r[count]
            room = MAX_UNEXPECTED_VALUES - len(m["unexpected_values"])
            m["unexpected_values"] += list(r.get("unexpected_values") or [])[:max(0, room)]
            if r.get("exception") and not m.get("exception"):
                m["exception"] = r["exception"]
    results = list(merged.values())
    for m in results:
        if m.get("element_count") and m.get("unexpected_count") is not None:
            m["unexpected_percent"] = 100.0 * m["unexpected_count"] / m["element_count"]
    ok = sum(1 for m in results if m["success"])
    statistics = {"evaluated_expectations": len(results), "successful_expectations": ok,
                  "unsuccessful_expectations": len(results) - ok,
                  "success_percent": 100.0 * ok / len(results) if results else None}
    success = all(m["success"] for m in results)
    gx_result = {"success": success, "statistics": statistics, "chunk_rows": chunk_rows,
                 "batches": [r.gx_result for r in reports]}
    return ExpectationReport(success=success, table=table, statistics=statistics, results=results,
                             gx_version=reports[0].gx_version, gx_result=gx_result)


def _run_suite(frame: Any, table: str, expectations: list) -> ExpectationReport:
    import great_expectations as gx

    context = _gx_context()
    batch = (context.data_sources.add_pandas(f"eventextract_{table}")
             .add_dataframe_asset(table)
             .add_batch_definition_whole_dataframe("whole_table")
             .get_batch(batch_parameters={"dataframe": frame}))
    suite = gx.ExpectationSuite(name=f"eventextract.{table}")
    for expectation in expectations:
        suite.add_expectation(expectation)
    with warnings.catch_warnings():
        # pandas warns that layout patterns have groups (str.contains does not need them)
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
        result = batch.validate(suite)
    raw = json.loads(json.dumps(result.to_json_dict(), default=str))
    results = [_compact_result(r) for r in raw.get("results", [])]
    return ExpectationReport(success=bool(result.success), table=table, statistics=dict(raw.get("statistics", {})),
                             results=results, gx_version=str(gx.__version__), gx_result=raw)


#: Name of the report of the check between the events and the mentions tables.
LINK_TABLE = "events_mentions"


def link_frame(events: pa.Table, mentions: pa.Table) -> Any:
    """One row per event id named by either table: whether the events table has it
    (``in_events``), its ``n_mentions``/``n_documents`` as published, the same counted from the
    mentions that point to it (``counted_mentions``/``counted_documents``), and whether its
    ``first_mention_id`` is one of those mentions (``first_is_member``), and whether its ``doc_ids``
    are exactly its mentions' documents, each once (``doc_ids_match``)."""
    import pandas as pd

    ev = events.select(["event_id", "n_mentions", "n_documents", "first_mention_id"]).to_pandas()
    listed = dict(zip(events.column("event_id").to_pylist(), events.column("doc_ids").to_pylist()))
    mn = mentions.select(["mention_id", "event_id", "doc_id"]).to_pandas()
    mn = mn[mn["event_id"].notna()]
    counted = mn.groupby("event_id").agg(counted_mentions=("mention_id", "size"),
                                         counted_documents=("doc_id", "nunique")).reset_index()
    frame = ev.merge(counted, on="event_id", how="outer", indicator=True)
    frame["in_events"] = frame["_merge"] != "right_only"
    members = set(zip(mn["event_id"], mn["mention_id"]))
    frame["first_is_member"] = [(e, m) in members for e, m in zip(frame["event_id"], frame["first_mention_id"])]
    docs_of = mn.groupby("event_id")["doc_id"].agg(lambda d: sorted(set(d))).to_dict()
    frame["doc_ids_match"] = [sorted(listed.get(e) or []) == docs_of.get(e, []) and len(listed.get(e) or []) ==
                              len(set(listed.get(e) or [])) for e in frame["event_id"]]
    frame = frame.drop(columns="_merge")
    for col in ("n_mentions", "n_documents", "counted_mentions", "counted_documents"):
        frame[col] = frame[col].fillna(0).astype("int64")
    return frame.sort_values("event_id", kind="stable").reset_index(drop=True)


def run_link_expectations(events: pa.Table, mentions: pa.Table) -> ExpectationReport:
    """Great Expectations on :func:`link_frame`: every event id a mention names is in the events
    table, every event has as many mentions and documents as it says (so no event is empty), its
    first mention is one of its own and its ``doc_ids`` are its mentions' documents."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations.expectations as gxe

    expectations = [
        gxe.ExpectColumnValuesToBeInSet(column="in_events", value_set=[True]),
        gxe.ExpectColumnValuesToBeInSet(column="first_is_member", value_set=[True]),
        gxe.ExpectColumnValuesToBeInSet(column="doc_ids_match", value_set=[True]),
        gxe.ExpectColumnValuesToBeBetween(column="counted_mentions", min_value=1),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="n_mentions", column_B="counted_mentions"),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="n_documents", column_B="counted_documents"),
    ]
    return _run_suite(link_frame(events, mentions), LINK_TABLE, expectations)
