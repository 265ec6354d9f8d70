"""Group event mentions into real-world events: the merge rule behind the ``events`` table.

A row of the mentions table is one sentence's report of a happening; a row of the events table is the
happening itself. This module decides which mentions report the same happening. It is conservative on
purpose: a wrong merge destroys information (two happenings become one), a missed merge only inflates
counts. Every decision is a pure function of the rows, independent of their order.

Which mentions take part
    Only mentions whose polarity is in ``polarities`` (by default only ``asserted``) are aggregated;
    the others get no event (``event_id`` null). Mentions of different polarities are never merged.

Compatibility of two mentions (every condition must hold)
    * the same ``event_type``, and the same ``event_mode`` when both give one, except that the
      killing modes ``targeted`` and ``massacre`` agree (``merge_links.SAME_HAPPENING_MODES``: "were
      killed" and "the massacre" of the next sentence name one happening);
    * compatible actors: the sets of actor country codes are equal or one contains the other (a
      compound actor ``ARM;NKR`` is compatible with ``NKR``); an unknown actor on one side is accepted
      only for a back-reference link (below); the same for recipients;
    * overlapping date intervals; a mention without a date is accepted only for a back-reference;
    * compatible places: the same GeoNames id, or one contains the other (a country contains every
      place of that ``place_country``; an admin region contains the populated places of the same
      country and ``admin1``); an unknown place is compatible with any place.

Links within a document
    Mentions are taken in document order (``sentence_index``, ``trigger_start``, ``mention_id``).
    A mention joins an earlier event of its document through one of three signals, tried in order:

    (a) back-reference: its trigger is a definite or demonstrative nominal, i.e. the word right before
        the trigger (or the trigger's first word) is one of ``the this that these those its their``
        ("the bombardment", "this operation", "the ceasefire"). It joins the event of an earlier
        compatible mention at most ``BACK_WINDOW`` sentences before it: the nearest one whose trigger
        shares a word stem with it ("the bombardment" -> "bombarded", :func:`trigger_stems`), else the
        nearest one; unknown actors, recipients and dates are accepted here, since the noun phrase
        itself names the earlier event.
    (b) close report: an earlier mention at most ``CLOSE_WINDOW`` sentences before it, compatible,
        with both actors known and both dates known, and either both date intervals single days or
        both mentions placed at the same known place below country level (one recipient may be
        unknown: continuations often omit it, "... strongly retaliated"). Adjacent reports of the same
        actor doing the same thing on the same day, or at the same town in the same month, are one
        happening; the same over a month with no shared place ("liberated ... villages") are mostly
        repeated acts, which are not merged. Two further conditions, because country codes are weak
        evidence: when neither recipient is coded, the actor codes must be equal (not only nested) and
        both actors named; and when either mention codes its actor and recipient alike (a civil war's
        two sides, "RWA" against "RWA"), the two actor names must be the same.
    (c) repetition: an earlier mention at most ``REPEAT_WINDOW`` sentences before it whose trigger
        shares a word stem with it (light words such as "took", "came", "war" do not count), both
        dated with overlapping intervals of at most a month each (a summary over months, "killed
        civilians between April and July", is not one of the day's killings), both placed at the
        same known place below country level, and compatible (unknown actors accepted; the
        same-name condition on one-country sides of (b) applies): "captured Townsville in March" ... "after
        Townsville was captured". The lexical match plus agreeing arguments is the classic
        same-lemma baseline of event coreference, restricted to one document and one place.

    Complete link: a mention joins an event only when it is compatible (unknowns accepted) with every
    mention already in it, so a chain can never merge two incompatible ends. A mention joins at most
    one event and events are never merged with each other inside a document.

Links across documents
    Each document's events are summarised: type, mode, polarity, actor and recipient country sets
    (the largest of the members'; they are nested), date interval (the members' intersection), place.
    Two events of different documents are merged only on a strong match: both actor and recipient
    sets known and equal, the date interval a single day (no date conflict) and the same, the same
    GeoNames id at populated_place or admin_region precision (no place conflict), and the same type,
    mode (or both none) and polarity. This is an exact key, an equivalence: events are grouped by it,
    within blocks of (event_type, year-month). A document that gives two of its events the same key
    is ambiguous; its events of that key are left unmerged. Because a merge needs the exact key, a
    document that reports none of an event's happenings cannot join, split or bridge existing events:
    adding it never changes another event's id or membership.

Event ids
    ``"ev_" + sha256("event\\0" + first_mention_id)[:24]``, where the first mention is the first member
    in the order (``doc_id``, ``trigger_start``, ``mention_id``).

Event values
    The type, mode (first mention's that has one), quad class and polarity; actor and recipient name,
    country and sector from the mention whose name is the most often given (ties: the earliest); the
    intersection of the dated intervals, with the precision of a mention whose interval it is (else
    ``range``), or, when the intervals do not all overlap, the most precise mention's interval and
    ``date_conflict``; the most precise place all mentions agree on (populated_place > admin_region >
    country), or, when two places neither equal nor contain each other, the earliest most precise
    mention's and ``place_conflict``; the smallest reported lower bound and largest upper bound of
    deaths (raised to the lower bound when the bounds come from different mentions and cross); counts, documents, first mention, ``merge_reason`` (across_documents > back_reference >
    same_document > single) and the highest confidence.

Cost
    Rows are read column by column once; the within-document step compares each mention with the
    mentions of its last ``max(BACK_WINDOW, CLOSE_WINDOW)`` sentences and the members of one event, so it
    grows with the number of mentions times the (small) number of mentions per sentence window. The
    across-document step works on one small summary per event, grouped by key inside (type, month)
    blocks: linear in the number of events. Working memory: the Python records of one chunk of whole
    documents (``CHUNK_ROWS``), the key and row numbers of each event that may still merge across
    documents (those with a strong key; the others are finished with their document; their records
    are read back ``PENDING_EVENTS`` events at a time once merged) and one id per mention; a release
    (``pipeline.aggregate_mentions``) holds the events as Arrow, converting a few rows at a time.
"""
from __future__ import annotations

