"""The anchoring ladder: each candidate, in text order, gets its interval from the anchor the
narrative gives it at that point, and may in turn become the anchor of what follows.

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

The narrative's state while a document is read (section anchor, headings, the previous date)
lives in :class:`_Narrative`, created by :func:`resolve` and dropped when it returns.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from ..layout import PARAGRAPH_BREAK
from ..records import Timex
from .calendar import Anchor, Interval
from .fallback import dateparser_interval
from .grammar import Grammar
from .relative import interval_of
from .types import AnchorKind, Cand, Kind, Tense

#: a Markdown heading line (its level is the number of #)
_HEADING = re.compile(r"(?m)^[ \t]*(#{1,6})[ \t]+\S[^\n]*")


@dataclass
class _Heading:
    start: int
    end: int
    level: int
    anchor: Anchor | None = None
    #: (first, last) year of a heading dated by a span of years ("War in Donbas, 2014-2015")
    span: tuple[int, int] | None = None


@dataclass
class _Narrative:
    """Where the narrative of one document stands while its candidates are read in text order."""

    headings: list[_Heading]
    h_starts: list[int]
    stack: list[_Heading] = field(default_factory=list)  # the enclosing headings
    section_anchor: Anchor | None = None
    anchor_pos: int = -1  # where the section anchor was set
    # the narrative's time so far (first start, last end): of the section and of the document
    sec_span: list[dt.date] = field(default_factory=list)
    doc_span: list[dt.date] = field(default_factory=list)
    last_anchor: Anchor | None = None  # last anchor of any earlier section
    prev: Interval | None = None
    current_heading: int = -1

    @classmethod
    def of(cls, text: str) -> "_Narrative":
        headings = [_Heading(m.start(), m.end(), len(m.group(1))) for m in _HEADING.finditer(text)]
        return cls(headings, [h.start for h in headings])

    def enter(self, pos: int) -> tuple[int, bool]:
        """Move on to position ``pos``, entering each heading line on the way (a new section);
        returns the index of the heading ``pos`` lies under (-1: none) and whether ``pos`` is
        inside that heading's line."""
        hi = bisect.bisect_right(self.h_starts, pos) - 1
        while self.current_heading < hi:  # entering a new heading line
            self.current_heading += 1
            h = self.headings[self.current_heading]
            while self.stack and self.stack[-1].level >= h.level:
                self.stack.pop()
            self.stack.append(h)
            if self.section_anchor is not None:
                self.last_anchor = self.section_anchor
            self.section_anchor, self.prev = None, None
            self.sec_span = []
        return hi, hi >= 0 and pos < self.headings[hi].end

    def anchor(self, in_heading: bool, title_anchor: Anchor | None,
               title_span: tuple[int, int] | None) -> Anchor | None:
        """The anchor of a partial date here: the section's, else the nearest enclosing heading's,
        else the title's, else the last one of an earlier section (a heading or title spanning
        years defers to the narrative so far inside the span)."""
        anchor = self.section_anchor
        if anchor is None:
            for h in reversed(self.stack[:-1] if in_heading else self.stack):
                if h.anchor is not None:
                    # a heading spanning years defers to the narrative so far inside the span
                    anchor = self.last_anchor if h.span and self.last_anchor and \
                        h.span[0] <= self.last_anchor[0] <= h.span[1] else h.anchor
                    break
        if anchor is None:
            if title_anchor and self.last_anchor and title_span and \
                    title_span[0] <= self.last_anchor[0] <= title_span[1]:
                anchor = self.last_anchor
            else:
                anchor = title_anchor or self.last_anchor
        return anchor

    def learn(self, text: str, c: Cand, iv: Interval, how: AnchorKind | None, hi: int, in_heading: bool,
              sent_start: int) -> None:
        """After a date is resolved: an explicit date may become the anchor (of the section, or of
        its heading), a relative day or month moves the section anchor, a short interval becomes
        the previous date of the narrative."""
        if c.kind in (Kind.CAL, Kind.RANGE, Kind.SPACY) and how is not AnchorKind.PUBLISHED and \
                _plausible_anchor(text, c, iv) and _adopt(text, c, iv, self.section_anchor, sent_start):
            new_anchor = (iv.end.year, iv.end.month if iv.precision in ("day", "month") else None,
                          iv.precision == "day" or how is AnchorKind.EXPLICIT)
            if in_heading:
                if iv.end.year > iv.start.year:
                    self.headings[hi].anchor = (iv.start.year, None)
                    self.headings[hi].span = (iv.start.year, iv.end.year)
                else:
                    self.headings[hi].anchor = new_anchor
            else:
                self.section_anchor, self.anchor_pos = new_anchor, c.start
                for sp in (self.sec_span, self.doc_span):
                    sp[:] = [min(sp[0], iv.start), max(sp[1], iv.end)] if sp else [iv.start, iv.end]
        elif c.kind is Kind.PREV and iv.precision in ("day", "month"):
            self.section_anchor, self.anchor_pos = (iv.end.year, iv.end.month, iv.precision == "day"), c.start
        if not in_heading and iv.precision in ("day", "month", "range") and \
                (iv.end - iv.start).days <= 62:
            self.prev = iv


