"""The changelog of a release: what was added, removed or changed since the previous release.

:func:`compare` reads two local release folders and returns a :class:`ChangeSet`: one row of the
``changes`` table (``schemas/layout.yaml``) per event, mention or document that differs. Events
are matched by ``event_id``, mentions by ``mention_id``, documents by ``doc_id``. A row present in both is *changed* when any column other
than ``run_id``, ``extracted_at`` and ``reused`` differs.

Memory stays bounded by one column at a time: the id columns are read first, then every other
column is read on its own, aligned by id and compared (a release of 100k events needs tens of MB).

Why a row changed (``reason``) comes from the documents tables: a document that is new, whose
sha256 changed or that is gone gives ``new_document`` / ``changed_document`` /
``removed_document``; for a document that did not change, a difference in the component versions
(``VERSION_COLUMNS``) between the releases gives ``version_change``, anything else ``other``.
Mention ids hash the source file, so the mentions of an edited document show up as removed + added.
An event's document is the first of its ``doc_ids`` whose state changed (else its first document).

Splits and merges of events between releases: an event id is derived from its first mention, so an
event that gains or loses mentions keeps its id unless its first mention changes; a merge shows as
the absorbed events ``removed`` and the surviving event ``changed`` (``n_mentions``, ``doc_ids``...),
a split as a new event ``added`` and the old one ``changed``; the mentions involved show as
``changed`` in their ``event_id`` column, which names the event each now belongs to.

A previous release of another major layout version (1.x had no ``mentions`` table) is not
compared: the change set is empty and its ``note`` says why.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import ReleaseError

TABLE = "changes"
#: columns never compared: they describe the run (its id, when and whether rows were computed), not the data
IGNORED_COLUMNS = frozenset({"run_id", "extracted_at", "reused"})
#: the component versions recorded in every event row
VERSION_COLUMNS = ("extractor_version", "model_name", "model_version", "ontology_version", "gazetteer_version")
KEYS = {"events": "event_id", "mentions": "mention_id", "documents": "doc_id"}
CHANGE_KINDS = ("added", "removed", "changed")
#: rows of each kind listed in CHANGES.md
MARKDOWN_ROWS = 50


@dataclass
class ChangeSet:
    """The changes between the release ``since`` (None: there is no previous release) and ``version``."""

    version: str
    since: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    component_changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    note: str | None = None  # why the releases were not compared (another major layout version)

    @property
    def table(self) -> pa.Table:
        """The ``changes`` table: events, mentions, then documents rows; added, removed, changed; by id."""
        from .publish import to_table

        return to_table(self.rows, TABLE)

    def counts(self, table: str = "events") -> dict[str, int]:
        """``{"added": n, "removed": n, "changed": n}`` for one table."""
        c = Counter(r["change"] for r in self.rows if r["table"] == table)
        return {k: c.get(k, 0) for k in CHANGE_KINDS}

    def catalog_entry(self) -> dict[str, Any]:
        """The catalog's ``changes`` of the release: ``since`` and the event counts."""
        return {"since": self.since, **self.counts("events")}

    def summary(self) -> dict[str, Any]:
        """Counts by table, change and reason (JSON-ready)."""
        tables: dict[str, Any] = {}
        for name in KEYS:
            by_reason: dict[str, dict[str, int]] = {}
            for r in self.rows:
                if r["table"] == name:
                    kind = by_reason.setdefault(r["change"], {})
                    kind[r["reason"]] = kind.get(r["reason"], 0) + 1
            tables[name] = {**self.counts(name), "by_reason": {k: dict(sorted(v.items()))
                                                                for k, v in sorted(by_reason.items())}}
        return {"since": self.since, "version": self.version, "tables": tables, "note": self.note,
                "component_changes": {k: {"old": o, "new": n} for k, (o, n) in sorted(self.component_changes.items())}}

    def markdown(self, limit: int = MARKDOWN_ROWS) -> str:
        """The text of CHANGES.md: counts, component versions that changed, the first rows of each kind."""
        if self.since is None:
            return (f"# Changes in {self.version}\n\nFirst release: there is no previous release to compare with "
                    "(`changes.parquet` is empty).\n")
        if self.note:
            return f"# Changes in {self.version} since {self.since}\n\n{self.note}\n"
        lines = [f"# Changes in {self.version} since {self.since}", "",
                 "| table | added | removed | changed |", "|---|---|---|---|"]
        for name in KEYS:
            c = self.counts(name)
            lines.append(f"| {name} | {c['added']} | {c['removed']} | {c['changed']} |")
        lines.append("")
        if self.component_changes:
            lines += ["Component versions that changed:", ""]
            lines += [f"- `{k}`: {o} -> {n}" for k, (o, n) in sorted(self.component_changes.items())]
            lines.append("")
        for name in KEYS:
            for kind in CHANGE_KINDS:
                rows = [r for r in self.rows if r["table"] == name and r["change"] == kind]
                if not rows:
                    continue
                lines += [f"## {name} {kind} ({len(rows)})", ""]
                lines += [_row_line(r) for r in rows[:limit]]
                if len(rows) > limit:
                    lines.append(f"- ... {len(rows) - limit} more in `changes.parquet` / `changes.csv`")
                lines.append("")
        if not self.rows:
            lines += ["No event, mention or document changed.", ""]
        return "\n".join(lines)


