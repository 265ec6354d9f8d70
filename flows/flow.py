"""The eventextract Prefect flow: discover -> process batches -> assemble -> publish.

Each task is a thin call into ``eventextract.pipeline``. A batch task analyses its files, checks
their rows and writes them as Parquet parts under ``OUT/.staging/RUN_ID/``, returning only a small
manifest: rows do not travel back to the flow as Python objects, and the flow reads the parts in
batch order (removed after publishing). Only the I/O tasks (discovering inputs,
publishing the release) retry; processing is deterministic, and a bad document is recorded in the
documents table rather than failing its task. Runs use Prefect's ephemeral local API unless
``PREFECT_API_URL`` points at a server.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from eventextract import pipeline
from eventextract.config import Settings
from eventextract.ingest import InputFile

if TYPE_CHECKING:
    from .api import TemporaryAPI

#: folder beside ``releases/`` where batch tasks write their parts
STAGING = ".staging"


@task(name="discover-inputs", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def discover_inputs(inputs: list[str], batch_files: int) -> list[list[InputFile]]:
    return pipeline.plan_batches(inputs, batch_files)


@task(name="process-batch", cache_policy=NO_CACHE)
def process_batch(files: list[InputFile], settings: Settings, run_id: str, extracted_at: dt.datetime,
                  staging: str, index: int) -> pipeline.BatchManifest:
    return pipeline.process_batch_to_parts(files, settings, run_id, extracted_at, staging, index)


@task(name="read-cached-batches", cache_policy=NO_CACHE)
def read_cached_batches(batches: list[tuple[int, list[InputFile]]], settings: Settings, run_id: str,
                        extracted_at: dt.datetime, staging: str) -> list[pipeline.BatchManifest]:
    """The batches whose documents are all in the result cache, in this process: only cache reads
    (one task for all of them, not one per batch)."""
    return [pipeline.process_batch_to_parts(files, settings, run_id, extracted_at, staging, index)
            for index, files in batches]


@task(name="assemble-parts", cache_policy=NO_CACHE)
def assemble_parts(manifests: list[pipeline.BatchManifest]) -> pipeline.Staged:
    return pipeline.assemble(manifests)


@task(name="publish-release", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_release(staged: pipeline.Staged, out: str, run_id: str, settings: Settings,
                    versions: dict[str, str], release: str | None, force: bool,
                    created: dt.datetime, since: str | None = None) -> str:
    info = pipeline.finalize_tables(staged, out, run_id=run_id, settings=settings, versions=versions,
                                    version=release, force=force, created=created, since=since)
    return str(info.path)


@task(name="publish-to-destination", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish_to_destination(path: str, publish_to: str, force: bool) -> str:
    from eventextract.transfer import publish_release as upload

    return upload(Path(path), publish_to, force=force)


@task(name="component-versions", cache_policy=NO_CACHE)
def component_versions(settings: Settings) -> dict[str, str]:
    from eventextract.resources import component_versions as versions

    return versions(settings)


def _report(staged: pipeline.Staged, path: str, timings: dict[str, float], n_words: int) -> str:
    docs = staged.documents.select(["status", "reused"]).to_pylist()
    by_status: dict[str, int] = {}
    for d in docs:
        by_status[d["status"]] = by_status.get(d["status"], 0) + 1
    by_type: dict[str, int] = {}
    for etype in staged.mentions.column("event_type").to_pylist():
        by_type[etype] = by_type.get(etype, 0) + 1
    lines = ["# eventextract run", "", f"Release: `{path}`", "",
             "| count | value |", "|---|---|",
             f"| documents | {len(docs)} ({', '.join(f'{k}: {v}' for k, v in sorted(by_status.items()))}) |",
             f"| documents reused from the result cache | {sum(1 for d in docs if d['reused'])} |",
             f"| mentions published | {staged.mentions.num_rows} |",
             f"| rows quarantined | {staged.quarantine.num_rows} |",
             f"| words processed | {n_words} |", "",
             "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in timings.items()]
    lines += ["", "| event type | mentions |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(by_type.items())]
    return "\n".join(lines)


@flow(name="eventextract", log_prints=True)
def eventextract_flow(inputs: list[str] | None = None, out: str = "output", release: str | None = None,
                      config: str | None = None, force: bool = False, batch_files: int = 16,
                      progress: bool = False, source_base_url: str | None = None,
                      publish_to: str | None = None, since: str | None = None, no_cache: bool = False) -> str:
    """Read INPUTS (default: the bundled sample corpus) and publish a release under OUT/releases/
    (its changelog compares with the release SINCE, default the latest; with ``publish_to``, the
    release is also published to that release root; ``no_cache`` analyses every document again
    instead of reusing the results of earlier runs)."""
    from eventextract.changes import check_since
    from eventextract.publish import check_writable

    logger = get_run_logger()
    settings = Settings.from_file(config, source_base_url=source_base_url,
                                  reuse_results=False if no_cache else None)
    check_writable(Path(out))  # fail before any work when the release cannot be written
    check_since(Path(out), since)
    now = dt.datetime.now(dt.timezone.utc)
    run_id = pipeline.new_run_id(now)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    batches = discover_inputs(list(inputs or []), batch_files)
    timings["discover"] = time.perf_counter() - t0
    n_files = sum(len(b) for b in batches)
    logger.info("run %s: %d files in %d batches", run_id, n_files, len(batches))

    # each batch writes its checked rows as Parquet parts here and returns a small manifest
    staging = Path(out).resolve() / STAGING / run_id
    try:
        t0 = time.perf_counter()
        # a batch whose documents are all in the result cache is only cache reads: done here, in
        # the flow's process, and no worker is started for it
        cached = {i for i, b in enumerate(batches) if not pipeline.needs_analysis(b, settings)}
        futures = [process_batch.submit(b, settings, run_id, now, str(staging), i)
                   for i, b in enumerate(batches) if i not in cached]
        # this process waits for the workers' batches meanwhile (with none, it has its own to read,
        # and a release over cached documents mostly reuses its events and checks)
        prefetch = start_prefetch() if futures else None
        bar = _progress(n_files) if progress else None
        manifests: list[pipeline.BatchManifest] = []
        if cached:
            manifests += read_cached_batches([(i, batches[i]) for i in sorted(cached)], settings, run_id, now,
                                             str(staging))
            if bar is not None:
                bar.advance(sum(m.n_files for m in manifests))
        for fut in as_completed(futures):
            if bar is not None:
                bar.advance(fut.result().n_files)
        manifests += [fut.result() for fut in futures]
        if bar is not None:
            bar.close()
        if cached:
            logger.info("%d of %d batches read from the result cache in the flow's process", len(cached), len(batches))
        timings["process + row checks"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        # rows in batch order, not completion order: the release does not depend on the worker count
        staged = assemble_parts(manifests)
        timings["assemble parts"] = time.perf_counter() - t0
        # every batch reports the component versions it ran with (the flow need not load them)
        distinct = {json.dumps(m.versions, sort_keys=True) for m in manifests}
        if len(distinct) > 1:
            raise RuntimeError(f"batches ran with different component versions: {sorted(distinct)}")
        versions = manifests[0].versions if manifests else component_versions(settings)

        t0 = time.perf_counter()
        if prefetch is not None:
            prefetch.join()
        path = publish_release(staged, out, run_id, settings, versions, release, force, now, since)
        timings["events + expectations + publish"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.parent.rmdir()  # when no other run is staging
    if publish_to:
        t0 = time.perf_counter()
        url = publish_to_destination(path, publish_to, force)
        timings["publish to destination"] = time.perf_counter() - t0
        logger.info("published %s to %s", path, url)

    logger.info("stage seconds: %s", json.dumps({k: round(v, 3) for k, v in timings.items()}))
    create_markdown_artifact(key="eventextract-run",
                             markdown=_report(staged, path, timings, sum(m.n_words for m in manifests)),
                             description=f"eventextract {run_id}")
    logger.info("published %d mentions (%d quarantined) to %s", staged.mentions.num_rows, staged.quarantine.num_rows, path)
    return path


class _progress:
    """A small progress bar on stderr (input files done / planned)."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._p = Progress(TextColumn("files"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           console=Console(stderr=True), transient=False)
        self._p.start()
        self._task = self._p.add_task("docs", total=total)

    def advance(self, n: int) -> None:
        self._p.advance(self._task, n)

    def close(self) -> None:
        self._p.stop()


