"""The ``eventextract`` command line: a thin Typer layer over the library.

``run`` and ``serve`` hand the work to the Prefect flow in ``eventextract_flows`` (imported only
when those commands run); every other command calls library functions directly.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import EventExtractError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn text into a validated, versioned event dataset (PLOVER 0.8).")


def _prefect_env() -> None:
    """One Prefect home per user/project, a start-up timeout a busy machine meets, no analytics."""
    from .runtime import prefect_environment

    prefect_environment()


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


#: the values of ``run --runner``
RUNNERS = ("auto", "process", "local", "dask")


@app.command()
def run(
    inputs: Optional[list[Path]] = typer.Argument(None, help="Files or folders (recursive). Default: the bundled sample corpus."),
    out: Path = typer.Option(Path("output"), "--out", help="Output folder; the release goes to OUT/releases/VERSION/."),
    release: Optional[str] = typer.Option(None, "--release", help="Release version (default: run date YYYY.MM.DD, .N appended if taken)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Settings file (YAML or TOML); see README."),
    runner: str = typer.Option("auto", "--runner", help="Prefect task runner: process (a pool of worker processes), "
                               "local (threads in this process), dask (prefect-dask), or auto: process when there "
                               "is more than one worker, else local."),
    workers: int = typer.Option(0, "--workers", min=0, help="Parallel workers (processes for process and dask, "
                                "threads for local); 0: one per CPU core, at most 4."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help="Address of a running Dask scheduler (with --runner dask)."),
    batch_files: int = typer.Option(16, "--batch-files", min=1, help="Input files per Prefect task (a task's rows "
                                    "are one set of Parquet parts)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing release of the same version."),
    source_base_url: Optional[str] = typer.Option(None, "--source-base-url", help="Public URL of the input folder: documents without a URL get source_url = this URL + their relative path."),
    publish_to: Optional[str] = typer.Option(None, "--publish-to", help="Also publish the release to this release root (folder or fsspec URL)."),
    since: Optional[str] = typer.Option(None, "--since", help="Release the changelog compares with (default: the latest release)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Analyse every document again instead of reusing the results "
                                  "of earlier runs for unchanged documents."),
) -> None:
    """Run the Prefect flow over INPUT and publish a release. Prints the release folder last."""
    if runner not in RUNNERS:
        _fail(ValueError(f"--runner must be one of {', '.join(RUNNERS)}"))
    _prefect_env()
    from .runtime import API_ADVICE, configured_api_url, is_api_start_failure

    api = None
    if configured_api_url() is None:
        # one temporary API for the run, started before Prefect is imported so that every Prefect
        # thread and worker process reads its URL; it comes up while the flow module is imported
        from eventextract_flows.api import TemporaryAPI

        api = TemporaryAPI().start()
        os.environ["PREFECT_API_URL"] = api.url
    try:
        from eventextract_flows.flow import run_flow

        path = run_flow(inputs=[str(p) for p in inputs or []], out=str(out), release=release,
                        config=str(config) if config else None, runner=runner, workers=workers,
                        dask_address=dask_address, batch_files=batch_files, force=force, progress=True,
                        source_base_url=source_base_url,
                        publish_to=publish_to if publish_to is None or "://" in publish_to else str(Path(publish_to).resolve()),
                        since=since, no_cache=no_cache, api=api)
    except EventExtractError as exc:
        _fail(exc)
    except Exception as exc:  # noqa: BLE001 - only Prefect's API start-up failure is turned into advice
        if not is_api_start_failure(exc):
            raise
        _fail(RuntimeError(API_ADVICE))
    finally:
        if api is not None:
            api.stop()
            os.environ.pop("PREFECT_API_URL", None)
    # Prefect logs the shutdown of its temporary API at exit; keep the release folder the last line
    logging.getLogger("prefect").setLevel(logging.WARNING)
    typer.echo(path)


@app.command()
def annotate(
    inputs: list[Path] = typer.Argument(..., help="Files or folders."),
    config: Optional[Path] = typer.Option(None, "--config", help="Settings file (YAML or TOML)."),
) -> None:
    """Print one JSON object per document: timexes, places and events with document offsets."""
    from .config import Settings
    from .pipeline import annotate as annotate_docs

    try:
        settings = Settings.from_file(config)
        for obj in annotate_docs(inputs, settings):
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    except EventExtractError as exc:
        _fail(exc)


@app.command("eval")
def eval_(
    gold: Path = typer.Option(..., "--gold", help="Gold events (JSONL; format in ../shared/gold/README.md)."),
    events: Path = typer.Option(..., "--events", "--mentions",
                                help="A release folder, or its mentions.parquet / mentions.csv (an events.parquet "
                                     "of a layout 1.x release is read as mentions)."),
    clusters: Optional[Path] = typer.Option(None, "--clusters", help="Gold event clusters (JSONL): also score the "
                                            "mention -> event grouping (pairwise and B-cubed)."),
    per_type: bool = typer.Option(False, "--per-type", help="Add precision/recall/F1 per event type."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score a release's mentions against gold: detection, typed F1, slot accuracy, false assertions; with
    --clusters, also how its mentions are grouped into events."""
    from .evaluate import format_report, load_gold, score
    from .evaluate_clusters import load_release_rows, score_clusters

    try:
        _, rows = load_release_rows(events)
        gold_lines = load_gold(gold)
        res = score(rows, gold_lines, per_type=per_type)
        if clusters is not None:
            res["clusters"] = score_clusters(rows, gold_lines, load_gold(clusters))
    except (OSError, ValueError, KeyError) as exc:  # unreadable file, bad JSON/Parquet, gold line without a field
        _fail(ValueError(f"cannot score {events} against {gold}: {type(exc).__name__}: {exc}"))
    typer.echo(json.dumps(res, sort_keys=True) if as_json else format_report(res))


