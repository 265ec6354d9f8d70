"""The changelog of a release: changes.compare on small tables, the changes files in every release,
--since, and an end-to-end run over an edited corpus (slow)."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from eventextract import catalog, changes, pipeline, publish, schema
from eventextract.aggregate import event_id_for
from eventextract.cli import app
from eventextract.errors import ReleaseError

from test_publish import make_document, make_mention, mention_id

CREATED = dt.datetime(2024, 3, 5, 10, 30, tzinfo=dt.timezone.utc)


def _release(out: Path, mentions: list[dict], documents: list[dict], version: str, **kw) -> publish.ReleaseInfo:
    """A release of these mention rows, with the events the pipeline would make of them."""
    mention_table, events = pipeline.aggregate_mentions(publish.to_table(mentions, "mentions"), run_id=f"run-{version}")
    return publish.write_release(out, mentions=mention_table, events=events,
                                 documents=publish.to_table(documents, "documents"),
                                 quarantine=publish.to_table([], "quarantine"), version=version,
                                 run_id=f"run-{version}", sources=[], validation={}, settings_info={},
                                 created=CREATED, **kw)


def _docs() -> list[dict]:
    return [make_document(i) for i in range(3)]


def make(i: int, **overrides) -> dict:
    """Mention ``i`` on a day of its own (1992-05-<i+1>): every mention is an event of its own."""
    day = dt.date(1992, 5, 1 + i % 28)
    return make_mention(i, **{"date_start": day, "date_end": day, **overrides})


def ev(i: int) -> str:
    """The event id of mention ``i`` when it is the event's only (first) mention."""
    return event_id_for(mention_id(i))


def _mentions() -> list[dict]:
    return [make(i) for i in range(6)]  # doc0.txt: 0, 3; doc1.txt: 1, 4; doc2.txt: 2, 5


def _ids(rows, change: str, table: str = "events") -> set[str]:
    return {r["id"] for r in rows if r["change"] == change and r["table"] == table}


def test_first_release_has_an_empty_changelog(tmp_path):
    info = _release(tmp_path, _mentions(), _docs(), "A")
    assert pq.read_table(info.path / "changes.parquet").num_rows == 0
    assert pq.read_table(info.path / "changes.parquet").schema.equals(schema.arrow_schema("changes"))
    package = json.loads((info.path / "datapackage.json").read_text())
    assert package["eventextract"]["changes"]["since"] is None
    assert "First release" in (info.path / "CHANGES.md").read_text()
    assert catalog.load(tmp_path / "releases").get("A").changes == {"since": None, "added": 0, "removed": 0,
                                                                   "changed": 0}
    assert publish.verify_release(info.path).ok
    # the helpers' premise: six mentions, six single-mention events
    assert _event_of(info.path) == {mention_id(i): ev(i) for i in range(6)}
    assert pq.read_metadata(info.path / "events.parquet").num_rows == 6


