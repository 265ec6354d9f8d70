"""The PUBLISH stage: writes a versioned, self-describing, verifiable release folder.

Layout of ``<out>/releases/<VERSION>/`` (VERSION is ``YYYY.MM.DD``, ``.1``, ``.2``... appended
when the day's version is taken):

=====================  ====================================================================
``mentions.parquet``   one row per event mention, with its provenance and its ``event_id`` (Arrow
                       schema of the layout, field descriptions in the field metadata, zstd)
``mentions.csv``       the same rows, the layout's CSV columns, ISO dates, empty for null
``events.parquet``     one row per real-world event: its mentions merged (``eventextract.aggregate``)
``events.csv``         the same (``doc_ids`` joined with `` | ``)
``documents.parquet``  one row per input document
``documents.csv``
``quarantine.parquet`` rows that failed validation, with their ``reasons`` (present when empty)
``quarantine.csv``     the same, ``reasons`` joined with `` | ``
``changes.parquet``    what changed since the previous release (``eventextract.changes``; empty
                       for the first release), ``changes.csv`` (lists joined with `` | ``) and
``CHANGES.md``         the same as text
``datapackage.json``   Frictionless Data Package (see below)
``README.md``          dataset card
``croissant.json``     Croissant 1.1 metadata (``croissant.py``)
``figures/``           PNG pictures for the dataset card (``figures.py``)
``validation/``        ``<table>.json`` (Great Expectations results) and ``summary.md``
``SHA256SUMS``         ``<sha256>  <file>`` for every other file (``sha256sum -c SHA256SUMS``)
=====================  ====================================================================

Data Package design: every resource points at exactly one file. The Parquet files are the
resources named after their table (``mentions``, ``events``, ``documents``, ``quarantine``); each CSV export is
its own resource named ``<table>-csv`` whose Table Schema lists the CSV columns only. Every
resource carries ``bytes`` and ``hash`` (``sha256:<hex>``).

The release is written into a temporary folder next to its final place and renamed into place,
so a reader never sees half a release; an existing release is only replaced with ``force``.
Writers of one release root take an exclusive lock (``.releases.lock`` beside ``releases/``) for the whole write, so
two runs into the same output folder never pick the same version or see each other's temporary
folders; the next writer removes what a killed writer left (``.tmp-*``) and puts back a release
that a killed ``--force`` had moved aside. Folders are 0755, files 0644. CSV cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) get a leading ``'``; the Parquet files keep the text verbatim.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import __version__, catalog, croissant, figures, schema
from . import changes as changelog
from .card import PACKAGE_NAME, iso_utc, readme_text
# verifying lives in verify.py; its names stay importable from here
from .verify import REQUIRED_FILES, VerifyReport, _release_files, parse_sha256sums, sha256_file, verify_release  # noqa: F401
from .errors import ReleaseError

if TYPE_CHECKING:
    from .validate import ExpectationReport

DATA_LICENSE = {
    "name": "ODC-By-1.0",
    "title": "Open Data Commons Attribution License v1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
}
PARQUET_COMPRESSION = "zstd"
CSV_LIST_SEPARATOR = " | "
#: first characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LOCK_NAME = ".releases.lock"  # beside releases/, which holds only releases
#: Tables that get a CSV export besides Parquet.
CSV_TABLES = ("mentions", "events", "documents", "quarantine")
#: Tables whose CSV export joins their list columns with `` | ``
LIST_CSV_TABLES = ("events", "quarantine", "changes")
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


# --------------------------------------------------------------------------------------------
# Tables


def to_table(rows: Iterable[Any], table: str) -> pa.Table:
    """Build the Arrow table of ``table`` from rows (dicts, or records with ``as_dict``).

    Strict: each row must have exactly the layout's fields, required fields must not be null and
    values must have the layout's types (``ValueError`` otherwise). Columns come in layout order.
    """
    spec = schema.table(table)
    names = spec.names
    wanted = set(names)
    required = [f.name for f in spec.fields if f.required]
    lists = [f.name for f in spec.fields if f.type.startswith("list_")]
    clean: list[dict[str, Any]] = []
    for i, raw in enumerate(rows):
        row = raw.as_dict() if hasattr(raw, "as_dict") else raw
        if not isinstance(row, Mapping):
            raise ValueError(f"{table} row {i} is not a mapping")
        keys = set(row)
        if keys != wanted:
            missing, extra = sorted(wanted - keys), sorted(keys - wanted)
            raise ValueError(f"{table} row {i}: fields differ from the layout (missing {missing}, unknown {extra})")
        nulls = [n for n in required if row[n] is None]
        if nulls:
            raise ValueError(f"{table} row {i}: required field(s) {nulls} are null")
        not_lists = [n for n in lists if row[n] is not None and not isinstance(row[n], (list, tuple))]
        if not_lists:  # Arrow would split a string into its characters
            raise ValueError(f"{table} row {i}: field(s) {not_lists} must be lists")
        clean.append({n: row[n] for n in names})
    try:
        return pa.Table.from_pylist(clean, schema=schema.arrow_schema(table))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(f"{table} rows do not fit the layout's Arrow schema: {exc}") from exc


def _conform(tbl: pa.Table, table: str) -> pa.Table:
    """The table with exactly the layout's schema (same columns, cast; metadata of the layout)."""
    expected = schema.arrow_schema(table)
    if tbl.schema.equals(expected, check_metadata=True):
        return tbl
    if sorted(tbl.column_names) != sorted(expected.names):
        raise ValueError(f"{table} table columns {tbl.column_names} differ from the layout {expected.names}")
    tbl = tbl.select(expected.names)
    for f in expected:
        if not f.nullable and tbl.column(f.name).null_count:
            raise ValueError(f"{table}.{f.name} is required but has nulls")
    try:
        return tbl.cast(expected)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"{table} table cannot be cast to the layout's schema: {exc}") from exc


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return CSV_LIST_SEPARATOR.join(_csv_cell(v) for v in value)
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


