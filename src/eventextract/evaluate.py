"""``eventextract eval``: score an events table against gold event annotations.

Implements the metric definitions of the shared gold (``gold/README.md``) so that the project
reports the same figures as the reference scorer:

- matching: a system event and a gold line of the same document (compared by file name) match when
  their triggers share a content word and the system sentence covers at least half of the gold
  evidence words; pairs are matched one-to-one, best first (a same-type pair scores higher);
- ``detection`` / ``typed``: precision, recall, F1 of asserted system events against asserted gold;
- ``slot_accuracy`` over typed matches (actor/recipient by country code or text, date by interval
  containment, place by GeoNames id or text); ``complete_recall``; ``false_assertions``.
Gold lines with ``scope_start``/``scope_end`` restrict which parts of a document were annotated.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_STOPWORDS = frozenset({"the", "a", "an", "of", "and", "s", "to", "in", "on", "by", "its", "their", "his", "her",
                        "was", "were", "had", "has", "have", "been", "be", "is", "are", "with", "for", "at", "from"})
_WORD = re.compile(r"\w+", re.UNICODE)
ASSERTED = "asserted"
SLOTS = ("actor", "recipient", "date", "place")


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def words(text: Any) -> set[str]:
    """Content words of a text (all words when it has only stopwords)."""
    if _missing(text):
        return set()
    found = [w.lower() for w in _WORD.findall(str(text))]
    content = {w for w in found if w not in _STOPWORDS}
    return content or set(found)


def to_date(value: Any) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def file_key(doc_id: Any) -> str:
    return str(doc_id).replace("\\", "/").rsplit("/", 1)[-1]


def load_events(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def polarity(row: dict[str, Any]) -> str:
    value = row.get("polarity")
    return ASSERTED if _missing(value) else str(value)


def _pair_score(sys_ev: dict[str, Any], gold: dict[str, Any]) -> float:
    if not words(sys_ev.get("trigger_text")) & words(gold["trigger"]):
        return 0.0
    evidence = words(gold["evidence"])
    coverage = len(evidence & words(sys_ev.get("sentence_text"))) / max(1, len(evidence))
    if coverage < 0.5:
        return 0.0
    return 1.0 + coverage + (1.0 if sys_ev.get("event_type") == gold["event_type"] else 0.0)


def match(system: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """One-to-one pairs, best score first (ties: later system rows, then later gold lines, first)."""
    sys_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    gold_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in system:
        sys_by_doc[file_key(s.get("doc_id"))].append(s)
    for g in gold:
        gold_by_doc[file_key(g["doc"])].append(g)
    pairs = []
    for doc, golds in gold_by_doc.items():
        systems = sys_by_doc.get(doc, [])
        scored = [(sc, i, j) for i, s in enumerate(systems) for j, g in enumerate(golds)
                  if (sc := _pair_score(s, g)) > 0]
        taken_s: set[int] = set()
        taken_g: set[int] = set()
        for _, i, j in sorted(scored, reverse=True):
            if i not in taken_s and j not in taken_g:
                taken_s.add(i)
                taken_g.add(j)
                pairs.append((systems[i], golds[j]))
    return pairs


def _codes(value: Any) -> set[str]:
    return {c.strip().upper() for c in str(value).replace(",", ";").split(";") if c.strip()}


def _actor_ok(s: dict[str, Any], g: dict[str, Any], role: str) -> bool | None:
    g_text, g_code = g.get(role, ""), g.get(f"{role}_country", "")
    if _missing(g_text) and _missing(g_code):
        return None
    s_code = s.get(f"{role}_country")
    if not _missing(g_code) and not _missing(s_code) and _codes(s_code) & _codes(g_code):
        return True
    if _missing(g_code):
        return bool(words(s.get(f"{role}_text")) & words(g_text))
    return False


def _date_ok(s: dict[str, Any], g: dict[str, Any]) -> bool | None:
    start, end = to_date(g.get("date_start")), to_date(g.get("date_end"))
    if start is None:
        return None
    got = to_date(s.get("date_start"))
    return got is not None and start <= got <= (end or start)


def _place_ok(s: dict[str, Any], g: dict[str, Any]) -> bool | None:
    if _missing(g.get("place_text")):
        return None
    gid = g.get("geonameid")
    if gid not in (None, ""):
        sid = s.get("geonameid")
        try:
            return sid not in (None, "") and int(float(sid)) == int(gid)
        except (TypeError, ValueError):
            return False
    return bool(words(s.get("place_text")) & words(g["place_text"]))


def _prf(tp: int, n_system: int, n_gold: int) -> dict[str, Any]:
    p = tp / n_system if n_system else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp,
            "system": n_system, "gold": n_gold}


def _in_scope(s: dict[str, Any], scopes: dict[str, list[tuple[int, int]]]) -> bool:
    ranges = scopes.get(file_key(s.get("doc_id")))
    if not ranges:
        return True
    start = s.get("trigger_start")
    if _missing(start):
        start = s.get("sentence_start")
    if _missing(start):
        return False
    return any(a <= int(start) < b for a, b in ranges)


def scored_rows(system: Iterable[dict[str, Any]],
                gold: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The system rows that are scored (documents of the gold, inside its scope lines) and the gold
    event lines (the scope lines removed)."""
    gold = list(gold)
    scopes: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for g in gold:
        if "scope_start" in g:
            scopes[file_key(g["doc"])].append((int(g["scope_start"]), int(g["scope_end"])))
    gold = [g for g in gold if "scope_start" not in g]
    docs = {file_key(g["doc"]) for g in gold}
    return [s for s in system if file_key(s.get("doc_id")) in docs and _in_scope(s, scopes)], gold