import hashlib
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from eventextract import schema
from eventextract.merge_links import (
    DEFAULT_RULE, PLACE_RANK, Mention, Rule, close_link, codes, compatible, dated, is_back_reference, place_known,
    places_ok, repetition_link, trigger_stems,
)

_COLUMNS = (
    "mention_id", "doc_id", "sentence_index", "sentence_start", "sentence_text", "trigger_text",
    "trigger_start", "event_type", "event_mode", "quad_class", "polarity",
    "actor_name", "actor_country", "actor_sector", "recipient_name", "recipient_country", "recipient_sector",
    "date_start", "date_end", "date_precision", "place_name", "geonameid", "latitude", "longitude",
    "place_country", "admin1", "geo_precision", "fatalities_low", "fatalities_high", "confidence",
)


@dataclass(frozen=True)
class Aggregation:
    event_ids: list[str | None]
    events: list[dict[str, Any]]


@dataclass
class _Event:
    members: list[Mention]
    back_ref: bool = False
    docs: set[str] = field(default_factory=set)


# ------------------------------------------------------------------------------------------------
# Within a document


def _fits(event: _Event, m: Mention, rule: Rule) -> bool:
    if not rule.complete_link:
        return True
    return all(compatible(o, m, unknown_ok=True, rule=rule) for o in event.members)


def _cluster_document(mentions: list[Mention], rule: Rule) -> list[_Event]:
    """Events of one document: each mention, in document order, joins the event of the nearest
    earlier mention it is linked to (back-reference first, then close report) when it fits every
    member of that event; otherwise it starts an event of its own."""
    ordered = sorted(mentions, key=lambda m: m.doc_order)
    event_of: dict[int, _Event] = {}
    events: list[_Event] = []

    def before(i: int, window: int) -> Iterator[Mention]:
        """The mentions before ``ordered[i]``, nearest first, at most ``window`` sentences back."""
        s = ordered[i].rec["sentence_index"]
        for j in range(i - 1, -1, -1):
            if s - ordered[j].rec["sentence_index"] > window:
                return
            yield ordered[j]

    for i, m in enumerate(ordered):
        s = m.rec["sentence_index"]
        target, via_back = None, False
        if rule.back_reference and m.back_ref:
            window = [o for o in before(i, rule.back_window)
                      if o.rec["sentence_index"] < s and compatible(o, m, unknown_ok=True, rule=rule)]
            same = [o for o in window if o.stems & m.stems] if rule.same_stem_first else []
            for o in (same or window)[:1]:
                if _fits(event_of[o.row], m, rule):
                    target, via_back = event_of[o.row], True
        if target is None and rule.close:
            for o in before(i, rule.close_window):
                if close_link(o, m, rule) and _fits(event_of[o.row], m, rule):
                    target = event_of[o.row]
                    break
        if target is None and rule.repetition:
            for o in before(i, rule.repeat_window):
                if o.rec["sentence_index"] < s and repetition_link(o, m, rule) and _fits(event_of[o.row], m, rule):
                    target = event_of[o.row]
                    break
        if target is None:
            target = _Event(members=[], docs={m.rec["doc_id"]})
            events.append(target)
        target.members.append(m)
        target.back_ref = target.back_ref or via_back
        event_of[m.row] = target
    return events