@app.command()
def validate(release_dir: Path = typer.Argument(..., help="A release folder (output/releases/VERSION).")) -> None:
    """Re-run the JSON Schema and Great Expectations checks on a published release."""
    from .validate import validate_release

    summary = validate_release(release_dir)
    typer.echo(summary.summary_markdown() if hasattr(summary, "summary_markdown") else str(summary))
    raise typer.Exit(code=0 if summary.ok else 1)


@app.command()
def verify(release: str = typer.Argument(..., help="A release folder (output/releases/VERSION) or a release URL (ROOT_URL/VERSION/).")) -> None:
    """Check the release's files against SHA256SUMS and datapackage.json (a URL is downloaded to a temporary folder)."""
    from .download import is_url, verify_url
    from .publish import verify_release

    try:
        report = verify_url(release) if is_url(release) else verify_release(Path(release))
    except EventExtractError as exc:
        _fail(exc)
    for problem in report.problems:
        typer.echo(f"FAIL {problem}")
    typer.echo("OK" if report.ok else "checksums do not match")
    raise typer.Exit(code=0 if report.ok else 1)


@app.command()
def publish(
    release_dir: Path = typer.Argument(..., help="A complete release folder (output/releases/VERSION)."),
    to: str = typer.Option(..., "--to", help="Release root: a local folder or an fsspec URL (s3://bucket/releases, file://...)."),
    force: bool = typer.Option(False, "--force", help="Replace the same version at the destination."),
) -> None:
    """Upload a release to a release root and register it in its catalog.json and index.html (last). Prints its URL."""
    from .transfer import publish_release

    try:
        typer.echo(publish_release(release_dir, to, force=force))
    except EventExtractError as exc:
        _fail(exc)


@app.command()
def download(
    version: str = typer.Argument("latest", help="Release version, or latest."),
    from_url: str = typer.Option(..., "--from", help="Release root: http(s) URL, local folder or fsspec URL (s3://...)."),
    to: Path = typer.Option(..., "--to", help="Folder the release goes into (as TO/VERSION/)."),
    retries: int = typer.Option(3, "--retries", min=0, help="Retries per file on connection errors."),
) -> None:
    """Download a release, resuming interrupted files, and verify every size and sha256. Prints the folder."""
    from .download import download as fetch

    try:
        typer.echo(fetch(version, from_url, to, retries=retries))
    except EventExtractError as exc:
        _fail(exc)


@app.command()
def diff(
    old: Path = typer.Argument(..., help="The older release folder (output/releases/VERSION)."),
    new: Path = typer.Argument(..., help="The newer release folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    limit: int = typer.Option(20, "--limit", min=0, help="Changes listed after the counts."),
) -> None:
    """Show what was added, removed or changed between two local releases (events by event_id, mentions by mention_id, documents by doc_id)."""
    from .changes import compare, diff_text

    try:
        change_set = compare(old, new)
    except EventExtractError as exc:
        _fail(exc)
    typer.echo(json.dumps(change_set.summary(), sort_keys=True) if as_json else diff_text(change_set, limit))


@app.command()
def serve(
    cron: str = typer.Option("0 3 * * *", "--cron", help="Cron schedule of the deployment."),
    inputs: Optional[list[Path]] = typer.Argument(None, help="What each scheduled run reads (default: sample corpus)."),
    out: Path = typer.Option(Path("output"), "--out", help="Output folder of scheduled runs."),
    config: Optional[Path] = typer.Option(None, "--config", help="Settings file (YAML or TOML)."),
    port: int = typer.Option(4200, "--port", help="Port of the local Prefect server."),
    publish_to: Optional[str] = typer.Option(None, "--publish-to", help="Also publish each release to this release root."),
) -> None:
    """Start a local Prefect server (SQLite) and serve the flow on a cron schedule until Ctrl-C."""
    _prefect_env()
    from eventextract_flows.deployment import serve as serve_flow

    serve_flow(cron=cron, inputs=[str(p.resolve()) for p in inputs or []], out=str(out.resolve()),
               config=str(config.resolve()) if config else None, port=port,
               publish_to=publish_to if publish_to is None or "://" in publish_to else str(Path(publish_to).resolve()))


@app.command()
def doctor(
    out: Optional[Path] = typer.Option(None, "--out", help="Also check that this output folder is writable."),
    config: Optional[Path] = typer.Option(None, "--config", help="Settings file (YAML or TOML)."),
) -> None:
    """Check the environment a run needs (packages, spaCy model, cache, gazetteer, Prefect API) and say what is missing."""
    from .config import Settings
    from .runtime import doctor as check, prefect_environment

    try:
        settings = Settings.from_file(config)
    except EventExtractError as exc:
        _fail(exc)
    prefect_environment()
    report = check(out, settings.model_name, settings.cache_dir)
    for line in report.lines():
        typer.echo(line)
    raise typer.Exit(code=0 if report.ok else 1)


@app.command()
def schema(table: str = typer.Argument("events", help="mentions, events, documents, quarantine or changes"),
           fmt: str = typer.Option("json-schema", "--format", help="json-schema, table-schema or markdown")) -> None:
    """Print the record layout of a table (derived from schemas/layout.yaml)."""
    from . import schema as sch

    if fmt == "markdown":
        typer.echo(sch.markdown_reference())
    elif fmt == "table-schema":
        typer.echo(json.dumps(sch.table_schema(table), indent=2))
    else:
        typer.echo(json.dumps(sch.json_schema(table), indent=2))


if __name__ == "__main__":  # pragma: no cover
    app()