def test_compare_added_removed_changed(tmp_path):
    old_mentions, old_docs = _mentions(), _docs()
    a = _release(tmp_path, old_mentions, old_docs, "A")
    new_docs = [old_docs[0], make_document(1, sha256="f" * 64), make_document(3)]  # doc1 edited, doc2 gone, doc3 new
    kept = make(0, confidence=0.25, actor_name="Someone else", run_id="run-other",
                extracted_at=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    new_mentions = [kept, make(3), make(7, doc_id="doc1.txt"), make(8, doc_id="doc3.txt")]
    b = _release(tmp_path, new_mentions, new_docs, "B")

    cs = changes.compare(a.path, b.path)
    assert (cs.since, cs.version) == ("A", "B") and cs.note is None
    rows = cs.rows
    for table, ident in (("mentions", mention_id), ("events", ev)):
        assert _ids(rows, "added", table) == {ident(7), ident(8)}, table
        assert _ids(rows, "removed", table) == {ident(i) for i in (1, 2, 4, 5)}, table
        changed = [r for r in rows if r["change"] == "changed" and r["table"] == table]
        # run_id and extracted_at are not compared; the event's actor and confidence come from its mention
        assert [(r["id"], r["changed_columns"]) for r in changed] == [(ident(0), ["actor_name", "confidence"])], table
        reasons = {r["id"]: r["reason"] for r in rows if r["table"] == table}
        assert reasons[ident(7)] == "changed_document"
        assert reasons[ident(8)] == "new_document"
        assert reasons[ident(2)] == "removed_document"
        assert reasons[ident(1)] == "changed_document"
        assert reasons[ident(0)] == "other"  # doc0 unchanged, same component versions
        docs = {r["id"]: r["doc_id"] for r in rows if r["table"] == table}
        assert docs[ident(7)] == "doc1.txt" and docs[ident(8)] == "doc3.txt" and docs[ident(2)] == "doc2.txt"
        assert docs[ident(0)] == "doc0.txt"
    assert _ids(rows, "added", "documents") == {"doc3.txt"} and _ids(rows, "removed", "documents") == {"doc2.txt"}
    assert _ids(rows, "changed", "documents") == {"doc1.txt"}
    assert [r["table"] for r in rows] == sorted((r["table"] for r in rows),
                                                key=["events", "mentions", "documents"].index)

    summary = cs.summary()
    json.dumps(summary)
    for table in ("events", "mentions"):
        assert summary["tables"][table]["added"] == 2 and summary["tables"][table]["removed"] == 4
        assert summary["tables"][table]["by_reason"]["removed"] == {"changed_document": 2, "removed_document": 2}
    # the release itself recorded the same (compared with the latest, A)
    assert catalog.load(tmp_path / "releases").get("B").changes == {"since": "A", "added": 2, "removed": 4,
                                                                   "changed": 1}
    written = pq.read_table(b.path / "changes.parquet").to_pylist()
    assert written == cs.table.to_pylist()
    assert json.loads((b.path / "datapackage.json").read_text())["eventextract"]["changes"] == summary
    text = (b.path / "CHANGES.md").read_text()
    assert "# Changes in B since A" in text and ev(0) in text and mention_id(0) in text
    for line in ("| events | 2 | 4 | 1 |", "| mentions | 2 | 4 | 1 |", "| documents | 1 | 1 | 1 |"):
        assert line in text, line
    csv_text = (b.path / "changes.csv").read_text()
    assert "actor_name | confidence" in csv_text
    assert publish.verify_release(b.path).ok


def test_version_change_reason(tmp_path):
    a = _release(tmp_path, _mentions(), _docs(), "A")
    b = _release(tmp_path, [make(i, model_version="9.9.9") for i in range(6)], _docs(), "B")
    cs = changes.compare(a.path, b.path)
    # the mentions record the model version; the events (merged values) do not
    assert cs.counts("events") == {"added": 0, "removed": 0, "changed": 0}
    assert len(cs.rows) == 6 and {r["table"] for r in cs.rows} == {"mentions"}
    assert {r["id"] for r in cs.rows} == {mention_id(i) for i in range(6)}
    assert {r["reason"] for r in cs.rows} == {"version_change"}
    assert {tuple(r["changed_columns"]) for r in cs.rows} == {("model_version",)}
    assert cs.component_changes["model_version"][1] == "9.9.9"
    assert "model_version" in cs.rows[0]["component_changes"]
    assert "version_change" in cs.summary()["tables"]["mentions"]["by_reason"]["changed"]


def test_since_picks_the_release_and_unknown_since_is_e505(tmp_path):
    _release(tmp_path, _mentions(), _docs(), "A")
    _release(tmp_path, _mentions()[:3], _docs(), "B")
    c = _release(tmp_path, _mentions()[:4], _docs(), "C", since="A")
    assert catalog.load(tmp_path / "releases").get("C").changes == {"since": "A", "added": 0, "removed": 2,
                                                                   "changed": 0}
    assert catalog.load(tmp_path / "releases").latest == "C"
    assert json.loads((c.path / "datapackage.json").read_text())["eventextract"]["changes"]["since"] == "A"
    with pytest.raises(ReleaseError, match="E505"):
        _release(tmp_path, _mentions(), _docs(), "D", since="nope")
    assert not (tmp_path / "releases" / "D").exists()
    with pytest.raises(ReleaseError, match="E505"):
        changes.check_since(tmp_path, "../A")
    # --force replacing the latest compares with the release before it
    again = _release(tmp_path, _mentions(), _docs(), "C", force=True)
    assert json.loads((again.path / "datapackage.json").read_text())["eventextract"]["changes"]["since"] == "B"


def test_diff_cli(tmp_path):
    a = _release(tmp_path, _mentions(), _docs(), "A")
    b = _release(tmp_path, _mentions()[:4], _docs(), "B")
    runner = CliRunner()
    res = runner.invoke(app, ["diff", str(a.path), str(b.path), "--json"])
    assert res.exit_code == 0, res.output
    tables = json.loads(res.output)["tables"]
    for table in ("events", "mentions"):
        assert tables[table] == {"added": 0, "removed": 2, "changed": 0, "by_reason": {"removed": {"other": 2}}}
    assert tables["documents"] == {"added": 0, "removed": 0, "changed": 0, "by_reason": {}}
    res = runner.invoke(app, ["diff", str(a.path), str(b.path)])
    assert res.exit_code == 0 and "events: +0 -2 ~0" in res.output and "mentions: +0 -2 ~0" in res.output
    assert ev(5) in res.output and mention_id(5) in res.output
    res = runner.invoke(app, ["diff", str(a.path), str(tmp_path / "missing")])
    assert res.exit_code == 1 and "E502" in res.output


# --------------------------------------------------------------------------------------------
# merges and splits of events between releases

#: the fields of a mention that hold document offsets
_OFFSETS = [f.name for f in schema.table("mentions").fields
            if f.name.endswith(("_start", "_end")) and f.type == "int64"]


def _next_sentence(row: dict, by: int) -> dict:
    """The same report one sentence later in the document (every offset shifted by ``by``)."""
    return {**row, **{k: row[k] + by for k in _OFFSETS if row[k] is not None},
            "sentence_index": row["sentence_index"] + 1}


def _merge_case() -> tuple[list[dict], list[dict]]:
    """Mentions of release A and of release B. doc0.txt reports one shelling in two adjacent
    sentences (mentions 0 and 1). In A the first is placed in another town (Town B), so the two
    cannot be one event; in B it is placed where the second is (a gazetteer fix), and they merge.
    doc1.txt holds an unrelated mention (2) that stays as it is."""
    second = _next_sentence(make_mention(1, doc_id="doc0.txt"), by=80)
    first_a = make_mention(0, doc_id="doc0.txt", place_name="Town B", geonameid=616052, latitude=40.2,
                           longitude=44.5)
    first_b = make_mention(0, doc_id="doc0.txt")
    other = make_mention(2, doc_id="doc1.txt", event_type="PROTEST", quad_class="verbal_conflict")
    return [first_a, second, other], [first_b, second, other]


def _event_of(release: Path) -> dict[str, str]:
    rows = pq.read_table(release / "mentions.parquet", columns=["mention_id", "event_id"]).to_pylist()
    return {r["mention_id"]: r["event_id"] for r in rows}


def test_merge_between_releases(tmp_path):
    """Two events of A that are one event in B: the absorbed event is removed, the surviving one (its
    first mention is the same) changed, and the mention that moved changed in its event_id only."""
    mentions_a, mentions_b = _merge_case()
    a = _release(tmp_path, mentions_a, _docs()[:2], "A")
    b = _release(tmp_path, mentions_b, _docs()[:2], "B")
    in_a, in_b = _event_of(a.path), _event_of(b.path)
    surviving, absorbed = ev(0), ev(1)
    assert in_a == {mention_id(0): surviving, mention_id(1): absorbed, mention_id(2): ev(2)}
    assert in_b == {mention_id(0): surviving, mention_id(1): surviving, mention_id(2): ev(2)}
    merged = next(r for r in pq.read_table(b.path / "events.parquet").to_pylist() if r["event_id"] == surviving)
    assert (merged["n_mentions"], merged["merge_reason"]) == (2, "same_document")

    cs = changes.compare(a.path, b.path)
    by_key = {(r["table"], r["id"]): r for r in cs.rows}
    assert set(by_key) == {("events", surviving), ("events", absorbed), ("mentions", mention_id(0)),
                           ("mentions", mention_id(1))}  # nothing about doc1.txt or the documents
    assert by_key["events", absorbed]["change"] == "removed"
    assert by_key["events", surviving]["change"] == "changed"
    assert {"n_mentions", "merge_reason", "geonameid", "place_name"} <= \
        set(by_key["events", surviving]["changed_columns"])
    moved = by_key["mentions", mention_id(1)]
    assert moved["change"] == "changed" and moved["changed_columns"] == ["event_id"]
    fixed = by_key["mentions", mention_id(0)]
    assert fixed["change"] == "changed" and "event_id" not in fixed["changed_columns"]
    assert {"place_name", "geonameid", "latitude", "longitude"} == set(fixed["changed_columns"])
    assert {r["doc_id"] for r in cs.rows} == {"doc0.txt"} and {r["reason"] for r in cs.rows} == {"other"}
    assert cs.counts("events") == {"added": 0, "removed": 1, "changed": 1}
    assert cs.counts("mentions") == {"added": 0, "removed": 0, "changed": 2}
    assert catalog.load(tmp_path / "releases").get("B").changes == {"since": "A", "added": 0, "removed": 1,
                                                                   "changed": 1}
    text = (b.path / "CHANGES.md").read_text()
    assert "## events removed (1)" in text and absorbed in text
    assert f"`{mention_id(1)}` (other, document `doc0.txt`; columns: event_id)" in text
    assert pq.read_table(b.path / "changes.parquet").to_pylist() == cs.table.to_pylist()

    # the other way round (B -> A) the event is split: the absorbed id comes back as added
    split = changes.compare(b.path, a.path)
    by_key = {(r["table"], r["id"]): r for r in split.rows}
    assert by_key["events", absorbed]["change"] == "added"
    assert by_key["events", surviving]["change"] == "changed"
    assert "n_mentions" in by_key["events", surviving]["changed_columns"]
    assert by_key["mentions", mention_id(1)]["changed_columns"] == ["event_id"]


def test_new_document_reporting_an_event_joins_it(tmp_path):
    """A new document reporting the same happening (same day, place, actors) joins the event: the
    event keeps its id (its first mention is unchanged) and is changed, for the reason of the new
    document, which its changes row names although the event's first document is another."""
    first = make_mention(0, doc_id="doc0.txt")
    a = _release(tmp_path, [first], _docs()[:1], "A")
    b = _release(tmp_path, [first, make_mention(1, doc_id="doc1.txt")], _docs()[:2], "B")
    assert _event_of(b.path) == {mention_id(0): ev(0), mention_id(1): ev(0)}
    cs = changes.compare(a.path, b.path)
    by_key = {(r["table"], r["id"]): r for r in cs.rows}
    assert set(by_key) == {("events", ev(0)), ("mentions", mention_id(1)), ("documents", "doc1.txt")}
    event = by_key["events", ev(0)]
    assert event["change"] == "changed"
    assert {"n_mentions", "n_documents", "doc_ids", "merge_reason"} <= set(event["changed_columns"])
    assert (event["doc_id"], event["reason"]) == ("doc1.txt", "new_document")
    assert [by_key[k]["change"] for k in (("mentions", mention_id(1)), ("documents", "doc1.txt"))] == ["added", "added"]


# --------------------------------------------------------------------------------------------
# a previous release of another layout version


def _as_layout_1(release: Path, folder: Path, version: str) -> Path:
    """A copy of ``release`` that says it is a layout 1.3 release ``version`` (1.x had no mentions table)."""
    shutil.copytree(release, folder)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    package["version"] = version
    package["eventextract"]["layout_version"] = "1.3"
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    (folder / "mentions.parquet").unlink()
    return folder


def test_previous_release_of_layout_1_is_not_compared(tmp_path):
    a = _release(tmp_path, _mentions(), _docs(), "A")
    old = _as_layout_1(a.path, tmp_path / "releases" / "old", "old")
    cs = changes.compare(old, a.path)
    assert cs.rows == [] and cs.table.num_rows == 0
    assert (cs.since, cs.version) == ("old", "A")
    assert cs.note and "1.x" in cs.note and "2.x" in cs.note and "Not compared" in cs.note
    assert all(cs.counts(t) == {"added": 0, "removed": 0, "changed": 0} for t in changes.KEYS)
    assert cs.summary()["note"] == cs.note
    assert "Not compared" in cs.markdown() and "| events |" not in cs.markdown()
    # a release written against it says the same (it is not "the first release", and lists no changes)
    b = _release(tmp_path, _mentions()[:4], _docs(), "B", since="old")
    assert pq.read_table(b.path / "changes.parquet").num_rows == 0
    text = (b.path / "CHANGES.md").read_text(encoding="utf-8")
    assert text.startswith("# Changes in B since old") and "Not compared" in text and "1.x" in text
    assert "First release" not in text and "No event, mention or document changed" not in text
    package = json.loads((b.path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["eventextract"]["changes"]["since"] == "old"
    note = package["eventextract"]["changes"]["note"]
    assert "Not compared" in note and "1.x" in note and "old" in note
    assert catalog.load(tmp_path / "releases").get("B").changes == {"since": "old", "added": 0, "removed": 0,
                                                                   "changed": 0}
    assert publish.verify_release(b.path).ok
    # the same major version is compared as usual
    package = json.loads((old / "datapackage.json").read_text(encoding="utf-8"))
    package["eventextract"]["layout_version"] = "2.7"
    (old / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    shutil.copy(a.path / "mentions.parquet", old / "mentions.parquet")
    same_major = changes.compare(old, b.path)
    assert same_major.note is None and same_major.counts("events")["removed"] == 2


def test_diff_cli_of_a_layout_1_release_gives_the_note(tmp_path):
    a = _release(tmp_path, _mentions(), _docs(), "A")
    old = _as_layout_1(a.path, tmp_path / "old", "old")
    res = CliRunner().invoke(app, ["diff", str(old), str(a.path), "--json"])
    assert res.exit_code == 0, res.output
    assert "Not compared" in json.loads(res.output)["note"]


def test_diff_cli_text_of_a_layout_1_release_says_it_was_not_compared(tmp_path):
    a = _release(tmp_path, _mentions(), _docs(), "A")
    old = _as_layout_1(a.path, tmp_path / "old", "old")
    res = CliRunner().invoke(app, ["diff", str(old), str(a.path)])
    assert res.exit_code == 0, res.output
    assert "Not compared" in res.output


# --------------------------------------------------------------------------------------------
# end to end (spaCy)

CORPUS = {
    "bridge.txt": "On 3 May 1999 NATO aircraft bombed a bridge in Novi Sad.\n",
    "talks.txt": "On 12 June 2001 the government of Macedonia met rebel leaders in Skopje.\n",
    "protest.txt": "On 9 March 1991 students protested against the government in Belgrade.\n",
    "attack.txt": "On 2 August 1995 Croatian forces attacked Serb positions near Knin.\n",
}


def _ids_in(release: Path, table: str, doc_id: str | None = None) -> set[str]:
    """mention ids of a document (mentions), or ids of the events it reports (events)."""
    if table == "mentions":
        rows = pq.read_table(release / "mentions.parquet", columns=["mention_id", "doc_id"]).to_pylist()
        return {r["mention_id"] for r in rows if doc_id is None or r["doc_id"] == doc_id}
    rows = pq.read_table(release / "events.parquet", columns=["event_id", "doc_ids"]).to_pylist()
    return {r["event_id"] for r in rows if doc_id is None or doc_id in r["doc_ids"]}


@pytest.mark.slow
def test_two_runs_over_an_edited_corpus(tmp_path, settings):
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for name, text in CORPUS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    a = pipeline.run([corpus], out, version="A", settings=settings)
    ids_a = {(t, d): _ids_in(a.path, t, d) for t in ("mentions", "events") for d in CORPUS}
    assert all(ids_a[t, d] for t in ("mentions", "events") for d in ("bridge.txt", "attack.txt", "protest.txt")), ids_a

    (corpus / "protest.txt").unlink()  # removed
    (corpus / "attack.txt").write_text("On 2 August 1995 Croatian forces shelled Serb positions near Knin.\n"
                                       "On 4 August 1995 Croatian troops attacked the town of Knin.\n",
                                       encoding="utf-8")  # edited
    (corpus / "siege.txt").write_text("On 6 April 1992 Serb forces attacked Sarajevo.\n", encoding="utf-8")  # new
    b = pipeline.run([corpus], out, version="B", settings=settings)

    cat = catalog.load(out / "releases")
    assert [r.version for r in cat.releases] == ["A", "B"] and cat.latest == "B"
    rows = pq.read_table(b.path / "changes.parquet").to_pylist()
    for table in ("mentions", "events"):
        assert _ids_in(b.path, table, "bridge.txt") == ids_a[table, "bridge.txt"]  # untouched: same ids
        assert _ids_in(b.path, table, "talks.txt") == ids_a[table, "talks.txt"]
        added = _ids_in(b.path, table, "attack.txt") | _ids_in(b.path, table, "siege.txt")
        removed = ids_a[table, "attack.txt"] | ids_a[table, "protest.txt"]
        assert added and removed
        assert _ids(rows, "added", table) == added and _ids(rows, "removed", table) == removed, table
        assert _ids(rows, "changed", table) == set(), table
    assert not any(r["doc_id"] in ("bridge.txt", "talks.txt") for r in rows)
    assert {r["id"]: r["reason"] for r in rows if r["table"] == "documents"} == {
        "siege.txt": "new_document", "attack.txt": "changed_document", "protest.txt": "removed_document"}
    added_events = _ids_in(b.path, "events", "attack.txt") | _ids_in(b.path, "events", "siege.txt")
    removed_events = ids_a["events", "attack.txt"] | ids_a["events", "protest.txt"]
    assert cat.get("B").changes == {"since": "A", "added": len(added_events), "removed": len(removed_events),
                                    "changed": 0}
    assert publish.verify_release(b.path).ok

    res = CliRunner().invoke(app, ["diff", str(a.path), str(b.path), "--json"])
    assert res.exit_code == 0, res.output
    tables = json.loads(res.output)["tables"]
    for table in ("mentions", "events"):
        added = _ids(rows, "added", table)
        removed = _ids(rows, "removed", table)
        assert (tables[table]["added"], tables[table]["removed"], tables[table]["changed"]) == \
            (len(added), len(removed), 0), table
