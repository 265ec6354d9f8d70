"""Reading the candidate time expressions of a text with the grammar: every match of every
pattern that reads as a date (overlapping; :func:`.find.select` chooses among them)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .calendar import Parts, _safe_date
from .grammar import CalPattern, Form, Grammar
from .types import Cand, Kind


def find_candidates(g: Grammar, text: str, date_chars: bytearray) -> list[Cand]:
    """All candidate expressions of ``text`` (overlapping; the caller selects). ``date_chars``
    marks the characters inside spaCy DATE entities."""
    out: list[Cand] = []
    for pat in g.patterns:
        for m in pat.regex.finditer(text):
            c = _calendar(g, pat, m, text, date_chars)
            if c is not None:
                out.append(c)
    for spec in g.relative:
        for m in spec.regex.finditer(text):
            gd = m.groupdict()
            n = g.number(gd["n"]) if gd.get("n") else 1
            unit = gd["unit"].lower() if gd.get("unit") else spec.unit
            named = gd.get("part") or gd.get("part2")  # "the end of that month", "the month's end"
            part = g.part_of(named) if named else spec.part
            out.append(Cand(m.start(), m.end(), spec.kind, spec.id, rel=spec, n=n, unit=unit, part=part,
                            priority=0))
    for rx in g.durations:
        for m in rx.finditer(text):
            out.append(Cand(m.start(), m.end(), Kind.DURATION, "duration", priority=3))
    return out


def _cue_ok(g: Grammar, text: str, start: int, end: int, date_chars: bytearray) -> bool:
    """A bare month name or year is a date after a cue word, at a line start or in a DATE ent."""
    if any(date_chars[start:end]):
        return True
    before = text[max(0, start - 40):start]
    if not before.strip() or before.rstrip(" \t#").endswith("\n") or before.rstrip().endswith(("(", "–")):
        return True
    words = re.findall(r"[A-Za-z]+", before)
    return bool(words) and words[-1].lower() in g.cue_words


#: what a reader gets: the grammar, the pattern, the match, its groups, the early/mid/late part
#: it names, the text and the DATE-entity characters; it returns the Parts of a calendar
#: expression, a candidate of another kind, or None (not a date)
_Reader = Callable[[Grammar, CalPattern, "re.Match[str]", dict[str, Any], "str | None", str, bytearray],
                   "Parts | Cand | None"]


def _calendar(g: Grammar, pat: CalPattern, m: re.Match[str], text: str, date_chars: bytearray) -> Cand | None:
    """The candidate of one match of a calendar pattern, if it reads as a date."""
    gd = m.groupdict()
    part = g.part_of(gd.get("part"))
    try:
        got = _READERS[pat.form](g, pat, m, gd, part, text, date_chars)
    except (KeyError, ValueError):
        return None
    if isinstance(got, Parts):
        return Cand(m.start(), m.end(), Kind.CAL, pat.form.value, got, priority=pat.priority)
    return got


def _iso(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
         date_chars: bytearray) -> Parts | Cand | None:
    p = Parts(int(gd["y"]), int(gd["m"]), int(gd["d"]))
    if _safe_date(p.year or 0, p.month or 0, p.day or 0) is None:
        return None
    return p


def _day_month(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
               date_chars: bytearray) -> Parts | Cand | None:
    """dmy, mdy, dm, md; "May 5" needs a cue (the modal "may")."""
    d = int(gd["d"])
    if not 1 <= d <= 31:
        return None
    p = Parts(int(gd["y"]) if gd.get("y") else None, g.month_of(gd["m"]), d)
    if pat.form is Form.MD and gd["m"] in g.ambiguous_months and gd["m"] == "May" \
            and not _cue_ok(g, text, m.start(), m.end(), date_chars):
        return None
    return p


def _day_range(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
               date_chars: bytearray) -> Parts | Cand | None:
    """ "16-17 May 1994", "May 9-11": a range of days of one month."""
    d1, d2 = int(gd["d1"]), int(gd["d2"])
    if not (1 <= d1 < d2 <= 31):
        return None
    y = int(gd["y"]) if gd.get("y") else None
    mo = g.month_of(gd["m"])
    first = (m.start("m"), m.end("d1")) if pat.form is Form.MD_RANGE else (m.start("d1"), m.end("d1"))
    return Cand(m.start(), m.end(), Kind.RANGE, pat.form.value, Parts(y, mo, d1), Parts(y, mo, d2),
                priority=pat.priority, ends=(first, (m.start("d2"), m.end())))


def _year_range(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
                date_chars: bytearray) -> Parts | Cand | None:
    """ "1991–1992", "1993-94"."""
    y1, y2s = int(gd["y"]), gd["y2"]
    y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
    if not y1 < y2 <= y1 + 100:
        return None
    p1, p2 = Parts(y1, part=part), Parts(y2)
    return Cand(m.start(), m.end(), Kind.RANGE, pat.form.value, p1, p2, priority=pat.priority,
                ends=((m.start(), m.end("y")), (m.start("y2"), m.end("y2"))))


def _month_year(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
                date_chars: bytearray) -> Parts | Cand | None:
    return Parts(int(gd["y"]), g.month_of(gd["m"]), part=part)


def _season_year(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
                 date_chars: bytearray) -> Parts | Cand | None:
    y1 = int(gd["y"])
    y2 = None
    if gd.get("y2"):
        y2 = int(gd["y2"]) if len(gd["y2"]) == 4 else (y1 // 100) * 100 + int(gd["y2"])
        if y2 != y1 + 1:
            return None
    return Parts(y1, season=gd["season"].lower(), season_end_year=y2, part=part)


def _decade(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
            date_chars: bytearray) -> Parts | Cand | None:
    if not gd.get("dec"):
        return Cand(m.start(), m.end(), Kind.SPACY, pat.form.value)  # '90s: century unknown
    return Parts(decade=int(gd["dec"]), part=part)


def _century(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
             date_chars: bytearray) -> Parts | Cand | None:
    c = int(gd["cent"])
    if not 1 <= c <= 21:
        return None
    return Parts(century=c, part=part)


def _month(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
           date_chars: bytearray) -> Parts | Cand | None:
    """A bare month: after a cue word; "May", "March" ... not after and/or/to either."""
    if part is None and not _cue_ok(g, text, m.start(), m.end(), date_chars):
        return None
    if part is None and gd["m"] in g.ambiguous_months and not any(date_chars[m.start():m.end()]):
        before = re.findall(r"[A-Za-z]+", text[max(0, m.start() - 30):m.start()])
        if not before or before[-1].lower() in {"and", "or", "to"}:
            return None
    return Parts(None, g.month_of(gd["m"]), part=part)


def _year(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
          date_chars: bytearray) -> Parts | Cand | None:
    if part is None and not _cue_ok(g, text, m.start(), m.end(), date_chars):
        return None
    return Parts(int(gd["y"]), part=part)


def _holiday(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
             date_chars: bytearray) -> Parts | Cand | None:
    mo, d = g.holidays[re.sub("’", "'", gd["hol"]).lower()]
    return Parts(int(gd["y"]) if gd.get("y") else None, mo, d)


def _ordinal_day(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
                 date_chars: bytearray) -> Parts | Cand | None:
    d = int(gd["d"])
    if not 1 <= d <= 31:
        return None
    return Parts(None, None, d)


def _pub_month(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
               date_chars: bytearray) -> Parts | Cand | None:
    return Cand(m.start(), m.end(), Kind.PUBMONTH, pat.form.value, Parts(None, g.month_of(gd["m"])),
                relation=gd["rel"].lower(), priority=pat.priority)


def _weekday(g: Grammar, pat: CalPattern, m: re.Match[str], gd: dict[str, Any], part: str | None, text: str,
             date_chars: bytearray) -> Parts | Cand | None:
    return Cand(m.start(), m.end(), Kind.WEEKDAY, pat.form.value, relation=(gd.get("rel") or "").lower(),
                weekday=g.weekdays[gd["wd"].lower()], priority=pat.priority)


_READERS: dict[Form, _Reader] = {
    Form.ISO: _iso, Form.DMY: _day_month, Form.MDY: _day_month, Form.DM: _day_month, Form.MD: _day_month,
    Form.DM_RANGE: _day_range, Form.MD_RANGE: _day_range, Form.YEAR_RANGE: _year_range, Form.MY: _month_year,
    Form.SEASON_Y: _season_year, Form.DECADE: _decade, Form.DECADE_SHORT: _decade, Form.CENTURY: _century,
    Form.MONTH: _month, Form.YEAR: _year, Form.HOLIDAY: _holiday, Form.ORDINAL_DAY: _ordinal_day,
    Form.PUB_MONTH: _pub_month, Form.WEEKDAY: _weekday,
}
