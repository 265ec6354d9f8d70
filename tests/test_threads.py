"""Stateless stages: the same documents analysed by several threads at once, in shuffled order,
give exactly what one thread gives in document order (no lock, no shared per-document state)."""
from __future__ import annotations

import datetime as dt
import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _documents() -> list:
    from eventextract import ingest
    from eventextract.pipeline import sample_corpus_dir

    return [d for d in ingest.documents([sample_corpus_dir(), ROOT / "tests" / "heldout" / "docs"])
            if d.status == "ok"]


def _annotate(res, document) -> tuple[str, str]:
    from eventextract.analyse import analyse
    from eventextract.rows import annotation

    result = analyse(document, res.nlp(document.nlp_text), res, "run-threads", NOW)
    return document.doc_id, json.dumps(annotation(result), sort_keys=True, default=str)


def test_four_threads_in_shuffled_order_match_one_thread_in_order(settings) -> None:
    from eventextract.resources import load_resources

    res = load_resources(settings)
    serial = dict(_annotate(res, d) for d in _documents())
    assert len(serial) >= 15
    shuffled = _documents() * 2  # every document twice, so that copies of one overlap in time
    random.Random(20261202).shuffle(shuffled)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda d: _annotate(res, d), shuffled))
    assert len(results) == 2 * len(serial)
    for doc_id, text in results:
        assert text == serial[doc_id], doc_id
