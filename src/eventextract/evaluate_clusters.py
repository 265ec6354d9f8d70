"""Score a release's mention-to-event grouping against gold event-coreference clusters.

Gives the same figures as the shared reference scorer (``tools/score_clusters.py`` next to the gold
``clusters_dev.jsonl``) while depending only on the project's own matching in :mod:`eventextract.evaluate`.

Which mentions are scored
    System rows are matched to gold lines exactly as ``eventextract eval`` does it (same document and scope
    filters, the same one-to-one best-first :func:`~eventextract.evaluate.match` over all rows and lines), and
    only pairs where both the row and the gold line are asserted are kept: the ``detection`` matches of the
    events scorer. A gold line without ``polarity`` is asserted; one whose ``polarity`` is present but null is
    not (as in the events scorer).

Tie swaps
    The match breaks exact ties by row order, so two events of one sentence whose triggers share a word
    ("offensive" / "went on the offensive") can be paired crosswise: the events figures are unchanged, but each
    row would take the other line's cluster. Two matched rows of one document are therefore given each other's
    gold line when each row scores the same with either line (:func:`~eventextract.evaluate._pair_score`) and
    the trigger texts fit better that way (fit: 2 for the same lower-cased text, plus the Jaccard of the content
    words). ``n_tie_swaps`` counts these; the matched rows and lines, and ``n_matched``, stay those of the match.
    The shared scorer tokenises with ``score_events.toks``; that is the same regular expression, lower-casing
    and stopword list as :func:`~eventextract.evaluate.words`, so the scores compared here are identical.

Clusters
    A gold line's cluster is the ``cluster`` of the cluster line with the same key (document file name,
    ``evidence``, ``trigger``, ``trigger_occurrence`` defaulting to 1, ``event_type``; the last line wins); a
    gold line without a cluster line is a singleton cluster of its own. A system row's cluster is its
    ``event_id`` (compared as text); a row without one is its own cluster.

Metrics, over the matched pairs (one item per matched gold line)
    * pairwise: precision, recall and F1 of "these two items report the same event". Gold pairs are the pairs
      of items sharing a gold cluster, system pairs those sharing an ``event_id``, true positives those sharing
      both; each count is ``sum(n * (n - 1) / 2)`` over the cluster sizes (of the gold clusters, of the system
      events, of their intersections). With no gold pair and no system pair all three figures are 1.0;
      otherwise a zero denominator gives 0.0.
    * B-cubed: for each item, precision is the share of its system cluster that is also in its gold cluster
      and recall the share of its gold cluster that is also in its system cluster (both restricted to matched
      items); the figures are the means over the items, F1 their harmonic mean; 0.0 when nothing is matched.
Figures are rounded to 4 decimals.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from eventextract.evaluate import (
    ASSERTED,
    _missing,
    _pair_score,
    file_key,
    load_events,
    match,
    polarity,
    scored_rows,
    words,
)

Pair = tuple[dict[str, Any], dict[str, Any]]
GoldKey = tuple[str, Any, Any, int, Any]

_FIT_EPSILON = 1e-9


def gold_key(line: dict[str, Any]) -> GoldKey:
    """The key that ties a gold line to its cluster line."""
    return (file_key(line["doc"]), line["evidence"], line["trigger"], int(line.get("trigger_occurrence") or 1),
            line["event_type"])


def _gold_asserted(line: dict[str, Any]) -> bool:
    return line.get("polarity", ASSERTED) == ASSERTED


def _system_asserted(row: dict[str, Any]) -> bool:
    # the events scorer also reads a falsy, non-missing polarity (0, False) as asserted
    return not row.get("polarity") or polarity(row) == ASSERTED


def _system_cluster(row: dict[str, Any]) -> Hashable:
    event_id = row.get("event_id")
    return ("row", id(row)) if _missing(event_id) else ("event", str(event_id))


def _gold_cluster(line: dict[str, Any], cluster_of: dict[GoldKey, Any]) -> Hashable:
    key = gold_key(line)
    return cluster_of[key] if key in cluster_of else ("unclustered", id(line))


def load_release_rows(path: str | Path) -> tuple[str, list[dict[str, Any]]]:
    """The mention rows of a release, and where they were read from.

    ``path`` is a release folder (``mentions.parquet`` when it exists, else ``events.parquet``, whose rows are
    one event each) or a ``.parquet`` / ``.csv`` file of mentions. The source is the file name read.
    """
    path = Path(path)
    if path.is_dir():
        for name in ("mentions.parquet", "events.parquet"):
            if (path / name).is_file():
                return name, load_events(path / name)
        raise FileNotFoundError(f"neither mentions.parquet nor events.parquet in {path}")
    if not path.is_file():
        raise FileNotFoundError(f"no release folder or mentions file: {path}")
    if path.suffix not in (".parquet", ".csv"):
        raise ValueError(f"not a .parquet or .csv file of mentions: {path}")
    rows = load_events(path)
    if rows and "first_mention_id" in rows[0] and "trigger_text" not in rows[0]:
        raise ValueError(f"{path} is an events table (one row per real-world event); score its release's "
                         "mentions.parquet, or pass the release folder")
    return path.name, rows


def matched_pairs(system: Iterable[dict[str, Any]], gold: Iterable[dict[str, Any]]) -> list[Pair]:
    """The events scorer's detection matches: (system row, gold line), both asserted."""
    system, gold = scored_rows(system, gold)
    return [(s, g) for s, g in match(system, gold) if _system_asserted(s) and _gold_asserted(g)]


