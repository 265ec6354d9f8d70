"""The own development gold (tests/owngold): its size and spread, and that every line points at
the text the pipeline reads (what the scorer needs)."""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

OWN = Path(__file__).parent / "owngold"
KEYS = ["doc", "evidence", "trigger", "trigger_occurrence", "event_type", "event_mode", "actor", "actor_from_context",
        "actor_country", "actor_sector", "recipient", "recipient_country", "recipient_sector", "date_text",
        "date_start", "date_end", "date_precision", "place_text", "place_country", "geonameid", "polarity",
        "fatalities_low", "fatalities_high", "notes"]
TYPES = {"ACCUSE", "AGREE", "AID", "ASSAULT", "COERCE", "CONCEDE", "CONSULT", "COOPERATE", "MOBILIZE", "PROTEST",
         "REJECT", "REQUEST", "RETREAT", "SANCTION", "SUPPORT", "THREATEN"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    from eventextract.ingest import documents

    return {d.doc_id: d.text for d in documents([OWN / "docs"]) if d.status == "ok"}


def test_size_and_spread() -> None:
    meta = list(csv.DictReader((OWN / "documents.csv").open(encoding="utf-8")))
    gold = _lines(OWN / "gold.jsonl")
    assert sorted(m["doc"] for m in meta) == sorted(p.name for p in (OWN / "docs").iterdir())
    assert len(meta) >= 15 and len({m["genre"] for m in meta}) >= 4 and len({m["conflict"] for m in meta}) >= 8
    assert len({m["year"][:3] for m in meta}) >= 3 and {m["format"] for m in meta} >= {"txt", "md", "html"}
    assert Counter(m["half"] for m in meta).keys() == {"analysed", "sealed"}
    assert sum(g["polarity"] == "asserted" for g in gold) >= 600
    assert {g["doc"] for g in gold} == {m["doc"] for m in meta}


@pytest.mark.parametrize("name", ["gold.jsonl", *sorted(p.name for p in (OWN / "second").glob("*.jsonl"))])
def test_lines_point_at_the_text(name: str, texts: dict[str, str]) -> None:
    path = OWN / name if name == "gold.jsonl" else OWN / "second" / name
    lines = _lines(path)
    assert lines
    for g in lines:
        assert list(g) == KEYS, g["evidence"][:40]
        assert g["evidence"] in texts[g["doc"]], g["evidence"][:60]
        assert g["evidence"].count(g["trigger"]) >= g["trigger_occurrence"] >= 1
        assert g["event_type"] in TYPES and g["polarity"] in {"asserted", "negated", "hypothetical", "future"}
        if g["date_start"]:
            assert g["date_start"] <= g["date_end"]


def test_second_annotations_cover_at_least_100_events() -> None:
    second = [g for p in (OWN / "second").glob("*.jsonl") for g in _lines(p)]
    docs = {g["doc"] for g in second}
    first = [g for g in _lines(OWN / "gold.jsonl") if g["doc"] in docs]
    assert sum(g["polarity"] == "asserted" for g in first) >= 100
