"""The Prefect flow (real Prefect, temporary API via prefect_test_harness), local and Dask runners."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        yield


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text("On 2 June 1999 NATO suspended its air strikes after Serbian forces began to withdraw "
                             "from Kosovo.\n", encoding="utf-8")
    (d / "b.md").write_text("---\ntitle: Talks\npublished: 2008-08-16\n---\nRussia and Georgia signed a ceasefire "
                            "agreement on Saturday.\n", encoding="utf-8")
    (d / "c.txt").write_bytes(b"")
    return d


def test_flow_local_runner(harness, corpus: Path, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from eventextract_flows.flow import run_flow

    path = Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="1.0.0", batch_files=2,
                         runner="local", workers=1))
    assert path == (tmp_path / "out" / "releases" / "1.0.0")
    docs = pq.read_table(path / "documents.parquet").to_pylist()
    assert sorted(d["doc_id"] for d in docs) == ["a.txt", "b.md", "c.txt"]
    mentions = pq.read_table(path / "mentions.parquet").to_pylist()
    assert len(mentions) >= 2
    # the flow publishes the events table too, built from the mentions
    events = pq.read_table(path / "events.parquet").to_pylist()
    asserted = {m["event_id"] for m in mentions if m["polarity"] == "asserted"}
    assert events and asserted == {e["event_id"] for e in events}
    assert sum(e["n_mentions"] for e in events) == sum(1 for m in mentions if m["event_id"] is not None)
    assert (path / "validation" / "events_mentions.json").is_file()
    assert not (tmp_path / "out" / ".staging").exists()  # the batches' parts are gone once published
    with get_client(sync_client=True) as client:
        keys = {a.key for a in client.read_artifacts()}
    assert "eventextract-run" in keys
    # an existing release is not overwritten without force
    with pytest.raises(Exception, match="E501"):
        run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="1.0.0", runner="local", workers=1)
    assert Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="1.0.0", force=True,
                         runner="local", workers=1)) == path


def _rows(path: Path) -> dict[str, list[dict]]:
    volatile = {"mentions": ["run_id", "extracted_at"], "events": ["run_id"], "documents": [], "quarantine": []}
    return {t: pq.read_table(path / f"{t}.parquet").drop_columns(
        [c for c in cols if c in pq.read_schema(path / f"{t}.parquet").names]).to_pylist()
        for t, cols in volatile.items()}


@pytest.fixture()
def bigger_corpus(corpus: Path) -> Path:
    (corpus / "d.txt").write_text("Georgian troops shelled Tskhinvali on 7 August 2008. Russia then sent "
                                  "armoured columns through the Roki tunnel.\n", encoding="utf-8")
    (corpus / "e.txt").write_text("On 14 August 2006 a ceasefire took effect in Lebanon. Two days later Israeli "
                                  "troops began to withdraw from Bint Jbeil.\n", encoding="utf-8")
    return corpus


def test_rows_do_not_depend_on_runner_or_worker_count(harness, bigger_corpus: Path, tmp_path: Path) -> None:
    """Batches finish in any order and in other processes; the release lists their rows in batch
    order: one thread, three threads, a pool of two worker processes and a real dask.distributed
    LocalCluster of two worker processes give the same rows in the same order."""
    from eventextract_flows.flow import run_flow

    tables = {}
    for name, runner, workers in (("local1", "local", 1), ("local3", "local", 3), ("process2", "process", 2),
                                  ("dask2", "dask", 2)):
        path = Path(run_flow(inputs=[str(bigger_corpus)], out=str(tmp_path / name), release="r", runner=runner,
                             workers=workers, batch_files=1, no_cache=True))  # every run analyses
        tables[name] = _rows(path)
    assert len(tables["local1"]["mentions"]) >= 4 and len(tables["local1"]["events"]) >= 2
    assert len(tables["local1"]["documents"]) == 5
    for name in ("local3", "process2", "dask2"):
        assert tables[name] == tables["local1"], name


def test_a_rerun_of_cached_documents_starts_no_worker_and_reuses_the_release_work(
        harness, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every document in the result cache, the flow reads the batches in its own process (one
    task, no process-batch task) and reuses the events and the expectation reports of the first run;
    the rows are the same."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    from eventextract_flows.flow import run_flow

    from eventextract.config import Settings
    from test_result_cache import _isolated_cache

    cache = _isolated_cache(tmp_path, Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"])))
    monkeypatch.setenv("EVENTEXTRACT_CACHE", str(cache))
    paths = [Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release=r, batch_files=1,
                           runner="process", workers=2)) for r in ("a", "b")]
    first, again = _rows(paths[0]), _rows(paths[1])
    assert first["mentions"] and all(first[t] == again[t] for t in ("mentions", "events", "quarantine"))
    assert [d["reused"] for d in again["documents"]] == [True, True, False]  # c.txt is empty
    report = (paths[1] / "validation" / "mentions.json").read_text(encoding="utf-8")
    assert '"reused_from_run"' in report
    with get_client(sync_client=True) as client:
        (latest,) = client.read_flow_runs(limit=1, sort=FlowRunSort.START_TIME_DESC)
        names = {t.name.rsplit("-", 1)[0] for t in client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[latest.id])))}
    assert "read-cached-batches" in names and "process-batch" not in names


def test_one_api_for_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PREFECT_API_URL, a run whose workers are other processes starts one temporary Prefect
    server and exports its URL for the workers (they do not start their own); it is gone after."""
    import httpx
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from eventextract_flows.flow import one_api

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with one_api(needed=False) as url:
            assert url is None and "PREFECT_API_URL" not in os.environ
        with one_api(needed=True) as url:
            assert url and os.environ["PREFECT_API_URL"] == url
            assert PREFECT_API_URL.value() == url
            assert httpx.get(f"{url}/health", timeout=30).status_code == 200
        assert "PREFECT_API_URL" not in os.environ
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{url}/health", timeout=5)
        # a configured API (a started server) is used as it is, and exported to the workers
        with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
            with one_api(needed=True) as url:
                assert url == "http://127.0.0.1:4200/api" == os.environ["PREFECT_API_URL"]


