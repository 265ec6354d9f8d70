"""The date grammar: regular expressions built from the lexicons in ``data/patterns/dates.yaml``,
compiled once per process (:func:`compile_grammar`) and never changed afterwards.

Each family of patterns has its own builder below (dates with a day, month and season dates,
decades and centuries, bare months and years, news expressions, holidays, ordinal days, relative
expressions, durations, names that begin with a date, the dateline). The order of the calendar
patterns is significant: between candidates of equal length and priority the earlier pattern
wins (:func:`.find.select` sorts stably).
"""
from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ..errors import DataFileError
from .calendar import Calendar
from .types import Kind, RelSpec
from ..yamlio import load_yaml

PATTERN_FILE = ("data", "patterns", "dates.yaml")

#: dash characters accepted between the two ends of a range (mojibake en/em dash included)
DASH = r"\s*(?:‚Äì|‚Äî|[-‐‑‒–—−])\s*"


@functools.lru_cache(maxsize=1)
def load_lexicon() -> dict[str, Any]:
    """The lexicons and relative-expression tables of ``data/patterns/dates.yaml`` (read once)."""
    path = resources.files("eventextract").joinpath(*PATTERN_FILE)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError("E304", f"date pattern file {path} cannot be read: {exc}") from exc
    required = ("months", "seasons", "parts", "part_words", "relative_previous", "relative_published")
    if not isinstance(data, dict) or any(k not in data for k in required):
        raise DataFileError("E304", f"date pattern file {path} lacks one of {required}")
    return data


class Form(enum.Enum):
    """The calendar patterns; each value is the rule id published for what the pattern finds."""

    ISO = "iso"
    DMY = "dmy"
    MDY = "mdy"
    DM_RANGE = "dm_range"
    MD_RANGE = "md_range"
    DM = "dm"
    MD = "md"
    MY = "my"
    SEASON_Y = "season_y"
    YEAR_RANGE = "year_range"
    DECADE = "decade"
    DECADE_SHORT = "decade_short"
    CENTURY = "century"
    MONTH = "month"
    YEAR = "year"
    PUB_MONTH = "pub_month"
    WEEKDAY = "weekday"
    HOLIDAY = "holiday"
    ORDINAL_DAY = "ordinal_day"


@dataclass(frozen=True)
class CalPattern:
    """One calendar pattern: ``priority`` decides between equally long matches (lower wins)."""

    form: Form
    regex: re.Pattern[str]
    priority: int


@dataclass(frozen=True)
class Dateline:
    """The dateline pattern: the line before the date, what follows it, how far into the text."""

    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    max_offset: int


# --------------------------------------------------------------------------------------------
# building blocks of the calendar patterns
# --------------------------------------------------------------------------------------------
def _mon(mon_alt: str, g: str) -> str:
    return rf"(?P<{g}>(?:{mon_alt}))(?![a-z])"


def _day(g: str) -> str:
    return rf"(?<![\d,.])(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:])"


def _year(g: str) -> str:
    return rf"(?<![\d,.$£€/])(?P<{g}>1\d{{3}}|20\d{{2}})(?![\d,]\d)(?!\s*(?:BC|BCE|B\.C\.)\b)(?![\d%])"


_THE = r"(?:(?i:the)\s+)?"


def _month_alternation(months: dict[str, int]) -> str:
    """Full month names (and "May") before abbreviations, which may take a dot."""
    full = sorted((m for m in months if (len(m) > 3 or m == "May") and m != "Sept"), key=len, reverse=True)
    abbr = sorted((m for m in months if m not in full), key=len, reverse=True)
    return "|".join(full + [rf"{a}\.?" for a in abbr])


def _part_prefix(lex: dict[str, Any]) -> str:
    """An optional-to-use early/mid/late prefix ("late", "the end of", "mid-")."""
    part_alt = "|".join(f"(?:{alt})" for alt in lex["part_words"].values())
    return rf"(?:(?P<part>(?i:{part_alt}))(?:-|\s+)(?:(?i:of)\s+)?(?:(?i:the)\s+)?)"


