"""Shared fixtures. Expensive things (the spaCy pipeline, the gazetteer index) are built once per
test session; the gazetteer index is cached on disk under $EVENTEXTRACT_CACHE between sessions."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EVENTEXTRACT_SHARED", ROOT.parent / "shared"))

os.environ.setdefault("EVENTEXTRACT_CACHE", str(ROOT / ".cache" / "eventextract"))
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def nlp():
    from eventextract import nlp as nlp_stage

    return nlp_stage.load("auto")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (seed corpus, gold, tools); tests that need it skip where it is absent."""
    if not (SHARED / "corpus" / "seeds").is_dir():
        pytest.skip("../shared is not available")
    return SHARED


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from eventextract.config import Settings

    return Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"]))


@pytest.fixture(scope="session")
def gazetteer():
    """The full gazetteer index (built once into $EVENTEXTRACT_CACHE, reused between sessions)."""
    from eventextract.gazetteer import Gazetteer

    return Gazetteer.open(Path(os.environ["EVENTEXTRACT_CACHE"]))
