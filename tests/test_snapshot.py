"""The golden snapshot: the pipeline's output on fixed corpora, pinned digest by digest.

``scripts/snapshot.py`` takes it (``annotate`` of every document and a full release with a fixed
run id and clock) and ``tests/snapshots/*.json`` holds the digests. A change that alters output
must re-freeze deliberately (``python scripts/snapshot.py freeze``) and say why in its commit.
The reference corpora (PLOVER records, WikiWars, TempEval-3, LGL, TR-News, GeoWebNews) are checked
by ``make snapshot`` (they take minutes); here the corpora a test session can afford."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _snapshot_module():
    spec = importlib.util.spec_from_file_location("snapshot", ROOT / "scripts" / "snapshot.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", ["sample", "heldout", "fixtures", "seeds"])
def test_output_matches_snapshot(name: str, tmp_path: Path) -> None:
    snap = _snapshot_module()
    taken = snap.take(name, SHARED, tmp_path)
    if taken is None:
        pytest.skip(f"{name}: source absent (../shared)")
    expected = json.loads((ROOT / "tests" / "snapshots" / f"{name}.json").read_text(encoding="utf-8"))
    assert snap.differences(expected, taken) == []