def _day_patterns(mon_alt: str) -> list[tuple[Form, str, int]]:
    """Dates with a day: ISO, day-month-year, month-day-year, day ranges, day-month, month-day."""
    mon, day, year, the = functools.partial(_mon, mon_alt), _day, _year, _THE
    return [
        (Form.ISO, r"(?<![\d-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d-])", 0),
        (Form.DMY, rf"{the}{day('d')}\s+(?:of\s+)?{mon('m')},?\s+{year('y')}", 0),
        (Form.MDY, rf"{mon('m')}\s+{day('d')},?\s+{year('y')}", 0),
        (Form.DM_RANGE, rf"{day('d1')}{DASH}{day('d2')}\s+{mon('m')}(?:,?\s+{year('y')})?", 0),
        (Form.MD_RANGE, rf"{mon('m')}\s+{day('d1')}{DASH}{day('d2')}(?:,?\s+{year('y')})?", 0),
        (Form.DM, rf"{the}{day('d')}\s+(?:of\s+)?{mon('m')}", 1),
        (Form.MD, rf"{mon('m')}\s+{day('d')}", 1),
    ]


def _month_season_patterns(mon_alt: str, season_alt: str, part: str) -> list[tuple[Form, str, int]]:
    """Month and year, season and year ("the winter of 1991-1992"), ranges of years."""
    mon, year, the = functools.partial(_mon, mon_alt), _year, _THE
    return [
        (Form.MY, rf"{part}?{mon('m')},?\s+(?:of\s+)?{year('y')}", 0),
        (Form.SEASON_Y, rf"{the}{part}?(?P<season>(?i:{season_alt}))(?:\s+(?i:of))?,?\s+{year('y')}"
                        rf"(?:(?:{DASH}|/)(?P<y2>\d{{4}}|\d{{2}})(?!\d))?", 0),
        (Form.YEAR_RANGE, rf"{part}?{year('y')}(?:{DASH}|/)(?P<y2>\d{{4}}|\d{{2}})(?![\d%])", 0),
    ]


def _decade_patterns(part: str) -> list[tuple[Form, str, int]]:
    """Decades ("the 1990s", "the '90s") and centuries ("the 18th century")."""
    the = _THE
    return [
        (Form.DECADE, rf"{the}{part}?(?P<dec>1\d{{2}}0|20\d0)'?s\b", 0),
        (Form.DECADE_SHORT, rf"{the}{part}?'(?P<dec2>\d0)s\b", 1),
        (Form.CENTURY, rf"{the}{part}?(?P<cent>[12]?\d)(?:st|nd|rd|th)[\s-]+(?i:century)", 0),
    ]


def _bare_patterns(mon_alt: str, part: str) -> list[tuple[Form, str, int]]:
    """A month or a year alone (kept only after a cue word: see ``month_cue_words``)."""
    return [
        (Form.MONTH, rf"{part}?{_mon(mon_alt, 'm')}", 2),
        (Form.YEAR, rf"{part}?{_year('y')}", 2),
    ]


def _news_patterns(mon_alt: str, weekdays: dict[str, int]) -> list[tuple[Form, str, int]]:
    """Expressions relative to the published date: "last June", "on Friday", "next Friday"."""
    wd_alt = "|".join(w.capitalize() for w in weekdays)
    return [
        (Form.PUB_MONTH, rf"(?P<rel>(?i:last|this|next))\s+{_mon(mon_alt, 'm')}", 0),
        (Form.WEEKDAY, rf"(?:(?P<rel>(?i:last|next|this))\s+)?(?P<wd>{wd_alt})(?![a-z])", 1),
    ]