def test_temporary_api_answers_and_is_gone_after() -> None:
    """The temporary API ``eventextract run`` starts before importing Prefect: a real Prefect
    server in a child process, healthy after ``wait``, gone after ``stop``."""
    import httpx

    from eventextract_flows.api import TemporaryAPI

    api = TemporaryAPI().start()
    try:
        url = api.wait()
        assert url == api.url and url.endswith("/api")
        assert httpx.get(f"{url}/health", timeout=30).status_code == 200
    finally:
        api.stop()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{api.url}/health", timeout=5)


def test_configured_api_url_from_environment_or_active_profile(tmp_path: Path) -> None:
    from eventextract.runtime import configured_api_url

    home = tmp_path / "home"
    home.mkdir()
    env = {"PREFECT_HOME": str(home)}
    assert configured_api_url(env) is None  # no profiles file: Prefect would start a temporary API
    (home / "profiles.toml").write_text('active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n'
                                        '[profiles.other]\n', encoding="utf-8")
    assert configured_api_url(env) == "http://10.0.0.5:4200/api"
    assert configured_api_url({**env, "PREFECT_PROFILE": "other"}) is None
    assert configured_api_url({**env, "PREFECT_API_URL": "http://127.0.0.1:4200/api"}) == "http://127.0.0.1:4200/api"
    (home / "profiles.toml").write_text("not toml [", encoding="utf-8")
    assert configured_api_url(env) is None


def test_cli_run_uses_one_temporary_api(bigger_corpus: Path, tmp_path: Path) -> None:
    """``eventextract run`` without a configured API, with two worker processes: one temporary API
    for the run (Prefect starts none of its own, in no thread or worker), and a release."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_PROFILES_PATH"] = str(tmp_path / "no-profiles.toml")
    res = subprocess.run([str(Path(sys.executable).parent / "eventextract"), "run", str(bigger_corpus),
                          "--out", str(tmp_path / "out"), "--runner", "process", "--workers", "2"],
                         capture_output=True, text=True, env=env, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    release = Path(res.stdout.strip().splitlines()[-1])
    assert (release / "mentions.parquet").is_file() and pq.read_table(release / "documents.parquet").num_rows == 5
    assert "Starting temporary server" not in res.stderr  # Prefect's own: not started

