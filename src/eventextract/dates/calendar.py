"""Calendar arithmetic of the dates stage: a date as written (:class:`Parts`) becomes a closed
interval (:class:`Interval`).

Normalisation conventions (all intervals are closed, ``date_end`` inclusive):

* day ``D Month Y`` -> [D, D], precision ``day``; month -> whole month, ``month``; year -> whole
  year, ``year``.
* early / mid / late part of a month: days 1-10 / 11-20 / 21-end, precision ``month``; of a year:
  Jan-Apr / May-Aug / Sep-Dec, precision ``year``; of a decade: years 0-3 / 4-6 / 7-9, ``range``.
  The precision names the calendar unit the expression is about, so "later that month" (from
  the previous date to the month's end) is ``month`` and "later that year" ``year``.
  "the beginning/start of" = early, "the middle of" = mid, "the end of" = late.
* seasons (precision ``season``): spring Mar-May, summer Jun-Aug, autumn/fall Sep-Nov; "the winter
  of 1991-1992" = 1991-12-01..1992-02-29; "the winter of 1992" = the winter containing January
  1992, i.e. 1991-12-01..1992-02-29.
* decades: "the 1990s" = 1990-01-01..1999-12-31; centuries: "the 20th century" = 1900..1999;
  both precision ``range``. Any range of two dates has precision ``range``.
* relative to the previous date (anchor ``previous_event``): "the next day" = previous day + 1
  (counted from the END of a previous range), "the following days" = the six days after it,
  "N days/weeks/months/years later", "the following month/year", "later that month" = from the
  previous date to the end of its month, "earlier that month" = from its first day to it.
* relative to the published date (anchor ``published``): "yesterday", "today", "tomorrow",
  "N days ago", "last/this/next week|month|year", "earlier/later this month|year", a weekday
  ("on Friday": the latest such weekday on or before the published date, "next Friday": the next
  one after it), "last June" / "this June".

The relative expressions are computed in :mod:`.relative`; this module holds the calendar
expressions proper and the helpers both use.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

#: a narrative anchor: (year, month or None) or (year, month or None, firm); a firm anchor (from a
#: day, or from an explicit month) lets a month without a year cross the year boundary
Anchor = tuple[Any, ...]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


@dataclass
class Parts:
    """A calendar expression as written: the fields the text gives (None where it does not)."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None  # early | mid | late
    season: str | None = None
    season_end_year: int | None = None  # "the winter of 1991-1992"
    decade: int | None = None
    century: int | None = None

    def needs_anchor(self) -> bool:
        return self.year is None and self.decade is None and self.century is None


@dataclass
class Interval:
    """A closed calendar interval and the precision of the expression that gave it."""

    start: dt.date
    end: dt.date
    precision: str


def p_month_only(a: Parts, b: Parts) -> bool:
    """Whether both ends are month-level or finer (so a year can be lent across a new year)."""
    return a.month is not None and b.month is not None


