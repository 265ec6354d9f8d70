"""Calibrated confidence (eventextract.calibration): features, fit, the shipped table, the filter."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventextract import calibration
from eventextract.calibration import Calibration, features, fit, load, reliability


def _row(**kw):
    base = {"confidence": 0.8, "rule_id": "assault.attack", "actor_resolution": "dictionary",
            "actor_text": "Government troops", "actor_country": "ETH", "recipient_text": None,
            "sentence_text": "Government troops attacked the town of Adigrat on Friday.", "event_type": "ASSAULT"}
    base.update(kw)
    return base


def test_features_read_the_row() -> None:
    f = features(_row(rule_id="n.attack.light", actor_country=None, actor_text="", event_type="AID"))
    assert f["nominal"] == 1.0 and f["light_verb"] == 1.0 and f["actor_coded"] == 0.0 and f["no_actor"] == 1.0
    assert f["type:AID"] == 1.0 and sum(v for k, v in f.items() if k.startswith("type:")) == 1.0
    assert f["resolution:dictionary"] == 1.0


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_shipped_calibration_is_monotone_in_the_raw_score(a: float, b: float) -> None:
    cal = load()
    lo, hi = sorted((a, b))
    assert 0.0 <= cal.apply(_row(confidence=lo)) <= cal.apply(_row(confidence=hi)) <= 1.0


def test_fit_learns_what_predicts_correctness_and_is_deterministic() -> None:
    # correct exactly when the actor is coded: the fitted weight of actor_coded is large and positive
    samples = [(_row(actor_country=c, confidence=r), c is not None)
               for c in ("ETH", None) for r in (0.5, 0.6, 0.7, 0.8, 0.9) for _ in range(6)]
    cal = fit(samples, version="t")
    assert cal.weights["actor_coded"] > 1.0
    assert cal.apply(_row(actor_country="ETH")) > 0.8 > 0.2 > cal.apply(_row(actor_country=None))
    assert fit(samples, version="t") == cal
    table = {r["confidence"]: r for r in reliability(cal, samples)}
    assert table[">=0.8"]["rows"] == 30 and table[">=0.8"]["correct"] == 1.0
    # round trip through the shipped format
    path_text = cal.to_yaml()
    assert "do not edit by hand" in path_text
    with pytest.raises(ValueError):
        fit([])


def test_round_trip(tmp_path) -> None:
    cal = dataclasses.replace(fit([(_row(), True), (_row(actor_country=None), False)] * 4, version="x"),
                              check=({"confidence": ">=0.8", "rows": 1, "correct": 1.0},), checked_on="own")
    path = tmp_path / "c.yaml"
    path.write_text(cal.to_yaml(), encoding="utf-8")
    back = calibration.load(str(path))
    assert back.apply(_row()) == cal.apply(_row()) and back.checked_on == "own" and back.check == cal.check


def test_shipped_calibration_meets_its_claim_on_held_out_rows() -> None:
    """The shipped calibration carries its check on the sealed half of the own gold (which the fit did
    not see), and rows at >= 0.8 are mostly right there (the dataset card prints the table)."""
    cal = load()
    assert cal.version not in ("", "0") and "sealed" in cal.checked_on
    high = {r["confidence"]: r for r in cal.check}[">=0.8"]
    # 36 of 41 rows (0.878) at calibration 2: the claim is held on the development rows with a margin,
    # and the held-out share is published as measured (README, dataset card)
    assert high["rows"] >= 20 and high["correct"] >= 0.85


def test_min_confidence_filters_calibrated_rows(tmp_path) -> None:
    from eventextract import ingest, pipeline
    from eventextract.config import Settings

    doc = tmp_path / "a.txt"
    doc.write_text("On 12 March 2003 government troops attacked the rebels near Kidal. The rebels said they "
                   "might consider talks.\n", encoding="utf-8")

    def rows(**kw):
        out = pipeline.process_files(list(ingest.discover([doc])), Settings(reuse_results=False, **kw), "r",
                                     dt.datetime(2026, 1, 1))
        return out.mentions

    everything = rows()
    assert everything and all(0.0 <= m["confidence"] <= 1.0 for m in everything)
    cal = load()
    raw = rows(calibrate_confidence=False)
    assert [cal.apply(m) for m in raw] == [m["confidence"] for m in everything]
    floor = max(m["confidence"] for m in everything)
    kept = rows(min_confidence=floor)
    assert kept and all(m["confidence"] >= floor for m in kept) and len(kept) <= len(everything)
    assert rows(min_confidence=1.0) == [] or all(m["confidence"] >= 1.0 for m in rows(min_confidence=1.0))
