#!/usr/bin/env python3
"""Aggregate a release's mentions into events and score the result against the same-event gold.

usage: eval_clusters.py RELEASE_DIR_OR_PARQUET [--out DIR] [--gold G] [--clusters C] [--ablation]

Input: a new-layout mentions.parquet, or an old-layout events.parquet (one mention per row, id column
``event_id`` with prefix ``ev_``: renamed to ``mention_id`` with prefix ``mn_``, and a null ``event_id``
added). Writes DIR/mentions.parquet with ``event_id`` filled, runs the shared scorer
(score_clusters.py) on it with this Python, and prints its figures and the event counts.
``--ablation`` repeats that with each part of the rule switched off or varied.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from eventextract import aggregate as agg

SHARED = Path("/work/shared")
ABLATIONS: dict[str, dict] = {
    "published rule": {},
    "no back-reference": {"back_reference": False},
    "no close report": {"close": False},
    "no cross-document step": {"across_documents": False},
    "no same-stem preference": {"same_stem_first": False},
    "no repetition link": {"repetition": False},
    "close: day only, not same place": {"close_same_place": False},
    "close same place, window 2": {"close_window": 2},
    "close same place, window 3": {"close_window": 3},
    "repeat window 5": {"repeat_window": 5},
    "repeat window 50": {"repeat_window": 50},
    "no complete link": {"complete_link": False},
    "close: any precision": {"close_day_only": False},
    "close: unknown recipient ok": {"close_unknown_recipient": True},
    "close: uncoded recipients, any actors": {"close_uncoded_recipients_need_same_actor": False},
    "one-country sides, any names": {"one_country_sides_need_same_actor": False},
    "killing modes kept apart": {"killing_modes_compatible": False},
    "close window 0": {"close_window": 0},
    "close window 2": {"close_window": 2},
    "close window 3": {"close_window": 3},
    "back window 1": {"back_window": 1},
    "back window 2": {"back_window": 2},
    "back window 5": {"back_window": 5},
    "back window 10": {"back_window": 10},
}


def load_mentions(path: Path) -> pa.Table:
    """The mentions of a release, in the new layout's naming (old events.parquet converted)."""
    if path.is_dir():
        path = path / "mentions.parquet" if (path / "mentions.parquet").exists() else path / "events.parquet"
    table = pq.read_table(path)
    if "mention_id" not in table.column_names:
        ids = pc.replace_substring_regex(table.column("event_id"), pattern="^ev_", replacement="mn_")
        table = table.set_column(table.column_names.index("event_id"), "mention_id", ids)
        table = table.append_column("event_id", pa.nulls(table.num_rows, pa.string()))
    return table


def score(mentions: pa.Table, event_ids: list, out: Path, gold: str, clusters: str) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    col = pa.array(event_ids, pa.string())
    table = mentions.set_column(mentions.column_names.index("event_id"), "event_id", col)
    pq.write_table(table, out / "mentions.parquet")
    proc = subprocess.run([sys.executable, str(SHARED / "tools" / "score_clusters.py"), "--gold", gold,
                           "--clusters", clusters, "--release", str(out), "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def summary(result: agg.Aggregation, n_rows: int) -> dict:
    return {"mentions": n_rows, "aggregated": sum(e is not None for e in result.event_ids),
            "events": len(result.events), "multi_mention_events": sum(e["n_mentions"] > 1 for e in result.events),
            "merge_reason": dict(Counter(e["merge_reason"] for e in result.events))}


def line(name: str, s: dict) -> str:
    pw, b3 = s["pairwise"], s["bcubed"]
    return (f"{name:30} pairwise P {pw['precision']:.3f} R {pw['recall']:.3f} F1 {pw['f1']:.3f} "
            f"(tp {pw['tp']}/{s['n_system_pairs']} sys, {s['n_gold_pairs']} gold)  "
            f"B3 P {b3['precision']:.3f} R {b3['recall']:.3f} F1 {b3['f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("release", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--gold", default=str(SHARED / "gold" / "dev.jsonl"))
    ap.add_argument("--clusters", default=str(SHARED / "gold" / "clusters_dev.jsonl"))
    ap.add_argument("--ablation", action="store_true")
    a = ap.parse_args(argv)
    mentions = load_mentions(a.release)
    out = a.out or Path(tempfile.mkdtemp(prefix="eval_clusters_"))
    result = agg.aggregate(mentions, run_id="eval", extractor_version="eval")
    s = score(mentions, result.event_ids, out, a.gold, a.clusters)
    print(line("published rule", s))
    print(json.dumps({"scorer": s, "counts": summary(result, mentions.num_rows), "out": str(out)}, indent=2))
    if a.ablation:
        for name, change in ABLATIONS.items():
            rule = dataclasses.replace(agg.DEFAULT_RULE, **change)
            res = agg.aggregate_with(mentions, run_id="eval", extractor_version="eval", rule=rule)
            s = score(mentions, res.event_ids, out / "ablation", a.gold, a.clusters)
            print(line(name, s), f" events {len(res.events)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
