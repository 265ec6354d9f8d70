"""The PLOVER 0.8 event ontology: event types, their modes, quad class, conflict-cooperation score
and nearest CAMEO root code, read from the packaged ``data/ontology/plover.yaml`` (or a user file).

The extract stage asks it whether a type/mode pair is valid; the pipeline reads quad class, score
and CAMEO root from it when it assembles event rows.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import DataFileError
from .yamlio import load_yaml

QUAD_CLASSES = ("verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")


@dataclass(frozen=True)
class EventType:
    """One PLOVER event type with its modes (``mode_scores`` maps a mode to its cc score)."""

    name: str
    quad_class: str
    cc_score: float
    cameo_root: str
    modes: tuple[str, ...]
    description: str
    mode_scores: tuple[tuple[str, float], ...] = ()

    def score(self, mode: str | None = None) -> float:
        """The conflict-cooperation score of the type, or of ``mode`` when the manual gives one."""
        return dict(self.mode_scores).get(mode or "", self.cc_score)


def _packaged_text() -> str:
    return resources.files("eventextract").joinpath("data/ontology/plover.yaml").read_text(encoding="utf-8")


class Ontology:
    """The event types of one ontology file, by name."""

    def __init__(self, version: str, types: dict[str, EventType]) -> None:
        self.version = version
        self.types = types

    @classmethod
    def load(cls, path: Path | None = None) -> "Ontology":
        """Load ``path`` (default: the packaged PLOVER 0.8 file); invalid files raise E304 DataFileError."""
        if path is None:
            return _load_packaged()
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise DataFileError("E304", f"cannot read ontology file {path}: {exc}") from exc
        return cls._parse(text, str(path))

    @classmethod
    def _parse(cls, text: str, where: str) -> "Ontology":
        try:
            data = load_yaml(text)
        except yaml.YAMLError as exc:
            raise DataFileError("E304", f"ontology file {where} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("types"), dict) or "version" not in data:
            raise DataFileError("E304", f"ontology file {where} needs 'version' and a 'types' mapping")
        types: dict[str, EventType] = {}
        for name, spec in data["types"].items():
            if not isinstance(spec, dict) or spec.get("quad_class") not in QUAD_CLASSES:
                raise DataFileError("E304", f"ontology file {where}: type {name} needs a valid quad_class")
            modes_raw: dict[str, Any] = spec.get("modes") or {}
            scores = []
            for mode, val in modes_raw.items():
                score = val.get("score") if isinstance(val, dict) else val
                scores.append((str(mode), float(score if score is not None else spec.get("cc_score", 0.0))))
            types[str(name)] = EventType(
                name=str(name), quad_class=spec["quad_class"], cc_score=float(spec.get("cc_score", 0.0)),
                cameo_root=str(spec.get("cameo_root", "")), modes=tuple(m for m, _ in scores),
                description=str(spec.get("description", "")), mode_scores=tuple(scores))
        return cls(str(data["version"]), types)

    def get(self, name: str) -> EventType:
        """The event type ``name``; KeyError for a name the ontology does not define."""
        return self.types[name]

    def names(self) -> list[str]:
        return list(self.types)

    def valid_mode(self, name: str, mode: str | None) -> bool:
        """True when ``mode`` is empty or one of the modes of type ``name``."""
        return not mode or mode in self.get(name).modes


@functools.lru_cache(maxsize=1)
def _load_packaged() -> Ontology:
    return Ontology._parse(_packaged_text(), "plover.yaml (packaged)")
