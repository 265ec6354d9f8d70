"""Calibrated ``confidence``: the probability that a published mention has the right event type and
the right actor, from what the row itself shows.

The rule stages give every candidate a raw score (the pattern's confidence, lowered without a coded
actor). On held-out text the raw score does not mean a probability: rows scored 0.8-0.9 were right
about three times in four. This module maps a row to a calibrated probability with a small logistic
model over features of the row (the raw score, how the actor was resolved, whether the trigger is a
noun or a light verb, the event type, the sentence length), fitted on development gold
(``scripts/eval_owngold.py --calibration-out``) and shipped as data
(``data/calibration/confidence.yaml``: the coefficients, what they were fitted on, and the
calibration table of the fit). No state: ``Calibration`` is read-only and ``apply`` is a pure
function of a row.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources as importlib_resources
from typing import Any
from .yamlio import load_yaml

#: event types with a feature of their own (the others share the intercept)
TYPES = ("ACCUSE", "AGREE", "AID", "ASSAULT", "COERCE", "CONCEDE", "CONSULT", "COOPERATE", "MOBILIZE",
         "PROTEST", "REJECT", "REQUEST", "RETREAT", "SANCTION", "SUPPORT", "THREATEN")
RESOLUTIONS = ("dictionary", "model", "context")


def features(row: Mapping[str, Any]) -> dict[str, float]:
    """The features of one mention row (a dict or a record with the layout's column names)."""
    get = row.get if isinstance(row, Mapping) else (lambda k, d=None: getattr(row, k, d))
    raw = float(get("confidence") or 0.0)
    rule = str(get("rule_id") or "")
    resolution = get("actor_resolution")
    actor = str(get("actor_text") or "")
    sentence = str(get("sentence_text") or "")
    out = {"raw": raw,
           "actor_coded": 1.0 if get("actor_country") else 0.0,
           "no_actor": 0.0 if actor else 1.0,
           "actor_long": 1.0 if len(actor.split()) > 6 else 0.0,
           "nominal": 1.0 if rule.startswith("n.") else 0.0,
           "light_verb": 1.0 if ".light" in rule else 0.0,
           "recipient": 1.0 if get("recipient_text") else 0.0,
           "long_sentence": min(len(sentence.split()), 80) / 40.0}
    for name in RESOLUTIONS:
        out[f"resolution:{name}"] = 1.0 if resolution == name else 0.0
    etype = get("event_type")
    for name in TYPES:
        out[f"type:{name}"] = 1.0 if etype == name else 0.0
    return out


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic model: ``confidence = 1 / (1 + exp(-(intercept + sum(w * feature))))``."""

    intercept: float
    weights: Mapping[str, float]
    version: str = "uncalibrated"
    fitted_on: str = ""
    table: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    #: the same table on held-out rows the fit did not see (the sealed half of the own gold)
    check: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    checked_on: str = ""

    def apply(self, row: Mapping[str, Any]) -> float:
        """The calibrated confidence of a row, rounded to 3 decimals."""
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in features(row).items())
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 3)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "fitted_on": self.fitted_on, "intercept": round(self.intercept, 6),
                "weights": {k: round(v, 6) for k, v in sorted(self.weights.items())},
                "table": [dict(r) for r in self.table], "checked_on": self.checked_on,
                "check": [dict(r) for r in self.check]}

    def to_yaml(self) -> str:
        import yaml

        header = ("# Calibration of `confidence` (eventextract.calibration), written by\n"
                  "# scripts/eval_owngold.py --calibration-out: do not edit by hand.\n")
        return header + yaml.safe_dump(self.as_dict(), sort_keys=False, allow_unicode=True)


def load(path: str | None = None) -> Calibration:
    """The shipped calibration (or the one in ``path``)."""
    if path is None:
        text = importlib_resources.files("eventextract").joinpath("data", "calibration", "confidence.yaml").read_text(
            encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    data = load_yaml(text)
    return Calibration(intercept=float(data["intercept"]), weights={k: float(v) for k, v in data["weights"].items()},
                       version=str(data.get("version", "")), fitted_on=str(data.get("fitted_on", "")),
                       table=tuple(data.get("table") or ()), check=tuple(data.get("check") or ()),
                       checked_on=str(data.get("checked_on", "")))


def fit(samples: Iterable[tuple[Mapping[str, Any], bool]], *, l2: float = 1.0, iterations: int = 50,
        version: str = "", fitted_on: str = "", claim: tuple[float, float] | None = None) -> Calibration:
    """Fit the logistic model on (row, correct) samples by Newton's method with an L2 penalty
    (not on the intercept); deterministic. ``claim=(threshold, share)``: then shift it down until
    rows at or above ``threshold`` are at least ``share`` correct on the samples (see
    :func:`_hold_claim`)."""
    import numpy as np

    samples = list(samples)
    if not samples:
        raise ValueError("no samples to fit a calibration on")
    names = sorted(features(samples[0][0]))
    x = np.array([[features(r)[n] for n in names] for r, _ in samples], dtype=float)
    x = np.hstack([np.ones((len(samples), 1)), x])
    y = np.array([1.0 if ok else 0.0 for _, ok in samples])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    cal = Calibration(intercept=float(w[0]), weights=dict(zip(names, (float(v) for v in w[1:]))),
                      version=version, fitted_on=fitted_on)
    if claim is not None:
        cal = _hold_claim(cal, samples, *claim)
    return replace(cal, table=tuple(reliability(cal, samples)))


def _hold_claim(cal: Calibration, samples: Sequence[tuple[Mapping[str, Any], bool]], threshold: float,
                share: float, min_rows: int = 20) -> Calibration:
    """Lower the intercept (a monotone shift: the order of rows does not change) until the rows at or
    above ``threshold`` are at least ``share`` correct on ``samples`` (or fewer than ``min_rows``
    remain): the published claim about ``min_confidence`` then holds on the development rows with
    the margin the caller put into ``share``."""
    for _ in range(200):
        high = [ok for r, ok in samples if cal.apply(r) >= threshold]
        if len(high) < min_rows or sum(high) / len(high) >= share:
            return cal
        cal = replace(cal, intercept=cal.intercept - 0.05)
    return cal


def reliability(cal: Calibration, samples: Sequence[tuple[Mapping[str, Any], bool]],
                edges: Sequence[float] = (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0)) -> list[dict[str, Any]]:
    """Rows and share correct per bin of calibrated confidence (the last bin includes 1.0), and
    the rows at or above 0.8 (the ``min_confidence: 0.8`` filter)."""
    scored = [(cal.apply(r), ok) for r, ok in samples]
    out = []
    for lo, hi in zip(edges, edges[1:]):
        inside = [ok for c, ok in scored if lo <= c < hi or (hi == edges[-1] and c == hi)]
        out.append({"confidence": f"{lo:.1f}-{hi:.1f}", "rows": len(inside),
                    "correct": round(sum(inside) / len(inside), 3) if inside else None})
    high = [ok for c, ok in scored if c >= 0.8]
    out.append({"confidence": ">=0.8", "rows": len(high), "correct": round(sum(high) / len(high), 3) if high else None})
    return out