# ------------------------------------------------------------------------------------------------
# Event values


def _most_named(members: list[Mention], prefix: str) -> tuple[Any, Any, Any]:
    named = [m for m in members if m.rec[f"{prefix}_name"]]
    if not named:
        named = [m for m in members if m.rec[f"{prefix}_country"]]
        if not named:
            return None, None, None
        pick = named[0]
    else:
        counts = Counter(m.rec[f"{prefix}_name"] for m in named)
        best = max(counts.values())
        pick = next(m for m in named if counts[m.rec[f"{prefix}_name"]] == best)
    r = pick.rec
    return r[f"{prefix}_name"], r[f"{prefix}_country"], r[f"{prefix}_sector"]


def _dates(members: list[Mention]) -> tuple[Any, Any, Any, bool]:
    with_dates = [m.rec for m in members if dated(m.rec)]
    if not with_dates:
        return None, None, None, False
    start = max(r["date_start"] for r in with_dates)
    end = min(r["date_end"] for r in with_dates)
    if start <= end:
        same = [r for r in with_dates if (r["date_start"], r["date_end"]) == (start, end)]
        return start, end, (same[0]["date_precision"] if same else "range"), False
    best = min(with_dates, key=lambda r: (r["date_end"] - r["date_start"]))
    return best["date_start"], best["date_end"], best["date_precision"], True


def _place(members: list[Mention]) -> tuple[dict[str, Any] | None, bool]:
    placed = [m.rec for m in members if place_known(m.rec)]
    if not placed:
        return None, False
    conflict = any(not places_ok(a, b) for i, a in enumerate(placed) for b in placed[i + 1:])
    best = max(PLACE_RANK[r["geo_precision"]] for r in placed)
    return next(r for r in placed if PLACE_RANK[r["geo_precision"]] == best), conflict


def _fatalities(members: list[Mention]) -> tuple[int | None, int | None]:
    lows = [m.rec["fatalities_low"] for m in members if m.rec["fatalities_low"] is not None]
    highs = [m.rec["fatalities_high"] for m in members if m.rec["fatalities_high"] is not None]
    low = int(min(lows)) if lows else None
    high = int(max(highs)) if highs else None
    if low is not None and high is not None and high < low:  # bounds from different mentions
        high = low
    return low, high


def event_id_for(first_mention_id: str) -> str:
    return "ev_" + hashlib.sha256(("event\0" + first_mention_id).encode("utf-8")).hexdigest()[:24]


def _merge_reason(event: _Event) -> str:
    if len(event.docs) > 1:
        return "across_documents"
    if event.back_ref:
        return "back_reference"
    return "same_document" if len(event.members) > 1 else "single"


def _event_row(event: _Event, run_id: str, extractor_version: str) -> dict[str, Any]:
    """The events-table row of one event (the layout's fields, in its order)."""
    members = sorted(event.members, key=lambda m: m.order)
    first = members[0].rec
    actor = _most_named(members, "actor")
    recipient = _most_named(members, "recipient")
    start, end, precision, date_conflict = _dates(members)
    place, place_conflict = _place(members)
    low, high = _fatalities(members)
    p = place or {}
    row = {
        "event_id": event_id_for(first["mention_id"]),
        "event_type": first["event_type"],
        "event_mode": next((m.rec["event_mode"] for m in members if m.rec["event_mode"]), None),
        "quad_class": first["quad_class"], "polarity": first["polarity"],
        "actor_name": actor[0], "actor_country": actor[1], "actor_sector": actor[2],
        "recipient_name": recipient[0], "recipient_country": recipient[1], "recipient_sector": recipient[2],
        "date_start": start, "date_end": end, "date_precision": precision, "date_conflict": date_conflict,
        "place_name": p.get("place_name"),
        "geonameid": int(p["geonameid"]) if p.get("geonameid") is not None else None,
        "latitude": float(p["latitude"]) if p.get("latitude") is not None else None,
        "longitude": float(p["longitude"]) if p.get("longitude") is not None else None,
        "place_country": p.get("place_country"), "admin1": p.get("admin1"),
        "geo_precision": p.get("geo_precision") or "none", "place_conflict": place_conflict,
        "fatalities_low": low, "fatalities_high": high,
        "n_mentions": len(members), "n_documents": len(event.docs), "doc_ids": sorted(event.docs),
        "first_mention_id": first["mention_id"], "merge_reason": _merge_reason(event),
        "confidence": float(max(m.rec["confidence"] for m in members)),
        "extractor_version": extractor_version, "run_id": run_id,
    }
    return {name: row[name] for name in schema.table("events").names}


