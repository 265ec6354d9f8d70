"""Linking an event to its date.

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

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..layout import PARAGRAPH_BREAK
from ..records import Timex
from .find import DateFindings
from .rules import DateRules
from .types import VERB_POS, Tense

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from ..context import DocContext

#: a Markdown heading starts a line between two offsets: a new section
_HEADING_START = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]")


def link_date(ctx: "DocContext", findings: DateFindings, trigger_token: int, sentence_index: int,
              rules: DateRules) -> Timex | None:
    """The date of the event whose trigger head is ``ctx.doc[trigger_token]``.

    Preference: a timex attached to the trigger in the parse, else one in the trigger's
    subtree, else one governing it, else the nearest timex of the sentence (never the
    dateline); else, for a present-tense sentence after a past narrative, the document's
    time; else the last date carried from the preceding sentences of the narrative (anchor
    previous_event); else the first date later in the same paragraph. Uses what
    :func:`.find.find_timexes` found (timexes, published date, clause tenses)."""
    doc = ctx.doc
    trig = doc[trigger_token]
    sent = trig.sent
    published = findings.published
    tenses = findings.tenses
    resolved = [t for t in findings if t.date_start is not None and not t.range_end]
    # the dateline dates the report, not the events of its sentence
    in_sent = [t for t in resolved if sent.start_char <= t.start and t.end <= sent.end_char and not t.dateline]
    if in_sent:
        # a vague count yields to a date beside it ("a few months later, in May 1992")
        return min(in_sent, key=lambda t: (_link_rank(doc, trig, t)[0], t.vague, _link_rank(doc, trig, t)[1]))
    text = ctx.text
    carried = _carry(text, sent.start_char, resolved, rules, published)
    if _present(trig, rules) and (carried is None or (
            tenses.get(carried.start) == "past" and PARAGRAPH_BREAK.search(text, carried.end, sent.start_char))):
        # "The Secretary-General calls on ..." in a new paragraph after a past narrative:
        # the document's time (inside the narrative's paragraph the present continues it)
        now = _document_time(resolved, published, tenses, sent.start_char, sentence_index)
        if now is not None:
            return now
    if carried is None:
        return _following(text, sent.start_char, sent.end_char, resolved)
    if carried is not None and carried.date_start is not None and _pluperfect(trig, rules):
        # "X had previously stated ...": before the narrative time, within its month
        end = carried.date_start - dt.timedelta(days=1)
        start = dt.date(end.year, end.month, 1)
        return _derived(carried, "before", date_start=start, date_end=end, precision="range")
    return carried


def _derived(t: Timex, suffix: str, **changes: Any) -> Timex:
    """A timex derived from ``t`` for linking (rule ``<rule>/<suffix>``); it is no longer the
    dateline itself."""
    return dataclasses.replace(t, rule=f"{t.rule}/{suffix}", dateline=False, **changes)


def _pluperfect(trig: "Token", rules: DateRules) -> bool:
    """Whether the trigger's clause is a past perfect marked as earlier ("had previously
    stated", "had earlier warned"), which puts the event before the narrative time: the
    trigger's own clause or a clause it is the complement of ("had previously stated
    they would attack")."""
    before = rules.grammar.before_adverbs
    verb: "Token" = trig
    for _ in range(6):
        if verb.pos_ in VERB_POS:
            aux = [t for t in verb.children if t.dep_ in ("aux", "auxpass")]
            if verb.tag_ == "VBN" and any(t.lemma_ == "have" and t.tag_ == "VBD" for t in aux) and \
                    any(t.dep_ == "advmod" and t.lower_ in before for t in verb.children):
                return True
        if verb.dep_ not in ("xcomp", "ccomp", "conj", "dobj", "compound", "amod") or verb.head.i == verb.i:
            break
        verb = verb.head
    return False