@dataclass(frozen=True, eq=False)
class Calendar:
    """The calendar lexicons of ``data/patterns/dates.yaml`` (seasons, early/mid/late parts, the
    year-boundary rule) and the intervals of calendar expressions computed from them."""

    seasons: dict[str, dict[str, int]]
    parts: dict[str, dict[str, list[int]]]
    year_wrap: int

    def part_span(self, part: str, scale: str) -> tuple[int, int]:
        """The (first, last) day/month of an early/mid/late part, from the lexicon."""
        a, b = self.parts[part][scale]
        return int(a), int(b)

    def interval(self, p: Parts, anchor: Anchor | None) -> Interval | None:
        """The calendar interval of ``p``; missing year/month come from ``anchor`` only."""
        if p.century is not None:
            lo, hi = (p.century - 1) * 100, (p.century - 1) * 100 + 99
            if p.part:
                a, b = self.parts[p.part]["years"]
                lo, hi = lo + a * 10, lo + b * 10 + 9
            return Interval(dt.date(max(lo, 1), 1, 1), dt.date(hi, 12, 31), "range")
        if p.decade is not None:
            lo, hi = p.decade, p.decade + 9
            if p.part:
                a, b = self.parts[p.part]["years"]
                lo, hi = p.decade + a, p.decade + b
            return Interval(dt.date(lo, 1, 1), dt.date(hi, 12, 31), "range")
        year = p.year
        if year is None:
            if anchor is None:
                return None
            year = anchor[0]
            if p.month is not None and anchor[1] is not None and self.year_wrap and p.season is None \
                    and (len(anchor) < 3 or anchor[2]):
                # "On 17 January 2019 ... on 29 December" -> December 2018 (and vice versa); only
                # from a firm anchor (a day, or an explicit month), not from a bare "in November"
                if p.month - anchor[1] >= self.year_wrap:
                    year -= 1
                elif anchor[1] - p.month >= self.year_wrap:
                    year += 1
        if p.season:
            return self._season(p, year)
        return self._month_or_day(p, year, anchor)

    def _season(self, p: Parts, year: int) -> Interval:
        """A season of ``year`` ("the winter of Y" is the winter containing January of Y)."""
        s = self.seasons[p.season or ""]
        if p.season == "winter" and p.season_end_year is None:
            sy, sm = _add_months(year, s["start_month"], -12) if s["start_month"] == 12 else (year, s["start_month"])
        else:
            sy, sm = year, s["start_month"]
        ey, em = _add_months(sy, sm, s["months"] - 1)
        return Interval(dt.date(sy, sm, 1), _month_end(ey, em), "season")

    def _month_or_day(self, p: Parts, year: int, anchor: Anchor | None) -> Interval | None:
        """A year, a month (or a part of either) or a day of ``year``; a bare day takes the
        anchor's month."""
        if p.month is None and p.day is not None:
            if anchor is None or anchor[1] is None or p.year is not None:
                return None
            d = _safe_date(year, anchor[1], p.day)
            return Interval(d, d, "day") if d else None
        if p.month is None:
            if p.part:
                a, b = self.parts[p.part]["months"]
                return Interval(dt.date(year, a, 1), _month_end(year, b), "year")
            return Interval(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
        if p.day is None:
            if p.part:
                a, b = self.parts[p.part]["days"]
                last = calendar.monthrange(year, p.month)[1]
                return Interval(dt.date(year, p.month, a), dt.date(year, p.month, min(b, last)), "month")
            return Interval(dt.date(year, p.month, 1), _month_end(year, p.month), "month")
        d = _safe_date(year, p.month, p.day)
        if d is None:
            return None
        return Interval(d, d, "day")

    def range_interval(self, a: Parts, b: Parts, anchor: Anchor | None) -> Interval | None:
        """The interval from the start of ``a`` to the end of ``b``; each end lends the other
        the year it lacks ("May 9 to June 2, 1992"), else the anchor does."""
        ends = self.range_ends(a, b, anchor)
        return Interval(ends[0].start, ends[1].end, "range") if ends else None

    def range_ends(self, a: Parts, b: Parts,
                   anchor: Anchor | None) -> tuple[Interval, Interval] | None:
        """The intervals of the two ends of a range, after lending each other missing parts."""
        a, b = dataclasses.replace(a), dataclasses.replace(b)
        if a.needs_anchor() and not b.needs_anchor() and b.year is not None and a.month is not None:
            a.year = b.year
        if b.needs_anchor() and not a.needs_anchor() and a.year is not None and b.month is not None:
            b.year = a.year
        ia, ib = self.interval(a, anchor), self.interval(b, anchor)
        if ia is None or ib is None:
            return None
        if ib.end < ia.start and p_month_only(a, b):
            if a.year is not None and a.year == b.year:  # "December 20 to January 5, 1905"
                ia2 = self.interval(dataclasses.replace(a, year=a.year - 1), anchor)
                ia = ia2 or ia
            elif a.year is None and b.year is None:  # "from October to March" (anchored)
                ib2 = self.interval(dataclasses.replace(b, year=ib.start.year + 1), anchor)
                ib = ib2 or ib
        if ib.end < ia.start:
            return None
        return ia, ib