def resolve(g: Grammar, text: str, cands: list[Cand], sent_starts: list[int],
            published: dt.date | None, title_anchor: Anchor | None,
            tenses: dict[int, Tense] | None = None,
            title_span: tuple[int, int] | None = None) -> list[Timex]:
    """The timexes of the selected candidates (in text order), each resolved against the
    narrative at its place; a range is followed by the timexes of its two ends."""
    st = _Narrative.of(text)
    news = news_register(g, text, cands, published)
    out: list[Timex] = []
    for c in cands:
        hi, in_heading = st.enter(c.start)
        anchor = st.anchor(in_heading, title_anchor, title_span)
        sidx = max(bisect.bisect_right(sent_starts, c.start) - 1, 0)
        iv, how, rule = _resolve_one(g, text, c, st, anchor, news, published, tenses)
        out.append(Timex(c.start, c.end, text[c.start:c.end], iv.start if iv else None,
                         iv.end if iv else None, iv.precision if iv else None,
                         _anchor_text(iv, how), sidx, rule, dateline=c.dateline,
                         vague=c.rel is not None and c.rel.vague,
                         explicit=iv is not None and how is AnchorKind.EXPLICIT))
        if c.kind is Kind.RANGE and c.ends and c.parts and c.parts2:
            ends = g.calendar.range_ends(c.parts, c.parts2, anchor)
            for (s0, e0), eiv, tag in zip(c.ends, ends or (None, None), ("start", "end")):
                out.append(Timex(s0, e0, text[s0:e0], eiv.start if eiv else None, eiv.end if eiv else None,
                                 eiv.precision if eiv else None, _anchor_text(eiv, how), sidx,
                                 f"{c.rule}/{tag}", range_end=True,
                                 explicit=eiv is not None and how is AnchorKind.EXPLICIT))
        if iv is None or c.kind is Kind.DURATION or (c.kind is Kind.SPACY and how is not AnchorKind.EXPLICIT):
            continue
        st.learn(text, c, iv, how, hi, in_heading, sent_starts[sidx] if sent_starts else 0)
    return out


def _anchor_text(iv: Interval | None, how: AnchorKind | None) -> str | None:
    """The published ``anchor`` of a timex: None without an interval."""
    if iv is None:
        return None
    return how.value if how is not None else ""


def _resolve_one(g: Grammar, text: str, c: Cand, st: _Narrative, anchor: Anchor | None, news: bool,
                 published: dt.date | None,
                 tenses: dict[int, Tense] | None) -> tuple[Interval | None, AnchorKind | None, str]:
    """The interval of one candidate, where it came from, and the rule published for it."""
    if published is not None and c.kind in (Kind.CAL, Kind.RANGE) and (anchor is None or (
            news and not (anchor is st.section_anchor and
                          not PARAGRAPH_BREAK.search(text, st.anchor_pos, c.start)))):
        # news: the published date anchors a month(-day) without a year unless the
        # narrative has an anchor (in a news text: one set in the same paragraph)
        iv, how = _published_year(g, c, published, (tenses or {}).get(c.start, "present"))
    elif c.kind is Kind.PREV and c.rel is not None and c.rel.mode == "span":
        span = st.sec_span or st.doc_span
        iv, how = (Interval(span[0], span[1], "range"), AnchorKind.NARRATIVE) if span else (None, None)
    else:
        iv, how = interval_of(g, c, anchor, st.prev, published, (tenses or {}).get(c.start, "past"))
    rule = c.label
    if c.kind is Kind.SPACY and iv is None and c.entity:
        iv, how = dateparser_interval(g, c.entity, anchor, published)
        rule = "dateparser" if iv is not None else rule
    return iv, how, rule


def news_register(g: Grammar, text: str, cands: list[Cand], published: dt.date | None) -> bool:
    """Whether a document reads as news: it has a published date and refers to it often
    ("on Friday", "last year", "this week": at least ``news_register.per_1000_chars``
    such expressions per 1000 characters). A history with a publication date does not."""
    if published is None:
        return False
    deictic = sum(1 for c in cands if c.kind in (Kind.PUB, Kind.WEEKDAY, Kind.PUBMONTH))
    return deictic > 0 and deictic * 1000 / max(len(text), 1) >= g.news_rate


def _published_year(g: Grammar, c: Cand, published: dt.date,
                    tense: Tense) -> tuple[Interval | None, AnchorKind | None]:
    """A month(-day) without a year in a document whose only anchor is its published date
    (news): the year (published year -1, 0 or +1) that puts it nearest before the published
    date in a past-tense sentence, nearest after it in a future one, nearest either way in
    the present (TempEval-3 practice). Anything already dated or without a month: as usual."""
    pa, pb = c.parts, (c.parts2 if c.kind is Kind.RANGE else c.parts)
    if pa is None or pb is None or not (pa.needs_anchor() and pb.needs_anchor()) \
            or pa.month is None or pb.month is None:
        return interval_of(g, c, None, None, published)
    options: list[Interval] = []
    for y in (published.year - 1, published.year, published.year + 1):
        iv, _ = interval_of(g, c, (y, None), None, published)
        if iv is not None:
            options.append(iv)
    if not options:
        return None, None
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
    return best, AnchorKind.PUBLISHED


def _adopt(text: str, c: Cand, iv: Interval, current: Anchor | None, sent_start: int) -> bool:
    """Whether an explicit date replaces the current anchor. A date far (over 10 years)
    from the current anchor and not at the head of its sentence is read as an aside
    ("documents found in 2004 proved ...", "as in 1614") and does not."""
    if current is None or abs(iv.end.year - current[0]) <= 10:
        return True
    lead = text[sent_start:c.start]
    return len(re.findall(r"\w+", lead)) <= 3


def _plausible_anchor(text: str, c: Cand, iv: Interval) -> bool:
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
