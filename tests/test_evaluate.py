"""eventextract eval: the metric definitions, and the same figures as the shared scorer."""
from __future__ import annotations

import importlib.util
import json
import random

from eventextract.evaluate import format_report, score, words

GOLD = [
    {"doc": "a.txt", "evidence": "Rebels captured the river town after a week of shelling.", "trigger": "captured",
     "event_type": "COERCE", "actor": "Rebels", "actor_country": "", "recipient": "", "date_start": "2001-05-01",
     "date_end": "2001-05-31", "place_text": "river town", "geonameid": None, "polarity": "asserted"},
    {"doc": "a.txt", "evidence": "Rebels captured the river town after a week of shelling.", "trigger": "shelling",
     "event_type": "ASSAULT", "actor": "Rebels", "actor_country": "", "polarity": "asserted"},
    {"doc": "a.txt", "evidence": "The government never signed the accord.", "trigger": "signed",
     "event_type": "AGREE", "actor": "government", "actor_country": "XYZ", "polarity": "negated"},
]


def _sys(**kw):
    row = {"doc_id": "folder/a.txt", "sentence_text": "Rebels captured the river town after a week of shelling.",
           "trigger_start": 7, "polarity": "asserted"}
    row.update(kw)
    return row


def test_words_drops_stopwords_but_not_everything() -> None:
    assert words("the capture of the town") == {"capture", "town"}
    assert words("of the") == {"of", "the"}
    assert words(None) == set()


def test_typed_detection_slots_and_false_assertions() -> None:
    system = [
        _sys(trigger_text="captured", event_type="COERCE", actor_text="the rebels", date_start="2001-05-10",
             place_text="town"),
        _sys(trigger_text="shelling", event_type="AID"),
        _sys(sentence_text="The government never signed the accord.", trigger_text="signed", event_type="AGREE",
             actor_country="XYZ"),
        {"doc_id": "other.txt", "sentence_text": "x", "trigger_text": "captured", "event_type": "COERCE"},
    ]
    res = score(system, GOLD, per_type=True)
    assert res["detection"]["tp"] == 2 and res["detection"]["system"] == 3 and res["detection"]["gold"] == 2
    assert res["typed"]["tp"] == 1
    assert res["slot_accuracy"]["actor"] == 1.0 and res["slot_accuracy"]["date"] == 1.0
    assert res["slot_accuracy"]["place"] == 1.0 and res["complete_recall"] == 0.5
    assert res["false_assertions"] == 1 and res["non_asserted_gold"] == 1
    assert res["per_type"]["COERCE"]["f1"] == 1.0 and res["per_type"]["AID"]["precision"] == 0.0
    assert format_report(res).splitlines()[0].startswith("detection: {")


def test_scope_lines_restrict_system_events() -> None:
    gold = GOLD[:1] + [{"doc": "a.txt", "scope_start": 0, "scope_end": 100}]
    inside = _sys(trigger_text="captured", event_type="COERCE")
    outside = _sys(trigger_text="shelling", event_type="ASSAULT", trigger_start=500)
    res = score([inside, outside], gold)
    assert res["detection"]["system"] == 1


def test_same_figures_as_the_shared_scorer(shared_dir) -> None:
    """Randomly perturbed copies of the dev gold, scored by both implementations."""
    spec = importlib.util.spec_from_file_location("shared_score_events", shared_dir / "tools" / "score_events.py")
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    gold = [json.loads(line) for line in (shared_dir / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rng = random.Random(7)
    types = ["ASSAULT", "COERCE", "AGREE", "REQUEST", "RETREAT"]
    for _ in range(5):
        system = []
        for g in gold:
            if "scope_start" in g or rng.random() < 0.2:
                continue
            system.append({"doc_id": "seeds/" + g["doc"], "sentence_text": g["evidence"], "trigger_text": g["trigger"],
                           "trigger_start": None, "sentence_start": None,
                           "event_type": g["event_type"] if rng.random() < 0.8 else rng.choice(types),
                           "polarity": g.get("polarity") if rng.random() < 0.9 else "asserted",
                           "actor_text": g.get("actor"), "actor_country": g.get("actor_country"),
                           "recipient_text": g.get("recipient"), "recipient_country": g.get("recipient_country"),
                           "date_start": g.get("date_start") if rng.random() < 0.7 else None,
                           "date_end": g.get("date_end"), "place_text": g.get("place_text"),
                           "geonameid": g.get("geonameid") if rng.random() < 0.7 else None})
        # the 002 gold is scoped: give its events offsets inside a scope so both keep them
        scopes = [g for g in gold if "scope_start" in g]
        for s in system:
            if s["doc_id"].endswith("002_611ee24c1ec80590.txt"):
                s["trigger_start"] = scopes[0]["scope_start"]
        assert score(system, gold, per_type=True) == ref.score(system, gold, per_type=True)


def test_cli_eval_reports_unreadable_input_as_an_error(tmp_path) -> None:
    """A missing events file or a broken gold line ends with a one-line error and exit code 1."""
    from typer.testing import CliRunner

    from eventextract.cli import app

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n{not json\n", encoding="utf-8")
    events = tmp_path / "events.csv"
    events.write_text("doc_id,trigger_text\na.txt,captured\n", encoding="utf-8")
    runner = CliRunner()
    for args in (["--gold", str(gold), "--events", str(tmp_path / "missing.parquet")],
                 ["--gold", str(gold), "--events", str(events)]):
        res = runner.invoke(app, ["eval", *args])
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
        assert "error: cannot score" in res.output


def test_cli_eval_scores_the_grouping_with_clusters(tmp_path) -> None:
    """`eval --clusters` adds the mention -> event scores; an events table is refused, not scored as mentions."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from eventextract.cli import app
    from eventextract.evaluate_clusters import score_clusters

    sentences = ["Rebels shelled the port at dawn.", "The shelling burned two ships.", "Rebels stormed the fort."]
    triggers = ["shelled", "shelling", "stormed"]
    rows = [{"doc_id": "a.txt", "sentence_text": s, "trigger_text": t, "trigger_start": i * 100, "sentence_start": i * 100,
             "event_type": "ASSAULT", "polarity": "asserted", "event_id": "ev_1" if i < 2 else "ev_2",
             "mention_id": f"mn_{i}"} for i, (s, t) in enumerate(zip(sentences, triggers))]
    release = tmp_path / "rel"
    release.mkdir()
    pq.write_table(pa.Table.from_pylist(rows), release / "mentions.parquet")
    gold = [{"doc": "a.txt", "evidence": s, "trigger": t, "event_type": "ASSAULT"} for s, t in zip(sentences, triggers)]
    clusters = [{**g, "cluster": "c1" if i < 2 else "c2"} for i, g in enumerate(gold)]
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    (tmp_path / "clusters.jsonl").write_text("".join(json.dumps(c) + "\n" for c in clusters), encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "--gold", str(tmp_path / "gold.jsonl"), "--events", str(release),
                                   "--clusters", str(tmp_path / "clusters.jsonl"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["typed"]["tp"] == 3
    assert out["clusters"] == score_clusters(rows, gold, clusters)
    assert out["clusters"]["pairwise"]["f1"] == 1.0 and out["clusters"]["n_gold_pairs"] == 1

    pq.write_table(pa.Table.from_pylist([{"event_id": "ev_1", "first_mention_id": "mn_0", "n_mentions": 2}]),
                   tmp_path / "events.parquet")
    res = CliRunner().invoke(app, ["eval", "--gold", str(tmp_path / "gold.jsonl"), "--events",
                                   str(tmp_path / "events.parquet")])
    assert res.exit_code == 1 and "is an events table" in res.output
