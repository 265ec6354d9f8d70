"""The dataset card (``README.md``) of a release: what it holds, where every row comes from, how
it was validated, how to load it and what its limits are. Built from the release's own tables."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, schema

#: the dataset's name in the card and in datapackage.json
PACKAGE_NAME = "eventextract-events"


def iso_utc(ts: dt.datetime) -> str:
    return ts.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _counter_table(title: str, counts: Counter, total: int, by_key: bool = False) -> list[str]:
    """A Markdown count table, most frequent first (or in key order, e.g. for years)."""
    lines = [f"| {title} | rows |", "|---|---:|"]
    order = (lambda kv: str(kv[0])) if by_key else (lambda kv: (-kv[1], str(kv[0])))
    for key, n in sorted(counts.items(), key=order):
        lines.append(f"| {key} | {n} |")
    if not counts:
        lines.append(f"| (none) | {total} |")
    return lines


#: Sources listed in the README (all of them are in datapackage.json).
MAX_README_SOURCES = 50


def _sources_table(sources: list[dict]) -> list[str]:
    if not sources:
        return ["(none recorded)"]
    lines = ["| title | path | sha256 |", "|---|---|---|"]
    for src in sources[:MAX_README_SOURCES]:
        cells = [str(src.get(k) or "").replace("|", "/").replace("\n", " ") for k in ("title", "path", "sha256")]
        cells[2] = f"`{cells[2][:16]}…`" if cells[2] else ""
        lines.append(f"| {cells[0]} | `{cells[1]}` | {cells[2]} |")
    if len(sources) > MAX_README_SOURCES:
        lines.append(f"| … {len(sources) - MAX_README_SOURCES} more in `datapackage.json` | | |")
    return lines


def _distinct(tbl: pa.Table, column: str) -> str:
    values = sorted({str(v) for v in pc.unique(tbl.column(column)).to_pylist() if v is not None})
    return ", ".join(f"`{v}`" for v in values) if values else "(none)"


def _counter(values: pa.ChunkedArray | pa.Array) -> Counter:
    """How often each value occurs (null as None), counted by Arrow: the card's counts do not
    turn the tables into Python rows."""
    return Counter({item["values"]: item["counts"] for item in pc.value_counts(values).to_pylist()})


def _header(version: str, created: dt.datetime, run_id: str, mentions: pa.Table, events: pa.Table,
            documents: pa.Table, quarantine: pa.Table, by_status: Counter, asserted: int,
            n_reused: int = 0) -> list[str]:
    """What the release is: version, counts, layout and license."""
    return [
        f"# {PACKAGE_NAME} {version}",
        "",
        "An event dataset extracted automatically from text by "
        f"eventextract {__version__}: who did what to whom, when and where, typed with the PLOVER 0.8 "
        "ontology. Two tables hold the events: `mentions` has one row per event mention, with the "
        "sentence it was read from and full provenance; `events` has one row per real-world event, "
        "merging the mentions that report the same happening (within and across documents) by a "
        "documented, conservative rule.",
        "",
        f"- Version: `{version}`; created {iso_utc(created)}; run id `{run_id}`.",
        f"- Mentions: {mentions.num_rows} ({asserted} asserted); events: {events.num_rows}, of which "
        f"{_multi(events)} merge two or more mentions; documents: {documents.num_rows} "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(by_status.items())) or 'none'}); "
        f"quarantined rows: {quarantine.num_rows}; documents whose rows were reused from an earlier run's "
        f"analysis (same text, settings and components): {n_reused}.",
        f"- Record layout version {schema.layout_version()}; every field is described in `datapackage.json` "
        "and in the Parquet field metadata. Layout 2.0 renamed the mention table of layout 1.x "
        "(`events` → `mentions`, its id `event_id` → `mention_id` with prefix `mn_`, documents' "
        "`n_events` → `n_mentions`, quarantine's `event_id` → `mention_id`) and added the `events` "
        "table; a mention's `event_id` now names its real-world event.",
        "- License of the data: Open Data Commons Attribution License (ODC-By-1.0). The source texts remain "
        "under their own terms; the release quotes only the sentences events were read from.",
        "",
    ]


def _files() -> list[str]:
    """The files of the release."""
    return [
        "## Files",
        "",
        "| file | content |",
        "|---|---|",
        "| `mentions.parquet`, `mentions.csv` | one row per event mention, with provenance and its `event_id` "
        "(CSV: same rows, ISO dates, empty cell for null) |",
        "| `events.parquet`, `events.csv` | one row per real-world event: its merged values, `n_mentions`, "
        "`n_documents`, `doc_ids` (CSV: joined with ` | `), `merge_reason` |",
        "| `documents.parquet`, `documents.csv` | one row per input document, whatever became of it |",
        "| `quarantine.parquet`, `quarantine.csv` | rows that failed validation, with every reason |",
        "| `CHANGES.md`, `changes.parquet`, `changes.csv` | what was added, removed or changed since the previous "
        "release, and why (empty for the first release) |",
        "| `datapackage.json` | Frictionless Data Package: schemas, sources, sizes and sha256 of every table file |",
        "| `croissant.json` | Croissant 1.1 metadata (JSON-LD): the table files and a record set per table |",
        "| `figures/` | PNG pictures of the events, shown under Figures below |",
        "| `validation/` | Great Expectations results per table (`<table>.json`) and `summary.md` |",
        "| `SHA256SUMS` | checksums of all files: run `sha256sum -c SHA256SUMS` inside this folder |",
        "",
    ]


def _multi(events: pa.Table) -> int:
    return int(pc.sum(pc.greater(events.column("n_mentions"), 1)).as_py() or 0)


def _contents(mentions: pa.Table, events: pa.Table, by_type: Counter, by_polarity: Counter) -> list[str]:
    """Counts of events by type and year, of mentions by polarity, of merges by reason."""
    ev_type = _counter(events.column("event_type"))
    ev_year = Counter({"undated" if y is None else str(y): n
                       for y, n in _counter(pc.year(events.column("date_start"))).items()})
    reasons = _counter(events.column("merge_reason"))
    return [
        "## Contents",
        "",
        "### Events and mentions by type",
        "",
        "| event_type | events | mentions |",
        "|---|---:|---:|",
        *[f"| {t} | {ev_type.get(t, 0)} | {n} |" for t, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))],
        "",
        "### Events by year (of `date_start`)",
        "",
        *_counter_table("year", ev_year, events.num_rows, by_key=True),
        "",
        "### Mentions by polarity",
        "",
        *_counter_table("polarity", by_polarity, mentions.num_rows),
        "",
        "Only `asserted` mentions are reported as having happened; `negated`, `hypothetical` and `future` "
        "mentions are kept in `mentions` and flagged, with a null `event_id` (the setting "
        "`event_polarities` chooses which polarities become events).",
        "",
        "### Events by merge reason",
        "",
        *_counter_table("merge_reason", reasons, events.num_rows),
        "",
    ]


def _merge_rule() -> list[str]:
    """How mentions become events, in the words a user needs to audit it."""
    return [
        "## From mentions to events",
        "",
        "Mentions are merged by `eventextract.aggregate` (its docstring is the full rule). It is "
        "conservative: a wrong merge destroys information, a missed merge only inflates counts.",
        "",
        "- Two mentions can be one event only if they have the same `event_type` (and `event_mode` when both "
        "give one; `targeted` and `massacre` count as one killing) and the same polarity, compatible actors and recipients (equal country codes, or one set "
        "containing the other: a compound actor is compatible with its members), overlapping dates and "
        "compatible places (the same GeoNames id, or one containing the other). Negated, hypothetical or "
        "future mentions are never merged into asserted events.",
        "- Within a document, a mention joins an earlier event when it refers back to it (a definite or "
        "demonstrative noun: \"the ceasefire\", \"this offensive\"; `merge_reason = back_reference`) or "
        "when the next sentence reports the same actors doing the same thing on the same day or at the same "
        "town (`same_document`), or when a later sentence repeats the action word about the same town within "
        "a month. Country codes alone are weak evidence: an adjacent report with no coded recipient on "
        "either side needs equal actor codes and named actors, and where a mention's two sides share one "
        "code (a civil war), the actor names must be the same. A mention must be compatible with every "
        "member of the event it joins.",
        "- Across documents, events merge only on a strong match: the same type, actor and recipient codes, "
        "the same single day and the same GeoNames place (`across_documents`).",
        "- Event values: the intersection of the members' date intervals (`date_conflict` when they do not "
        "overlap), the most precise place all members agree on (`place_conflict` when two places are "
        "incompatible), the smallest lower and the largest upper bound of deaths, the most often given "
        "actor and recipient names, the highest confidence.",
        "- `event_id` is `ev_` + sha256 of its first mention's `mention_id` (first in `doc_id`, offset order). "
        "A document that reports none of an event's happenings cannot change its id. When a new release "
        "merges two events, the changelog lists the absorbed event as removed and the kept one as changed "
        "(`n_mentions`, `doc_ids`...); a split lists the new event as added and the old one as changed; each "
        "mention that moved (same `mention_id`) shows as changed in its `event_id`.",
        "",
    ]


def _figures(files: list[str]) -> list[str]:
    """The pictures of the release, each with one sentence."""
    if not files:
        return []
    from .figures import FIGURES

    lines = ["## Figures", ""]
    known = {rel: (title, sentence) for rel, title, sentence in FIGURES}
    for rel in files:
        title, sentence = known.get(rel, (rel, ""))
        lines += [f"![{title}]({rel})", "", sentence, ""] if sentence else [f"![{title}]({rel})", ""]
    return lines


def _provenance(mentions: pa.Table) -> list[str]:
    """How every row traces back to its source, and the component versions."""
    return [
        "## Provenance",
        "",
        "Every mention row can be traced back to its source:",
        "",
        "- `source_path` and `source_sha256` identify the input file (its sha256 over the file's bytes); the "
        "input documents are listed with their sha256 under `sources` in `datapackage.json`.",
        "- `sentence_start`/`sentence_end`, `trigger_start`/`trigger_end` and the actor, recipient and place "
        "offsets are character offsets (Python string indices) into the document text, and "
        "`sentence_text` is the sentence exactly as in the text.",
        "- `rule_id` names the trigger pattern that produced the event and `confidence` scores it.",
        "- `run_id` ties every row to the pipeline run; `extracted_at` is when it was produced.",
        f"- Versions: extractor {_distinct(mentions, 'extractor_version')}; spaCy model {_distinct(mentions, 'model_name')} "
        f"{_distinct(mentions, 'model_version')}; ontology {_distinct(mentions, 'ontology_version')}; gazetteer "
        f"{_distinct(mentions, 'gazetteer_version')}.",
        "- `mention_id` is a sha256 of the document id, source hash, trigger offsets, event type, polarity, "
        "rule id and actor/recipient offsets: the same input read the same way gives the same id in every "
        "release. Every event lists its documents (`doc_ids`) and its `first_mention_id`; "
        "`mentions.event_id` gives all of its mentions.",
        "",
    ]


def _sources_section(sources: list[dict]) -> list[str]:
    """The input documents."""
    return [
        f"### Sources ({len(sources)} document(s))",
        "",
        *_sources_table(sources),
        "",
    ]


def _validation(val_lines: list[str]) -> list[str]:
    """How the rows were validated."""
    return [
        "## Validation",
        "",
        "Each row was checked against the JSON Schema of the layout and its cross-field rules before "
        "publication; rows that failed are in `quarantine` with their reasons, never silently dropped. "
        "The tables were then checked with Great Expectations:",
        "",
        *(val_lines or ["- (no expectation results recorded)"]),
        "",
    ]


def _loading() -> list[str]:
    """How to load the tables in pandas, polars, DuckDB and R."""
    return [
        "## Loading",
        "",
        "pandas:",
        "",
        "```python",
        "import pandas as pd",
        'events = pd.read_parquet("events.parquet")',
        'mentions = pd.read_parquet("mentions.parquet")',
        'one_event = mentions[mentions["event_id"] == events["event_id"].iloc[0]]',
        "```",
        "",
        "polars:",
        "",
        "```python",
        "import polars as pl",
        'events = pl.read_parquet("events.parquet")',
        "```",
        "",
        "DuckDB:",
        "",
        "```sql",
        "SELECT event_type, count(*) AS events, sum(n_mentions) AS mentions FROM 'events.parquet' GROUP BY event_type;",
        "SELECT e.event_id, m.doc_id, m.sentence_text FROM 'events.parquet' e "
        "JOIN 'mentions.parquet' m USING (event_id) WHERE e.n_documents > 1;",
        "```",
        "",
        "R (arrow):",
        "",
        "```r",
        "library(arrow)",
        'events <- read_parquet("events.parquet")',
        "```",
        "",
    ]


def _confidence() -> list[str]:
    """What ``confidence`` means, with the calibration table of the shipped calibration."""
    from .calibration import load

    cal = load()
    lines = [
        "## Confidence",
        "",
        "`confidence` is the calibrated probability that a mention has the right event type and the right "
        "actor (`eventextract.calibration`: a logistic model over the rules' raw score, how the actor was "
        f"resolved, nominal or light-verb triggers, the event type and the sentence length; calibration "
        f"`{cal.version}`, fitted on {cal.fitted_on}). The events table carries the highest confidence of its "
        "mentions. Keep only the surest rows with `min_confidence: 0.8` in the settings, or filter "
        "`confidence >= 0.8` when loading. A release made with `calibrate_confidence: false` carries the raw "
        "score instead.",
        "",
        "| confidence | rows (fit) | correct (fit) | rows (held out) | correct (held out) |",
        "|---|---|---|---|---|",
    ]
    check = {r["confidence"]: r for r in cal.check}
    for row in cal.table:
        held = check.get(row["confidence"], {})
        lines.append(f"| {row['confidence']} | {row['rows']} | {row['correct'] if row['correct'] is not None else ''} "
                     f"| {held.get('rows', '')} | {held.get('correct') if held.get('correct') is not None else ''} |")
    if cal.checked_on:
        lines += ["", f"Held out: {cal.checked_on}."]
    return lines + [""]


def _limitations() -> list[str]:
    """What a user of the data must know."""
    return [
        "## Known limitations",
        "",
        "- Events are found by hand-written patterns over a small spaCy model: recall is partial, and "
        "events spread over several sentences or expressed only implicitly are missed.",
        "- Actors come from a dictionary plus simple heuristics; unknown actors keep their text with "
        "`actor_resolution = unknown`, and resolved pronouns (`coreference`) can be wrong.",
        "- Dates are resolved from the sentence, the narrative and the publication date; dates inferred "
        "from context (`date_anchor` other than `explicit`) are less reliable, and `date_precision` tells "
        "how coarse the interval is.",
        "- Places are resolved against GeoNames by name, population and context; ambiguous names can be "
        "placed wrongly, and `geo_precision = none` means no place was found.",
        "- The merge into events is conservative: the same happening reported with different wording, "
        "dates or actors in two documents usually stays two events, so event counts are upper bounds. "
        "Merges within a document rely on back-references and adjacent sentences.",
        "- In the CSV files an empty cell is null (an empty string cannot be told apart), and a text "
        "cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) "
        "starts with an added `'`; use Parquet for exact values.",
        "",
    ]


def readme_text(*, version: str, created: dt.datetime, run_id: str, mentions: pa.Table, events: pa.Table,
                documents: pa.Table,
                quarantine: pa.Table, sources: list[dict], validation: Mapping[str, Any],
                figures: list[str] | None = None) -> str:
    """The dataset card (README.md) of a release, from its tables, sources and validation reports;
    ``figures`` are the relative paths of its pictures (``figures.write_figures``)."""
    by_type = _counter(mentions.column("event_type"))
    by_polarity = _counter(mentions.column("polarity"))
    by_status = _counter(documents.column("status"))
    n_reused = _counter(documents.column("reused")).get(True, 0)
    asserted = by_polarity.get("asserted", 0)
    val_lines = []
    for name, report in validation.items():
        ok = getattr(report, "success", None)
        val_lines.append(f"- `{name}`: {'passed' if ok else 'FAILED'} (see `validation/{name}.json`)")
    sections = [*_header(version, created, run_id, mentions, events, documents, quarantine, by_status, asserted,
                         n_reused),
                *_files(), *_contents(mentions, events, by_type, by_polarity), *_merge_rule(),
                *_figures(figures or []),
                *_provenance(mentions),
                *_sources_section(sources), *_validation(val_lines), *_confidence(), *_loading(), *_limitations()]
    return "\n".join(sections)
