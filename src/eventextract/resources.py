"""Resources: everything loaded once per process and shared, read-only, by every document.

A :class:`Resources` is frozen: the spaCy pipeline, the ontology, and the compiled rules of the
three rule stages (``EventRules``, ``DateRules``, ``PlaceRules``: patterns, actor dictionary, date
grammar, place lexicon, gazetteer handle). No stage keeps per-document state on any of them (that
lives in :class:`eventextract.context.DocContext`), so one ``Resources`` serves any number of
threads at once without a lock. The gazetteer opens one SQLite connection per thread.

``load_resources`` builds them once per process and settings; the only lock here makes sure two
threads asking at once do not build them twice. Worker processes (Dask, spaCy ``n_process``)
build their own from the same ``Settings``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from . import nlp as nlp_stage
from .config import Settings

if TYPE_CHECKING:
    from spacy.language import Language

    from .calibration import Calibration
    from .dates import DateRules
    from .events import EventRules
    from .ontology import Ontology
    from .places import PlaceRules


@dataclass(frozen=True)
class Resources:
    """What every document of a run is analysed with (read-only)."""

    settings: Settings
    nlp: "Language"
    model_name: str
    model_version: str
    ontology: "Ontology"
    events: "EventRules"
    dates: "DateRules"
    places: "PlaceRules"
    gazetteer_version: str
    calibration: "Calibration | None" = None

    @property
    def versions(self) -> dict[str, str]:
        """The component versions recorded in every event row."""
        return {"extractor_version": __version__, "model_name": self.model_name,
                "model_version": self.model_version, "ontology_version": self.ontology.version,
                "gazetteer_version": self.gazetteer_version}


def settings_key(settings: Settings) -> str:
    """sha256 of the settings (the key of the per-process resources)."""
    return hashlib.sha256(json.dumps(settings.to_dict(), sort_keys=True).encode()).hexdigest()


_LOADED: dict[str, Resources] = {}
_LOADER_LOCK = threading.Lock()


def load_resources(settings: Settings) -> Resources:
    """The resources for ``settings``, built on first use in this process (also when several
    threads ask at once) and reused afterwards."""
    key = settings_key(settings)
    with _LOADER_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _build(settings)
        return _LOADED[key]


def _build(settings: Settings) -> Resources:
    from . import calibration
    from .actors import ActorResolver
    from .dates import DateRules
    from .events import EventRules
    from .gazetteer import Gazetteer
    from .ontology import Ontology
    from .places import PlaceRules

    nlp = nlp_stage.load(settings.model_name)
    name, version = nlp_stage.model_info(nlp)
    ontology = Ontology.load()
    gazetteer = Gazetteer.open(Path(settings.cache_dir), settings.gazetteer_files)
    return Resources(settings=settings, nlp=nlp, model_name=name, model_version=version, ontology=ontology,
                     events=EventRules.load(settings, ontology=ontology, actors=ActorResolver(settings)),
                     dates=DateRules.load(settings), places=PlaceRules.load(gazetteer, settings),
                     gazetteer_version=gazetteer.version,
                     calibration=calibration.load() if settings.calibrate_confidence else None)


_VERSIONS: dict[str, dict[str, str]] = {}


def model_meta(resolved: str) -> dict:
    """The ``meta.json`` of a spaCy pipeline (a folder, or an installed package's folder), read
    without importing spaCy or the package (a run served from the result cache needs neither);
    spaCy's own reader where that file is not found, which also raises its errors."""
    path = Path(resolved)
    if not path.exists():
        spec = importlib.util.find_spec(resolved) if resolved.isidentifier() else None
        path = Path(spec.origin).parent if spec is not None and spec.origin else path
    if (path / "meta.json").is_file():
        return json.loads((path / "meta.json").read_text(encoding="utf-8"))
    import spacy

    package = path if path.exists() else spacy.util.get_package_path(resolved)
    return spacy.util.get_model_meta(package)


def component_versions(settings: Settings) -> dict[str, str]:
    """``Resources.versions`` without building the resources: the spaCy pipeline's name and
    version from its ``meta.json`` (the pipeline is not loaded), the ontology's and the
    gazetteer's versions. A run whose documents all come from the result cache needs only these."""
    from .gazetteer import Gazetteer
    from .ontology import Ontology

    key = settings_key(settings)
    if key in _LOADED:
        return _LOADED[key].versions
    with _LOADER_LOCK:
        if key not in _VERSIONS:
            meta = model_meta(nlp_stage.resolve_model_name(settings.model_name))
            gazetteer = Gazetteer.open(Path(settings.cache_dir), settings.gazetteer_files)
            _VERSIONS[key] = {"extractor_version": __version__,
                              "model_name": f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}",
                              "model_version": str(meta.get("version", "0")),
                              "ontology_version": Ontology.load().version,
                              "gazetteer_version": gazetteer.version}
        return dict(_VERSIONS[key])
