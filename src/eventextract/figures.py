"""Pictures of a release for its dataset card: PNG files under ``<release>/figures/``, drawn from the
release's own events table with matplotlib.

Every figure is a ``matplotlib.figure.Figure`` drawn on its own Agg canvas (pyplot is never used, so
no global figure state leaks between calls), inside the default style (a user's matplotlibrc does
not change the pictures), at a fixed size and dpi, and saved without a ``Software`` entry in the PNG
metadata: the same table gives the same bytes. An empty table gives "no events" placeholders.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from . import schema

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: folder of the figures inside a release
FIGURES_DIR = "figures"
#: (relative path, title, one sentence for the dataset card), in the order the card shows them
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("figures/events_per_month.png", "Asserted events per month",
     "Asserted events per month of `date_start`, stacked by PLOVER event type (undated events are left out)."),
    ("figures/event_places.png", "Event places",
     "Where the events are placed: one point per resolved place at its latitude/longitude (equirectangular, "
     "no basemap), sized by the number of events there; the five most frequent places are numbered and named."),
    ("figures/precision.png", "Date and place precision",
     "Share of rows of the events table by `date_precision` (undated events as `undated`) and by `geo_precision`."),
    ("figures/confidence.png", "Confidence",
     "Distribution of the `confidence` score over all rows of the events table (bins of 0.05)."),
)
FIGSIZE = (8.0, 4.5)
DPI = 100
#: PNG metadata: no Software/date entry, so that the bytes depend on the picture only
PNG_METADATA: dict[str, Any] = {"Software": None}
MAX_MONTH_TICKS = 12
TOP_PLACES = 5
_COLUMNS = ("event_type", "polarity", "date_start", "latitude", "longitude", "place_name", "date_precision",
            "geo_precision", "confidence")


def write_figures(folder: Path, events: pa.Table, drawn: Path | None = None) -> list[str]:
    """Draw the figures of ``events`` into ``folder/figures/`` and return their relative paths
    (POSIX, in ``FIGURES`` order). ``drawn``: a folder holding every figure already drawn for the
    same events (``eventextract.release_cache``), copied instead."""
    import shutil

    import matplotlib.style

    folder = Path(folder)
    (folder / FIGURES_DIR).mkdir(parents=True, exist_ok=True)
    if drawn is not None and all((Path(drawn) / Path(rel).name).is_file() for rel, _, _ in FIGURES):
        for rel, _, _ in FIGURES:
            shutil.copyfile(Path(drawn) / Path(rel).name, folder / rel)
        return [rel for rel, _, _ in FIGURES]
    # one Python list per column (not one dict per row): the figures' working memory stays small
    rows = _Columns({c: events.column(c).to_pylist() for c in _COLUMNS}, events.num_rows)
    drawers = (_events_per_month, _event_places, _precision, _confidence)
    written = []
    with matplotlib.style.context("default"):
        for (rel, title, _), draw in zip(FIGURES, drawers):
            fig = _new_figure()
            draw(fig, rows)
            fig.suptitle(title)
            fig.savefig(folder / rel, format="png", dpi=DPI, metadata=PNG_METADATA)
            written.append(rel)
    return written


class _Columns(dict):
    """The figures' input: column name -> its values (``n`` rows; false when there are none)."""

    def __init__(self, columns: dict[str, list[Any]], n: int) -> None:
        super().__init__(columns)
        self.n = n

    def __bool__(self) -> bool:
        return self.n > 0