def _row_line(row: dict[str, Any]) -> str:
    text = f"- `{row['id']}` ({row['reason']}"
    if row["table"] != "documents":
        text += f", document `{row['doc_id']}`"
    if row["changed_columns"]:
        text += "; columns: " + ", ".join(row["changed_columns"])
    return text + ")"


# --------------------------------------------------------------------------------------------
# Comparing


def release_version(folder: Path) -> str:
    """The version of a release folder: datapackage.json ``version``, else the folder name."""
    try:
        package = json.loads((Path(folder) / "datapackage.json").read_text(encoding="utf-8"))
        return str(package["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return Path(folder).name


def _parquet(folder: Path, table: str) -> pq.ParquetFile:
    path = Path(folder) / f"{table}.parquet"
    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise ReleaseError("E502", f"cannot read {path}: {exc}") from exc


def _column(pf: pq.ParquetFile, name: str) -> pa.Array:
    return pf.read(columns=[name]).column(0).combine_chunks()


def _sorted_positions(ids: pa.Array, keep: pa.Array) -> pa.Array:
    """Row positions of the ids that are in ``keep``, ordered by id (aligns two releases)."""
    positions = pc.indices_nonzero(pc.is_in(ids, value_set=keep))
    order = pc.sort_indices(ids.take(positions))
    return positions.take(order)


def _differs(a: pa.Array, b: pa.Array) -> pa.Array:
    """Per position: do the values differ (null against a value differs, null against null not)."""
    if a.type != b.type:
        a, b = a.cast(pa.string()), b.cast(pa.string())
    if pa.types.is_list(a.type) or pa.types.is_struct(a.type):
        return pa.array([x != y for x, y in zip(a.to_pylist(), b.to_pylist())], pa.bool_())
    neq = pc.fill_null(pc.not_equal(a, b), False)
    return pc.or_(neq, pc.xor(pc.is_null(a), pc.is_null(b)))


@dataclass
class _TableDiff:
    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]  # id -> changed columns


def _diff_table(old_dir: Path, new_dir: Path, table: str) -> _TableDiff:
    """Added, removed and changed ids of one table, reading one column at a time."""
    key = KEYS[table]
    old_pf, new_pf = _parquet(old_dir, table), _parquet(new_dir, table)
    old_ids, new_ids = _column(old_pf, key), _column(new_pf, key)
    old_set, new_set = set(old_ids.to_pylist()), set(new_ids.to_pylist())
    common = pa.array(sorted(old_set & new_set), pa.string())
    old_pos, new_pos = _sorted_positions(old_ids, common), _sorted_positions(new_ids, common)
    changed: dict[str, list[str]] = {}
    old_names = set(old_pf.schema_arrow.names)
    for name in new_pf.schema_arrow.names:
        if name == key or name in IGNORED_COLUMNS or name not in old_names or not len(common):
            continue
        diff = _differs(_column(old_pf, name).take(old_pos), _column(new_pf, name).take(new_pos))
        for i in pc.indices_nonzero(diff).to_pylist():
            changed.setdefault(common[i].as_py(), []).append(name)
    return _TableDiff(added=sorted(new_set - old_set), removed=sorted(old_set - new_set), changed=changed)


def _doc_ids_of(folder: Path, ids: set[str]) -> dict[str, str]:
    """mention_id -> doc_id for the given mention ids of a release."""
    pf = _parquet(folder, "mentions")
    tbl = pf.read(columns=["mention_id", "doc_id"])
    tbl = tbl.filter(pc.is_in(tbl.column("mention_id"), value_set=pa.array(sorted(ids), pa.string())))
    return dict(zip(tbl.column("mention_id").to_pylist(), tbl.column("doc_id").to_pylist()))


def _event_docs_of(folder: Path, ids: set[str]) -> dict[str, list[str]]:
    """event_id -> doc_ids for the given event ids of a release."""
    pf = _parquet(folder, "events")
    tbl = pf.read(columns=["event_id", "doc_ids"])
    tbl = tbl.filter(pc.is_in(tbl.column("event_id"), value_set=pa.array(sorted(ids), pa.string())))
    return dict(zip(tbl.column("event_id").to_pylist(), tbl.column("doc_ids").to_pylist()))


def _layout_major(folder: Path) -> str | None:
    try:
        meta = json.loads((Path(folder) / "datapackage.json").read_text(encoding="utf-8"))["eventextract"]
        return str(meta["layout_version"]).split(".")[0]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _doc_states(old_dir: Path, new_dir: Path) -> dict[str, str]:
    """doc_id -> new_document / changed_document / removed_document for the documents that differ."""
    def shas(folder: Path) -> dict[str, str]:
        tbl = _parquet(folder, "documents").read(columns=["doc_id", "sha256"])
        return dict(zip(tbl.column("doc_id").to_pylist(), tbl.column("sha256").to_pylist()))

    old, new = shas(old_dir), shas(new_dir)
    out = {d: "new_document" for d in new if d not in old}
    out.update({d: "removed_document" for d in old if d not in new})
    out.update({d: "changed_document" for d in new if d in old and new[d] != old[d]})
    return out


def component_versions(folder: Path) -> dict[str, str]:
    """The component versions of a release: the distinct values of each ``VERSION_COLUMNS`` column
    of its mentions (joined with ', '), else those recorded in datapackage.json."""
    pf = _parquet(folder, "mentions")
    out: dict[str, str] = {}
    if pf.metadata.num_rows:
        for name in VERSION_COLUMNS:
            if name in pf.schema_arrow.names:
                values = pc.unique(_column(pf, name)).to_pylist()
                out[name] = ", ".join(sorted(str(v) for v in values if v is not None))
        return out
    try:
        meta = json.loads((Path(folder) / "datapackage.json").read_text(encoding="utf-8"))["eventextract"]
        settings = meta.get("settings") or {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return out
    return {k: str(settings[k]) for k in VERSION_COLUMNS if settings.get(k) is not None}


def _component_changes(old_dir: Path, new_dir: Path) -> dict[str, tuple[str, str]]:
    old, new = component_versions(old_dir), component_versions(new_dir)
    return {k: (old[k], new[k]) for k in VERSION_COLUMNS if k in old and k in new and old[k] != new[k]}


def compare(old_dir: str | Path, new_dir: str | Path, *, old_version: str | None = None,
            new_version: str | None = None) -> ChangeSet:
    """The changes from the release in ``old_dir`` to the one in ``new_dir`` (local folders).

    Versions default to each folder's datapackage.json ``version`` (else its name)."""
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    old_version = old_version or release_version(old_dir)
    new_version = new_version or release_version(new_dir)
    from .schema import layout_version

    old_major = _layout_major(old_dir)
    new_major = _layout_major(new_dir) or layout_version().split(".")[0]  # a release being written
    if old_major is not None and new_major is not None and old_major != new_major:
        return ChangeSet(version=new_version, since=old_version, note=(
            f"Not compared: {old_version} has record layout {old_major}.x and {new_version} has {new_major}.x "
            "(layout 2.0 renamed the mention table to `mentions` and added the `events` table)."))
    docs = _diff_table(old_dir, new_dir, "documents")
    mentions = _diff_table(old_dir, new_dir, "mentions")
    events = _diff_table(old_dir, new_dir, "events")
    states = _doc_states(old_dir, new_dir)
    components = _component_changes(old_dir, new_dir)
    fallback = "version_change" if components else "other"
    component_text = "; ".join(f"{k}: {o} -> {n}" for k, (o, n) in sorted(components.items())) or None
    doc_of = {**_doc_ids_of(old_dir, set(mentions.removed)),
              **_doc_ids_of(new_dir, set(mentions.added) | set(mentions.changed))}
    for ident, doc_ids in {**_event_docs_of(old_dir, set(events.removed)),
                           **_event_docs_of(new_dir, set(events.added) | set(events.changed))}.items():
        doc_ids = list(doc_ids or [])
        doc_of[ident] = next((d for d in doc_ids if d in states), doc_ids[0] if doc_ids else ident)
    rows: list[dict[str, Any]] = []

    def add(table: str, ident: str, change: str, doc_id: str, columns: list[str] | None) -> None:
        reason = states.get(doc_id, fallback)
        rows.append({"table": table, "id": ident, "change": change, "changed_columns": columns,
                     "doc_id": doc_id, "reason": reason, "old_version": old_version, "new_version": new_version,
                     "component_changes": component_text if reason == "version_change" else None})

    for table, diff in (("events", events), ("mentions", mentions), ("documents", docs)):
        for ident in diff.added:
            add(table, ident, "added", doc_of.get(ident, ident), None)
        for ident in diff.removed:
            add(table, ident, "removed", doc_of.get(ident, ident), None)
        for ident, columns in sorted(diff.changed.items()):
            add(table, ident, "changed", doc_of.get(ident, ident), columns)
    return ChangeSet(version=new_version, since=old_version, rows=rows, component_changes=components)


# --------------------------------------------------------------------------------------------
# Releases


def previous_release(releases: Path, since: str | None, version: str) -> Path | None:
    """The release a new release ``version`` under ``releases`` is compared with: ``since`` when
    given (``ReleaseError('E505')`` when there is no such release), else the catalog's latest
    other than ``version`` itself (None for the first release)."""
    from . import catalog

    releases = Path(releases)
    if since is not None:
        folder = releases / since
        if since in (".", "..") or "/" in since or not (folder / "datapackage.json").is_file():
            raise ReleaseError("E505", f"--since {since}: there is no release {since!r} in {releases}")
        return folder
    cat = catalog.load(releases)
    order = [r.version for r in cat.releases if r.version != cat.latest] + [cat.latest or ""]
    for name in reversed(order):  # the latest first; a --force replacement skips itself
        if name and name != version and (releases / name / "datapackage.json").is_file():
            return releases / name
    return None


def check_since(out_dir: Path, since: str | None) -> None:
    """Fail early (E505), before any work, when ``since`` names no release under ``out_dir/releases``."""
    if since is not None:
        previous_release(Path(out_dir) / "releases", since, "")


def changes_for(previous: Path | None, new_dir: Path, version: str) -> ChangeSet:
    """The change set of a release being written into ``new_dir`` (its events, mentions and
    documents Parquet files already there): empty with ``since`` None when there is no previous release."""
    if previous is None:
        return ChangeSet(version=version, since=None)
    return compare(previous, new_dir, old_version=release_version(previous), new_version=version)


def write_changes(folder: Path, change_set: ChangeSet) -> None:
    """Write ``changes.parquet``, ``changes.csv`` (lists joined as in the quarantine CSV) and
    ``CHANGES.md`` into ``folder``."""
    from .publish import PARQUET_COMPRESSION, write_csv

    folder = Path(folder)
    tbl = change_set.table
    pq.write_table(tbl, folder / f"{TABLE}.parquet", compression=PARQUET_COMPRESSION,
                   use_compliant_nested_type=False)
    write_csv(tbl, TABLE, folder / f"{TABLE}.csv", include_lists=True)
    (folder / "CHANGES.md").write_text(change_set.markdown(), encoding="utf-8")


def diff_text(change_set: ChangeSet, limit: int = 20) -> str:
    """What ``eventextract diff`` prints: the counts and the first ``limit`` changes."""
    lines = [f"{change_set.since} -> {change_set.version}"]
    if change_set.note:
        return "\n".join([*lines, change_set.note])
    for name in KEYS:
        c = change_set.counts(name)
        lines.append(f"{name}: +{c['added']} -{c['removed']} ~{c['changed']}")
    for row in change_set.rows[:limit]:
        cols = f" [{', '.join(row['changed_columns'])}]" if row["changed_columns"] else ""
        lines.append(f"{row['change']:8} {row['table']:9} {row['id']} ({row['reason']}){cols}")
    if len(change_set.rows) > limit:
        lines.append(f"... {len(change_set.rows) - limit} more")
    return "\n".join(lines)