#: rows turned into Python objects at a time when writing a CSV export
CSV_CHUNK_ROWS = 10_000


def write_csv(tbl: pa.Table, table: str, path: Path, *, include_lists: bool = False) -> None:
    """Write the CSV export: the table's ``csv_columns`` (plus its list columns joined with
    `` | `` when ``include_lists``), header row, UTF-8, ISO dates, empty cell for null."""
    columns = [f.name for f in schema.table(table).fields if f.csv or include_lists]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for batch in tbl.select(columns).to_batches(max_chunksize=CSV_CHUNK_ROWS):  # bounded memory
            writer.writerows(zip(*(_csv_column(col) for col in batch.columns)))


#: a text cell that a spreadsheet would run as a formula (``FORMULA_STARTS``), as a regular expression
_FORMULA_START = "^[=+\\-@\t\r]"


def _csv_column(col: pa.Array) -> list[str]:
    """The CSV cells of one column (``_csv_cell`` of each value; strings, integers, dates and
    booleans, most of the cells, formatted in Arrow or without its per-value type dispatch)."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        guarded = pc.if_else(pc.match_substring_regex(col, _FORMULA_START),
                             pc.binary_join_element_wise("'", col, ""), col)
        return pc.fill_null(guarded, "").to_pylist()
    if pa.types.is_date32(col.type) or pa.types.is_boolean(col.type):
        return pc.fill_null(pc.cast(col, pa.string()), "").to_pylist()
    values = col.to_pylist()
    if pa.types.is_integer(col.type):
        return ["" if v is None else str(v) for v in values]
    return [_csv_cell(v) for v in values]


def _csv_table_schema(table: str, include_lists: bool) -> dict[str, Any]:
    if not include_lists:
        return schema.table_schema(table, csv=True)
    out = schema.table_schema(table)
    for f in out["fields"]:
        if f["type"] == "array":  # written as text joined with " | "
            f["type"] = "string"
            f["description"] += f" (CSV: items joined with '{CSV_LIST_SEPARATOR}')"
    return out


# --------------------------------------------------------------------------------------------
# Versions


def default_version(releases_dir: Path, today: dt.date) -> str:
    """``YYYY.MM.DD`` of ``today``, or the first free ``YYYY.MM.DD.N`` (N = 1, 2, ...) when a
    release of that day exists in ``releases_dir``."""
    base = today.strftime("%Y.%m.%d")
    releases_dir = Path(releases_dir)
    if not (releases_dir / base).exists():
        return base
    n = 1
    while (releases_dir / f"{base}.{n}").exists():
        n += 1
    return f"{base}.{n}"


# --------------------------------------------------------------------------------------------
# Hashes


# --------------------------------------------------------------------------------------------
# Writing


@dataclass
class ReleaseInfo:
    """A written release: where it is, its version, row counts per table, its files (relative
    paths) and their sha256."""

    path: Path
    version: str
    counts: dict[str, int]
    files: list[str] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)
    replaced: bool = False  # an existing release of that version was replaced (force)


def _utc(created: dt.datetime | None) -> dt.datetime:
    created = created or dt.datetime.now(dt.timezone.utc)
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.timezone.utc)
    return created.astimezone(dt.timezone.utc)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _resource(folder: Path, name: str, file: str, table: str, fmt: str, description: str,
              table_schema: dict[str, Any]) -> dict[str, Any]:
    path = folder / file
    res: dict[str, Any] = {
        "name": name,
        "type": "table",
        "path": file,
        "format": fmt,
        "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        "bytes": path.stat().st_size,
        "hash": "sha256:" + sha256_file(path),
        "description": description,
        "schema": table_schema,
    }
    if fmt == "csv":
        res["encoding"] = "utf-8"
        res["dialect"] = {"delimiter": ",", "header": True, "quoteChar": '"', "lineTerminator": "\n"}
        res["profile"] = "tabular-data-resource"
    else:
        res["compression"] = PARQUET_COMPRESSION
    res["eventextract_table"] = table
    return res


def _validation_summary(validation: Mapping[str, Any], version: str) -> str:
    lines = [f"# Validation of {PACKAGE_NAME} {version}", ""]
    if not validation:
        lines += ["No Great Expectations results were recorded for this release.", ""]
    for _, report in sorted(validation.items()):
        lines.append(report.summary_markdown())
    return "\n".join(lines)


def write_release(out_dir: Path, *, mentions: pa.Table, events: pa.Table, documents: pa.Table, quarantine: pa.Table,
                  version: str | None = None, force: bool = False, run_id: str, sources: list[dict],
                  validation: Mapping[str, "ExpectationReport"], settings_info: dict,
                  created: dt.datetime | None = None, since: str | None = None,
                  figures_from: Path | None = None) -> ReleaseInfo:
    """Write ``out_dir/releases/<version>/`` (version from ``default_version`` when None).

    The files are written into a temporary folder inside ``out_dir/releases`` and renamed into
    place. An existing release is never overwritten unless ``force`` (``ReleaseError('E501')``).
    ``sources`` are the input documents (title/path/sha256 dicts), ``validation`` the
    ``ExpectationReport`` per table, ``settings_info`` the run's settings (recorded in the data
    package under ``eventextract``). The changelog compares with the release ``since`` (E505 when
    there is none), else with the catalog's latest release. ``figures_from``: a folder with the
    figures already drawn for these events (``eventextract.release_cache``), copied, not drawn.
    """
    created_utc = _utc(created)
    releases = Path(out_dir) / "releases"
    try:
        releases.mkdir(parents=True, exist_ok=True)
        with release_lock(releases):
            recover(releases)
            return _write_release(releases, mentions=mentions, events=events, documents=documents, quarantine=quarantine,
                                  version=version, force=force, run_id=run_id, sources=sources, figures_from=figures_from,
                                  validation=validation, settings_info=settings_info, created_utc=created_utc,
                                  since=since)
    except OSError as exc:
        raise ReleaseError("E504", f"cannot write the release under {releases}: {exc.strerror or exc}") from exc


def check_writable(out_dir: Path) -> None:
    """Fail early (E504), before any work, when ``out_dir/releases`` cannot be created or written."""
    releases = Path(out_dir) / "releases"
    try:
        releases.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=releases, prefix=".probe-"):
            pass
    except OSError as exc:
        raise ReleaseError("E504", f"cannot write the release under {releases}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def release_lock(releases: Path) -> Iterator[None]:
    """Hold the exclusive write lock of a release root (blocks while another writer holds it;
    the kernel releases it when its holder dies, even by SIGKILL)."""
    with open(releases.parent / LOCK_NAME, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def recover(releases: Path) -> list[str]:
    """Clean up after a writer that died (call with the lock held, so no writer is active): remove
    its temporary folders and put back a release it had moved aside for ``--force``. Returns what
    was done, one line per folder."""
    done = []
    for old in sorted(releases.glob(".old-*")):
        kept = old / "release"
        name = old.name[len(".old-"):].rsplit("-", 1)[0]
        if kept.is_dir() and name and not (releases / name).exists():
            os.replace(kept, releases / name)
            done.append(f"restored {name}")
        shutil.rmtree(old, ignore_errors=True)
    for tmp in sorted(releases.glob(".tmp-*")):
        shutil.rmtree(tmp, ignore_errors=True)
        done.append(f"removed {tmp.name}")
    for probe in releases.glob(".probe-*"):
        probe.unlink(missing_ok=True)
    return done


def _write_release(releases: Path, *, mentions: pa.Table, events: pa.Table, documents: pa.Table, quarantine: pa.Table,
                   version: str | None, force: bool, run_id: str, sources: list[dict],
                   validation: Mapping[str, "ExpectationReport"], settings_info: dict,
                   created_utc: dt.datetime, since: str | None, figures_from: Path | None = None) -> ReleaseInfo:
    version = version or default_version(releases, created_utc.date())
    if not _VERSION_RE.match(version) or version in (".", ".."):
        raise ReleaseError("E502", f"version {version!r} is not a valid release folder name")
    target = releases / version
    if target.exists() and not force:
        raise ReleaseError("E501", f"release {target} already exists (use --force to replace it)")
    tables = {"mentions": _conform(mentions, "mentions"), "events": _conform(events, "events"),
              "documents": _conform(documents, "documents"),
              "quarantine": _conform(quarantine, "quarantine")}
    previous = changelog.previous_release(releases, since, version)

    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=releases))
    try:
        change_set = _write_files(tmp, tables=tables, version=version, created=created_utc, run_id=run_id,
                                  sources=sources, validation=validation, settings_info=settings_info,
                                  previous=previous, figures_from=figures_from)
        _make_readable(tmp)
        replaced = _move_into_place(tmp, target, force=force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    catalog.register(releases, target, changes=change_set.catalog_entry())  # last: the release is published once the catalog names it
    files = _release_files(target) + ["SHA256SUMS"]
    sums = parse_sha256sums((target / "SHA256SUMS").read_text(encoding="utf-8"))
    return ReleaseInfo(path=target, version=version, counts={k: t.num_rows for k, t in tables.items()},
                       files=files, sha256=sums, replaced=replaced)


def _make_readable(folder: Path) -> None:
    """Folders 0755 and files 0644 (``mkdtemp`` makes 0700): a web server or another user can read
    the release."""
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _move_into_place(tmp: Path, target: Path, *, force: bool) -> bool:
    """Rename the finished temporary folder to ``target``; with ``force`` an existing release is
    first renamed aside and removed after the swap."""
    old: Path | None = None
    if target.exists():
        if not force:
            raise ReleaseError("E501", f"release {target} already exists (use --force to replace it)")
        old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
        os.replace(target, old / "release")
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if old is not None:  # put the previous release back
            os.replace(old / "release", target)
            shutil.rmtree(old, ignore_errors=True)
        raise ReleaseError("E501", f"release {target} could not be created: {exc}") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return old is not None


def _write_files(folder: Path, *, tables: dict[str, pa.Table], version: str, created: dt.datetime, run_id: str,
                 sources: list[dict], validation: Mapping[str, Any], settings_info: dict,
                 previous: Path | None, figures_from: Path | None = None) -> changelog.ChangeSet:
    """Write every file of a release into ``folder``: Parquet and CSV per table, the changelog
    against ``previous`` (a release folder or None), the data package (resources with bytes and
    sha256), the dataset card, the validation results and, last, ``SHA256SUMS`` over all of them."""
    descriptions = {name: schema.table(name).description for name in [*tables, changelog.TABLE]}
    resources: list[dict[str, Any]] = []
    for name, tbl in tables.items():
        # use_compliant_nested_type=False: the list child keeps Arrow's name "item" (still a standard
        # 3-level Parquet list), so that the schema read back equals schema.arrow_schema exactly
        pq.write_table(tbl, folder / f"{name}.parquet", compression=PARQUET_COMPRESSION,
                       use_compliant_nested_type=False)
        resources.append(_resource(folder, name, f"{name}.parquet", name, "parquet", descriptions[name],
                                   schema.table_schema(name)))
    change_set = changelog.changes_for(previous, folder, version)
    changelog.write_changes(folder, change_set)
    resources.append(_resource(folder, changelog.TABLE, "changes.parquet", changelog.TABLE, "parquet",
                               descriptions[changelog.TABLE], schema.table_schema(changelog.TABLE)))
    for name in [*CSV_TABLES, changelog.TABLE]:
        include_lists = name in LIST_CSV_TABLES
        if name in tables:
            write_csv(tables[name], name, folder / f"{name}.csv", include_lists=include_lists)
        resources.append(_resource(folder, f"{name}-csv", f"{name}.csv", name, "csv",
                                   f"CSV export of the `{name}` resource. " + descriptions[name],
                                   _csv_table_schema(name, include_lists)))

    vdir = folder / "validation"
    vdir.mkdir()
    for name, report in sorted(validation.items()):
        (vdir / f"{name}.json").write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str)
                                           + "\n", encoding="utf-8")
    (vdir / "summary.md").write_text(_validation_summary(validation, version), encoding="utf-8")

    figure_files = figures.write_figures(folder, tables["events"], drawn=figures_from)
    (folder / "README.md").write_text(
        readme_text(version=version, created=created, run_id=run_id, mentions=tables["mentions"],
                    events=tables["events"],
                    documents=tables["documents"], quarantine=tables["quarantine"], sources=sources,
                    validation=validation, figures=figure_files), encoding="utf-8")

    package = {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "eventextract event dataset",
        "description": "Events (who did what to whom, when, where) extracted from text with PLOVER 0.8 event "
                       "types: one row per event mention with its provenance (mentions), and one row per "
                       "real-world event with the mentions that report it (events). The Parquet resources are named after their table; each CSV "
                       "export is a separate resource named '<table>-csv'.",
        "version": version,
        "created": iso_utc(created),
        "licenses": [dict(DATA_LICENSE)],
        "sources": [_source(s) for s in sources],
        "contributors": [{"title": "eventextract", "role": "author"}],
        "resources": resources,
        "eventextract": {
            "run_id": run_id,
            "extractor_version": __version__,
            "layout_version": schema.layout_version(),
            "counts": {name: tbl.num_rows for name, tbl in tables.items()},
            "validation": {name: bool(getattr(r, "success", False)) for name, r in validation.items()},
            "settings": _jsonable(settings_info),
            "changes": change_set.summary(),
        },
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    croissant.write_croissant(folder, package, [*tables, changelog.TABLE])  # before SHA256SUMS (covers it and figures/)
    lines = [f"{sha256_file(folder / rel)}  {rel}\n" for rel in _release_files(folder)]
    (folder / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    return change_set


def _source(source: Mapping[str, Any]) -> dict[str, Any]:
    """A Data Package source entry: title and path first, then sha256 and any other keys."""
    out: dict[str, Any] = {"title": source.get("title") or source.get("path") or ""}
    for key, value in source.items():
        if key != "title":
            out[key] = value
    return _jsonable(out)