#: most worker processes ``workers=0`` gives (each holds its own spaCy model and indexes)
MAX_AUTO_WORKERS = 4


def default_workers() -> int:
    """One worker per CPU core this process may use, at most ``MAX_AUTO_WORKERS``."""
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_AUTO_WORKERS, cores))


def task_runner(runner: str = "auto", workers: int = 0, dask_address: str | None = None) -> Any:
    """The Prefect task runner for ``--runner``: a pool of worker processes (``process``; a batch
    task analyses its files there and returns only a manifest), threads in the flow's process
    (``local``), or prefect-dask's DaskTaskRunner (``dask``); ``auto`` is ``process`` with more than
    one worker, else ``local``. ``workers=0``: :func:`default_workers`."""
    workers = workers or default_workers()
    if runner == "auto":
        runner = "process" if workers > 1 else "local"
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    return ThreadPoolTaskRunner(max_workers=workers)


#: modules the flow process needs only after the batches (Great Expectations, the figures'
#: matplotlib: seconds of imports): imported in a thread while the batches run, not after them
PREFETCH = ("pandas", "great_expectations", "matplotlib.pyplot")


def import_modules(names: tuple[str, ...]) -> None:
    """Import ``names`` in order (ahead of the step that needs them), stopping at one that is missing."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            return  # the step that needs it raises, with its own context


def prefetch_imports() -> None:
    import_modules(PREFETCH)


#: library modules every run imports after the batches (publishing, checks, caches, card, figures,
#: and what they import: pyarrow's Parquet and CSV writers, pandas, matplotlib): imported while the
#: temporary API comes up, when this process would otherwise wait
WAIT_IMPORTS = ("pyarrow.parquet", "pandas", "matplotlib", "eventextract.publish", "eventextract.validate",
                "eventextract.release_cache", "eventextract.result_cache", "eventextract.card",
                "eventextract.figures", "eventextract.changes")


def start_prefetch() -> threading.Thread:
    thread = threading.Thread(target=prefetch_imports, name="eventextract-prefetch", daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def one_api(needed: bool, pending: "TemporaryAPI | None" = None) -> Any:
    """Make every process of the run talk to one Prefect API. ``pending``: a temporary API already
    starting (``eventextract run`` starts one before it imports Prefect, so it comes up while the
    flow module is imported): it is waited for and used. Otherwise the API
    this process uses (``PREFECT_API_URL``: a started ``prefect server``, Prefect Cloud, or a test
    harness) is exported to the environment worker processes inherit; without one, Prefect's
    temporary server is started here for the run (and stopped after it), instead of every worker
    process starting its own. Yields the API URL (None when not ``needed``)."""
    import os

    from prefect.settings import PREFECT_API_URL, temporary_settings

    if not needed:
        yield None
        return
    server = None
    if pending is not None:
        import_modules(WAIT_IMPORTS)
        url = pending.wait()
    else:
        url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        url = server.api_url
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            # send the run's last log records and events while the API is still up
            APILogWorker.drain_all(timeout=10)
            EventsWorker.drain_all(timeout=10)
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        if server is not None:
            server.stop()


def run_flow(inputs: list[str] | None = None, out: str = "output", release: str | None = None,
             config: str | None = None, runner: str = "auto", workers: int = 0,
             dask_address: str | None = None, batch_files: int = 16, force: bool = False,
             progress: bool = False, source_base_url: str | None = None,
             publish_to: str | None = None, since: str | None = None, no_cache: bool = False,
             api: "TemporaryAPI | None" = None) -> str:
    """Run the flow with the chosen task runner (see :func:`task_runner`); returns the release
    folder. ``api``: a temporary Prefect API already starting (see :func:`one_api`)."""
    inputs = [str(Path(p).resolve()) for p in inputs or []]
    chosen = task_runner(runner, workers, dask_address)
    with one_api(needed=not isinstance(chosen, ThreadPoolTaskRunner) or api is not None, pending=api):
        configured = eventextract_flow.with_options(task_runner=chosen)
        return configured(inputs=inputs, out=out, release=release, config=config, force=force,
                          batch_files=batch_files, progress=progress, source_base_url=source_base_url,
                          publish_to=publish_to, since=since, no_cache=no_cache)
