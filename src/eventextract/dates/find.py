"""Finding the time expressions of a document: candidates, selection, the dateline, clause tenses.

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
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, overload

from ..records import Timex
from .anchor import resolve
from .calendar import Anchor, _safe_date
from .candidates import find_candidates
from .grammar import DASH, Grammar
from .rules import DateRules
from .types import VERB_POS, Cand, Kind, Tense

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from ..context import DocContext



@dataclass(frozen=True)
class DateFindings(Sequence[Timex]):
    """What the dates stage finds in one document, returned to the caller for linking.

    A read-only sequence of its timexes (in text order, as :func:`find_timexes` returns them),
    plus the document's published date (its own, else the dateline's) and the tense of the
    clause of each calendar/weekday expression (keyed by its start offset)."""

    timexes: tuple[Timex, ...] = ()
    published: dt.date | None = None
    tenses: Mapping[int, Tense] = field(default_factory=lambda: MappingProxyType({}))

    def __len__(self) -> int:
        return len(self.timexes)

    @overload
    def __getitem__(self, index: int) -> Timex: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Timex, ...]: ...

    def __getitem__(self, index: int | slice) -> Timex | tuple[Timex, ...]:
        return self.timexes[index]

    def __iter__(self) -> Iterator[Timex]:
        return iter(self.timexes)


def find_timexes(ctx: "DocContext", rules: DateRules) -> DateFindings:
    """Every time expression of the document, in text order, with its calendar interval.

    Offsets are char offsets into ``ctx.text``; ``sentence_index`` is the index of the sentence
    in ``ctx.sents``. ``date_start``/``date_end``/``precision`` are None when the expression
    cannot be resolved (no anchor, a duration, an unknown form). ``ctx.published`` and
    ``ctx.title`` anchor partial and news-style expressions."""
    g = rules.grammar
    doc, text = ctx.doc, ctx.text
    date_chars = bytearray(len(text))
    for ent in doc.ents:
        if ent.label_ == "DATE":
            date_chars[ent.start_char:ent.end_char] = b"\x01" * (ent.end_char - ent.start_char)
    cands = select(g, text, find_candidates(g, text, date_chars))
    # "the May 22 Hospital": neither ours nor spaCy's
    names = [(m.start(), m.end()) for m in g.date_name.finditer(text)] if g.date_name is not None else []
    cands = [c for c in cands if not any(a < c.end and c.start < b for a, b in names)]
    cands += _unknown_entities(doc, text, cands, names)
    cands.sort(key=lambda c: (c.start, c.end))
    sent_starts = [s.start_char for s in ctx.sents]
    title_anchor = _title_anchor(ctx.title)
    published = ctx.published
    dateline = _dateline(g, text, cands, published)
    if published is None and dateline is not None:
        published = dateline
    tenses = {c.start: _tense(doc, c) for c in cands if c.kind in (Kind.CAL, Kind.RANGE, Kind.WEEKDAY)}
    out = resolve(g, text, cands, sent_starts, published, title_anchor, tenses,
                  _title_span(title_anchor, ctx.title))
    # what linking needs besides the timexes: the published date (or the dateline's) and the
    # tense of each timex's clause (for the document time of present-tense sentences)
    return DateFindings(tuple(out), published, MappingProxyType(tenses))


def _unknown_entities(doc: "Doc", text: str, cands: list[Cand], names: list[tuple[int, int]]) -> list[Cand]:
    """The spaCy DATE entities that overlap neither a candidate nor a name (for dateparser)."""
    covered = bytearray(len(text))
    for a, b in names:
        covered[a:b] = b"\x01" * (b - a)
    for c in cands:
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    return [Cand(ent.start_char, ent.end_char, Kind.SPACY, "spacy.unresolved", entity=ent.text)
            for ent in doc.ents if ent.label_ == "DATE" and not any(covered[ent.start_char:ent.end_char])]


def find_in_text(g: Grammar, text: str, published: dt.date | None = None,
                 title: str | None = None) -> list[Timex]:
    """Like :func:`find_timexes` for a plain string without a parse (no DATE entities, one
    sentence per line); used for titles and by tools that have no spaCy Doc."""
    cands = select(g, text, find_candidates(g, text, bytearray(len(text))))
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    anchor = _title_anchor(title)
    return resolve(g, text, cands, starts, published, anchor, None, _title_span(anchor, title))


def select(g: Grammar, text: str, cands: list[Cand]) -> list[Cand]:
    """Longest non-overlapping candidates, then adjacent calendar expressions joined into
    ranges ("from A to B", "between A and B", "A – B", "late A and early B")."""
    cands.sort(key=lambda c: (-(c.end - c.start), c.priority, c.start))
    taken = bytearray(len(text))
    chosen: list[Cand] = []
    for c in cands:
        if any(taken[c.start:c.end]):
            continue
        taken[c.start:c.end] = b"\x01" * (c.end - c.start)
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    out: list[Cand] = []
    i = 0
    while i < len(chosen):
        a = chosen[i]
        if i + 1 < len(chosen) and a.kind is Kind.CAL and chosen[i + 1].kind is Kind.CAL:
            b = chosen[i + 1]
            gap = text[a.end:b.start]
            pre = g.range_prefix.search(text[max(0, a.start - 10):a.start])
            if g.range_joint.match(gap) and _joinable(a, b, gap, pre):
                start = a.start - len(pre.group(0)) if pre else a.start
                out.append(Cand(start, b.end, Kind.RANGE, f"range.{a.rule}+{b.rule}", a.parts, b.parts,
                                ends=((a.start, a.end), (b.start, b.end))))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _joinable(a: Cand, b: Cand, gap: str, pre: re.Match[str] | None) -> bool:
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


def _title_anchor(title: str | None) -> Anchor | None:
    if not title:
        return None
    m = re.search(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", title)
    return (int(m.group(1)), None) if m else None


def _dateline(g: Grammar, text: str, cands: list[Cand], published: dt.date | None) -> dt.date | None:
    """The date of a news dateline at the head of the text ("BEIRUT, 13 December 2016 -"),
    if any; its candidate is marked as the dateline (it dates the report, not an event). A
    dateline without a year counts only when the document has a published date."""
    dl = g.dateline
    if dl.before is None or dl.after is None:
        return None
    for c in cands:
        if c.start > dl.max_offset:
            break
        if c.kind is not Kind.CAL or c.parts is None or c.parts.day is None or c.parts.month is None:
            continue
        line_start = text.rfind("\n", 0, c.start) + 1
        if not dl.before.fullmatch(text[line_start:c.start]) or not dl.after.match(text[c.end:c.end + 60]):
            continue
        year = c.parts.year if c.parts.year is not None else (published.year if published else None)
        d = _safe_date(year, c.parts.month, c.parts.day) if year is not None else None
        if d is None:
            continue
        c.dateline = True
        if c.parts.year is None:
            c.parts = dataclasses.replace(c.parts, year=year)
        return d
    return None


def _tense(doc: "Doc", c: Cand) -> Tense:
    """The tense of the clause a time expression belongs to, for a news month(-day) without
    a year: "future" (will/shall), "past" (a past-tense verb or auxiliary, a present perfect)
    or "present" (also infinitives: "is due to open in May")."""
    span = doc.char_span(c.start, c.end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return "present"
    verb = span.root
    while verb.pos_ not in VERB_POS and verb.head.i != verb.i:
        verb = verb.head
    if verb.pos_ not in VERB_POS:
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
