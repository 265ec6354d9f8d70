"""The links of the merge rule: when two event mentions could report one happening.

Pure predicates over mention records (the columns of the mentions table as Python values); the rule they
make up, and how :mod:`eventextract.aggregate` applies them within and across documents, is described in
that module's docstring. Nothing here holds state: every answer depends only on the two mentions given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

BACK_WINDOW = 3
CLOSE_WINDOW = 1
REPEAT_WINDOW = 20
#: longest date interval (days) a repetition link accepts on either side
REPEAT_MAX_DAYS = 31
#: endings stripped from trigger words before they are compared (longest first)
_SUFFIXES = ("ments", "ment", "ings", "ing", "ions", "ion", "ed", "es", "s", "e")
DETERMINERS = frozenset({"the", "this", "that", "these", "those", "its", "their"})
#: trigger words too general to tie two mentions together (auxiliaries, light verbs, particles)
_LIGHT_WORDS = DETERMINERS | {"a", "an", "of", "to", "and", "was", "were", "be", "been", "is", "are", "had", "has",
                              "have", "take", "took", "taken", "make", "made", "carry", "carried", "out", "up",
                              "under", "came", "come", "war"}
_WORD = re.compile(r"[A-Za-z]+")
_LAST_WORD = re.compile(r"([A-Za-z]+)\s+$")
PLACE_RANK = {"populated_place": 3, "admin_region": 2, "country": 1}
#: pairs of different modes of one event type that can name one happening: both say people were
#: killed, one of them that many were ("killed" ... "the massacre")
SAME_HAPPENING_MODES = frozenset({frozenset({"targeted", "massacre"})})


@dataclass(frozen=True)
class Rule:
    """The switches of the rule (the defaults are the published rule; the others serve ablation)."""
    back_reference: bool = True
    close: bool = True
    back_window: int = BACK_WINDOW
    close_window: int = CLOSE_WINDOW
    close_day_only: bool = True
    close_unknown_recipient: bool = True
    close_uncoded_recipients_need_same_actor: bool = True
    one_country_sides_need_same_actor: bool = True
    killing_modes_compatible: bool = True
    close_same_place: bool = True
    complete_link: bool = True
    across_documents: bool = True
    same_stem_first: bool = True
    repetition: bool = True
    repeat_window: int = REPEAT_WINDOW


DEFAULT_RULE = Rule()


@dataclass
class Mention:
    row: int
    rec: dict[str, Any]
    actors: frozenset[str] | None
    recipients: frozenset[str] | None
    back_ref: bool
    stems: frozenset[str] = frozenset()

    @property
    def order(self) -> tuple:
        return (self.rec["doc_id"], self.rec["trigger_start"], self.rec["mention_id"])

    @property
    def doc_order(self) -> tuple:
        return (self.rec["sentence_index"], self.rec["trigger_start"], self.rec["mention_id"])


def codes(value: Any) -> frozenset[str] | None:
    if not value:
        return None
    found = frozenset(c.strip() for c in str(value).split(";") if c.strip())
    return found or None


def _sets_ok(a: frozenset[str] | None, b: frozenset[str] | None, unknown_ok: bool) -> bool:
    if a is None or b is None:
        return unknown_ok or (a is None and b is None)
    return a <= b or b <= a


def dated(rec: dict[str, Any]) -> bool:
    return rec["date_start"] is not None and rec["date_end"] is not None


def _dates_ok(a: dict[str, Any], b: dict[str, Any], unknown_ok: bool) -> bool:
    if not (dated(a) and dated(b)):
        return unknown_ok
    return a["date_start"] <= b["date_end"] and b["date_start"] <= a["date_end"]


def place_known(rec: dict[str, Any]) -> bool:
    return rec["geo_precision"] in PLACE_RANK and (rec["geonameid"] is not None or bool(rec["place_name"]))


def same_place(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a["geonameid"] is not None or b["geonameid"] is not None:
        return a["geonameid"] == b["geonameid"]
    return (a["geo_precision"], a["place_name"], a["place_country"]) == \
        (b["geo_precision"], b["place_name"], b["place_country"])


def _contains(big: dict[str, Any], small: dict[str, Any]) -> bool:
    """Whether place ``big`` contains place ``small`` (a country its places, a region its towns)."""
    if not big["place_country"] or big["place_country"] != small["place_country"]:
        return False
    if big["geo_precision"] == "country":
        return small["geo_precision"] != "country"
    if big["geo_precision"] == "admin_region" and small["geo_precision"] == "populated_place":
        return big["admin1"] is not None and big["admin1"] == small["admin1"]
    return False


def places_ok(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not (place_known(a) and place_known(b)):
        return True
    return same_place(a, b) or _contains(a, b) or _contains(b, a)


def modes_ok(a: str | None, b: str | None, rule: Rule = DEFAULT_RULE) -> bool:
    """Two modes of one event type agree: equal, one unknown, or a pair of ``SAME_HAPPENING_MODES``."""
    if not a or not b or a == b:
        return True
    return rule.killing_modes_compatible and frozenset({a, b}) in SAME_HAPPENING_MODES


def compatible(a: Mention, b: Mention, unknown_ok: bool, rule: Rule = DEFAULT_RULE) -> bool:
    """Two mentions could report one happening (unknown actors/recipients/dates accepted when
    ``unknown_ok``; two known values must always agree)."""
    ra, rb = a.rec, b.rec
    if ra["event_type"] != rb["event_type"] or ra["polarity"] != rb["polarity"]:
        return False
    if not modes_ok(ra["event_mode"], rb["event_mode"], rule):
        return False
    return (_sets_ok(a.actors, b.actors, unknown_ok) and _sets_ok(a.recipients, b.recipients, unknown_ok)
            and _dates_ok(ra, rb, unknown_ok) and places_ok(ra, rb))


def _one_country_sides(m: Mention) -> bool:
    """The mention's actor and recipient have the same known codes (a civil war's two sides, or a
    wrongly coded side): its codes cannot tell who acted."""
    return m.actors is not None and m.actors == m.recipients


def _same_actor_name(a: Mention, b: Mention) -> bool:
    name_a, name_b = (str(m.rec["actor_name"] or "").strip().lower() for m in (a, b))
    return bool(name_a) and name_a == name_b


def _sides_told_apart(a: Mention, b: Mention, rule: Rule) -> bool:
    """Where either mention's codes cannot tell its sides apart, the actors must have the same name."""
    if rule.one_country_sides_need_same_actor and (_one_country_sides(a) or _one_country_sides(b)):
        return _same_actor_name(a, b)
    return True


