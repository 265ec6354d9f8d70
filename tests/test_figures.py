"""Tests of the dataset card's figures: written as PNG, the same table gives the same bytes, an empty
table gives placeholders, the card shows every figure, and no pyplot state is touched."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from eventextract import figures, pipeline, publish, schema
from eventextract.card import readme_text

from test_publish import make_mention

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED = [rel for rel, _, _ in figures.FIGURES]
#: the figures count negated events too (flagged); a run that aggregates that polarity publishes them
POLARITIES = ("asserted", "negated")


def _mentions() -> list[dict]:
    """24 mentions, each in a document of its own, on distinct days: 24 events (3 negated)."""
    rows = []
    places = [("Town A", 40.1, 46.2), ("Town B", 41.5, 44.8), ("Town C", 43.0, 45.0), ("Town D", 39.9, 47.1),
              ("Town E", 40.7, 43.9), ("Town F", 42.2, 48.0)]
    for i in range(24):
        name, lat, lon = places[i % len(places)] if i % 7 else (None, None, None)
        day = dt.date(1992, 1 + i % 12, 1 + i % 27) if i % 5 else None
        rows.append(make_mention(
            i, doc_id=f"doc{i}.txt", event_type=("ASSAULT", "AGREE", "PROTEST")[i % 3],
            quad_class=("material_conflict", "verbal_cooperation", "verbal_conflict")[i % 3],
            polarity="negated" if i % 11 == 0 else "asserted",
            date_start=day, date_end=day, date_precision=("day", "month", "year")[i % 3] if day else None,
            place_name=name, latitude=lat, longitude=lon, geonameid=1000 + i % len(places) if name else None,
            geo_precision="populated_place" if name else "none", confidence=round((i % 20) / 20 + 0.01, 2)))
    return rows


def _second_reports(rows: list[dict]) -> list[dict]:
    """A second mention of each mention's event, in the next sentence of the same document, referring
    back to it ("the shelling") with a lower confidence: aggregation folds it into the same event."""
    offsets = [f.name for f in schema.table("mentions").fields
               if f.type == "int64" and f.name.endswith(("_start", "_end"))]
    return [{**r, **{k: r[k] + 80 for k in offsets if r[k] is not None},
             "mention_id": "mn_" + hashlib.sha256(f"again {r['mention_id']}".encode()).hexdigest()[:24],
             "sentence_index": 1, "trigger_text": "the shelling", "confidence": r["confidence"] / 2}
            for r in rows]


def _aggregate(rows: list[dict]) -> tuple[pa.Table, pa.Table]:
    return pipeline.aggregate_mentions(publish.to_table(rows, "mentions"), run_id="run-fig", polarities=POLARITIES)


@pytest.fixture(scope="module")
def tables() -> tuple[pa.Table, pa.Table]:
    """(mentions, events) of the 24 mentions."""
    return _aggregate(_mentions())


@pytest.fixture(scope="module")
def events(tables) -> pa.Table:
    mentions, events = tables
    assert events.num_rows == 24 and sorted(set(events.column("polarity").to_pylist())) == ["asserted", "negated"]
    return events


def _digests(folder: Path, rels: list[str]) -> dict[str, str]:
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in rels}


def _png_text_chunks(data: bytes) -> list[bytes]:
    """The keywords of the tEXt/iTXt/zTXt chunks of a PNG."""
    out, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            out.append(data[pos + 8:pos + 8 + length].split(b"\0", 1)[0])
        pos += 12 + length
    return out


def test_figures_are_written_as_png(tmp_path, events):
    written = figures.write_figures(tmp_path, events)
    assert written == EXPECTED
    for rel in written:
        data = (tmp_path / rel).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 2000, rel
        assert int.from_bytes(data[16:20], "big") == figures.FIGSIZE[0] * figures.DPI  # IHDR width
        assert b"Software" not in _png_text_chunks(data), rel


def test_same_table_gives_same_bytes(tmp_path, events):
    first = _digests(tmp_path / "a", figures.write_figures(tmp_path / "a", events))
    second = _digests(tmp_path / "b", figures.write_figures(tmp_path / "b", events))
    assert first == second
    other = events.slice(0, 10)
    assert _digests(tmp_path / "c", figures.write_figures(tmp_path / "c", other)) != first


def test_empty_table_and_table_without_dates_or_places(tmp_path, events):
    empty = publish.to_table([], "events")
    assert figures.write_figures(tmp_path / "empty", empty) == EXPECTED
    undated = events.set_column(events.schema.get_field_index("date_start"), "date_start",
                                pa.nulls(events.num_rows, pa.date32()))
    for name in ("latitude", "longitude"):
        undated = undated.set_column(undated.schema.get_field_index(name), name, pa.nulls(events.num_rows, pa.float64()))
    assert figures.write_figures(tmp_path / "undated", undated) == EXPECTED
    for rel in EXPECTED:
        assert (tmp_path / "empty" / rel).read_bytes().startswith(PNG_SIGNATURE)


def test_no_pyplot_state(tmp_path, events):
    figures.write_figures(tmp_path, events)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # imported by something else: we must not have left figures open in it
        assert pyplot.get_fignums() == []


def test_card_references_every_figure(tmp_path, tables, events):
    written = figures.write_figures(tmp_path, events)
    empty = {name: publish.to_table([], name) for name in ("documents", "quarantine")}
    text = readme_text(version="1.0", created=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), run_id="r",
                       mentions=tables[0], events=events, documents=empty["documents"],
                       quarantine=empty["quarantine"], sources=[], validation={}, figures=written)
    links = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert links == EXPECTED
    assert "## Figures" in text and "`figures/`" in text and "`croissant.json`" in text
    for rel in links:
        assert not Path(rel).is_absolute() and (tmp_path / rel).is_file()


def test_release_card_shows_the_release_figures(tmp_path, tables, events):
    empty = {name: publish.to_table([], name) for name in schema.table_names()}
    info = publish.write_release(tmp_path, mentions=tables[0], events=events, documents=empty["documents"],
                                 quarantine=empty["quarantine"], run_id="run-fig", sources=[], validation={},
                                 settings_info={}, version="fig")
    text = (info.path / "README.md").read_text(encoding="utf-8")
    for rel in EXPECTED:
        assert f"]({rel})" in text and (info.path / rel).is_file()
        assert rel in info.sha256  # covered by SHA256SUMS
    assert publish.verify_release(info.path).ok


def test_release_figures_are_drawn_from_the_events_table(tmp_path, tables, events):
    """Two mentions of every event draw the same figures as one: a release counts events, not mentions."""
    twice = _mentions() + _second_reports(_mentions())
    mentions2, events2 = _aggregate(twice)
    assert mentions2.num_rows == 48 and events2.num_rows == events.num_rows
    assert set(events2.column("n_mentions").to_pylist()) == {2}
    assert events2.column("event_id").to_pylist() == events.column("event_id").to_pylist()  # same first mentions
    empty = {name: publish.to_table([], name) for name in ("documents", "quarantine")}
    info = publish.write_release(tmp_path / "out", mentions=mentions2, events=events2, documents=empty["documents"],
                                 quarantine=empty["quarantine"], run_id="run-fig", sources=[], validation={},
                                 settings_info={}, version="twice")
    alone = _digests(tmp_path / "one", figures.write_figures(tmp_path / "one", events))
    assert _digests(info.path, EXPECTED) == alone
    # drawn from the mentions instead, the same rows would give other pictures (each event counted twice)
    assert _digests(tmp_path / "m", figures.write_figures(tmp_path / "m", mentions2)) != alone


def test_step_patch_draws_what_axes_stairs_draws():
    """The monthly bars add their StepPatch without Axes.add_patch's limit walk: the picture is
    pixel for pixel what ``Axes.stairs`` draws with the same limits."""
    import numpy as np

    def draw(use_stairs: bool) -> bytes:
        fig = figures._new_figure()
        ax = fig.add_subplot()
        bottom = [0, 1, 0, 3, 2]
        top = [2, 4, 1, 3, 6]
        edges = [i - 0.5 for i in range(6)]
        if use_stairs:
            ax.stairs(top, edges, baseline=bottom, fill=True, label="ASSAULT", color="tab:red")
        else:
            figures._add_stairs(ax, top, edges, bottom, "ASSAULT", "tab:red")
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(0, 7)
        ax.legend()
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).tobytes()

    assert draw(True) == draw(False)
