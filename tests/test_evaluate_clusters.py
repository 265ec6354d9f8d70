"""Scoring the mention->event grouping against gold clusters: hand-computed pairwise and B-cubed figures,
the singleton conventions, the tie swap, and the same figures as the shared reference scorer."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eventextract.evaluate import load_gold, match
from eventextract.evaluate_clusters import gold_key, load_release_rows, resolve_ties, score_clusters

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE = SHARED / "tools" / "score_clusters.py"
DEV_GOLD = SHARED / "gold" / "dev.jsonl"
DEV_CLUSTERS = SHARED / "gold" / "clusters_dev.jsonl"
OLD_RELEASE = Path("/tmp/seeds-old/releases/base")

DOC = "valley.txt"
E_SHELLED = "Militia fighters shelled the old mill on Monday."
E_SHELLING = "The shelling of the old mill lasted until dawn."
E_BARRAGE = "Another barrage struck the mill a week later."
E_FLED = "Farmers abandoned the valley after the attack."
E_EXODUS = "The exodus emptied every hamlet within days."
E_TALKS = "Envoys met the elders in the market square."
E_TRUCE = "Both sides might agree to a truce next spring."


def _gold(evidence: str, trigger: str, event_type: str = "ASSAULT", doc: str = DOC, **kw: Any) -> dict[str, Any]:
    line = {"doc": doc, "evidence": evidence, "trigger": trigger, "event_type": event_type, "polarity": "asserted"}
    line.update(kw)
    return line


def _row(evidence: str, trigger: str, event_id: Any, event_type: str = "ASSAULT", doc: str = DOC,
         **kw: Any) -> dict[str, Any]:
    row = {"doc_id": f"release/{doc}", "sentence_text": evidence, "trigger_text": trigger, "event_type": event_type,
           "polarity": "asserted", "trigger_start": None, "event_id": event_id}
    row.update(kw)
    return row


def _cluster(line: dict[str, Any], cluster: str) -> dict[str, Any]:
    return {k: line[k] for k in ("doc", "evidence", "trigger", "event_type")} | {"trigger_occurrence": 1,
                                                                                   "cluster": cluster}


# five matched mentions: gold clusters {shelled, shelling, barrage} and {fled, exodus}
G_SHELLED = _gold(E_SHELLED, "shelled")
G_SHELLING = _gold(E_SHELLING, "shelling")
G_BARRAGE = _gold(E_BARRAGE, "barrage")
G_FLED = _gold(E_FLED, "abandoned", "COERCE")
G_EXODUS = _gold(E_EXODUS, "exodus", "COERCE")
G_TALKS = _gold(E_TALKS, "met", "CONSULT")  # asserted, never matched
G_TRUCE = _gold(E_TRUCE, "agree", "AGREE", polarity="hypothetical")
GOLD = [G_SHELLED, G_SHELLING, G_BARRAGE, G_FLED, G_EXODUS, G_TALKS, G_TRUCE]
CLUSTERS = [_cluster(G_SHELLED, "c1"), _cluster(G_SHELLING, "c1"), _cluster(G_BARRAGE, "c1"),
            _cluster(G_FLED, "c2"), _cluster(G_EXODUS, "c2"), _cluster(G_TALKS, "c3")]


def _system() -> list[dict[str, Any]]:
    return [
        _row(E_SHELLED, "shelled", "e1"),
        _row(E_SHELLING, "shelling", "e1"),
        _row(E_BARRAGE, "barrage", "e2"),
        _row(E_FLED, "abandoned", "e2", "COERCE"),
        _row(E_EXODUS, "exodus", "e3", "COERCE"),
        _row(E_TRUCE, "agree", "e4", "AGREE"),  # asserted row on a hypothetical line: not a detection match
        _row(E_TALKS, "met", "e5", "CONSULT", polarity="negated"),  # negated row: not a detection match
        _row(E_SHELLED, "shelled", "e1", doc="elsewhere.txt"),  # a document without gold: ignored
    ]


def test_pairwise_and_bcubed_by_hand() -> None:
    res = score_clusters(_system(), GOLD, CLUSTERS)
    # matched: gold c1 c1 c1 c2 c2 against system e1 e1 e2 e2 e3
    assert res["n_gold_asserted"] == 6 and res["n_gold_clusters"] == 3 and res["n_gold_unclustered"] == 0
    assert res["n_matched"] == 5 and res["n_tie_swaps"] == 0
    assert res["n_matched_gold_clusters"] == 2 and res["n_matched_system_events"] == 3
    # gold pairs 3 + 1, system pairs 1 + 1, both: only (shelled, shelling)
    assert res["n_gold_pairs"] == 4 and res["n_system_pairs"] == 2
    assert res["pairwise"] == {"precision": 0.5, "recall": 0.25, "f1": 0.3333, "tp": 1}
    # B3 precision (1 + 1 + 1/2 + 1/2 + 1) / 5; recall (2/3 + 2/3 + 1/3 + 1/2 + 1/2) / 5 = 8/15
    assert res["bcubed"] == {"precision": 0.8, "recall": 0.5333, "f1": 0.64}


def test_perfect_grouping_scores_one() -> None:
    system = _system()
    for row, eid in zip(system, ["e1", "e1", "e1", "e2", "e2"]):
        row["event_id"] = eid
    res = score_clusters(system, GOLD, CLUSTERS)
    assert res["pairwise"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 4}
    assert res["bcubed"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


@pytest.mark.parametrize("missing", [None, "", math.nan])
def test_a_row_without_event_id_is_its_own_event(missing: Any) -> None:
    gold = [G_SHELLED, G_SHELLING]
    clusters = [_cluster(G_SHELLED, "c1"), _cluster(G_SHELLING, "c1")]
    system = [_row(E_SHELLED, "shelled", missing), _row(E_SHELLING, "shelling", missing)]
    res = score_clusters(system, gold, clusters)
    assert res["n_matched_system_events"] == 2 and res["n_system_pairs"] == 0 and res["n_gold_pairs"] == 1
    assert res["pairwise"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0}
    # B3: precision 1 for each singleton, recall 1/2 each
    assert res["bcubed"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667}


def test_gold_lines_without_a_cluster_line_are_singletons() -> None:
    gold = [G_SHELLED, G_SHELLING]
    apart = score_clusters([_row(E_SHELLED, "shelled", "x"), _row(E_SHELLING, "shelling", "y")], gold, [])
    assert apart["n_gold_unclustered"] == 2 and apart["n_gold_clusters"] == 2
    # no gold pair and no system pair: pairwise is 1.0 by convention
    assert apart["n_gold_pairs"] == 0 and apart["n_system_pairs"] == 0
    assert apart["pairwise"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 0}
    assert apart["bcubed"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    merged = score_clusters([_row(E_SHELLED, "shelled", "x"), _row(E_SHELLING, "shelling", "x")], gold, [])
    # one system pair, no gold pair: both figures 0.0 (no 1.0 convention when only one side is empty)
    assert merged["pairwise"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0}
    assert merged["bcubed"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667}


def test_nothing_matched() -> None:
    res = score_clusters([], GOLD, CLUSTERS)
    assert res["n_matched"] == 0 and res["n_gold_asserted"] == 6
    assert res["pairwise"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 0}
    assert res["bcubed"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_gold_key_reads_file_name_and_default_occurrence() -> None:
    line = _gold(E_SHELLED, "shelled", doc="corpus/valley.txt")
    assert gold_key(line) == gold_key(_gold(E_SHELLED, "shelled", trigger_occurrence=1))
    assert gold_key(line) == gold_key(_gold(E_SHELLED, "shelled", trigger_occurrence=None))
    assert gold_key(line) != gold_key(_gold(E_SHELLED, "shelled", trigger_occurrence=2))
    # a cluster line of the second occurrence does not cluster the first
    res = score_clusters([], [G_SHELLED], [_cluster(G_SHELLED, "c1") | {"trigger_occurrence": 2}])
    assert res["n_gold_unclustered"] == 1


E_PUSH = "Government columns launched an offensive and the offensive broke the siege."
E_ECHO = "That offensive was the largest of the war."
G_ONE = _gold(E_PUSH, "offensive")
G_LAUNCH = _gold(E_PUSH, "launched an offensive")
G_ECHO = _gold(E_ECHO, "offensive")
TIE_CLUSTERS = [_cluster(G_ONE, "k1"), _cluster(G_ECHO, "k1"), _cluster(G_LAUNCH, "k2")]


def _tie_rows() -> list[dict[str, Any]]:
    return [_row(E_PUSH, "offensive", "e1"), _row(E_PUSH, "launched an offensive", "e2"),
            _row(E_ECHO, "offensive", "e1")]


def test_tie_swap_gives_each_row_the_line_its_trigger_fits() -> None:
    gold = [G_LAUNCH, G_ONE, G_ECHO]  # this order makes the match pair the two rows of E_PUSH crosswise
    rows = _tie_rows()
    crossed = {(s["trigger_text"], g["trigger"]) for s, g in match(rows, gold)}
    assert ("offensive", "launched an offensive") in crossed  # the premise: an exact tie broken crosswise
    res = score_clusters(rows, gold, TIE_CLUSTERS)
    assert res["n_tie_swaps"] == 1 and res["n_matched"] == 3
    assert res["pairwise"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 1}
    assert res["bcubed"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    # in the other gold order the match is already right and nothing is swapped
    same = score_clusters(_tie_rows(), [G_ONE, G_LAUNCH, G_ECHO], TIE_CLUSTERS)
    assert same["n_tie_swaps"] == 0 and same["pairwise"] == res["pairwise"]


def test_no_swap_when_the_crosswise_scores_differ() -> None:
    """The match pairs these crosswise too, but not on a tie: the events scorer's pairs stay."""
    e_police = "Police raid the depot at dawn near Korvel."
    e_night = "A night raid freed the hostages."
    gold = [_gold(e_police, "raid"), _gold(e_night, "night raid")]
    rows = [_row(e_night + " Police raid the depot near", "night raid", "n"),  # covers 4 of 6 police words
            _row(e_police + " " + e_night, "raid", "p")]
    pairs = match(rows, gold)
    assert {(s["event_id"], g["trigger"]) for s, g in pairs} == {("p", "night raid"), ("n", "raid")}
    kept, swaps = resolve_ties(pairs)
    assert swaps == 0 and kept == pairs


