"""Dates stage: find the time expressions of a document, give each its calendar interval, and
link events to them.

What it is for: every event row carries ``date_start``/``date_end`` (the interval the event may lie
in), ``date_precision`` and ``date_anchor``. This module produces ``Timex`` records for a spaCy
``Doc`` (:meth:`DateResolver.annotate`) and picks the one that dates a given event trigger
(:meth:`DateResolver.link`).

Finding. A deterministic grammar of our own (regular expressions built from the lexicons in
``data/patterns/dates.yaml``) finds explicit dates ("20 February 1988", "September 19, 1992",
"May 1992", "1993"), ranges ("May 9-11", "16-17 May 1994", "from August 31 to October 21",
"between 1991 and 1994", "in late February and early March", "1991–1992", "1993-94"),
seasons, early/mid/late parts, decades and centuries, fixed holidays ("Christmas 1963"), ordinal
days ("on the 28th"), expressions relative to the previous date of the narrative ("the next day",
"two days later", "later that month", "the previous year", "the end of the year") and news-style
expressions relative to the published date ("yesterday", "on Friday", "last week", "earlier this
month"). A range is returned as one Timex (precision ``range``) immediately followed by one Timex
for each of its two ends (rule ``<range rule>/start`` and ``/end``, TimeML style: "22-25 April
1951" -> "22" = 1951-04-22 and "25 April 1951"); :meth:`DateResolver.link` never returns an end.
spaCy DATE entities the grammar does not cover go to dateparser (``DateDataParser``, English,
built on first use) as a fallback, only when the expression states its year ("11/23/1874"), when
it names a month and the narrative gives the year (written into the text before parsing), or for
a relative expression with "ago"/"from now" counted from the published date (``RELATIVE_BASE``);
the absolute parser requires the year (``REQUIRE_PARTS``), its base is a fixed sentinel and its
year is checked against the text, so no part ever comes from today. Else the entity is returned
unresolved (None interval). "the 4th Army", "the 23rd Division" are not days.
"during/throughout the war" (conflict, fighting, siege ...) denotes the narrative's time so far:
from the first to the last date adopted as anchor in the section (else the document), ``range``. Durations
and ages ("two years", "for 3 days", "a quarter century") are returned with a None interval and
rule ``duration``, so that they are never taken for event dates. Mojibake dashes (``‚Äì``,
``‚Äî``) count as dashes; the text is never changed, so offsets stay exact. A month-day that begins
a name ("the May 22 Hospital", "the 26 July Movement", see ``date_name_heads``) is not a date.
Vague counts relative to the previous date: "days earlier" = 1..7 days before it, "weeks later"
= 7..35 days after it, "months earlier" = 28..183 days (``vague_spans``), precision ``range``; a
vague count yields to a date beside it in linking ("a few months later, in May 1992").

Datelines. A news report that opens with a dateline ("BEIRUT, 13 December 2016 -", "ADDIS
ABABA, Ethiopia, Nov. 29, 2020 (AP) -": a line starting with a place name in capitals, a comma,
a date with its day, an optional agency and a dash or colon; pattern ``dateline``) has that date
as its published date when the document has none (front matter/HTML/JSONL metadata win). The
dateline's timex (rule ``dateline``, anchor ``explicit``) dates the report, so :meth:`link` never
returns it for an event of its own sentence; the published date then anchors "on Monday",
"yesterday", "last night", "this morning", "last week" (anchor ``published``). A weekday is the
latest such day on or before the published date in a past-tense clause, the next one on or
after it in a future clause ("are expected to begin on Wednesday"), the nearest one otherwise.

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

Anchoring. A partial date ("On April 10", "in early February", "by mid-May") takes its missing
year (and, for a bare day, month) from, in order: the most recent plausible explicit date of the
same section (a full date, month+year, year, or the end of a range; dates in parentheses, decades
and centuries are not anchors), then the nearest enclosing Markdown heading that has a date, then
the title, then the last explicit date of an earlier section; a heading or title that spans years
("War in Donbas, 2014-2015") gives its first year, and defers to the last date of the earlier
sections when that lies inside the span. An explicit date more than ten years
away from the current anchor that is not at the head of its sentence ("papers found in 2004
proved ...") is read as an aside and does not become the anchor. The year is taken as is (a month
earlier than the anchor month does not roll over to the next year) except across a year
boundary: with a firm anchor (a day, or an explicit month and year) in January, "on 29 December"
is the previous December, with one in December "throughout January" is the next January (the
month lies at least ``year_wrap_months`` = 10 months away in the anchor's year). Nothing is ever
filled from today. Without an anchor the interval is None. The published date is used for the
news-style relative expressions above and, in news, for a month(-day) without a year: when the
document has no other anchor, or reads as news (see ``news_register`` in the pattern file:
frequent "on Friday", "last year", "this week") and no year was given in the same paragraph, the
year (published year -1, 0, +1) is the one that puts the date nearest before the published date
in a past-tense clause, nearest after it under will/shall, nearest either way otherwise (anchor
``published``; such dates do not become narrative anchors). A history with a publication date
keeps its own narrative anchors.

Linking (:meth:`DateResolver.link`): the timex attached to the trigger in the dependency parse
(on the path from the timex head up to the trigger, without crossing another verb), else one in
the trigger's subtree, else one governing the trigger, else the nearest timex of the sentence;
failing that the date carried from the preceding sentences, returned with anchor
``previous_event``: the last date before the sentence in the same section (``carry="section"``,
the default, which matches how the gold dates undated sentences from their context), or only from
the same paragraph unless the sentence opens with a continuation cue such as "Then", "Soon
after", "Later" (``carry="paragraph"``). A coarse date (a year) that merely contains an earlier
finer date of the same section ("On 3 March 1992 ... A report published in 1992 ...") does not
replace it as the carried narrative time. Never across a heading. An undated event in a past
perfect marked as earlier ("had previously stated", see ``before_adverbs``) is dated before the
carried date: from the first day of its month to the day before it (rule ``<rule>/before``).
A date after the published date (an expected event) is never carried. An undated sentence in the
simple present ("The Secretary-General calls on the parties ...", "Donors are urged ...") that
follows a past-tense narrative from an earlier paragraph (or has nothing to carry) speaks at the
document's time: the published date (anchor ``published``, rule ``*/document_time``), else the
end of the latest date the document mentions outside future clauses (anchor ``narrative``); in
the narrative's own paragraph (a chronology entry in the historic present) the present simply
continues it. An undated sentence with nothing to carry (the head of a section) takes the first
date later in its paragraph (rule ``<rule>/following``, anchor ``narrative``), which bounds it.
The carry policy comes from ``Settings.date_carry`` (the ``carry`` argument overrides it).
"""
from __future__ import annotations

import bisect
import calendar
import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from .config import Settings
from .errors import ConfigError, DataFileError
from .nlp import doc_text
from .records import Timex

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

PATTERN_FILE = ("data", "patterns", "dates.yaml")