def _holiday_pattern(lex: dict[str, Any]) -> list[CalPattern]:
    """Fixed holidays ("Christmas 1963", a bare "Christmas")."""
    if not lex.get("holidays", {}):
        return []
    hol_alt = "|".join(re.escape(h).replace("'", "['’]") for h in sorted(lex["holidays"], key=len, reverse=True))
    return [CalPattern(Form.HOLIDAY, re.compile(rf"(?P<hol>{hol_alt})(?:,?\s+{_year('y')})?(?![\w-])"), 0)]


def _ordinal_day_pattern(lex: dict[str, Any]) -> CalPattern:
    """ "the 4th" is a day of the month unless it modifies a name or a noun ("the 4th Army",
    "the 23rd Division", "the 5th armoured brigade")."""
    not_before = "|".join(re.escape(str(w)) for w in lex.get("ordinal_not_before", []))
    not_noun = rf"(?!\s+(?:[A-Z0-9]|(?i:{not_before})\b))" if not_before else r"(?!\s+[A-Z0-9])"
    return CalPattern(Form.ORDINAL_DAY, re.compile(
        r"(?i:the)\s+(?<![\d,.])(?P<d>[0-3]?\d)(?:st|nd|rd|th)(?![\w-])"
        rf"(?:\s+(?i:of\s+(?:that|the\s+same)\s+month)|{not_noun})"), 3)


def calendar_patterns(lex: dict[str, Any], months: dict[str, int], seasons: dict[str, Any],
                      weekdays: dict[str, int]) -> tuple[CalPattern, ...]:
    """All calendar patterns, in their order of precedence."""
    mon_alt = _month_alternation(months)
    season_alt = "|".join(sorted(seasons, key=len, reverse=True))
    part = _part_prefix(lex)
    pats = [*_day_patterns(mon_alt), *_month_season_patterns(mon_alt, season_alt, part),
            *_decade_patterns(part), *_bare_patterns(mon_alt, part), *_news_patterns(mon_alt, weekdays)]
    # every expression starts at a word start: "(?<![A-Za-z0-9])" lets the engine skip the other
    # positions quickly (the optional prefixes make the patterns slow otherwise)
    out = [CalPattern(form, re.compile(rf"(?<![A-Za-z0-9]){rx}"), prio) for form, rx, prio in pats]
    return (*out, *_holiday_pattern(lex), _ordinal_day_pattern(lex))


# --------------------------------------------------------------------------------------------
# relative expressions, durations, names, the dateline
# --------------------------------------------------------------------------------------------
def relative_specs(lex: dict[str, Any], numbers: dict[str, int]) -> tuple[RelSpec, ...]:
    """The relative expressions of the pattern file, ``{NUM}`` expanded, each classified once."""
    num_alt = "|".join(re.sub(r"\s+", r"\\s+", re.escape(k)) for k in sorted(numbers, key=len, reverse=True))
    num = rf"(?P<n>\d{{1,3}}|{num_alt})"
    out: list[RelSpec] = []
    for kind, key in ((Kind.PREV, "relative_previous"), (Kind.PUB, "relative_published")):
        for spec in lex[key]:
            body = str(spec["pattern"]).replace("{NUM}", num)
            rid = spec["id"]
            offset = spec.get("offset", 0)
            counted = isinstance(offset, str)
            out.append(RelSpec(
                id=rid, kind=kind, regex=re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.I),
                unit=str(spec.get("unit")),
                offset=(-1 if offset.startswith("-") else 1) if counted else int(offset),
                counted=counted, mode=spec.get("mode"), part=spec.get("part"),
                length=int(spec.get("length", 1)),
                calendar_week=rid.endswith(("_week",)) and not rid.startswith("rel.n"),
                vague=rid.startswith("rel.vague")))
    return tuple(out)


def _date_name_pattern(lex: dict[str, Any], mon_alt: str) -> re.Pattern[str] | None:
    """ "the May 22 Hospital": a month-day that begins a name is not a date."""
    heads = "|".join(re.escape(str(w)) for w in lex.get("date_name_heads", []))
    if not heads:
        return None
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:{mon_alt})\.?\s+[0-3]?\d(?:st|nd|rd|th)?\s+(?:{heads})\b"
        rf"|(?<![A-Za-z0-9])[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{mon_alt})\.?\s+(?:{heads})\b")