def _new_figure() -> "Figure":
    """A Figure on its own Agg canvas (no pyplot, no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _placeholder(ax: "Axes", text: str = "no events") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color="0.4", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _events_per_month(fig: "Figure", rows: _Columns) -> None:
    """Stacked monthly bars: asserted, dated events per month (every month between the first and the
    last, empty months included), one colour per event type in layout order. Each type is one filled
    step artist (a ``StepPatch``, as ``Axes.stairs`` draws), not one patch per month: drawing costs
    the same for a corpus spanning four decades as for one spanning a year."""
    ax = fig.add_subplot()
    counts = Counter((_month_index(day), etype) for polarity, day, etype
                     in zip(rows["polarity"], rows["date_start"], rows["event_type"])
                     if polarity == "asserted" and day is not None)
    if not counts:
        _placeholder(ax, "no events" if not rows else "no dated asserted events")
        return
    first = min(m for m, _ in counts)
    last = max(m for m, _ in counts)
    months = list(range(first, last + 1))
    present = {t for _, t in counts}
    types = [t for t in (schema.table("events").field("event_type").enum or ()) if t in present]
    types += sorted(present - set(types))
    cmap = _colours(len(types))
    edges = [i - 0.5 for i in range(len(months) + 1)]
    bottom = [0] * len(months)
    for i, etype in enumerate(types):
        top = [b + counts.get((m, etype), 0) for b, m in zip(bottom, months)]
        _add_stairs(ax, top, edges, bottom, etype, cmap[i])
        bottom = top
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(bottom) * 1.05)
    step = max(1, math.ceil(len(months) / MAX_MONTH_TICKS))
    ticks = list(range(0, len(months), step))
    ax.set_xticks(ticks, [f"{months[t] // 12:04d}-{months[t] % 12 + 1:02d}" for t in ticks],
                  rotation=45, ha="right")
    ax.set_ylabel("asserted events")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, ncols=2 if len(types) > 8 else 1, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _add_stairs(ax: "Axes", top: list[int], edges: list[float], bottom: list[int], label: str, colour: Any) -> None:
    """What ``ax.stairs(top, edges, baseline=bottom, fill=True, label=label, color=colour)`` draws,
    added without ``Axes.add_patch``'s data-limit update: that walks every segment of the step path
    in Python (seconds for a corpus spanning decades), and the caller sets both limits itself."""
    from matplotlib.patches import StepPatch

    ax.add_artist(StepPatch(top, edges, baseline=bottom, fill=True, label=label, linewidth=0, facecolor=colour))


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    name, size = ("tab10", 10) if n <= 10 else ("tab20", 20)
    cmap = colormaps[name]
    return [cmap(i % size) for i in range(n)]


def _graticule_step(span: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 15, 30):
        if span / step <= 8:
            return step
    return 30.0


def _event_places(fig: "Figure", rows: _Columns) -> None:
    """Points at latitude/longitude, area proportional to the mentions at the place; equirectangular
    (1 degree = 1 degree), limits fitted to the data with a margin, graticule, top places labelled."""
    ax = fig.add_subplot()
    places = Counter((lat, lon, name or "")
                     for lat, lon, name in zip(rows["latitude"], rows["longitude"], rows["place_name"])
                     if lat is not None and lon is not None)
    if not places:
        _placeholder(ax, "no events" if not rows else "no placed events")
        return
    lats = [k[0] for k in places]
    lons = [k[1] for k in places]
    margin = max(1.0, 0.15 * max(max(lats) - min(lats), max(lons) - min(lons)))
    x0, x1 = max(-180.0, min(lons) - margin), min(180.0, max(lons) + margin)
    y0, y1 = max(-90.0, min(lats) - margin), min(90.0, max(lats) + margin)
    step = _graticule_step(max(x1 - x0, y1 - y0))
    for x in _range_in(x0, x1, step):
        ax.axvline(x, color="0.88", linewidth=0.6, zorder=0)
    for y in _range_in(y0, y1, step):
        ax.axhline(y, color="0.88", linewidth=0.6, zorder=0)
    ordered = sorted(places.items(), key=lambda kv: (-kv[1], kv[0][2], kv[0][0], kv[0][1]))
    biggest = ordered[0][1]
    ax.scatter([k[1] for k, _ in ordered], [k[0] for k, _ in ordered],
               s=[20 + 380 * n / biggest for _, n in ordered], color="tab:red", alpha=0.55,
               edgecolors="darkred", linewidths=0.6, zorder=2)
    legend = []  # close places would overlap as names: number the points, name them in a box
    for i, ((lat, lon, name), n) in enumerate(ordered[:TOP_PLACES], 1):
        ax.annotate(str(i), (lon, lat), xytext=(5, 5), textcoords="offset points", fontsize=8,
                    fontweight="bold", zorder=3)
        legend.append(f"{i}  {name or f'{lat:.2f}, {lon:.2f}'} ({n})")
    ax.text(0.01, 0.99, "\n".join(legend), transform=ax.transAxes, va="top", ha="left", fontsize=8, zorder=4,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7", "alpha": 0.9})
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")


def _range_in(lo: float, hi: float, step: float) -> list[float]:
    start = math.ceil(lo / step) * step
    out = []
    while start <= hi:
        out.append(start)
        start += step
    return out


def _shares(values: list[Any], order: tuple[str, ...], missing: str) -> tuple[list[str], list[float]]:
    counts = Counter(missing if v is None else str(v) for v in values)
    labels = [v for v in order if v in counts] + sorted(set(counts) - set(order) - {missing})
    if missing in counts:
        labels.append(missing)
    total = sum(counts.values())
    return labels, [100.0 * counts[k] / total for k in labels]


def _precision(fig: "Figure", rows: _Columns) -> None:
    """Two bar panels: % of rows by date_precision and by geo_precision (layout enum order)."""
    spec = schema.table("events")
    for i, (column, missing) in enumerate((("date_precision", "undated"), ("geo_precision", "missing"))):
        ax = fig.add_subplot(1, 2, i + 1)
        if not rows:
            _placeholder(ax)
            ax.set_title(column, fontsize=10)
            continue
        labels, shares = _shares(rows[column], spec.field(column).enum or (), missing)
        ax.bar(range(len(labels)), shares, color="tab:blue" if i == 0 else "tab:green", width=0.7)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of event rows")
        ax.set_title(column, fontsize=10)


def _confidence(fig: "Figure", rows: _Columns) -> None:
    """Histogram of confidence in [0, 1], bins of 0.05."""
    ax = fig.add_subplot()
    values = [v for v in rows["confidence"] if v is not None and not math.isnan(v)]
    if not values:
        _placeholder(ax)
        return
    ax.hist(values, bins=[i / 20 for i in range(21)], color="tab:purple", edgecolor="white")
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("event rows")
    ax.yaxis.get_major_locator().set_params(integer=True)