def close_link(a: Mention, b: Mention, rule: Rule) -> bool:
    """Signal (b): compatible, actors and dates known on both sides (single days unless ablated)."""
    if a.actors is None or b.actors is None or not (dated(a.rec) and dated(b.rec)):
        return False
    if not _sides_told_apart(a, b, rule):
        return False
    if rule.close_uncoded_recipients_need_same_actor and a.recipients is None and b.recipients is None \
            and (a.actors != b.actors or not (a.rec["actor_name"] and b.rec["actor_name"])):
        return False  # nothing but the actor ties them: its codes must be equal and both named
    if rule.close_day_only and not all(m.rec["date_start"] == m.rec["date_end"] for m in (a, b)):
        placed = place_known(a.rec) and place_known(b.rec) and a.rec["geo_precision"] != "country" \
            and same_place(a.rec, b.rec)
        if not (rule.close_same_place and placed):
            return False
    if not compatible(a, b, unknown_ok=False, rule=rule):
        return rule.close_unknown_recipient and compatible(a, b, unknown_ok=True, rule=rule) \
            and _sets_ok(a.actors, b.actors, False) and (a.recipients is None or b.recipients is None)
    return True


def trigger_stems(trigger_text: str) -> frozenset[str]:
    """The content words of a trigger, lower-cased, without inflectional and nominalising endings
    (``bombarded``, ``the bombardment`` -> ``bombard``; ``captured``, ``capturing`` -> ``captur``)."""
    out = set()
    for word in _WORD.findall(trigger_text or ""):
        word = word.lower()
        if word in _LIGHT_WORDS or len(word) < 4:
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        out.add(word)
    return frozenset(out)


def repetition_link(a: Mention, b: Mention, rule: Rule = DEFAULT_RULE) -> bool:
    """Signal (c): the same action word about the same known place in overlapping known dates."""
    ra, rb = a.rec, b.rec
    return (bool(a.stems & b.stems) and _sides_told_apart(a, b, rule) and dated(ra) and dated(rb) and _within_a_month(ra) and _within_a_month(rb)
            and place_known(ra) and place_known(rb) and ra["geo_precision"] != "country" and same_place(ra, rb)
            and compatible(a, b, unknown_ok=True, rule=rule))


def _within_a_month(rec: dict[str, Any]) -> bool:
    """The mention's date interval is at most a month long (not a season, a year or a war)."""
    return (rec["date_end"] - rec["date_start"]).days <= REPEAT_MAX_DAYS


def is_back_reference(sentence_text: str, sentence_start: int, trigger_text: str, trigger_start: int) -> bool:
    """The trigger is a definite or demonstrative nominal: its first word, or the word right before
    it, is a determiner (``the bombardment``, ``this operation``)."""
    first = _WORD.findall(trigger_text or "")
    if first and first[0].lower() in DETERMINERS:
        return True
    before = _LAST_WORD.search((sentence_text or "")[:max(0, trigger_start - sentence_start)])
    return before is not None and before.group(1).lower() in DETERMINERS


