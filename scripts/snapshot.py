"""Golden snapshot of the pipeline's behaviour: the regression net for refactoring and accuracy work.

    python scripts/snapshot.py check  [--only NAME ...] [--shared ../shared] [--dump DIR]
    python scripts/snapshot.py freeze [--only NAME ...] [--shared ../shared] [--dump DIR]

For each corpus it runs ``annotate`` (every time expression, place and event of every document)
and a full release (events, documents and quarantine tables) with a fixed run id and timestamp,
writes them as canonical JSON (sorted keys, paths relative to the corpus root) and records the
sha256 of each document's annotation and of each table in ``tests/snapshots/<name>.json``.
``check`` recomputes them and names every document or table that differs; ``freeze`` writes them
(do that deliberately, when a change of output is intended, and say so in the commit).

Only digests are committed: the seed and reference texts must not be copied into the repo.
``--dump DIR`` also writes the canonical JSONL, so two versions of the code can be diffed.

Corpora: ``sample`` (bundled), ``heldout`` (tests/heldout/docs), ``fixtures`` (tests/fixtures/corpus,
bad files included), ``seeds`` (../shared/corpus/seeds) and the texts ``make eval`` reads from
../shared/reference: ``gsr``, ``wikiwars``, ``tempeval``, ``lgl``, ``trnews``, ``geowebnews``
(converted with the shared tools into a temporary folder). Corpora whose source is absent are skipped.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots"
RUN_ID = "run-snapshot"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
FAST = ("sample", "heldout", "fixtures", "seeds")
REFERENCE = {"wikiwars": ("timex", "wikiwars-1.0.4"), "tempeval": ("timex", "tempeval3-platinum"),
             "lgl": ("geo", "lgl"), "trnews": ("geo", "tr-news"), "geowebnews": ("geo", "geowebnews")}
ALL = (*FAST, "gsr", *REFERENCE)
TABLE_KEYS = {"mentions": ("doc_id", "trigger_start", "mention_id"), "events": ("first_mention_id",),
              "documents": ("doc_id",), "quarantine": ("doc_id", "mention_id")}


def _tool(shared: Path, name: str, *args: str) -> None:
    subprocess.run([sys.executable, str(shared / "tools" / name), *args], check=True, capture_output=True)


def corpus_inputs(name: str, shared: Path, work: Path) -> Path | None:
    """The input folder or file of corpus ``name``, or None where its source is absent."""
    if name == "sample":
        from eventextract.pipeline import sample_corpus_dir

        return sample_corpus_dir()
    if name == "heldout":
        return ROOT / "tests" / "heldout" / "docs"
    if name == "fixtures":
        return ROOT / "tests" / "fixtures" / "corpus"
    if not (shared / "tools").is_dir():
        return None
    if name == "seeds":
        return shared / "corpus" / "seeds"
    if name == "gsr":
        out = work / "gsr-docs"
        if not out.is_dir():
            _tool(shared, "plover_gsr.py", "export", str(out))
        return out
    kind, corpus = REFERENCE[name]
    gold_dir = work / "external-gold"
    if not (gold_dir / f"{kind}.jsonl").exists():
        _tool(shared, "convert_external_gold.py", "--ref", str(shared / "reference"), "--out", str(gold_dir))
    inputs = work / f"{name}-inputs.jsonl"
    if not inputs.exists():
        _tool(shared, "score_annotations.py", "inputs", str(gold_dir / f"{kind}.jsonl"), str(inputs),
              "--corpus", corpus)
    return inputs


def _portable(value: Any, roots: tuple[str, ...]) -> Any:
    """Paths under a corpus root become relative (the snapshot does not depend on the checkout)."""
    if isinstance(value, str):
        for root in roots:
            if value.startswith(root):
                return "<root>" + value[len(root):]
        return value
    if isinstance(value, dict):
        return {k: _portable(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [_portable(v, roots) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def canonical(obj: Any, roots: tuple[str, ...]) -> str:
    return json.dumps(_portable(obj, roots), sort_keys=True, ensure_ascii=False, default=str)


def _roots(inputs: Path) -> tuple[str, ...]:
    base = inputs.resolve() if inputs.is_dir() else inputs.resolve().parent
    return (str(base), str(inputs) if inputs.is_dir() else str(inputs.parent))


def snapshot_annotate(inputs: Path, settings: Any = None) -> tuple[dict[str, str], list[str]]:
    """sha256 per document of its canonical ``annotate`` object, and the canonical lines."""
    from eventextract import pipeline

    roots = _roots(inputs)
    digests: dict[str, str] = {}
    lines: list[str] = []
    for obj in pipeline.annotate([inputs], settings, run_id=RUN_ID, now=NOW):
        line = canonical(obj, roots)
        key = obj["doc_id"]
        while key in digests:  # never expected; kept so that a duplicate id cannot hide a document
            key += "'"
        digests[key] = hashlib.sha256(line.encode()).hexdigest()
        lines.append(line)
    return digests, lines


def snapshot_release(inputs: Path, work: Path, settings: Any = None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """sha256 per table of a full release's canonical rows (sorted by key), and the rows."""
    import pyarrow.parquet as pq

    from eventextract import pipeline

    from eventextract.config import Settings

    roots = _roots(inputs)
    # analyse every document: rows reused from the result cache would carry another run's extracted_at
    settings = dataclasses.replace(settings or Settings(), reuse_results=False)
    info = pipeline.run([inputs], work, version="snapshot", settings=settings, force=True, run_id=RUN_ID, now=NOW)
    digests: dict[str, str] = {}
    rows: dict[str, list[str]] = {}
    for table, key in TABLE_KEYS.items():
        records = pq.read_table(Path(info.path) / f"{table}.parquet").to_pylist()
        records.sort(key=lambda r: tuple((r.get(k) is not None, r.get(k)) if r.get(k) is not None else (False, 0)
                                         for k in key))
        rows[table] = [canonical(r, roots) for r in records]
        digests[table] = hashlib.sha256("\n".join(rows[table]).encode()).hexdigest()
    return digests, rows


