"""The merge rule of eventextract.aggregate, on rows written for these tests."""
from __future__ import annotations

import datetime as dt
import hashlib

import jsonschema
import pyarrow as pa
from hypothesis import given, settings, strategies as st

from eventextract import schema
from eventextract.aggregate import aggregate, event_id_for
from eventextract.validate import jsonable_row

D = dt.date


def _mid(key: str) -> str:
    return "mn_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def row(doc: str, sent: int, trigger: str, text: str | None = None, **kw) -> dict:
    """A mention row with defaults; ``text`` is the sentence, the trigger its first occurrence."""
    text = text or f"Forces {trigger} the town."
    start = sent * 1000
    t0 = start + text.index(trigger)
    base = dict(
        mention_id=_mid(f"{doc}/{sent}/{trigger}/{kw.get('event_type', 'ASSAULT')}"), event_id=None, doc_id=doc,
        source_path=doc, source_sha256="0" * 64, sentence_index=sent, sentence_start=start,
        sentence_end=start + len(text), sentence_text=text, trigger_text=trigger, trigger_start=t0,
        trigger_end=t0 + len(trigger), event_type="ASSAULT", quad_class="material_conflict", polarity="asserted",
        actor_name="Red Army", actor_country="RED", actor_sector="MIL", geo_precision="none",
        date_start=D(2001, 3, 4), date_end=D(2001, 3, 4), date_precision="day", confidence=0.5, rule_id="r",
        extractor_version="t", model_name="m", model_version="1", ontology_version="1", gazetteer_version="1",
        run_id="t", extracted_at=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    base.update(kw)
    return base


TOWN = dict(place_name="Townsville", geonameid=101, latitude=1.0, longitude=2.0, place_country="RED",
            admin1="01", geo_precision="populated_place")
OTHER_TOWN = dict(TOWN, place_name="Otherton", geonameid=202)
REGION = dict(place_name="North Province", geonameid=300, latitude=1.0, longitude=2.0, place_country="RED",
              admin1="01", geo_precision="admin_region")


def table(rows: list[dict]) -> pa.Table:
    sch = schema.arrow_schema("mentions")
    return pa.Table.from_pylist([{f: r.get(f) for f in sch.names} for r in rows], schema=sch)


def run(rows: list[dict], **kw):
    return aggregate(table(rows), run_id="run", extractor_version="0.0", **kw)


def same(res, i: int, j: int) -> bool:
    return res.event_ids[i] is not None and res.event_ids[i] == res.event_ids[j]


def test_back_reference_links_even_with_unknown_actor_and_date() -> None:
    rows = [row("a", 0, "shelled", "Blue guns shelled the town in spring.", **REGION),
            row("a", 2, "shelling", "The shelling destroyed the market.", actor_country=None, actor_name=None,
                date_start=None, date_end=None, date_precision=None)]
    res = run(rows)
    assert same(res, 0, 1)
    assert res.events[0]["merge_reason"] == "back_reference"


def test_no_back_reference_no_link_when_actor_unknown() -> None:
    rows = [row("a", 0, "shelled"),
            row("a", 1, "shelled", "Guns shelled a road.", actor_country=None, actor_name=None)]
    assert not same(run(rows), 0, 1)


def test_close_same_day_reports_link() -> None:
    rows = [row("a", 0, "attacked", recipient_country="BLU"), row("a", 1, "stormed")]
    res = run(rows)
    assert same(res, 0, 1) and res.events[0]["merge_reason"] == "same_document"


def test_repeated_acts_on_different_dates_are_not_linked() -> None:
    rows = [row("a", 0, "attacked"), row("a", 1, "attacked", "Forces attacked again the town.",
                                             date_start=D(2001, 3, 9), date_end=D(2001, 3, 9))]
    assert not same(run(rows), 0, 1)


def test_repeated_acts_within_a_month_are_not_linked_without_back_reference() -> None:
    month = dict(date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month")
    rows = [row("a", 0, "seized", **month), row("a", 1, "took", **month)]
    assert not same(run(rows), 0, 1)


def test_counter_attack_by_the_other_side_is_not_linked() -> None:
    rows = [row("a", 0, "attacked"),
            row("a", 1, "attack", "Blue forces answered the attack.", actor_country="BLU", actor_name="Blue")]
    assert not same(run(rows), 0, 1)


def test_negated_and_future_mentions_are_never_merged_and_get_none() -> None:
    rows = [row("a", 0, "attacked"), row("a", 1, "attack", "They did not launch the attack.", polarity="negated"),
            row("a", 2, "attack", "They will renew the attack.", polarity="future")]
    res = run(rows)
    assert res.event_ids[1] is None and res.event_ids[2] is None
    res = run(rows, polarities=("asserted", "negated", "future"))
    assert len({res.event_ids[0], res.event_ids[1], res.event_ids[2]}) == 3


def test_compound_actor_is_compatible_with_a_member() -> None:
    rows = [row("a", 0, "attacked", actor_country="RED;GRN", actor_name="Red Army; Green Army"),
            row("a", 1, "attack", "The attack lasted hours.", actor_country="GRN", actor_name="Green Army")]
    assert same(run(rows), 0, 1)


def test_complete_link_keeps_incompatible_ends_apart() -> None:
    rows = [row("a", 0, "attacked", actor_country="RED;GRN"),
            row("a", 1, "attack", "The attack began.", actor_country="RED"),
            row("a", 2, "attack", "The attack went on.", actor_country="GRN")]
    res = run(rows)
    assert same(res, 0, 1) and not same(res, 1, 2)


def test_incompatible_places_are_not_linked_but_contained_ones_are() -> None:
    assert not same(run([row("a", 0, "attacked", **TOWN), row("a", 1, "attack", "The attack ended.", **OTHER_TOWN)]), 0, 1)
    assert same(run([row("a", 0, "attacked", **REGION), row("a", 1, "attack", "The attack ended.", **TOWN)]), 0, 1)


STRONG = dict(recipient_country="BLU", recipient_name="Blue", **TOWN)


def test_cross_document_strong_match_links_and_weak_one_does_not() -> None:
    res = run([row("a", 0, "attacked", **STRONG), row("b", 5, "raided", **STRONG)])
    assert same(res, 0, 1)
    ev = res.events[0]
    assert ev["merge_reason"] == "across_documents" and ev["n_documents"] == 2 and ev["doc_ids"] == ["a", "b"]
    weak = dict(STRONG, recipient_country=None)
    assert not same(run([row("a", 0, "attacked", **weak), row("b", 5, "raided", **weak)]), 0, 1)
    month = dict(STRONG, date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month")
    assert not same(run([row("a", 0, "attacked", **month), row("b", 5, "raided", **month)]), 0, 1)


def test_event_row_values_and_schema() -> None:
    rows = [row("a", 0, "shelled", date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month",
                fatalities_low=3, fatalities_high=5, confidence=0.4, **REGION),
            row("a", 1, "shelling", "The shelling killed many.", fatalities_low=2, fatalities_high=4,
                confidence=0.9, **TOWN),
            row("a", 2, "shelling", "The shelling ended.", date_start=D(2001, 3, 4), date_end=D(2001, 3, 9),
                date_precision="range")]
    res = run(rows)
    assert len(set(res.event_ids)) == 1
    ev = res.events[0]
    assert (ev["date_start"], ev["date_end"], ev["date_precision"], ev["date_conflict"]) == \
        (D(2001, 3, 4), D(2001, 3, 4), "day", False)
    assert (ev["geonameid"], ev["geo_precision"], ev["place_conflict"]) == (101, "populated_place", False)
    assert (ev["fatalities_low"], ev["fatalities_high"]) == (2, 5)
    assert ev["n_mentions"] == 3 and ev["n_documents"] == 1 and ev["doc_ids"] == ["a"]
    assert ev["confidence"] == 0.9 and ev["merge_reason"] == "back_reference"
    first = min(rows, key=lambda r: (r["doc_id"], r["trigger_start"], r["mention_id"]))["mention_id"]
    assert ev["first_mention_id"] == first and ev["event_id"] == event_id_for(first)
    assert list(ev) == schema.table("events").names
    for e in run(rows + [row("b", 0, "attacked", **STRONG)]).events:
        jsonschema.validate(jsonable_row(e), schema.json_schema("events"))


def test_date_conflict_takes_the_most_precise_interval() -> None:
    rows = [row("a", 0, "shelled", date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month"),
            row("a", 3, "shelling", "The shelling resumed.", date_start=D(2001, 5, 2), date_end=D(2001, 5, 2))]
    # dates do not overlap: the back-reference does not link them
    assert not same(run(rows), 0, 1)


def _doc_rows(doc: str, spec: list[tuple[int, int, int, bool]]) -> list[dict]:
    out = []
    for k, (sent, actor, day, back) in enumerate(spec):
        trig = "attack" if back else "attacked"
        text = f"Then the attack hit {k}." if back else f"Forces attacked place {k}."
        out.append(row(doc, sent * 10 + k, trig, text, actor_country=["RED", "BLU", "RED;BLU"][actor],
                       actor_name=f"A{actor}", recipient_country="GRN", date_start=D(2001, 3, day),
                       date_end=D(2001, 3, day), mention_id=_mid(f"{doc}/{k}"), **TOWN))
    return out


SPEC = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(1, 3), st.booleans()),
                min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(a=SPEC, b=SPEC, perm=st.randoms(use_true_random=False))
def test_deterministic_under_row_permutation(a, b, perm) -> None:
    rows = _doc_rows("a", a) + _doc_rows("b", b)
    res = run(rows)
    order = list(range(len(rows)))
    perm.shuffle(order)
    res2 = run([rows[i] for i in order])
    assert [res2.event_ids[order.index(i)] for i in range(len(rows))] == res.event_ids
    assert res2.events == res.events


@settings(max_examples=40, deadline=None)
@given(a=SPEC, b=SPEC, c=SPEC, doc=st.sampled_from(["0first", "m", "zlast"]))
def test_unrelated_document_changes_no_existing_event(a, b, c, doc) -> None:
    base = _doc_rows("a", a) + _doc_rows("b", b)
    # the new document reports other days (March 20+): none of the existing happenings
    extra = [dict(r, date_start=r["date_start"].replace(day=r["date_start"].day + 20),
                  date_end=r["date_end"].replace(day=r["date_end"].day + 20)) for r in _doc_rows(doc, c)]
    old, new = run(base), run(base + extra)
    assert new.event_ids[:len(base)] == old.event_ids
    old_events = {e["event_id"]: e for e in old.events}
    for e in new.events:
        if e["event_id"] in old_events:
            assert {k: v for k, v in e.items()} == old_events[e["event_id"]]


# --- same-stem back-references, repetition, close reports at one place ---------------------------


def test_trigger_stems_strip_endings_and_light_words() -> None:
    from eventextract.aggregate import trigger_stems

    assert trigger_stems("the bombardment") == trigger_stems("bombarded") == frozenset({"bombard"})
    assert trigger_stems("captured") == trigger_stems("capturing") == trigger_stems("capture")
    assert trigger_stems("came under") == frozenset()
    assert not trigger_stems("shelled") & trigger_stems("stormed")


def test_back_reference_prefers_the_mention_with_the_same_word() -> None:
    month = dict(date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month")
    rows = [row("a", 0, "blockaded", "Red units blockaded the town in March.", **month, **TOWN),
            row("a", 1, "raids", "Red raids hit the valley that month.", **month),
            row("a", 2, "blockade", "The blockade cut off the water supply.", actor_country=None, actor_name=None,
                **month)]
    res = run(rows)
    # "the blockade" names the blockading, not the nearer raids
    assert not same(res, 0, 1)
    assert same(res, 0, 2) and not same(res, 1, 2)


def test_repetition_of_the_action_at_the_same_place_links_far_apart() -> None:
    month = dict(date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month")
    rows = [row("a", 0, "captured", "Red units captured Townsville in March.", **month, **TOWN),
            row("a", 12, "captured", "After Townsville was captured, refugees fled.", actor_country=None,
                actor_name=None, date_start=D(2001, 3, 9), date_end=D(2001, 3, 9), date_precision="day", **TOWN)]
    assert same(run(rows), 0, 1)


def test_repetition_needs_the_same_place_and_overlapping_dates() -> None:
    rows = [row("a", 0, "captured", "Red units captured Townsville.", **TOWN),
            row("a", 8, "captured", "Red units captured Otherton.", **OTHER_TOWN),
            row("a", 9, "captured", "Red units captured Townsville again.", date_start=D(2002, 5, 1),
                date_end=D(2002, 5, 1), **TOWN)]
    res = run(rows)
    assert not same(res, 0, 1) and not same(res, 0, 2)


def test_close_report_over_a_month_needs_one_shared_place() -> None:
    month = dict(date_start=D(2001, 3, 1), date_end=D(2001, 3, 31), date_precision="month")
    at_town = [row("a", 0, "shelled", "Red guns shelled Townsville in March.", **month, **TOWN),
               row("a", 1, "pounded", "Red guns pounded Townsville day and night.", **month, **TOWN)]
    assert same(run(at_town), 0, 1)
    nowhere = [row("a", 0, "shelled", "Red guns shelled the hills in March.", **month),
               row("a", 1, "pounded", "Red guns pounded the hills again.", **month)]
    assert not same(run(nowhere), 0, 1)


@settings(max_examples=30, deadline=None)
@given(a=SPEC, b=SPEC, c=SPEC)
def test_the_release_table_equals_the_rows_in_bounded_slices(a, b, c) -> None:
    """``pipeline.aggregate_mentions`` (what a release uses) converts the event rows to Arrow a few
    at a time: the same ids and the same events table as ``aggregate``'s rows, with any slice size."""
    from eventextract import pipeline
    from eventextract.publish import to_table

    rows = _doc_rows("a", a) + _doc_rows("b", b) + _doc_rows("c", c)
    res = run(rows)
    before = pipeline.EVENT_ROWS
    try:
        pipeline.EVENT_ROWS = 2
        mentions, events = pipeline.aggregate_mentions(table(rows), run_id="run")
    finally:
        pipeline.EVENT_ROWS = before
    assert mentions.column("event_id").to_pylist() == res.event_ids
    from eventextract import __version__
    expected = to_table(aggregate(table(rows), run_id="run", extractor_version=__version__).events, "events")
    assert events.equals(expected)


def test_repetition_does_not_tie_a_summary_over_months_to_one_days_report() -> None:
    """A sentence that sums up months of killing at a place is not the killing of one day there;
    two reports within one month still link."""
    months = dict(date_start=D(2001, 4, 1), date_end=D(2001, 7, 31), date_precision="range")
    day = dict(date_start=D(2001, 4, 9), date_end=D(2001, 4, 9), date_precision="day")
    rows = [row("a", 0, "killed", "Red gunmen killed the mayor of Townsville.", **day, **TOWN),
            row("a", 6, "killed", "Red gunmen killed farmers around Townsville from April to July.", **months, **TOWN),
            row("b", 0, "killed", "Red gunmen killed the mayor of Townsville.", **day, **TOWN),
            row("b", 6, "killed", "The mayor of Townsville was killed that spring.", date_start=D(2001, 4, 1),
                date_end=D(2001, 4, 30), date_precision="month", **TOWN)]
    res = run(rows)
    assert not same(res, 0, 1)
    assert same(res, 2, 3)


# --- conditions for weak evidence: uncoded recipients, one-country sides, killing modes -------------


def test_killed_and_massacred_the_next_sentence_are_one_killing() -> None:
    import dataclasses

    from eventextract.aggregate import DEFAULT_RULE, aggregate_with

    rows = [row("a", 0, "killed", "Red troops killed forty villagers at Townsville.", event_mode="targeted",
                recipient_name="villagers", recipient_country="BLU", **TOWN),
            row("a", 1, "massacred", "Red troops massacred the villagers who stayed.", event_mode="massacre",
                **TOWN)]
    assert same(run(rows), 0, 1)
    apart = dataclasses.replace(DEFAULT_RULE, killing_modes_compatible=False)
    assert not same(aggregate_with(table(rows), run_id="run", extractor_version="0.0", rule=apart), 0, 1)
    # other modes still keep reports apart: abducting is not killing
    abducted = [rows[0], row("a", 1, "abducted", "Red troops abducted the women of the village.",
                             event_mode="abduct", **TOWN)]
    assert not same(run(abducted), 0, 1)


def test_close_report_without_coded_recipients_needs_equal_named_actors() -> None:
    base = row("a", 0, "attacked", "Red Army units attacked the depot.")
    equal = row("a", 1, "stormed", "Red Army units stormed the depot at dawn.")
    assert same(run([base, equal]), 0, 1)
    # nested codes (a compound actor) are not enough when nothing else ties the reports
    nested = row("a", 1, "stormed", "Red and Green units stormed the depot.", actor_name="Red and Green units",
                 actor_country="GRN;RED")
    assert not same(run([base, nested]), 0, 1)
    # an actor known only by its code is not enough either
    unnamed = row("a", 1, "stormed", "They stormed the depot.", actor_name=None)
    assert not same(run([base, unnamed]), 0, 1)
    # a coded recipient on one side is evidence of its own: nested actors link again
    coded = dict(nested, recipient_name="Blue guards", recipient_country="BLU")
    assert same(run([base, coded]), 0, 1)


def test_sides_of_one_country_link_only_under_the_same_actor_name() -> None:
    """In a civil war both sides carry the same code: the codes cannot say that two reports have the
    same actor, so the names must."""
    rebels = row("a", 0, "attacked", "Rebel units attacked government troops in Townsville.",
                 actor_name="rebel units", recipient_name="government troops", recipient_country="RED", **TOWN)
    guards = row("a", 1, "killed", "Palace guards killed the minister in Townsville.", actor_name="palace guards",
                 recipient_name="the minister", recipient_country="RED", **TOWN)
    assert not same(run([rebels, guards]), 0, 1)
    again = row("a", 1, "attacked", "Rebel units attacked the barracks in Townsville.", actor_name="Rebel Units",
                recipient_name="government troops", recipient_country="RED", **TOWN)
    assert same(run([rebels, again]), 0, 1)
    # the repetition link obeys the same condition
    far = dict(guards, sentence_index=9, trigger_text="attacked",
               sentence_text="Palace guards attacked government troops in Townsville.")
    far["trigger_start"] = far["sentence_start"] = 9000
    far["trigger_end"] = 9008
    assert not same(run([rebels, far]), 0, 1)
