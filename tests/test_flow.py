"""The Prefect flow (real Prefect, temporary API via prefect_test_harness), local and Dask runners."""
from __future__ import annotations

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

    path = Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="1.0.0", batch_files=2))
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
        run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="1.0.0")
    assert Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="1.0.0", force=True)) == path


def test_flow_dask_runner(harness, corpus: Path, tmp_path: Path) -> None:
    from eventextract_flows.flow import run_flow

    path = Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / "out"), release="dask", runner="dask",
                         workers=1, batch_files=2))
    assert pq.read_table(path / "documents.parquet").num_rows == 3
    assert pq.read_table(path / "mentions.parquet").num_rows >= 2
    assert pq.read_table(path / "events.parquet").num_rows >= 1


def test_rows_do_not_depend_on_worker_count(harness, corpus: Path, tmp_path: Path) -> None:
    """Batches finish in any order; the release lists their rows in batch order."""
    from eventextract_flows.flow import run_flow

    (corpus / "d.txt").write_text("Georgian troops shelled Tskhinvali on 7 August 2008. Russia then sent "
                                  "armoured columns through the Roki tunnel.\n", encoding="utf-8")
    tables = {}
    for workers in (1, 3):
        path = Path(run_flow(inputs=[str(corpus)], out=str(tmp_path / f"w{workers}"), release="r",
                             workers=workers, batch_files=1, no_cache=True))  # both runs analyse
        volatile = {"mentions": ["run_id", "extracted_at"], "events": ["run_id"], "documents": []}
        tables[workers] = {t: pq.read_table(path / f"{t}.parquet").drop_columns(cols).to_pylist()
                           for t, cols in volatile.items()}
    assert tables[1] == tables[3]
    assert len(tables[1]["mentions"]) >= 3 and len(tables[1]["events"]) >= 1