#: dash characters accepted between the two ends of a range (mojibake en/em dash included)
DASH = r"\s*(?:‚Äì|‚Äî|[-‐‑‒–—−])\s*"
_VERB_POS = {"VERB", "AUX"}
#: RELATIVE_BASE of the absolute-date dateparser: never used for a result (the year must be in the
#: text, the month/day must be at the parsed period), but never today either
DATEPARSER_SENTINEL = dt.date(1800, 1, 1)
#: a blank line: the end of a paragraph
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
#: ``Doc.user_data`` key under which :meth:`DateResolver.annotate` leaves what :meth:`link` needs
_DOC_KEY = "eventextract.dates"
#: a narrative anchor: (year, month or None) or (year, month or None, firm); a firm anchor (from a
#: day, or from an explicit month) lets a month without a year cross the year boundary
Anchor = tuple[Any, ...]
#: the values of ``Settings.date_carry``
CARRY_POLICIES = ("section", "paragraph")


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def load_lexicon() -> dict[str, Any]:
    """The lexicons and relative-expression tables of ``data/patterns/dates.yaml`` (read once)."""
    path = resources.files("eventextract").joinpath(*PATTERN_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError("E304", f"date pattern file {path} cannot be read: {exc}") from exc
    required = ("months", "seasons", "parts", "part_words", "relative_previous", "relative_published")
    if not isinstance(data, dict) or any(k not in data for k in required):
        raise DataFileError("E304", f"date pattern file {path} lacks one of {required}")
    return data


# --------------------------------------------------------------------------------------------
# calendar helpers
# --------------------------------------------------------------------------------------------
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


@dataclass
class _Cand:
    """A candidate time expression found in the text."""

    start: int
    end: int
    kind: str  # cal | range | prev | pub | weekday | pubmonth | duration | spacy
    rule: str
    parts: Parts | None = None
    parts2: Parts | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    n: int = 1
    unit: str = ""
    priority: int = 0
    #: for ranges: the character spans of the two ends, returned as timexes of their own
    ends: tuple[tuple[int, int], tuple[int, int]] | None = None


# --------------------------------------------------------------------------------------------
# the grammar
# --------------------------------------------------------------------------------------------
class Grammar:
    """Compiled regular expressions of the date grammar (built once per DateResolver)."""

    def __init__(self, lex: dict[str, Any]) -> None:
        self.lex = lex
        self.months: dict[str, int] = {str(k): int(v) for k, v in lex["months"].items()}
        self.ambiguous_months = set(lex.get("ambiguous_months", []))
        self.cue_words = {str(w).lower() for w in lex.get("month_cue_words", [])}
        self.numbers: dict[str, int] = {str(k): int(v) for k, v in lex.get("numbers", {}).items()}
        self.weekdays: dict[str, int] = {str(k).lower(): int(v) for k, v in lex.get("weekdays", {}).items()}
        self.seasons: dict[str, dict[str, int]] = lex["seasons"]
        self.parts: dict[str, dict[str, list[int]]] = lex["parts"]
        self.part_res = {name: re.compile(rf"(?:{alt})", re.I) for name, alt in lex["part_words"].items()}
        self.continuation = [str(c).lower() for c in lex.get("continuation_cues", [])]
        part_alt = "|".join(f"(?:{alt})" for alt in lex["part_words"].values())
        full = sorted((m for m in self.months if (len(m) > 3 or m == "May") and m != "Sept"),
                      key=len, reverse=True)
        abbr = sorted((m for m in self.months if m not in full), key=len, reverse=True)
        mon_alt = "|".join(full + [rf"{a}\.?" for a in abbr])
        season_alt = "|".join(sorted(self.seasons, key=len, reverse=True))

        def mon(g: str) -> str:
            return rf"(?P<{g}>(?:{mon_alt}))(?![a-z])"

        def day(g: str) -> str:
            return rf"(?<![\d,.])(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:])"

        def year(g: str) -> str:
            return rf"(?<![\d,.$£€/])(?P<{g}>1\d{{3}}|20\d{{2}})(?![\d,]\d)(?!\s*(?:BC|BCE|B\.C\.)\b)(?![\d%])"

        part = rf"(?:(?P<part>(?i:{part_alt}))(?:-|\s+)(?:(?i:of)\s+)?(?:(?i:the)\s+)?)"
        the = r"(?:(?i:the)\s+)?"
        pats: list[tuple[str, str, str, int]] = [
            # (rule id, regex, kind, priority: lower wins between equally long matches)
            ("iso", r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d-])", "cal", 0),
            ("dmy", rf"{the}{day('d')}\s+(?:of\s+)?{mon('m')},?\s+{year('y')}", "cal", 0),
            ("mdy", rf"{mon('m')}\s+{day('d')},?\s+{year('y')}", "cal", 0),
            ("dm_range", rf"{day('d1')}{DASH}{day('d2')}\s+{mon('m')}(?:,?\s+{year('y')})?", "cal_range", 0),
            ("md_range", rf"{mon('m')}\s+{day('d1')}{DASH}{day('d2')}(?:,?\s+{year('y')})?", "cal_range", 0),
            ("dm", rf"{the}{day('d')}\s+(?:of\s+)?{mon('m')}", "cal", 1),
            ("md", rf"{mon('m')}\s+{day('d')}", "cal", 1),
            ("my", rf"{part}?{mon('m')},?\s+(?:of\s+)?{year('y')}", "cal", 0),
            ("season_y", rf"{the}{part}?(?P<season>(?i:{season_alt}))(?:\s+(?i:of))?,?\s+{year('y')}"
                         rf"(?:(?:{DASH}|/)(?P<y2>\d{{4}}|\d{{2}})(?!\d))?", "cal", 0),
            ("year_range", rf"{part}?{year('y')}(?:{DASH}|/)(?P<y2>\d{{4}}|\d{{2}})(?![\d%])", "cal_range", 0),
            ("decade", rf"{the}{part}?(?P<dec>1\d{{2}}0|20\d0)'?s\b", "cal", 0),
            ("decade_short", rf"{the}{part}?'(?P<dec2>\d0)s\b", "cal", 1),
            ("century", rf"{the}{part}?(?P<cent>[12]?\d)(?:st|nd|rd|th)[\s-]+(?i:century)", "cal", 0),
            ("month", rf"{part}?{mon('m')}", "cal", 2),
            ("year", rf"{part}?{year('y')}", "cal", 2),
            ("pub_month", rf"(?P<rel>(?i:last|this|next))\s+{mon('m')}", "pubmonth", 0),
        ]
        wd_alt = "|".join(w.capitalize() for w in self.weekdays)
        pats.append(("weekday", rf"(?:(?P<rel>(?i:last|next|this))\s+)?(?P<wd>{wd_alt})(?![a-z])", "weekday", 1))
        # every expression starts at a word start: "(?<![A-Za-z0-9])" lets the engine skip the other
        # positions quickly (the optional prefixes make the patterns slow otherwise)
        self.patterns = [(rid, re.compile(rf"(?<![A-Za-z0-9]){rx}"), kind, prio) for rid, rx, kind, prio in pats]
        self.holidays: dict[str, tuple[int, int]] = {
            str(k).lower(): (int(v[0]), int(v[1])) for k, v in lex.get("holidays", {}).items()}
        if self.holidays:
            hol_alt = "|".join(re.escape(h).replace("'", "['’]") for h in
                               sorted(lex["holidays"], key=len, reverse=True))
            self.patterns.append(("holiday", re.compile(
                rf"(?P<hol>{hol_alt})(?:,?\s+{year('y')})?(?![\w-])"), "cal", 0))
        # "the 4th" is a day of the month unless it modifies a name or a noun ("the 4th Army",
        # "the 23rd Division", "the 5th armoured brigade")
        not_before = "|".join(re.escape(str(w)) for w in lex.get("ordinal_not_before", []))
        not_noun = rf"(?!\s+(?:[A-Z0-9]|(?i:{not_before})\b))" if not_before else r"(?!\s+[A-Z0-9])"
        self.patterns.append(("ordinal_day", re.compile(
            r"(?i:the)\s+(?<![\d,.])(?P<d>[0-3]?\d)(?:st|nd|rd|th)(?![\w-])"
            rf"(?:\s+(?i:of\s+(?:that|the\s+same)\s+month)|{not_noun})"), "cal", 3))
        num_alt = "|".join(re.sub(r"\s+", r"\\s+", re.escape(k)) for k in
                           sorted(self.numbers, key=len, reverse=True))
        num = rf"(?P<n>\d{{1,3}}|{num_alt})"
        self.relative: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
        for kind, key in (("prev", "relative_previous"), ("pub", "relative_published")):
            for spec in lex[key]:
                body = str(spec["pattern"]).replace("{NUM}", num)
                rx = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.I)
                self.relative.append((spec["id"], rx, kind, spec))
        self.durations = [re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.I) for p in lex.get("durations", [])]
        heads = "|".join(re.escape(str(w)) for w in lex.get("date_name_heads", []))
        #: "the May 22 Hospital": a month-day that begins a name is not a date
        self.date_name = re.compile(
            rf"(?<![A-Za-z0-9])(?:{mon_alt})\.?\s+[0-3]?\d(?:st|nd|rd|th)?\s+(?:{heads})\b"
            rf"|(?<![A-Za-z0-9])[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{mon_alt})\.?\s+(?:{heads})\b"
        ) if heads else None
        dl = lex.get("dateline") or {}
        self.dateline_before = re.compile(str(dl["before"])) if dl.get("before") else None
        self.dateline_after = re.compile(str(dl["after"])) if dl.get("after") else None
        self.dateline_max = int(dl.get("max_offset", 800))
        self.vague_spans: dict[str, tuple[int, int]] = {
            str(k): (int(v[0]), int(v[1])) for k, v in lex.get("vague_spans", {}).items()}
        self.year_wrap = int(lex.get("year_wrap_months", 0))
        self.present_tags = {str(t) for t in lex.get("present_tense_tags", [])}
        self.range_joint = re.compile(rf"^(?:{DASH}|\s+(?:to|until|till|through|thru|and|-)\s+)$", re.I)
        self.range_prefix = re.compile(r"(?:\b(?P<w>from|between))\s+$", re.I)

    # -- parsing helpers --------------------------------------------------------------------
    def month_of(self, text: str) -> int:
        return self.months[text.rstrip(".")]

    def part_of(self, text: str | None) -> str | None:
        if not text:
            return None
        core = re.sub(r"^(?:the\s+)|\s+of$", "", re.sub(r"\s+", " ", text.strip().lower()))
        for variant in (text.strip(), core, f"the {core} of"):
            for name, rx in self.part_res.items():
                if rx.fullmatch(variant):
                    return name
        return None

    def number(self, text: str) -> int:
        t = re.sub(r"\s+", " ", text.strip().lower())
        if t.replace(" ", "") in {k.replace(" ", "") for k in self.numbers}:
            t = next(k for k in self.numbers if k.replace(" ", "") == t.replace(" ", ""))
        if t.isdigit():
            return int(t)
        return self.numbers.get(t, 1)

    def find(self, text: str, date_chars: bytearray) -> list[_Cand]:
        """All candidate expressions of ``text`` (overlapping; the caller selects)."""
        out: list[_Cand] = []
        for rid, rx, kind, prio in self.patterns:
            for m in rx.finditer(text):
                c = self._calendar(rid, kind, prio, m, text, date_chars)
                if c is not None:
                    out.append(c)
        for rid, rx, kind, spec in self.relative:
            for m in rx.finditer(text):
                g = m.groupdict()
                n = self.number(g["n"]) if g.get("n") else 1
                unit = g["unit"].lower() if g.get("unit") else str(spec.get("unit"))
                spec2 = dict(spec)
                if g.get("part") or g.get("part2"):
                    spec2["part"] = self.part_of(g.get("part") or g.get("part2"))
                out.append(_Cand(m.start(), m.end(), kind, rid, spec=spec2, n=n, unit=unit, priority=0))
        for rx in self.durations:
            for m in rx.finditer(text):
                out.append(_Cand(m.start(), m.end(), "duration", "duration", priority=3))
        return out

    def _cue_ok(self, text: str, start: int, end: int, date_chars: bytearray) -> bool:
        """A bare month name or year is a date after a cue word, at a line start or in a DATE ent."""
        if any(date_chars[start:end]):
            return True
        before = text[max(0, start - 40):start]
        if not before.strip() or before.rstrip(" \t#").endswith("\n") or before.rstrip().endswith(("(", "–")):
            return True
        words = re.findall(r"[A-Za-z]+", before)
        return bool(words) and words[-1].lower() in self.cue_words

    def _calendar(self, rid: str, kind: str, prio: int, m: re.Match[str], text: str,
                  date_chars: bytearray) -> _Cand | None:
        g = m.groupdict()
        part = self.part_of(g.get("part"))
        try:
            if rid == "iso":
                p = Parts(int(g["y"]), int(g["m"]), int(g["d"]))
                if _safe_date(p.year or 0, p.month or 0, p.day or 0) is None:
                    return None
            elif rid in ("dmy", "mdy", "dm", "md"):
                d = int(g["d"])
                if not 1 <= d <= 31:
                    return None
                p = Parts(int(g["y"]) if g.get("y") else None, self.month_of(g["m"]), d)
                if rid == "md" and g["m"] in self.ambiguous_months and g["m"] == "May" \
                        and not self._cue_ok(text, m.start(), m.end(), date_chars):
                    return None
            elif rid in ("dm_range", "md_range"):
                d1, d2 = int(g["d1"]), int(g["d2"])
                if not (1 <= d1 < d2 <= 31):
                    return None
                y = int(g["y"]) if g.get("y") else None
                mo = self.month_of(g["m"])
                first = (m.start("m"), m.end("d1")) if rid == "md_range" else (m.start("d1"), m.end("d1"))
                return _Cand(m.start(), m.end(), "range", rid, Parts(y, mo, d1), Parts(y, mo, d2), priority=prio,
                             ends=(first, (m.start("d2"), m.end())))
            elif rid == "year_range":
                y1, y2s = int(g["y"]), g["y2"]
                y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
                if not y1 < y2 <= y1 + 100:
                    return None
                p1, p2 = Parts(y1, part=part), Parts(y2)
                return _Cand(m.start(), m.end(), "range", rid, p1, p2, priority=prio,
                             ends=((m.start(), m.end("y")), (m.start("y2"), m.end("y2"))))
            elif rid == "my":
                p = Parts(int(g["y"]), self.month_of(g["m"]), part=part)
            elif rid == "season_y":
                y1 = int(g["y"])
                y2 = None
                if g.get("y2"):
                    y2 = int(g["y2"]) if len(g["y2"]) == 4 else (y1 // 100) * 100 + int(g["y2"])
                    if y2 != y1 + 1:
                        return None
                p = Parts(y1, season=g["season"].lower(), season_end_year=y2, part=part)
            elif rid in ("decade", "decade_short"):
                if g.get("dec"):
                    dec = int(g["dec"])
                else:
                    return _Cand(m.start(), m.end(), "spacy", rid)  # '90s: century unknown
                p = Parts(decade=dec, part=part)
            elif rid == "century":
                c = int(g["cent"])
                if not 1 <= c <= 21:
                    return None
                p = Parts(century=c, part=part)
            elif rid == "month":
                if part is None and not self._cue_ok(text, m.start(), m.end(), date_chars):
                    return None
                if part is None and g["m"] in self.ambiguous_months and not any(date_chars[m.start():m.end()]):
                    before = re.findall(r"[A-Za-z]+", text[max(0, m.start() - 30):m.start()])
                    if not before or before[-1].lower() in {"and", "or", "to"}:
                        return None
                p = Parts(None, self.month_of(g["m"]), part=part)
            elif rid == "year":
                if part is None and not self._cue_ok(text, m.start(), m.end(), date_chars):
                    return None
                p = Parts(int(g["y"]), part=part)
            elif rid == "holiday":
                mo, d = self.holidays[re.sub("’", "'", g["hol"]).lower()]
                p = Parts(int(g["y"]) if g.get("y") else None, mo, d)
            elif rid == "ordinal_day":
                d = int(g["d"])
                if not 1 <= d <= 31:
                    return None
                p = Parts(None, None, d)
            elif rid == "pub_month":
                return _Cand(m.start(), m.end(), "pubmonth", rid, Parts(None, self.month_of(g["m"])),
                             spec={"rel": g["rel"].lower()}, priority=prio)
            elif rid == "weekday":
                return _Cand(m.start(), m.end(), "weekday", rid,
                             spec={"rel": (g.get("rel") or "").lower(), "wd": self.weekdays[g["wd"].lower()]},
                             priority=prio)
            else:
                return None
        except (KeyError, ValueError):
            return None
        return _Cand(m.start(), m.end(), "cal", rid, p, priority=prio)

    # -- interval of a calendar expression ---------------------------------------------------
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
            s = self.seasons[p.season]
            if p.season == "winter" and p.season_end_year is None:
                sy, sm = _add_months(year, s["start_month"], -12) if s["start_month"] == 12 else (year, s["start_month"])
            else:
                sy, sm = year, s["start_month"]
            ey, em = _add_months(sy, sm, s["months"] - 1)
            return Interval(dt.date(sy, sm, 1), _month_end(ey, em), "season")
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


def spec_parts(part: str, scale: str) -> tuple[int, int]:
    """The (first, last) day/month of an early/mid/late part, from the lexicon."""
    a, b = load_lexicon()["parts"][part][scale]
    return int(a), int(b)


def p_month_only(a: Parts, b: Parts) -> bool:
    """Whether both ends are month-level or finer (so a year can be lent across a new year)."""
    return a.month is not None and b.month is not None


# --------------------------------------------------------------------------------------------
# the resolver
# --------------------------------------------------------------------------------------------
@dataclass
class _Heading:
    start: int
    end: int
    level: int
    anchor: Anchor | None = None
    #: (first, last) year of a heading dated by a span of years ("War in Donbas, 2014-2015")
    span: tuple[int, int] | None = None


class DateResolver:
    """Finds, normalises and links the time expressions of documents (see the module docstring)."""

    def __init__(self, settings: Settings | None = None, carry: str | None = None) -> None:
        self.settings = settings or Settings()
        #: how far :meth:`link` carries a date to later undated sentences: "paragraph" (same
        #: paragraph, or a later one opening with a continuation cue) or "section" (any later
        #: sentence of the same section); ``Settings.date_carry`` unless overridden here
        self.carry = carry if carry is not None else self.settings.date_carry
        if self.carry not in CARRY_POLICIES:
            raise ConfigError("E003", f"unknown date_carry {self.carry!r}; known: {', '.join(CARRY_POLICIES)}")
        self._grammar: Grammar | None = None
        self._dd_parser: Any = None

    @property
    def grammar(self) -> Grammar:
        """The compiled grammar, built on first use (never at import time)."""
        if self._grammar is None:
            self._grammar = Grammar(load_lexicon())
        return self._grammar

    # ---------------------------------------------------------------------------------------
    def annotate(self, doc: "Doc", published: dt.date | None = None,
                 title: str | None = None) -> list[Timex]:
        """Every time expression of the doc, in text order, with its calendar interval.

        Offsets are char offsets into ``doc.text``; ``sentence_index`` is the index of the
        sentence in ``list(doc.sents)``. ``date_start``/``date_end``/``precision`` are None when
        the expression cannot be resolved (no anchor, a duration, an unknown form)."""
        text = doc_text(doc)
        date_chars = bytearray(len(text))
        for ent in doc.ents:
            if ent.label_ == "DATE":
                date_chars[ent.start_char:ent.end_char] = b"\x01" * (ent.end_char - ent.start_char)
        cands = self._select(text, self.grammar.find(text, date_chars))
        covered = bytearray(len(text))
        if self.grammar.date_name is not None:  # "the May 22 Hospital": neither ours nor spaCy's
            names = [(m.start(), m.end()) for m in self.grammar.date_name.finditer(text)]
            for a, b in names:
                covered[a:b] = b"\x01" * (b - a)
            cands = [c for c in cands if not any(a < c.end and c.start < b for a, b in names)]
        for c in cands:
            covered[c.start:c.end] = b"\x01" * (c.end - c.start)
        for ent in doc.ents:
            if ent.label_ == "DATE" and not any(covered[ent.start_char:ent.end_char]):
                cands.append(_Cand(ent.start_char, ent.end_char, "spacy", "spacy.unresolved",
                                   spec={"text": ent.text}))
        cands.sort(key=lambda c: (c.start, c.end))
        sent_starts = [s.start_char for s in doc.sents]
        title_anchor = self._title_anchor(title)
        dateline = self._dateline(text, cands, published)
        if published is None and dateline is not None:
            published = dateline
        tenses = {c.start: self._tense(doc, c) for c in cands if c.kind in ("cal", "range", "weekday")}
        out = self._resolve(text, cands, sent_starts, published, title_anchor, tenses,
                            self._title_span(title_anchor, title))
        # what link() needs besides the timexes: the published date (or the dateline's) and the
        # tense of each timex's clause (for the document time of present-tense sentences)
        doc.user_data[_DOC_KEY] = {"published": published, "tenses": tenses}
        return out

    def _dateline(self, text: str, cands: list[_Cand], published: dt.date | None) -> dt.date | None:
        """The date of a news dateline at the head of the text ("BEIRUT, 13 December 2016 -"),
        if any; its candidate is renamed ``dateline`` (it dates the report, not an event). A
        dateline without a year counts only when the document has a published date."""
        g = self.grammar
        if g.dateline_before is None or g.dateline_after is None:
            return None
        for c in cands:
            if c.start > g.dateline_max:
                break
            if c.kind != "cal" or c.parts is None or c.parts.day is None or c.parts.month is None:
                continue
            line_start = text.rfind("\n", 0, c.start) + 1
            if not g.dateline_before.fullmatch(text[line_start:c.start]) or \
                    not g.dateline_after.match(text[c.end:c.end + 60]):
                continue
            year = c.parts.year if c.parts.year is not None else (published.year if published else None)
            d = _safe_date(year, c.parts.month, c.parts.day) if year is not None else None
            if d is None:
                continue
            c.rule = "dateline"
            if c.parts.year is None:
                c.parts = dataclasses.replace(c.parts, year=year)
            return d
        return None

    @staticmethod
    def _tense(doc: "Doc", c: _Cand) -> str:
        """The tense of the clause a time expression belongs to, for a news month(-day) without
        a year: "future" (will/shall), "past" (a past-tense verb or auxiliary, a present perfect)
        or "present" (also infinitives: "is due to open in May")."""
        span = doc.char_span(c.start, c.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            return "present"
        verb = span.root
        while verb.pos_ not in _VERB_POS and verb.head.i != verb.i:
            verb = verb.head
        if verb.pos_ not in _VERB_POS:
            return "present"
        aux = [t for t in verb.children if t.dep_ in ("aux", "auxpass")]
        if any(t.lower_ in ("will", "'ll", "shall", "wo") for t in aux):
            return "future"
        if any(t.tag_ == "TO" for t in aux):
            return "present"
        if verb.tag_ == "VBD" or any(t.tag_ == "VBD" or t.lower_ in ("has", "have", "'ve") for t in aux):
            return "past"
        if verb.tag_ == "VBN" and not aux and any(t.dep_ == "nsubj" for t in verb.children):
            return "past"  # a past tense tagged as a participle ("Smith denied in May that ...")
        return "present"

    def annotate_text(self, text: str, published: dt.date | None = None,
                      title: str | None = None) -> list[Timex]:
        """Like :meth:`annotate` for a plain string without a parse (no DATE entities, one
        sentence per line); used for titles and by tools that have no spaCy Doc."""
        cands = self._select(text, self.grammar.find(text, bytearray(len(text))))
        starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        anchor = self._title_anchor(title)
        return self._resolve(text, cands, starts, published, anchor, None, self._title_span(anchor, title))

    # ---------------------------------------------------------------------------------------
    def _dateparser(self, base: dt.date | None) -> Any:
        """dateparser's ``DateDataParser`` (English only), built on first use and kept.

        ``base`` None: the parser of absolute dates; it requires the year in the text
        (``REQUIRE_PARTS``) and its ``RELATIVE_BASE`` is a fixed sentinel, so that a part
        missing from the text can never come from today (the caller also checks the year).
        ``base`` a published date: the parser of relative expressions ("three days ago"), with
        ``RELATIVE_BASE`` = that date (a few are kept, one per published date)."""
        from dateparser.date import DateDataParser  # heavy import, deferred to first use

        if self._dd_parser is None:
            self._dd_parser = {}
        key = base.isoformat() if base else "absolute"
        parser = self._dd_parser.get(key)
        if parser is None:
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
            if len(self._dd_parser) > 32:  # a bounded cache: drop the oldest published-date parser
                self._dd_parser.pop(next(k for k in self._dd_parser if k != "absolute"))
            parser = self._dd_parser[key] = DateDataParser(languages=["en"], settings=settings)
        return parser

    def dateparser_interval(self, text: str, anchor: Anchor | None,
                            published: dt.date | None) -> tuple[Interval | None, str]:
        """The fallback for a date expression the grammar does not know (a spaCy DATE entity):
        dateparser's ``get_date_data`` with its period (day/month/year) as precision.

        Only (1) an expression that states its year ("3/5/1992", "Tue., 5.3.1992"), anchor
        ``explicit``; (2) a month-day or month expression without a year when the narrative has an
        anchor year, which is written into the text before parsing, anchor ``narrative``; (3) a
        news-style relative expression ("three weeks ago", "two days from now") from the published
        date, anchor ``published``. Anything else is None: no part is ever taken from today."""
        clean = re.sub(r"‚Äì|‚Äî", "-", text).strip()
        if not re.search(r"\d|[A-Za-z]{3}", clean):
            return None, ""
        years = {int(y) for y in re.findall(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", clean)}
        how = "explicit"
        if not years:
            g = self.grammar
            has_month = any(re.search(rf"(?<![A-Za-z]){re.escape(m)}(?![a-z])", clean) for m in g.months)
            if has_month and anchor is not None:
                years = {anchor[0]}
                clean = f"{clean} {anchor[0]}"
                how = "narrative"
            elif published is not None and re.search(r"\b(?:ago|from\s+now|hence)\b", clean, re.I):
                data = self._dateparser(published).get_date_data(clean)
                return self._dd_interval(data, None), "published"
            else:
                return None, ""
        try:
            data = self._dateparser(None).get_date_data(clean)
        except (ValueError, OverflowError):
            return None, ""
        return self._dd_interval(data, years), how

    @staticmethod
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

    # ---------------------------------------------------------------------------------------
    def _select(self, text: str, cands: list[_Cand]) -> list[_Cand]:
        """Longest non-overlapping candidates, then adjacent calendar expressions joined into
        ranges ("from A to B", "between A and B", "A – B", "late A and early B")."""
        cands.sort(key=lambda c: (-(c.end - c.start), c.priority, c.start))
        taken = bytearray(len(text))
        chosen: list[_Cand] = []
        for c in cands:
            if any(taken[c.start:c.end]):
                continue
            taken[c.start:c.end] = b"\x01" * (c.end - c.start)
            chosen.append(c)
        chosen.sort(key=lambda c: c.start)
        out: list[_Cand] = []
        i = 0
        g = self.grammar
        while i < len(chosen):
            a = chosen[i]
            if i + 1 < len(chosen) and a.kind == "cal" and chosen[i + 1].kind == "cal":
                b = chosen[i + 1]
                gap = text[a.end:b.start]
                pre = g.range_prefix.search(text[max(0, a.start - 10):a.start])
                if g.range_joint.match(gap) and self._joinable(a, b, gap, pre):
                    start = a.start - len(pre.group(0)) if pre else a.start
                    out.append(_Cand(start, b.end, "range", f"range.{a.rule}+{b.rule}", a.parts, b.parts,
                                     ends=((a.start, a.end), (b.start, b.end))))
                    i += 2
                    continue
            out.append(a)
            i += 1
        return out

    @staticmethod
    def _joinable(a: _Cand, b: _Cand, gap: str, pre: re.Match[str] | None) -> bool:
        pa, pb = a.parts, b.parts
        if pa is None or pb is None:
            return False
        word = gap.strip().lower()
        if word == "and":
            if pre is not None and pre.group("w").lower() == "between":
                return True
            # "in late February and early March": both month-or-coarser, the first with a part
            return pa.part is not None and pa.day is None and pb.day is None
        if word in ("to", "until", "till", "through", "thru"):
            return True
        # a dash: both ends must be calendar dates of compatible granularity
        return (pa.day is None) == (pb.day is None) or pa.year is not None or pb.year is not None

    @staticmethod
    def _title_span(anchor: Anchor | None, title: str | None) -> tuple[int, int] | None:
        """The (first, last) year of a title that names a span of years ("... 2014-2015")."""
        if anchor is None or not title:
            return None
        m = re.search(rf"(?<!\d)(1\d{{3}}|20\d{{2}}){DASH}(\d{{4}}|\d{{2}})(?!\d)", title)
        if not m:
            return None
        y1, y2s = int(m.group(1)), m.group(2)
        y2 = int(y2s) if len(y2s) == 4 else (y1 // 100) * 100 + int(y2s)
        return (y1, y2) if y1 < y2 else None

    @staticmethod
    def _title_anchor(title: str | None) -> Anchor | None:
        if not title:
            return None
        m = re.search(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", title)
        return (int(m.group(1)), None) if m else None

    # ---------------------------------------------------------------------------------------
    def _resolve(self, text: str, cands: list[_Cand], sent_starts: list[int],
                 published: dt.date | None, title_anchor: Anchor | None,
                 tenses: dict[int, str] | None = None,
                 title_span: tuple[int, int] | None = None) -> list[Timex]:
        g = self.grammar
        headings = [
            _Heading(m.start(), m.end(), len(m.group(1)))
            for m in re.finditer(r"(?m)^[ \t]*(#{1,6})[ \t]+\S[^\n]*", text)
        ]
        h_starts = [h.start for h in headings]
        stack: list[_Heading] = []
        section_anchor: Anchor | None = None
        anchor_pos = -1  # where the section anchor was set
        # the narrative's time so far (first start, last end): of the section and of the document
        sec_span: list[dt.date] = []
        doc_span: list[dt.date] = []
        news = self._news_register(text, cands, published)
        last_anchor: Anchor | None = None  # last anchor of any earlier section
        prev: Interval | None = None
        current_heading = -1
        out: list[Timex] = []
        for c in cands:
            hi = bisect.bisect_right(h_starts, c.start) - 1
            while current_heading < hi:  # entering a new heading line
                current_heading += 1
                h = headings[current_heading]
                while stack and stack[-1].level >= h.level:
                    stack.pop()
                stack.append(h)
                if section_anchor is not None:
                    last_anchor = section_anchor
                section_anchor, prev = None, None
                sec_span = []
            in_heading = hi >= 0 and c.start < headings[hi].end
            anchor = section_anchor
            if anchor is None:
                for h in reversed(stack[:-1] if in_heading else stack):
                    if h.anchor is not None:
                        # a heading spanning years defers to the narrative so far inside the span
                        anchor = last_anchor if h.span and last_anchor and \
                            h.span[0] <= last_anchor[0] <= h.span[1] else h.anchor
                        break
            if anchor is None:
                if title_anchor and last_anchor and title_span and \
                        title_span[0] <= last_anchor[0] <= title_span[1]:
                    anchor = last_anchor
                else:
                    anchor = title_anchor or last_anchor
            sidx = max(bisect.bisect_right(sent_starts, c.start) - 1, 0)
            if published is not None and c.kind in ("cal", "range") and (anchor is None or (
                    news and not (anchor is section_anchor and not PARAGRAPH_BREAK.search(text, anchor_pos, c.start)))):
                # news: the published date anchors a month(-day) without a year unless the
                # narrative has an anchor (in a news text: one set in the same paragraph)
                iv, how = self._published_year(c, published, (tenses or {}).get(c.start, "present"))
            elif c.kind == "prev" and c.spec.get("mode") == "span":
                span = sec_span or doc_span
                iv, how = (Interval(span[0], span[1], "range"), "narrative") if span else (None, "")
            else:
                iv, how = self._interval(c, anchor, prev, published, (tenses or {}).get(c.start, "past"))
            rule = c.rule
            if c.kind == "spacy" and iv is None and c.spec.get("text"):
                iv, how = self.dateparser_interval(c.spec["text"], anchor, published)
                rule = "dateparser" if iv is not None else rule
            out.append(Timex(c.start, c.end, text[c.start:c.end], iv.start if iv else None,
                             iv.end if iv else None, iv.precision if iv else None,
                             how if iv else None, sidx, rule))
            if c.kind == "range" and c.ends and c.parts and c.parts2:
                ends = g.range_ends(c.parts, c.parts2, anchor)
                for (s0, e0), eiv, tag in zip(c.ends, ends or (None, None), ("start", "end")):
                    out.append(Timex(s0, e0, text[s0:e0], eiv.start if eiv else None, eiv.end if eiv else None,
                                     eiv.precision if eiv else None, how if eiv else None, sidx,
                                     f"{c.rule}/{tag}"))
            if iv is None or c.kind == "duration" or (c.kind == "spacy" and how != "explicit"):
                continue
            if c.kind in ("cal", "range", "spacy") and how != "published" and \
                    self._plausible_anchor(text, c, iv) and \
                    self._adopt(text, c, iv, section_anchor, sent_starts[sidx] if sent_starts else 0):
                new_anchor = (iv.end.year, iv.end.month if iv.precision in ("day", "month") else None,
                              iv.precision == "day" or how == "explicit")
                if in_heading:
                    if iv.end.year > iv.start.year:
                        headings[hi].anchor = (iv.start.year, None)
                        headings[hi].span = (iv.start.year, iv.end.year)
                    else:
                        headings[hi].anchor = new_anchor
                else:
                    section_anchor, anchor_pos = new_anchor, c.start
                    for sp in (sec_span, doc_span):
                        sp[:] = [min(sp[0], iv.start), max(sp[1], iv.end)] if sp else [iv.start, iv.end]
            elif c.kind == "prev" and iv.precision in ("day", "month"):
                section_anchor, anchor_pos = (iv.end.year, iv.end.month, iv.precision == "day"), c.start
            if not in_heading and iv.precision in ("day", "month", "range") and \
                    (iv.end - iv.start).days <= 62:
                prev = iv
        return out

    def _news_register(self, text: str, cands: list[_Cand], published: dt.date | None) -> bool:
        """Whether a document reads as news: it has a published date and refers to it often
        ("on Friday", "last year", "this week": at least ``news_register.per_1000_chars``
        such expressions per 1000 characters). A history with a publication date does not."""
        if published is None:
            return False
        deictic = sum(1 for c in cands if c.kind in ("pub", "weekday", "pubmonth"))
        rate = float(self.grammar.lex.get("news_register", {}).get("per_1000_chars", 0.5))
        return deictic > 0 and deictic * 1000 / max(len(text), 1) >= rate

    def _published_year(self, c: _Cand, published: dt.date, tense: str) -> tuple[Interval | None, str]:
        """A month(-day) without a year in a document whose only anchor is its published date
        (news): the year (published year -1, 0 or +1) that puts it nearest before the published
        date in a past-tense sentence, nearest after it in a future one, nearest either way in
        the present (TempEval-3 practice). Anything already dated or without a month: as usual."""
        pa, pb = c.parts, (c.parts2 if c.kind == "range" else c.parts)
        if pa is None or pb is None or not (pa.needs_anchor() and pb.needs_anchor()) \
                or pa.month is None or pb.month is None:
            return self._interval(c, None, None, published)
        options: list[Interval] = []
        for y in (published.year - 1, published.year, published.year + 1):
            iv, _ = self._interval(c, (y, None), None, published)
            if iv is not None:
                options.append(iv)
        if not options:
            return None, ""
        if tense == "past":
            fit = [o for o in options if o.start <= published]
            best = max(fit, key=lambda o: o.start) if fit else None
        elif tense == "future":
            fit = [o for o in options if o.end >= published]
            best = min(fit, key=lambda o: o.start) if fit else None
        else:
            best = None
        if best is None:
            best = min(options, key=lambda o: (0 if o.start <= published <= o.end else
                                               min(abs((o.start - published).days), abs((o.end - published).days))))
        return best, "published"

    @staticmethod
    def _adopt(text: str, c: _Cand, iv: Interval, current: Anchor | None,
               sent_start: int) -> bool:
        """Whether an explicit date replaces the current anchor. A date far (over 10 years)
        from the current anchor and not at the head of its sentence is read as an aside
        ("documents found in 2004 proved ...", "as in 1614") and does not."""
        if current is None or abs(iv.end.year - current[0]) <= 10:
            return True
        lead = text[sent_start:c.start]
        return len(re.findall(r"\w+", lead)) <= 3

    @staticmethod
    def _plausible_anchor(text: str, c: _Cand, iv: Interval) -> bool:
        """Whether a resolved date may lend its year to later partial dates: not a decade or
        century, not a parenthesised aside like a birth year."""
        if iv.precision == "range" and (iv.end.year - iv.start.year) > 5:
            return False
        if c.parts is not None and (c.parts.decade is not None or c.parts.century is not None):
            return False
        before = text[max(0, c.start - 60):c.start]
        after = text[c.end:c.end + 60]
        opened = before.rfind("(") > before.rfind(")")
        closed = after.find(")") != -1 and (after.find("(") == -1 or after.find(")") < after.find("("))
        return not (opened and closed)

    def _interval(self, c: _Cand, anchor: Anchor | None, prev: Interval | None,
                  published: dt.date | None, tense: str = "past") -> tuple[Interval | None, str]:
        g = self.grammar
        if c.kind == "cal" and c.parts is not None:
            iv = g.interval(c.parts, anchor)
            return iv, ("narrative" if c.parts.needs_anchor() else "explicit")
        if c.kind == "range" and c.parts is not None and c.parts2 is not None:
            iv = g.range_interval(c.parts, c.parts2, anchor)
            return iv, ("narrative" if c.parts.needs_anchor() and c.parts2.needs_anchor() else "explicit")
        if c.kind == "prev":
            base = prev
            if base is None and anchor is not None and c.unit in ("month", "year"):
                y, mo = anchor[0], anchor[1]
                if c.unit == "year" or mo is not None:
                    base = g.interval(Parts(y, mo), None)
            return (self._relative(base, c), "previous_event") if base is not None else (None, "")
        if c.kind == "pub":
            if published is None:
                return None, ""
            base = Interval(published, published, "day")
            return self._relative(base, c), "published"
        if c.kind == "weekday" and published is not None:
            wd, rel = c.spec["wd"], c.spec["rel"]
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
            return Interval(d, d, "day"), "published"
        if c.kind == "pubmonth" and published is not None and c.parts is not None and c.parts.month:
            rel, mo = c.spec["rel"], c.parts.month
            y = published.year
            if rel == "last":
                y = y if mo < published.month else y - 1
            elif rel == "next":
                y = y if mo > published.month else y + 1
            return g.interval(Parts(y, mo), None), "published"
        return None, ""

    @staticmethod
    def _relative(base: Interval, c: _Cand) -> Interval | None:
        """The interval of a relative expression counted from ``base``."""
        spec, unit = c.spec, c.unit
        offset_spec = spec.get("offset", 0)
        if isinstance(offset_spec, str):
            n = c.n * (-1 if offset_spec.startswith("-") else 1)
        else:
            n = int(offset_spec)
        mode = spec.get("mode")
        ref = base.end if n > 0 else base.start
        if mode == "vague":  # "days earlier", "a few weeks later": a span of days from the base
            lo, hi = load_lexicon().get("vague_spans", {}).get(unit, (0, 0))
            if not hi:
                return None
            if n < 0:
                return Interval(ref - dt.timedelta(days=int(hi)), ref - dt.timedelta(days=int(lo)), "range")
            return Interval(ref + dt.timedelta(days=int(lo)), ref + dt.timedelta(days=int(hi)), "range")
        if mode == "part":
            part = spec.get("part") or "late"
            if unit == "month":
                a, b = spec_parts(part, "days")
                last = calendar.monthrange(base.end.year, base.end.month)[1]
                return Interval(dt.date(base.end.year, base.end.month, a),
                                dt.date(base.end.year, base.end.month, min(b, last)), "month")
            a, b = spec_parts(part, "months")
            return Interval(dt.date(base.end.year, a, 1), _month_end(base.end.year, b), "year")
        if unit in ("day", "week"):
            days = n * (7 if unit == "week" else 1)
            if unit == "week" and spec["id"].endswith(("_week",)) and not spec["id"].startswith("rel.n"):
                # calendar week (Monday..Sunday) containing ref + n weeks
                monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(days=days)
                return Interval(monday, monday + dt.timedelta(days=6), "range")
            if base.precision not in ("day",) and (base.end - base.start).days > 6:
                return None  # "the next day" after a whole month has no definite day
            start = ref + dt.timedelta(days=days)
            length = int(spec.get("length", 1))
            if length > 1:
                return Interval(start, start + dt.timedelta(days=length - 1), "range")
            return Interval(start, start, "day")
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

    # ---------------------------------------------------------------------------------------
    def link(self, doc: "Doc", trigger_token: int, sentence_index: int,
             timexes: list[Timex]) -> Timex | None:
        """The date of the event whose trigger head is ``doc[trigger_token]``.

        Preference: a timex attached to the trigger in the parse, else one in the trigger's
        subtree, else one governing it, else the nearest timex of the sentence (never the
        dateline); else, for a present-tense sentence after a past narrative, the document's
        time; else the last date carried from the preceding sentences of the narrative (anchor
        previous_event); else the first date later in the same paragraph. Uses what
        :meth:`annotate` left in ``doc.user_data`` (published date, clause tenses)."""
        trig = doc[trigger_token]
        sent = trig.sent
        info: dict[str, Any] = doc.user_data.get(_DOC_KEY) or {}
        published: dt.date | None = info.get("published")
        tenses: dict[int, str] = info.get("tenses") or {}
        text = doc_text(doc)
        resolved = [t for t in timexes if t.date_start is not None and not t.rule.endswith(("/start", "/end"))]
        # the dateline dates the report, not the events of its sentence
        in_sent = [t for t in resolved if sent.start_char <= t.start and t.end <= sent.end_char
                   and t.rule != "dateline"]
        if in_sent:
            # a vague count yields to a date beside it ("a few months later, in May 1992")
            return min(in_sent, key=lambda t: (self._link_rank(doc, trig, t)[0], t.rule.startswith("rel.vague"),
                                               self._link_rank(doc, trig, t)[1]))
        carried = self._carry(text, sent.start_char, resolved, published)
        if self._present(trig) and (carried is None or (
                tenses.get(carried.start) == "past" and PARAGRAPH_BREAK.search(text, carried.end, sent.start_char))):
            # "The Secretary-General calls on ..." in a new paragraph after a past narrative:
            # the document's time (inside the narrative's paragraph the present continues it)
            now = self._document_time(resolved, published, tenses, sent.start_char, sentence_index)
            if now is not None:
                return now
        if carried is None:
            return self._following(text, sent.start_char, sent.end_char, resolved)
        if carried is not None and carried.date_start is not None and self._pluperfect(trig):
            # "X had previously stated ...": before the narrative time, within its month
            end = carried.date_start - dt.timedelta(days=1)
            start = dt.date(end.year, end.month, 1)
            return dataclasses.replace(carried, date_start=start, date_end=end, precision="range",
                                       rule=f"{carried.rule}/before")
        return carried

    def _pluperfect(self, trig: "Token") -> bool:
        """Whether the trigger's clause is a past perfect marked as earlier ("had previously
        stated", "had earlier warned"), which puts the event before the narrative time: the
        trigger's own clause or a clause it is the complement of ("had previously stated
        they would attack")."""
        before = {str(w).lower() for w in self.grammar.lex.get("before_adverbs", [])}
        verb: "Token" = trig
        for _ in range(6):
            if verb.pos_ in _VERB_POS:
                aux = [t for t in verb.children if t.dep_ in ("aux", "auxpass")]
                if verb.tag_ == "VBN" and any(t.lemma_ == "have" and t.tag_ == "VBD" for t in aux) and \
                        any(t.dep_ == "advmod" and t.lower_ in before for t in verb.children):
                    return True
            if verb.dep_ not in ("xcomp", "ccomp", "conj", "dobj", "compound", "amod") or verb.head.i == verb.i:
                break
            verb = verb.head
        return False

    @staticmethod
    def _link_rank(doc: "Doc", trig: "Token", t: Timex) -> tuple[int, int]:
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        dist = abs(t.start - trig.idx)
        if span is None or len(span) == 0:
            return (5, dist)
        root = span.root
        if trig.i in range(span.start, span.end):
            return (0, dist)
        # walk up from the timex to the trigger, counting the clauses crossed on the way: a
        # clause coordinated with the trigger's ("took X and on May 9 captured Y") is closer
        # than a subordinate or relative clause ("the truce requested in May was extended")
        cur, crossed, subordinate = root, 0, False
        while cur.head.i != cur.i:
            child, cur = cur, cur.head
            if child.pos_ in _VERB_POS and child.i != root.i and child.dep_ != "conj":
                subordinate = True
            if cur.i == trig.i:
                return (0 if crossed == 0 else (1 if not subordinate else 2), dist)
            if cur.pos_ in _VERB_POS:
                crossed += 1
        # the timex's own governing verb (or clause head) is an ancestor of the trigger
        gov = root.head
        while gov.pos_ not in _VERB_POS and gov.head.i != gov.i:
            gov = gov.head
        chain = [a.i for a in trig.ancestors]
        if gov.i in chain:  # the nearer the governing verb is to the trigger, the better
            return (3, chain.index(gov.i) * 100000 + dist)
        return (4, dist)

    def _present(self, trig: "Token") -> bool:
        """Whether the trigger's clause is in the simple present ("calls on", "are urged"):
        the verb (or all its auxiliaries) tagged as in ``present_tense_tags``, no "has/have"."""
        tags = self.grammar.present_tags
        verb: "Token" = trig
        while verb.pos_ not in _VERB_POS and verb.head.i != verb.i:
            verb = verb.head
        if verb.pos_ not in _VERB_POS:
            return False
        aux = [t for t in verb.children if t.dep_ in ("aux", "auxpass")]
        if aux:
            return all(t.tag_ in tags and t.lemma_ != "have" for t in aux)
        return verb.tag_ in tags

    @staticmethod
    def _document_time(resolved: list[Timex], published: dt.date | None, tenses: dict[int, str],
                       sent_start: int, sentence_index: int) -> Timex | None:
        """The time a document speaks at: its published date (anchor ``published``; the
        dateline's text, else an empty expression at the sentence start), else the latest date
        it mentions outside future clauses (from its end on; anchor ``narrative``)."""
        if published is not None:
            base = next((t for t in resolved if t.rule == "dateline"), None)
            if base is None:
                return Timex(sent_start, sent_start, "", published, published, "day", "published",
                             sentence_index, "published/document_time")
            return dataclasses.replace(base, date_start=published, date_end=published, precision="day",
                                       anchor="published", rule="dateline/document_time")
        past = [t for t in resolved if tenses.get(t.start) != "future" and t.date_end is not None]
        if not past:
            return None
        latest = max(past, key=lambda t: (t.date_end, t.start))
        return dataclasses.replace(latest, date_start=latest.date_end, anchor="narrative",
                                   precision="day", rule=f"{latest.rule}/document_time")

    @staticmethod
    def _following(text: str, sent_start: int, sent_end: int, resolved: list[Timex]) -> Timex | None:
        """For an undated sentence with nothing to carry (the head of a section): the first date
        later in the same paragraph, which bounds what the paragraph narrates ("Under pressure,
        the government agreed to talks. On 5 September it signed ...")."""
        after = [t for t in resolved if t.start >= sent_end]
        if not after:
            return None
        first = min(after, key=lambda t: t.start)
        if PARAGRAPH_BREAK.search(text, sent_start, first.start):
            return None
        return dataclasses.replace(first, anchor="narrative", rule=f"{first.rule}/following")

    def _carry(self, text: str, sent_start: int, resolved: list[Timex],
               published: dt.date | None = None) -> Timex | None:
        """The last date before the sentence that the narrative carries over, if any; a date
        after the published date (an expected event, "on Wednesday" in a report of Tuesday)
        is not the narrative's time."""
        before = [t for t in resolved if t.end <= sent_start and
                  (published is None or t.date_start is None or t.date_start <= published)]
        if not before:
            return None
        last = max(before, key=lambda t: t.start)
        if last.date_start and last.date_end and (last.date_end - last.date_start).days > 62 and \
                last.anchor == "explicit":
            # a coarse mention ("a report published in 1992") does not move the narrative time
            # away from a finer date inside it that came earlier in the same section
            for t in sorted(before, key=lambda t: -t.start):
                if t.date_start and t.date_end and (t.date_end - t.date_start).days <= 62:
                    if last.date_start <= t.date_start and t.date_end <= last.date_end and \
                            not re.search(r"(?m)^[ \t]*#{1,6}[ \t]", text[t.end:last.start]):
                        last = t
                    break
        between = text[last.end:sent_start]
        if re.search(r"(?m)^[ \t]*#{1,6}[ \t]", between):
            return None  # a new section starts in between
        if self.carry != "section" and re.search(r"\n[ \t]*\n", between):
            opener = text[sent_start:sent_start + 40].lower()
            if not any(re.match(rf"{re.escape(cue)}\b", opener) for cue in self.grammar.continuation):
                return None
        return dataclasses.replace(last, anchor="previous_event")


def timex_to_dict(t: Timex) -> dict[str, Any]:
    """A JSON-friendly dict of a Timex (dates as ISO strings)."""
    out = dataclasses.asdict(t)
    for k in ("date_start", "date_end"):
        out[k] = out[k].isoformat() if out[k] is not None else None
    return out


__all__ = ["DateResolver", "Grammar", "Parts", "Interval", "load_lexicon", "timex_to_dict"]