def _trigger_fit(row: dict[str, Any], line: dict[str, Any]) -> float:
    """2 when the trigger texts are the same (ignoring case and outer spaces), plus their word Jaccard."""
    s_text = str(row.get("trigger_text") or "").strip().lower()
    g_text = str(line["trigger"]).strip().lower()
    s_words, g_words = words(s_text), words(g_text)
    union = s_words | g_words
    return (2.0 if s_text == g_text else 0.0) + (len(s_words & g_words) / len(union) if union else 0.0)


def resolve_ties(pairs: Iterable[Pair]) -> tuple[list[Pair], int]:
    """Swap the gold lines of two matched rows of one document where the match scored both ways the same.

    Rows keep their positions; only their gold lines move. Documents are independent, so each is settled on
    its own, repeating its passes until a pass makes no swap (each swap raises the total fit, so this ends).
    """
    pairs = list(pairs)
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, (_, g) in enumerate(pairs):
        by_doc[file_key(g["doc"])].append(i)
    swaps = 0
    for positions in by_doc.values():
        changed = True
        while changed:
            changed = False
            for n, a in enumerate(positions):
                for b in positions[n + 1:]:
                    (s1, g1), (s2, g2) = pairs[a], pairs[b]
                    if _pair_score(s1, g2) != _pair_score(s1, g1) or _pair_score(s2, g1) != _pair_score(s2, g2):
                        continue
                    crosswise = _trigger_fit(s1, g2) + _trigger_fit(s2, g1)
                    if crosswise > _trigger_fit(s1, g1) + _trigger_fit(s2, g2) + _FIT_EPSILON:
                        pairs[a], pairs[b] = (s1, g2), (s2, g1)
                        swaps += 1
                        changed = True
    return pairs, swaps


def _n_pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def _pairwise_prf(tp: int, n_system: int, n_gold: int) -> dict[str, Any]:
    if n_system == 0 and n_gold == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 0}
    p = tp / n_system if n_system else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp}


def _bcubed(gold_ids: list[Hashable], sys_ids: list[Hashable]) -> dict[str, float]:
    if not gold_ids:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    gold_size, sys_size = Counter(gold_ids), Counter(sys_ids)
    overlap = Counter(zip(gold_ids, sys_ids))
    items = list(zip(gold_ids, sys_ids))
    p = sum(overlap[(g, s)] / sys_size[s] for g, s in items) / len(items)
    r = sum(overlap[(g, s)] / gold_size[g] for g, s in items) / len(items)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score_clusters(system_rows: list[dict[str, Any]], gold: list[dict[str, Any]],
                   clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """Pairwise and B-cubed figures of the rows' ``event_id`` grouping against the gold clusters."""
    cluster_of: dict[GoldKey, Any] = {gold_key(c): c["cluster"] for c in clusters}
    gold_asserted = [g for g in gold if "scope_start" not in g and _gold_asserted(g)]
    pairs, swaps = resolve_ties(matched_pairs(system_rows, gold))
    gold_ids = [_gold_cluster(g, cluster_of) for _, g in pairs]
    sys_ids = [_system_cluster(s) for s, _ in pairs]
    n_gold_pairs = _n_pairs(Counter(gold_ids))
    n_system_pairs = _n_pairs(Counter(sys_ids))
    tp = _n_pairs(Counter(zip(gold_ids, sys_ids)))
    return {
        "n_gold_asserted": len(gold_asserted),
        "n_gold_clusters": len({_gold_cluster(g, cluster_of) for g in gold_asserted}),
        "n_gold_unclustered": sum(1 for g in gold_asserted if gold_key(g) not in cluster_of),
        "n_matched": len(pairs),
        "n_tie_swaps": swaps,
        "n_matched_gold_clusters": len(set(gold_ids)),
        "n_matched_system_events": len(set(sys_ids)),
        "n_gold_pairs": n_gold_pairs,
        "n_system_pairs": n_system_pairs,
        "pairwise": _pairwise_prf(tp, n_system_pairs, n_gold_pairs),
        "bcubed": _bcubed(gold_ids, sys_ids),
    }