# ------------------------------------------------------------------------------------------------
# Across documents


def _strong_key(event: _Event) -> tuple | None:
    """The exact key two events of different documents must share to be merged (None: too vague)."""
    members = event.members
    actors = max((m.actors for m in members if m.actors), key=len, default=None)
    recipients = max((m.recipients for m in members if m.recipients), key=len, default=None)
    start, end, _, date_conflict = _dates(members)
    place, place_conflict = _place(members)
    if actors is None or recipients is None or start is None or start != end or date_conflict:
        return None
    if place is None or place_conflict or place["geonameid"] is None \
            or place["geo_precision"] not in ("populated_place", "admin_region"):
        return None
    first = members[0].rec
    mode = next((m.rec["event_mode"] for m in members if m.rec["event_mode"]), None)
    return (first["event_type"], start.year, start.month, mode, first["polarity"],
            tuple(sorted(actors)), tuple(sorted(recipients)), start, int(place["geonameid"]))


@dataclass
class _Pending:
    """An event that may still merge with events of other documents: its strong key and its
    members' row numbers (their records are read again when the event is finished)."""
    key: tuple
    rows: list[int]
    back_ref: bool
    doc: str


def _across_documents(pending: list[_Pending]) -> Iterator[tuple[list[int], bool, set[str]]]:
    """Merge events of different documents that share the strong key, block by block
    ((event_type, year, month) first): a document with several events of one key keeps them apart.
    Yields each resulting event's member rows, back-reference flag and documents."""
    blocks: dict[tuple, dict[tuple, list[_Pending]]] = defaultdict(lambda: defaultdict(list))
    for ev in pending:
        blocks[ev.key[:3]][ev.key].append(ev)
    for block in blocks.values():
        for group in block.values():
            per_doc = Counter(ev.doc for ev in group)
            single = [ev for ev in group if per_doc[ev.doc] == 1]
            for ev in group:
                if per_doc[ev.doc] > 1:
                    yield ev.rows, ev.back_ref, {ev.doc}
            if len(single) > 1:
                yield [r for ev in single for r in ev.rows], any(ev.back_ref for ev in single), {ev.doc for ev in single}
            elif single:
                yield single[0].rows, single[0].back_ref, {single[0].doc}


# ------------------------------------------------------------------------------------------------
# Entry points


#: Mention rows turned into Python values at a time (whole documents; a larger document is one chunk).
CHUNK_ROWS = 20_000
#: events merged across documents whose records are read back at a time
PENDING_EVENTS = 5_000


def _document_chunks(mentions: pa.Table, wanted: set[str]) -> Iterator[list[tuple[str, list[int]]]]:
    """The row numbers of the aggregated mentions, by document (in doc_id order), in chunks of whole
    documents of about ``CHUNK_ROWS`` rows. Only the ``doc_id`` and ``polarity`` columns are read whole."""
    keep = pc.is_in(mentions.column("polarity"), value_set=pa.array(sorted(wanted), pa.string()))
    rows = pc.indices_nonzero(pc.fill_null(keep, False))
    docs = mentions.column("doc_id").take(rows)
    order = pc.sort_indices(pa.table({"doc": docs, "row": rows}), sort_keys=[("doc", "ascending"), ("row", "ascending")])
    chunk: list[tuple[str, list[int]]] = []
    size = 0
    current: str | None = None
    members: list[int] = []
    for doc, row in zip(docs.take(order).to_pylist(), rows.take(order).to_pylist()):
        if doc != current and members:
            chunk.append((current, members))  # type: ignore[arg-type]
            size += len(members)
            members = []
            if size >= CHUNK_ROWS:
                yield chunk
                chunk, size = [], 0
        current = doc
        members.append(row)
    if members:
        chunk.append((current, members))  # type: ignore[arg-type]
    if chunk:
        yield chunk