def _link_rank(doc: "Doc", trig: "Token", t: Timex) -> tuple[int, int]:
    """How closely timex ``t`` is attached to the trigger in the parse (lower is closer) and
    its distance in characters."""
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
        if child.pos_ in VERB_POS and child.i != root.i and child.dep_ != "conj":
            subordinate = True
        if cur.i == trig.i:
            return (0 if crossed == 0 else (1 if not subordinate else 2), dist)
        if cur.pos_ in VERB_POS:
            crossed += 1
    # the timex's own governing verb (or clause head) is an ancestor of the trigger
    gov = root.head
    while gov.pos_ not in VERB_POS and gov.head.i != gov.i:
        gov = gov.head
    chain = [a.i for a in trig.ancestors]
    if gov.i in chain:  # the nearer the governing verb is to the trigger, the better
        return (3, chain.index(gov.i) * 100000 + dist)
    return (4, dist)


def _present(trig: "Token", rules: DateRules) -> bool:
    """Whether the trigger's clause is in the simple present ("calls on", "are urged"):
    the verb (or all its auxiliaries) tagged as in ``present_tense_tags``, no "has/have"."""
    tags = rules.grammar.present_tags
    verb: "Token" = trig
    while verb.pos_ not in VERB_POS and verb.head.i != verb.i:
        verb = verb.head
    if verb.pos_ not in VERB_POS:
        return False
    aux = [t for t in verb.children if t.dep_ in ("aux", "auxpass")]
    if aux:
        return all(t.tag_ in tags and t.lemma_ != "have" for t in aux)
    return verb.tag_ in tags


def _document_time(resolved: list[Timex], published: dt.date | None, tenses: Mapping[int, Tense],
                   sent_start: int, sentence_index: int) -> Timex | None:
    """The time a document speaks at: its published date (anchor ``published``; the
    dateline's text, else an empty expression at the sentence start), else the latest date
    it mentions outside future clauses (from its end on; anchor ``narrative``)."""
    if published is not None:
        base = next((t for t in resolved if t.dateline), None)
        if base is None:
            return Timex(sent_start, sent_start, "", published, published, "day", "published",
                         sentence_index, "published/document_time")
        return _derived(base, "document_time", date_start=published, date_end=published, precision="day",
                        anchor="published", explicit=False)
    past = [t for t in resolved if tenses.get(t.start) != "future" and t.date_end is not None]
    if not past:
        return None
    latest = max(past, key=lambda t: (t.date_end, t.start))
    return _derived(latest, "document_time", date_start=latest.date_end, anchor="narrative", precision="day",
                    explicit=False)


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
    return _derived(first, "following", anchor="narrative", explicit=False)


def _carry(text: str, sent_start: int, resolved: list[Timex], rules: DateRules,
           published: dt.date | None = None) -> Timex | None:
    """The last date before the sentence that the narrative carries over, if any; a date
    after the published date (an expected event, "on Wednesday" in a report of Tuesday)
    is not the narrative's time."""
    before = [t for t in resolved if t.end <= sent_start and
              (published is None or t.date_start is None or t.date_start <= published)]
    if not before:
        return None
    last = max(before, key=lambda t: t.start)
    if last.date_start and last.date_end and (last.date_end - last.date_start).days > 62 and last.explicit:
        # a coarse mention ("a report published in 1992") does not move the narrative time
        # away from a finer date inside it that came earlier in the same section
        for t in sorted(before, key=lambda t: -t.start):
            if t.date_start and t.date_end and (t.date_end - t.date_start).days <= 62:
                if last.date_start <= t.date_start and t.date_end <= last.date_end and \
                        not _HEADING_START.search(text[t.end:last.start]):
                    last = t
                break
    between = text[last.end:sent_start]
    if _HEADING_START.search(between):
        return None  # a new section starts in between
    if rules.carry != "section" and PARAGRAPH_BREAK.search(between):
        opener = text[sent_start:sent_start + 40].lower()
        if not any(re.match(rf"{re.escape(cue)}\b", opener) for cue in rules.grammar.continuation):
            return None
    return dataclasses.replace(last, anchor="previous_event", explicit=False)
