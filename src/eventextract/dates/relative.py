"""The interval of one candidate given its anchor: calendar expressions and ranges (missing parts
from the anchor), expressions relative to the previous date of the narrative, and news-style
expressions relative to the published date (weekdays, "last June", "yesterday"...)."""
from __future__ import annotations

import calendar
import datetime as dt

from .calendar import Anchor, Interval, Parts, _add_months, _month_end
from .grammar import Grammar
from .types import AnchorKind, Cand, Kind, Tense


def interval_of(g: Grammar, c: Cand, anchor: Anchor | None, prev: Interval | None,
                published: dt.date | None, tense: Tense = "past") -> tuple[Interval | None, AnchorKind | None]:
    """The interval of ``c`` and where it came from (None, None: no interval)."""
    cal = g.calendar
    if c.kind is Kind.CAL and c.parts is not None:
        iv = cal.interval(c.parts, anchor)
        return iv, (AnchorKind.NARRATIVE if c.parts.needs_anchor() else AnchorKind.EXPLICIT)
    if c.kind is Kind.RANGE and c.parts is not None and c.parts2 is not None:
        iv = cal.range_interval(c.parts, c.parts2, anchor)
        both = c.parts.needs_anchor() and c.parts2.needs_anchor()
        return iv, (AnchorKind.NARRATIVE if both else AnchorKind.EXPLICIT)
    if c.kind is Kind.PREV:
        base = prev
        if base is None and anchor is not None and c.unit in ("month", "year"):
            y, mo = anchor[0], anchor[1]
            if c.unit == "year" or mo is not None:
                base = cal.interval(Parts(y, mo), None)
        return (relative(g, base, c), AnchorKind.PREVIOUS_EVENT) if base is not None else (None, None)
    if c.kind is Kind.PUB:
        if published is None:
            return None, None
        base = Interval(published, published, "day")
        return relative(g, base, c), AnchorKind.PUBLISHED
    if c.kind is Kind.WEEKDAY and published is not None and c.weekday is not None:
        return _weekday(c.weekday, c.relation, published, tense), AnchorKind.PUBLISHED
    if c.kind is Kind.PUBMONTH and published is not None and c.parts is not None and c.parts.month:
        rel, mo = c.relation, c.parts.month
        y = published.year
        if rel == "last":
            y = y if mo < published.month else y - 1
        elif rel == "next":
            y = y if mo > published.month else y + 1
        return cal.interval(Parts(y, mo), None), AnchorKind.PUBLISHED
    return None, None


def _weekday(wd: int, rel: str, published: dt.date, tense: Tense) -> Interval:
    """The weekday ``wd`` counted from the published date: "next"/"last" the one after/before
    it; else on or before it in a past clause, on or after it in a future one, the nearest in
    the present."""
    if rel == "next":
        delta = (wd - published.weekday()) % 7 or 7
    elif rel == "last":
        delta = -((published.weekday() - wd) % 7 or 7)
    elif tense == "future":  # "are expected to begin on Wednesday": on or after
        delta = (wd - published.weekday()) % 7
    elif tense == "present":  # the nearest such weekday
        back, fwd = -((published.weekday() - wd) % 7), (wd - published.weekday()) % 7
        delta = fwd if fwd < -back else back
    else:  # past: "captured ... on Monday": on or before
        delta = -((published.weekday() - wd) % 7)
    d = published + dt.timedelta(days=delta)
    return Interval(d, d, "day")


def relative(g: Grammar, base: Interval, c: Cand) -> Interval | None:
    """The interval of a relative expression counted from ``base``."""
    spec, unit = c.rel, c.unit
    if spec is None:
        return None
    n = c.n * spec.offset if spec.counted else spec.offset
    mode = spec.mode
    ref = base.end if n > 0 else base.start
    if mode == "vague":  # "days earlier", "a few weeks later": a span of days from the base
        lo, hi = g.vague_spans.get(unit, (0, 0))
        if not hi:
            return None
        if n < 0:
            return Interval(ref - dt.timedelta(days=int(hi)), ref - dt.timedelta(days=int(lo)), "range")
        return Interval(ref + dt.timedelta(days=int(lo)), ref + dt.timedelta(days=int(hi)), "range")
    if mode == "part":
        part = c.part or "late"
        if unit == "month":
            a, b = g.calendar.part_span(part, "days")
            last = calendar.monthrange(base.end.year, base.end.month)[1]
            return Interval(dt.date(base.end.year, base.end.month, a),
                            dt.date(base.end.year, base.end.month, min(b, last)), "month")
        a, b = g.calendar.part_span(part, "months")
        return Interval(dt.date(base.end.year, a, 1), _month_end(base.end.year, b), "year")
    if unit in ("day", "week"):
        return _days(base, ref, n, unit, spec.calendar_week, spec.length)
    if unit == "month":
        if mode == "rest_of":
            return Interval(base.start, _month_end(base.start.year, base.start.month), "month")
        if mode == "start_of":
            return Interval(dt.date(base.end.year, base.end.month, 1), base.end, "month")
        y, m = _add_months(ref.year, ref.month, n)
        return Interval(dt.date(y, m, 1), _month_end(y, m), "month")
    if unit == "year":
        if mode == "rest_of":
            return Interval(base.start, dt.date(base.start.year, 12, 31), "year")
        if mode == "start_of":
            return Interval(dt.date(base.end.year, 1, 1), base.end, "year")
        y = ref.year + n
        return Interval(dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
    return None


def _days(base: Interval, ref: dt.date, n: int, unit: str, calendar_week: bool, length: int) -> Interval | None:
    """n days or weeks from ``ref``; a calendar week ("the following week", "last week") is the
    Monday..Sunday containing ``ref`` + n weeks; ``length`` days from there ("the following days")."""
    days = n * (7 if unit == "week" else 1)
    if unit == "week" and calendar_week:
        # calendar week (Monday..Sunday) containing ref + n weeks
        monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(days=days)
        return Interval(monday, monday + dt.timedelta(days=6), "range")
    if base.precision not in ("day",) and (base.end - base.start).days > 6:
        return None  # "the next day" after a whole month has no definite day
    start = ref + dt.timedelta(days=days)
    if length > 1:
        return Interval(start, start + dt.timedelta(days=length - 1), "range")
    return Interval(start, start, "day")