def take(name: str, shared: Path, work: Path, dump: Path | None = None) -> dict[str, Any] | None:
    """The snapshot of one corpus (None where its source is absent)."""
    inputs = corpus_inputs(name, shared, work)
    if inputs is None or not inputs.exists():
        return None
    docs, lines = snapshot_annotate(inputs)
    tables, rows = snapshot_release(inputs, work / f"release-{name}")
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
        (dump / f"{name}.annotate.jsonl").write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
        for table, lines_ in rows.items():
            (dump / f"{name}.{table}.jsonl").write_text("".join(f"{x}\n" for x in lines_), encoding="utf-8")
    return {"corpus": name, "documents": docs, "tables": tables}


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Human-readable list of what differs between two snapshots of one corpus."""
    out: list[str] = []
    for kind in ("documents", "tables"):
        exp, act = expected.get(kind, {}), actual.get(kind, {})
        for key in sorted(set(exp) | set(act)):
            if exp.get(key) != act.get(key):
                state = "missing" if key not in act else "new" if key not in exp else "changed"
                out.append(f"{actual['corpus']}: {kind[:-1]} {key!r} {state}")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("check", "freeze"))
    ap.add_argument("--only", nargs="*", default=None, choices=ALL)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--dump", type=Path, default=None)
    args = ap.parse_args(list(argv) if argv is not None else None)
    names = args.only or list(ALL)
    work = args.work or Path(tempfile.mkdtemp(prefix="eventextract-snapshot-"))
    work.mkdir(parents=True, exist_ok=True)
    report: Callable[[str], None] = lambda s: print(s, flush=True)  # noqa: E731
    failures: list[str] = []
    for name in names:
        snap = take(name, args.shared.resolve(), work, args.dump)
        path = SNAPSHOTS / f"{name}.json"
        if snap is None:
            report(f"{name}: source absent, skipped")
            continue
        if args.mode == "freeze":
            SNAPSHOTS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            report(f"{name}: frozen ({len(snap['documents'])} documents)")
            continue
        if not path.exists():
            failures.append(f"{name}: no snapshot in {path.relative_to(ROOT)}")
            continue
        diff = differences(json.loads(path.read_text(encoding="utf-8")), snap)
        failures += diff
        report(f"{name}: {'identical' if not diff else f'{len(diff)} differences'}")
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