def test_scope_lines_and_non_asserted_gold_are_not_counted() -> None:
    gold = [G_SHELLED, G_SHELLING, {"doc": DOC, "scope_start": 0, "scope_end": 100}]
    clusters = [_cluster(G_SHELLED, "c1"), _cluster(G_SHELLING, "c1")]
    inside = _row(E_SHELLED, "shelled", "e1", trigger_start=20)
    outside = _row(E_SHELLING, "shelling", "e1", trigger_start=400)
    res = score_clusters([inside, outside], gold, clusters)
    assert res["n_gold_asserted"] == 2 and res["n_matched"] == 1 and res["n_gold_pairs"] == 0


def test_load_release_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    release = tmp_path / "release"
    release.mkdir()
    with pytest.raises(FileNotFoundError):
        load_release_rows(release)
    pq.write_table(pa.table({"event_id": ["a", "b"], "doc_id": [DOC, DOC]}), release / "events.parquet")
    source, rows = load_release_rows(release)
    assert source == "events.parquet" and [r["event_id"] for r in rows] == ["a", "b"]
    pq.write_table(pa.table({"event_id": ["m"], "doc_id": [DOC]}), release / "mentions.parquet")
    assert load_release_rows(release) == ("mentions.parquet", [{"event_id": "m", "doc_id": DOC}])
    csv_file = tmp_path / "mentions.csv"
    csv_file.write_text("doc_id,event_id\nvalley.txt,\n", encoding="utf-8")
    assert load_release_rows(csv_file) == ("mentions.csv", [{"doc_id": DOC, "event_id": ""}])
    with pytest.raises(FileNotFoundError):
        load_release_rows(tmp_path / "absent")


