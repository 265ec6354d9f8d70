"""The changelog of a release: changes.compare on small tables, the changes files in every release,
--since, and an end-to-end run over an edited corpus (slow)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eventextract import catalog, changes, publish, schema
from eventextract.cli import app
from eventextract.errors import ReleaseError

from test_validate import make_document, make_event

CREATED = dt.datetime(2024, 3, 5, 10, 30, tzinfo=dt.timezone.utc)


def _release(out: Path, events: list[dict], documents: list[dict], version: str, **kw) -> publish.ReleaseInfo:
    return publish.write_release(out, events=publish.to_table(events, "events"),
                                 documents=publish.to_table(documents, "documents"),
                                 quarantine=publish.to_table([], "quarantine"), version=version,
                                 run_id=f"run-{version}", sources=[], validation={}, settings_info={},
                                 created=CREATED, **kw)


def _docs() -> list[dict]:
    return [make_document(i) for i in range(3)]


def _events() -> list[dict]:
    return [make_event(i) for i in range(6)]  # doc0.txt: 0, 3; doc1.txt: 1, 4; doc2.txt: 2, 5


def _ids(rows, change: str, table: str = "events") -> set[str]:
    return {r["id"] for r in rows if r["change"] == change and r["table"] == table}


def test_first_release_has_an_empty_changelog(tmp_path):
    info = _release(tmp_path, _events(), _docs(), "A")
    assert pq.read_table(info.path / "changes.parquet").num_rows == 0
    assert pq.read_table(info.path / "changes.parquet").schema.equals(schema.arrow_schema("changes"))
    package = json.loads((info.path / "datapackage.json").read_text())
    assert package["eventextract"]["changes"]["since"] is None
    assert "First release" in (info.path / "CHANGES.md").read_text()
    assert catalog.load(tmp_path / "releases").get("A").changes == {"since": None, "added": 0, "removed": 0,
                                                                   "changed": 0}
    assert publish.verify_release(info.path).ok


def test_compare_added_removed_changed(tmp_path):
    old_events, old_docs = _events(), _docs()
    a = _release(tmp_path, old_events, old_docs, "A")
    new_docs = [old_docs[0], make_document(1, sha256="f" * 64), make_document(3)]  # doc1 edited, doc2 gone, doc3 new
    kept = make_event(0, confidence=0.25, actor_name="Someone else", run_id="run-other",
                      extracted_at=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    new_events = [kept, make_event(3), make_event(7, doc_id="doc1.txt"), make_event(8, doc_id="doc3.txt")]
    b = _release(tmp_path, new_events, new_docs, "B")

    cs = changes.compare(a.path, b.path)
    assert (cs.since, cs.version) == ("A", "B")
    rows = cs.rows
    assert _ids(rows, "added") == {make_event(7)["event_id"], make_event(8)["event_id"]}
    assert _ids(rows, "removed") == {make_event(i)["event_id"] for i in (1, 2, 4, 5)}
    changed = [r for r in rows if r["change"] == "changed" and r["table"] == "events"]
    assert [(r["id"], r["changed_columns"]) for r in changed] == [(kept["event_id"], ["actor_name", "confidence"])]
    reasons = {r["id"]: r["reason"] for r in rows if r["table"] == "events"}
    assert reasons[make_event(7)["event_id"]] == "changed_document"
    assert reasons[make_event(8)["event_id"]] == "new_document"
    assert reasons[make_event(2)["event_id"]] == "removed_document"
    assert reasons[make_event(1)["event_id"]] == "changed_document"
    assert reasons[kept["event_id"]] == "other"  # doc0 unchanged, same component versions
    assert _ids(rows, "added", "documents") == {"doc3.txt"} and _ids(rows, "removed", "documents") == {"doc2.txt"}
    assert _ids(rows, "changed", "documents") == {"doc1.txt"}

    summary = cs.summary()
    json.dumps(summary)
    assert summary["tables"]["events"]["added"] == 2 and summary["tables"]["events"]["removed"] == 4
    assert summary["tables"]["events"]["by_reason"]["removed"] == {"changed_document": 2, "removed_document": 2}
    # the release itself recorded the same (compared with the latest, A)
    assert catalog.load(tmp_path / "releases").get("B").changes == {"since": "A", "added": 2, "removed": 4,
                                                                   "changed": 1}
    written = pq.read_table(b.path / "changes.parquet").to_pylist()
    assert written == cs.table.to_pylist()
    assert json.loads((b.path / "datapackage.json").read_text())["eventextract"]["changes"] == summary
    text = (b.path / "CHANGES.md").read_text()
    assert "# Changes in B since A" in text and kept["event_id"] in text
    csv_text = (b.path / "changes.csv").read_text()
    assert "actor_name | confidence" in csv_text
    assert publish.verify_release(b.path).ok


def test_version_change_reason(tmp_path):
    a = _release(tmp_path, _events(), _docs(), "A")
    b = _release(tmp_path, [make_event(i, model_version="9.9.9") for i in range(6)], _docs(), "B")
    cs = changes.compare(a.path, b.path)
    assert len(cs.rows) == 6
    assert {r["reason"] for r in cs.rows} == {"version_change"}
    assert {tuple(r["changed_columns"]) for r in cs.rows} == {("model_version",)}
    assert cs.component_changes["model_version"][1] == "9.9.9"
    assert "model_version" in cs.rows[0]["component_changes"]
    assert "version_change" in cs.summary()["tables"]["events"]["by_reason"]["changed"]


def test_since_picks_the_release_and_unknown_since_is_e505(tmp_path):
    _release(tmp_path, _events(), _docs(), "A")
    _release(tmp_path, _events()[:3], _docs(), "B")
    c = _release(tmp_path, _events()[:4], _docs(), "C", since="A")
    assert catalog.load(tmp_path / "releases").get("C").changes == {"since": "A", "added": 0, "removed": 2,
                                                                   "changed": 0}
    assert catalog.load(tmp_path / "releases").latest == "C"
    assert json.loads((c.path / "datapackage.json").read_text())["eventextract"]["changes"]["since"] == "A"
    with pytest.raises(ReleaseError, match="E505"):
        _release(tmp_path, _events(), _docs(), "D", since="nope")
    assert not (tmp_path / "releases" / "D").exists()
    with pytest.raises(ReleaseError, match="E505"):
        changes.check_since(tmp_path, "../A")
    # --force replacing the latest compares with the release before it
    again = _release(tmp_path, _events(), _docs(), "C", force=True)
    assert json.loads((again.path / "datapackage.json").read_text())["eventextract"]["changes"]["since"] == "B"


def test_diff_cli(tmp_path):
    a = _release(tmp_path, _events(), _docs(), "A")
    b = _release(tmp_path, _events()[:4], _docs(), "B")
    runner = CliRunner()
    res = runner.invoke(app, ["diff", str(a.path), str(b.path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["tables"]["events"] == {"added": 0, "removed": 2, "changed": 0,
                                                          "by_reason": {"removed": {"other": 2}}}
    res = runner.invoke(app, ["diff", str(a.path), str(b.path)])
    assert res.exit_code == 0 and "events: +0 -2 ~0" in res.output and make_event(5)["event_id"] in res.output
    res = runner.invoke(app, ["diff", str(a.path), str(tmp_path / "missing")])
    assert res.exit_code == 1 and "E502" in res.output


# --------------------------------------------------------------------------------------------
# end to end (spaCy)

CORPUS = {
    "bridge.txt": "On 3 May 1999 NATO aircraft bombed a bridge in Novi Sad.\n",
    "talks.txt": "On 12 June 2001 the government of Macedonia met rebel leaders in Skopje.\n",
    "protest.txt": "On 9 March 1991 students protested against the government in Belgrade.\n",
    "attack.txt": "On 2 August 1995 Croatian forces attacked Serb positions near Knin.\n",
}


def _event_ids(release: Path, doc_id: str | None = None) -> set[str]:
    rows = pq.read_table(release / "events.parquet", columns=["event_id", "doc_id"]).to_pylist()
    return {r["event_id"] for r in rows if doc_id is None or r["doc_id"] == doc_id}


@pytest.mark.slow
def test_two_runs_over_an_edited_corpus(tmp_path, settings):
    from eventextract import pipeline

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for name, text in CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    a = pipeline.run([corpus], out, version="A", settings=settings)
    ids_a = {d: _event_ids(a.path, d) for d in CORPUS}
    assert all(ids_a[d] for d in ("bridge.txt", "attack.txt", "protest.txt")), ids_a

    (corpus / "protest.txt").unlink()  # removed
    (corpus / "attack.txt").write_text("On 2 August 1995 Croatian forces shelled Serb positions near Knin.\n"
                                       "On 4 August 1995 Croatian troops attacked the town of Knin.\n",
                                       encoding="utf-8")  # edited
    (corpus / "siege.txt").write_text("On 6 April 1992 Serb forces attacked Sarajevo.\n", encoding="utf-8")  # new
    b = pipeline.run([corpus], out, version="B", settings=settings)

    cat = catalog.load(out / "releases")
    assert [r.version for r in cat.releases] == ["A", "B"] and cat.latest == "B"
    assert _event_ids(b.path, "bridge.txt") == ids_a["bridge.txt"]  # untouched: same ids
    assert _event_ids(b.path, "talks.txt") == ids_a["talks.txt"]
    rows = pq.read_table(b.path / "changes.parquet").to_pylist()
    ev = [r for r in rows if r["table"] == "events"]
    added = _event_ids(b.path, "attack.txt") | _event_ids(b.path, "siege.txt")
    removed = ids_a["attack.txt"] | ids_a["protest.txt"]
    assert _ids(ev, "added") == added and _ids(ev, "removed") == removed
    assert _ids(ev, "changed") == set()
    assert not any(r["doc_id"] in ("bridge.txt", "talks.txt") for r in rows)
    assert {r["id"]: r["reason"] for r in rows if r["table"] == "documents"} == {
        "siege.txt": "new_document", "attack.txt": "changed_document", "protest.txt": "removed_document"}
    assert cat.get("B").changes == {"since": "A", "added": len(added), "removed": len(removed), "changed": 0}
    assert publish.verify_release(b.path).ok

    res = CliRunner().invoke(app, ["diff", str(a.path), str(b.path), "--json"])
    assert res.exit_code == 0, res.output
    events = json.loads(res.output)["tables"]["events"]
    assert (events["added"], events["removed"], events["changed"]) == (len(added), len(removed), 0)