def score(system: Iterable[dict[str, Any]], gold: Iterable[dict[str, Any]], per_type: bool = False) -> dict[str, Any]:
    """The figures of the shared scorer for ``system`` events against ``gold`` lines."""
    system, gold = scored_rows(system, gold)

    gold_pol = lambda g: g.get("polarity", ASSERTED)  # noqa: E731
    sys_asserted = [s for s in system if polarity(s) == ASSERTED]
    gold_asserted = [g for g in gold if gold_pol(g) == ASSERTED]
    pairs = match(system, gold)
    both_asserted = [(s, g) for s, g in pairs if polarity(s) == ASSERTED and gold_pol(g) == ASSERTED]
    typed = [(s, g) for s, g in both_asserted if s.get("event_type") == g["event_type"]]

    slots: dict[str, list[bool]] = {k: [] for k in SLOTS}
    complete = 0
    for s, g in typed:
        checks = {"actor": _actor_ok(s, g, "actor"), "recipient": _actor_ok(s, g, "recipient"),
                  "date": _date_ok(s, g), "place": _place_ok(s, g)}
        for k, v in checks.items():
            if v is not None:
                slots[k].append(v)
        if all(v is not False for k, v in checks.items() if k != "recipient"):
            complete += 1
    result: dict[str, Any] = {
        "detection": _prf(len(both_asserted), len(sys_asserted), len(gold_asserted)),
        "typed": _prf(len(typed), len(sys_asserted), len(gold_asserted)),
        "slot_accuracy": {k: (round(sum(v) / len(v), 4) if v else None) for k, v in slots.items()},
        "slot_counts": {k: len(v) for k, v in slots.items()},
        "complete_recall": round(complete / len(gold_asserted), 4) if gold_asserted else 0.0,
        "false_assertions": sum(1 for s, g in pairs if polarity(s) == ASSERTED and gold_pol(g) != ASSERTED),
        "non_asserted_gold": sum(1 for g in gold if gold_pol(g) != ASSERTED),
        "non_asserted_caught": sum(1 for s, g in pairs if polarity(s) != ASSERTED and gold_pol(g) != ASSERTED),
    }
    if per_type:
        n_sys = Counter(s.get("event_type") for s in sys_asserted)
        n_gold = Counter(g["event_type"] for g in gold_asserted)
        n_tp = Counter(g["event_type"] for _, g in typed)
        result["per_type"] = {str(t): _prf(n_tp[t], n_sys[t], n_gold[t])
                              for t in sorted(set(n_sys) | set(n_gold), key=str)}
    return result


def format_report(result: dict[str, Any]) -> str:
    """The report as ``key: json`` lines (the shared scorer's text format)."""
    return "\n".join(f"{k}: {json.dumps(v, sort_keys=True)}" for k, v in result.items())
