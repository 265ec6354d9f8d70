"""Every accuracy figure of the project, measured against the evaluation material in ../shared.

    python scripts/evaluate_shared.py [--shared ../shared] [--work DIR] [--only NAME ...]

Runs the library the way users do (``pipeline.run`` for releases, ``pipeline.annotate`` for the
``annotate`` view) and scores with the shared tools, so the figures are the ones the issues name:

- ``dev``: seed corpus release scored with ``tools/score_events.py`` against ``gold/dev.jsonl``
  (``dev_clusters``: its mention->event grouping scored with ``tools/score_clusters.py``)
- ``heldout``: our own documents on other conflicts (``tests/heldout``), same scorer
- ``gsr``: PLOVER gold standard records (``tools/plover_gsr.py export`` / ``score``)
- ``wikiwars``, ``tempeval``: ``tools/score_annotations.py timex``
- ``lgl``, ``trnews``, ``geowebnews``: ``tools/score_annotations.py geo``

Reference data is read from ../shared only; nothing is copied into the repo. Releases and converted
gold go to ``--work`` (default: ``eventextract-eval`` in the system's temporary folder).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEX = {"wikiwars": "wikiwars-1.0.4", "tempeval": "tempeval3-platinum"}
GEO = {"lgl": "lgl", "trnews": "tr-news", "geowebnews": "geowebnews"}


def tool(shared: Path, name: str, *args: str) -> str:
    res = subprocess.run([sys.executable, str(shared / "tools" / name), *args], check=True,
                         capture_output=True, text=True)
    return res.stdout.strip()


def release(inputs: list[Path], work: Path, name: str) -> Path:
    from eventextract import pipeline

    info = pipeline.run(inputs, work / name, version=name, force=True)
    return Path(info.path) / "mentions.parquet"


def annotate_jsonl(src: Path, dst: Path) -> None:
    from eventextract import pipeline

    with dst.open("w", encoding="utf-8") as fh:
        for obj in pipeline.annotate([src]):
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "eventextract-eval")
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args(argv)
    shared, work = args.shared.resolve(), args.work
    work.mkdir(parents=True, exist_ok=True)
    want = set(args.only) if args.only else None
    results: dict[str, object] = {}

    def on(name: str) -> bool:
        return want is None or name in want

    if on("dev"):
        events = release([shared / "corpus" / "seeds"], work, "seeds")
        results["dev"] = json.loads(tool(shared, "score_events.py", "--gold", str(shared / "gold" / "dev.jsonl"),
                                         "--events", str(events), "--per-type", "--json"))
        if (shared / "tools" / "score_clusters.py").exists():
            results["dev_clusters"] = json.loads(tool(
                shared, "score_clusters.py", "--gold", str(shared / "gold" / "dev.jsonl"), "--clusters",
                str(shared / "gold" / "clusters_dev.jsonl"), "--release", str(events.parent), "--json"))
    heldout = ROOT / "tests" / "heldout"
    if on("heldout") and (heldout / "gold.jsonl").exists():
        events = release([heldout / "docs"], work, "heldout")
        results["heldout"] = json.loads(tool(shared, "score_events.py", "--gold", str(heldout / "gold.jsonl"),
                                             "--events", str(events), "--per-type", "--json"))
    if on("gsr"):
        gsr_dir = work / "gsr-docs"
        tool(shared, "plover_gsr.py", "export", str(gsr_dir))
        events = release([gsr_dir], work, "gsr")
        results["gsr"] = json.loads(tool(shared, "plover_gsr.py", "score", str(events)))
    ext = [n for n in (*TIMEX, *GEO) if on(n)]
    if ext:
        gold_dir = work / "external-gold"
        if not (gold_dir / "timex.jsonl").exists() or not (gold_dir / "geo.jsonl").exists():
            tool(shared, "convert_external_gold.py", "--ref", str(shared / "reference"), "--out", str(gold_dir))
        for name in ext:
            kind, corpus = ("timex", TIMEX[name]) if name in TIMEX else ("geo", GEO[name])
            gold = gold_dir / f"{kind}.jsonl"
            inputs, system = work / f"{name}-inputs.jsonl", work / f"{name}-system.jsonl"
            tool(shared, "score_annotations.py", "inputs", str(gold), str(inputs), "--corpus", corpus)
            annotate_jsonl(inputs, system)
            results[name] = json.loads(tool(shared, "score_annotations.py", kind, str(gold), str(system),
                                            "--corpus", corpus))
    print(json.dumps(results, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
