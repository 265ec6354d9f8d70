"""The dateparser fallback for a spaCy DATE entity the grammar does not know.

One ``DateDataParser`` (English only) per base date, built on first use and kept in a bounded,
thread-safe cache (:func:`functools.lru_cache`): the parser of absolute dates, and one parser of
relative expressions per published date (the 32 most recently used)."""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from .calendar import Anchor, Interval, _month_end
from .grammar import Grammar
from .types import AnchorKind

#: RELATIVE_BASE of the absolute-date dateparser: never used for a result (the year must be in the
#: text, the month/day must be at the parsed period), but never today either
DATEPARSER_SENTINEL = dt.date(1800, 1, 1)


def _new_parser(base: dt.date | None) -> Any:
    """dateparser's ``DateDataParser`` (English only).

    ``base`` None: the parser of absolute dates; it requires the year in the text
    (``REQUIRE_PARTS``) and its ``RELATIVE_BASE`` is a fixed sentinel, so that a part
    missing from the text can never come from today (the caller also checks the year).
    ``base`` a published date: the parser of relative expressions ("three days ago"), with
    ``RELATIVE_BASE`` = that date."""
    from dateparser.date import DateDataParser  # heavy import, deferred to first use

    settings: dict[str, Any] = {
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "past",
        "STRICT_PARSING": False,
        "RELATIVE_BASE": dt.datetime.combine(base or DATEPARSER_SENTINEL, dt.time()),
    }
    if base is None:
        settings.update(REQUIRE_PARTS=["year"], PARSERS=["custom-formats", "absolute-time"])
    else:
        settings.update(PARSERS=["relative-time"])
    return DateDataParser(languages=["en"], settings=settings)


@functools.lru_cache(maxsize=1)
def absolute_parser() -> Any:
    """The parser of absolute dates (built once per process)."""
    return _new_parser(None)


@functools.lru_cache(maxsize=32)
def relative_parser(base: dt.date) -> Any:
    """The parser of relative expressions counted from ``base`` (a published date)."""
    return _new_parser(base)


def dateparser_interval(g: Grammar, text: str, anchor: Anchor | None,
                        published: dt.date | None) -> tuple[Interval | None, AnchorKind | None]:
    """The fallback for a date expression the grammar does not know (a spaCy DATE entity):
    dateparser's ``get_date_data`` with its period (day/month/year) as precision.

    Only (1) an expression that states its year ("3/5/1992", "Tue., 5.3.1992"), anchor
    ``explicit``; (2) a month-day or month expression without a year when the narrative has an
    anchor year, which is written into the text before parsing, anchor ``narrative``; (3) a
    news-style relative expression ("three weeks ago", "two days from now") from the published
    date, anchor ``published``. Anything else is None: no part is ever taken from today."""
    clean = re.sub(r"‚Äì|‚Äî", "-", text).strip()
    if not re.search(r"\d|[A-Za-z]{3}", clean):
        return None, None
    years = {int(y) for y in re.findall(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", clean)}
    how = AnchorKind.EXPLICIT
    if not years:
        has_month = any(re.search(rf"(?<![A-Za-z]){re.escape(m)}(?![a-z])", clean) for m in g.months)
        if has_month and anchor is not None:
            years = {anchor[0]}
            clean = f"{clean} {anchor[0]}"
            how = AnchorKind.NARRATIVE
        elif published is not None and re.search(r"\b(?:ago|from\s+now|hence)\b", clean, re.I):
            data = relative_parser(published).get_date_data(clean)
            return _dd_interval(data, None), AnchorKind.PUBLISHED
        else:
            return None, None
    try:
        data = absolute_parser().get_date_data(clean)
    except (ValueError, OverflowError):
        return None, None
    return _dd_interval(data, years), how


def _dd_interval(data: Any, years: set[int] | None) -> Interval | None:
    """The interval of a dateparser ``DateData`` at its period; None when it has no date or
    (``years`` given) its year is not one the text stated."""
    d = getattr(data, "date_obj", None)
    period = getattr(data, "period", None)
    if d is None or (years is not None and d.year not in years):
        return None
    day = d.date()
    if period == "day":
        return Interval(day, day, "day")
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return Interval(monday, monday + dt.timedelta(days=6), "range")
    if period == "month":
        return Interval(dt.date(day.year, day.month, 1), _month_end(day.year, day.month), "month")
    if period == "year":
        return Interval(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), "year")
    return None