# --- the same figures as the shared reference scorer -----------------------------------------------------------

def _reference(gold: Path, clusters: Path, release: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(REFERENCE), "--gold", str(gold), "--clusters", str(clusters),
                           "--release", str(release), "--json"], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def _assert_same(reference: dict[str, Any], source: str, rows: list[dict[str, Any]], mine: dict[str, Any]) -> None:
    reference = dict(reference)
    reference.pop("release")
    reference.pop("n_repeated_event_ids", None)  # an events.parquet check of the CLI, not a score
    assert reference.pop("source") == source
    assert reference.pop("n_system_rows") == len(rows)
    assert reference == mine


def _need_reference() -> None:
    if not (REFERENCE.is_file() and DEV_CLUSTERS.is_file()):
        pytest.skip("the shared reference scorer is not available")


def test_same_figures_as_the_reference_scorer(tmp_path: Path) -> None:
    _need_reference()
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = _system() + _tie_rows() + [
        _row(E_BARRAGE, "barrage", None),  # a second row for the barrage line, without an event
        _row(E_FLED, "abandoned", "e9", "COERCE", polarity=None),  # null polarity reads as asserted
    ]
    for i, row in enumerate(rows):
        row["trigger_start"] = 10 * i
        row["sentence_start"] = None
    release = tmp_path / "release"
    release.mkdir()
    schema = pa.schema([("event_id", pa.string()), ("doc_id", pa.string()), ("sentence_text", pa.string()),
                        ("trigger_text", pa.string()), ("trigger_start", pa.int64()),
                        ("sentence_start", pa.int64()), ("event_type", pa.string()), ("polarity", pa.string())])
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    pq.write_table(pa.table(columns, schema=schema), release / "mentions.parquet")
    unclustered = _gold(E_TALKS.replace("met", "greeted"), "greeted", "CONSULT")
    gold = [*GOLD, G_LAUNCH, G_ONE, G_ECHO, unclustered, {"doc": "elsewhere.txt", "scope_start": 0, "scope_end": 5}]
    gold_path, clusters_path = tmp_path / "gold.jsonl", tmp_path / "clusters.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    clusters_path.write_text("".join(json.dumps(c) + "\n" for c in CLUSTERS + TIE_CLUSTERS), encoding="utf-8")

    source, loaded = load_release_rows(release)
    mine = score_clusters(loaded, load_gold(gold_path), load_gold(clusters_path))
    assert mine["n_tie_swaps"] == 1 and mine["n_gold_unclustered"] == 1
    _assert_same(_reference(gold_path, clusters_path, release), source, loaded, mine)


def test_same_figures_as_the_reference_scorer_on_an_old_release() -> None:
    _need_reference()
    if not (OLD_RELEASE / "events.parquet").is_file() or not DEV_GOLD.is_file():
        pytest.skip(f"no old-layout release at {OLD_RELEASE}")
    source, rows = load_release_rows(OLD_RELEASE)
    assert source == "events.parquet"
    mine = score_clusters(rows, load_gold(DEV_GOLD), load_gold(DEV_CLUSTERS))
    _assert_same(_reference(DEV_GOLD, DEV_CLUSTERS, OLD_RELEASE), source, rows, mine)