def _dateline_rule(lex: dict[str, Any]) -> Dateline:
    dl = lex.get("dateline") or {}
    return Dateline(re.compile(str(dl["before"])) if dl.get("before") else None,
                    re.compile(str(dl["after"])) if dl.get("after") else None,
                    int(dl.get("max_offset", 800)))


# --------------------------------------------------------------------------------------------
# the grammar
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Grammar:
    """Compiled regular expressions and lexicons of the date grammar (built once per process)."""

    lex: dict[str, Any]
    months: dict[str, int]
    ambiguous_months: frozenset[str]
    cue_words: frozenset[str]
    numbers: dict[str, int]
    weekdays: dict[str, int]
    holidays: dict[str, tuple[int, int]]
    part_res: dict[str, re.Pattern[str]]
    continuation: tuple[str, ...]
    calendar: Calendar
    patterns: tuple[CalPattern, ...]
    relative: tuple[RelSpec, ...]
    durations: tuple[re.Pattern[str], ...]
    #: "the May 22 Hospital": a month-day that begins a name is not a date
    date_name: re.Pattern[str] | None
    dateline: Dateline
    vague_spans: dict[str, tuple[int, int]]
    present_tags: frozenset[str]
    before_adverbs: frozenset[str]
    news_rate: float
    range_joint: re.Pattern[str]
    range_prefix: re.Pattern[str]

    @classmethod
    def build(cls, lex: dict[str, Any]) -> "Grammar":
        """Compile the grammar of the lexicon ``lex`` (the contents of the pattern file)."""
        months = {str(k): int(v) for k, v in lex["months"].items()}
        numbers = {str(k): int(v) for k, v in lex.get("numbers", {}).items()}
        weekdays = {str(k).lower(): int(v) for k, v in lex.get("weekdays", {}).items()}
        seasons: dict[str, dict[str, int]] = lex["seasons"]
        return cls(
            lex=lex, months=months,
            ambiguous_months=frozenset(lex.get("ambiguous_months", [])),
            cue_words=frozenset(str(w).lower() for w in lex.get("month_cue_words", [])),
            numbers=numbers, weekdays=weekdays,
            holidays={str(k).lower(): (int(v[0]), int(v[1])) for k, v in lex.get("holidays", {}).items()},
            part_res={name: re.compile(rf"(?:{alt})", re.I) for name, alt in lex["part_words"].items()},
            continuation=tuple(str(c).lower() for c in lex.get("continuation_cues", [])),
            calendar=Calendar(seasons, lex["parts"], int(lex.get("year_wrap_months", 0))),
            patterns=calendar_patterns(lex, months, seasons, weekdays),
            relative=relative_specs(lex, numbers),
            durations=tuple(re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.I) for p in lex.get("durations", [])),
            date_name=_date_name_pattern(lex, _month_alternation(months)),
            dateline=_dateline_rule(lex),
            vague_spans={str(k): (int(v[0]), int(v[1])) for k, v in lex.get("vague_spans", {}).items()},
            present_tags=frozenset(str(t) for t in lex.get("present_tense_tags", [])),
            before_adverbs=frozenset(str(w).lower() for w in lex.get("before_adverbs", [])),
            news_rate=float(lex.get("news_register", {}).get("per_1000_chars", 0.5)),
            range_joint=re.compile(rf"^(?:{DASH}|\s+(?:to|until|till|through|thru|and|-)\s+)$", re.I),
            range_prefix=re.compile(r"(?:\b(?P<w>from|between))\s+$", re.I),
        )

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


@functools.lru_cache(maxsize=1)
def compile_grammar() -> Grammar:
    """The grammar of the packaged pattern file, compiled on first use (never at import time)."""
    return Grammar.build(load_lexicon())