def _records(mentions: pa.Table, rows: list[int]) -> list[dict[str, Any]]:
    return mentions.select(list(_COLUMNS)).take(pa.array(rows, pa.int64())).to_pylist()


def _mention(row: int, rec: dict[str, Any]) -> Mention:
    return Mention(row=row, rec=rec, actors=codes(rec["actor_country"]), recipients=codes(rec["recipient_country"]),
                   back_ref=is_back_reference(rec["sentence_text"], rec["sentence_start"] or 0,
                                              rec["trigger_text"], rec["trigger_start"] or 0),
                   stems=trigger_stems(rec["trigger_text"]))


def _mentions_of(mentions: pa.Table, chunk: list[tuple[str, list[int]]]) -> Iterator[list[Mention]]:
    """The mentions of each document of a chunk, as records (the chunk's rows only)."""
    recs = _records(mentions, [r for _, members in chunk for r in members])
    at = 0
    for _, members in chunk:
        yield [_mention(row, rec) for row, rec in zip(members, recs[at: at + len(members)])]
        at += len(members)


def _events_of(mentions: pa.Table, polarities: Sequence[str], rule: Rule) -> Iterator[_Event]:
    """Every event, once: a document's events without a strong key as soon as the document is
    clustered, the others after the merge across documents (meanwhile only their keys and row
    numbers are held, not their records)."""
    if missing := [c for c in _COLUMNS if c not in mentions.column_names]:
        raise ValueError(f"mentions table lacks columns: {', '.join(missing)}")
    pending: list[_Pending] = []
    for chunk in _document_chunks(mentions, set(polarities)):
        for doc_mentions in _mentions_of(mentions, chunk):
            for ev in _cluster_document(doc_mentions, rule):
                key = _strong_key(ev) if rule.across_documents else None
                if key is None:
                    yield ev
                else:
                    pending.append(_Pending(key, [m.row for m in ev.members], ev.back_ref, next(iter(ev.docs))))
    merged = _across_documents(pending)
    while batch := list(itertools.islice(merged, PENDING_EVENTS)):
        records = _records(mentions, [r for rows, _, _ in batch for r in rows])
        at = 0
        for rows, back_ref, docs in batch:
            yield _Event(members=[_mention(r, records[at + i]) for i, r in enumerate(rows)], back_ref=back_ref,
                         docs=docs)
            at += len(rows)


def event_rows(mentions: pa.Table, run_id: str, extractor_version: str, polarities: Sequence[str], rule: Rule,
             event_ids: list[str | None]) -> Iterator[dict[str, Any]]:
    """The events-table row of every event, in no set order (setting its members' ids in
    ``event_ids``, aligned with the rows of ``mentions``)."""
    for ev in _events_of(mentions, polarities, rule):
        row = _event_row(ev, run_id, extractor_version)
        for m in ev.members:
            event_ids[m.row] = row["event_id"]
        yield row


def aggregate_with(mentions: pa.Table, *, run_id: str, extractor_version: str,
                   polarities: Sequence[str] = ("asserted",), rule: Rule = DEFAULT_RULE) -> Aggregation:
    """``aggregate`` with the rule's switches exposed (for evaluation and ablation)."""
    event_ids: list[str | None] = [None] * mentions.num_rows
    rows = sorted(event_rows(mentions, run_id, extractor_version, polarities, rule, event_ids),
                  key=lambda r: r["event_id"])
    return Aggregation(event_ids=event_ids, events=rows)


def aggregate(mentions: pa.Table, *, run_id: str, extractor_version: str,
              polarities: Sequence[str] = ("asserted",)) -> Aggregation:
    """Group the mentions (mentions layout) into events by the rule in this module's docstring.

    ``event_ids`` is aligned with the input rows (None for a mention not aggregated); ``events`` holds
    the events-table rows, sorted by event_id.
    """
    return aggregate_with(mentions, run_id=run_id, extractor_version=extractor_version,
                          polarities=polarities, rule=DEFAULT_RULE)


__all__ = ["Aggregation", "Rule", "DEFAULT_RULE", "aggregate", "aggregate_with", "event_rows", "event_id_for",
           "is_back_reference"]
