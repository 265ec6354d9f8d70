"""Tests of the dates stage: finding, normalising, anchoring and linking time expressions.

All example sentences are written for these tests (invented events in invented places)."""
from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from eventextract.dates import DateResolver
from eventextract.records import Timex

D = dt.date


@pytest.fixture(scope="module")
def resolver(settings) -> DateResolver:
    return DateResolver(settings)


def run(nlp, resolver: DateResolver, text: str, published: dt.date | None = None,
        title: str | None = None) -> list[Timex]:
    return resolver.annotate(nlp(text), published=published, title=title)


def find(timexes: list[Timex], text: str) -> Timex:
    for t in timexes:
        if t.text == text:
            return t
    raise AssertionError(f"{text!r} not among {[t.text for t in timexes]}")


def interval(t: Timex) -> tuple[dt.date | None, dt.date | None, str | None]:
    return t.date_start, t.date_end, t.precision


# ------------------------------------------------------------------------------------------
# explicit dates
# ------------------------------------------------------------------------------------------
def test_explicit_day_month_year(nlp, resolver):
    text = ("The garrison of Velmora surrendered on 3 October 1871. Peace talks opened on "
            "November 12, 1871 in Ostrana. The treaty was ratified in January 1872 and the army "
            "was disbanded in 1873.")
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "3 October 1871")) == (D(1871, 10, 3), D(1871, 10, 3), "day")
    assert interval(find(tx, "November 12, 1871")) == (D(1871, 11, 12), D(1871, 11, 12), "day")
    assert interval(find(tx, "January 1872")) == (D(1872, 1, 1), D(1872, 1, 31), "month")
    assert interval(find(tx, "1873")) == (D(1873, 1, 1), D(1873, 12, 31), "year")
    assert all(t.anchor == "explicit" for t in tx if t.date_start)
    # offsets index the text exactly, and the timexes come in text order
    for t in tx:
        assert text[t.start:t.end] == t.text
    assert [t.start for t in tx] == sorted(t.start for t in tx)


def test_ordinal_day_and_sentence_index(nlp, resolver):
    text = "The rebels crossed the river. They stormed the fort on the 4th of July, 1902."
    tx = run(nlp, resolver, text)
    t = [t for t in tx if t.date_start][0]
    assert interval(t) == (D(1902, 7, 4), D(1902, 7, 4), "day")
    assert t.sentence_index == 1


def test_numbers_that_are_not_years(nlp, resolver):
    text = "In 1917 about 1500 soldiers and 2,000 horses were moved 1200 km to the front."
    tx = run(nlp, resolver, text)
    assert [t.text for t in tx if t.date_start] == ["1917"]


def test_modal_may_is_not_a_month(nlp, resolver):
    tx = run(nlp, resolver, "In 1950 the council said it may decide later, and it may not.")
    assert [t.text for t in tx] == ["1950"]


# ------------------------------------------------------------------------------------------
# narrative anchoring
# ------------------------------------------------------------------------------------------
def test_partial_dates_anchored_by_previous_explicit_date(nlp, resolver):
    text = ("In early 1931 the northern army attacked along the whole front. In early February, "
            "the defenders lost the ridge and on February 18, the valley was taken. "
            "On January 5 a relief column arrived.")
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "early 1931")) == (D(1931, 1, 1), D(1931, 4, 30), "year")
    feb = find(tx, "early February")
    assert interval(feb) == (D(1931, 2, 1), D(1931, 2, 10), "month")
    assert feb.anchor == "narrative"
    assert interval(find(tx, "February 18")) == (D(1931, 2, 18), D(1931, 2, 18), "day")
    # a month earlier than the anchor month stays in the anchor year (no roll-over)
    assert find(tx, "January 5").date_start == D(1931, 1, 5)


def test_partial_date_anchored_by_heading(nlp, resolver):
    text = ("# A history of the valley\n\n"
            "## The siege of Darnholt in March 1744\n\n"
            "On 14 March the gates were forced. By mid-April the town had been looted.\n")
    tx = run(nlp, resolver, text)
    t = find(tx, "14 March")
    assert interval(t) == (D(1744, 3, 14), D(1744, 3, 14), "day")
    assert t.anchor == "narrative"
    assert interval(find(tx, "mid-April")) == (D(1744, 4, 11), D(1744, 4, 20), "month")


def test_partial_date_anchored_by_title(nlp, resolver):
    tx = run(nlp, resolver, "On 2 June the fleet left port and sailed north.",
             title="The northern campaign of 1658")
    assert interval(find(tx, "2 June")) == (D(1658, 6, 2), D(1658, 6, 2), "day")


def test_no_anchor_gives_no_date(nlp, resolver):
    tx = run(nlp, resolver, "On April 10 the troops took the hill. By late May they had withdrawn.")
    assert [t.text for t in tx] == ["April 10", "late May"]
    assert all(t.date_start is None and t.date_end is None and t.precision is None for t in tx)


def test_published_date_only_for_news_relative_expressions(nlp, resolver):
    text = ("Police said on Friday that a bomb exploded yesterday near the market. Earlier this "
            "month, and again last week, protesters blocked the road. On April 10 a curfew began.")
    pub = D(2021, 3, 24)  # a Wednesday
    tx = run(nlp, resolver, text, published=pub)
    assert interval(find(tx, "Friday")) == (D(2021, 3, 19), D(2021, 3, 19), "day")
    assert find(tx, "Friday").anchor == "published"
    assert find(tx, "yesterday").date_start == D(2021, 3, 23)
    assert find(tx, "Earlier this month").date_start == D(2021, 3, 1)
    assert find(tx, "last week").date_start == D(2021, 3, 15)
    # news: a month-day without a year takes the published year that puts it nearest BEFORE the
    # published date in a past-tense clause
    assert find(tx, "April 10").date_start == D(2020, 4, 10)
    assert find(tx, "April 10").anchor == "published"
    # without a published date the relative expressions are unresolved
    tx = run(nlp, resolver, text)
    assert all(t.date_start is None for t in tx)


# ------------------------------------------------------------------------------------------
# ranges, seasons, parts, decades
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("phrase,start,end", [
    ("May 9-11, 1905", D(1905, 5, 9), D(1905, 5, 11)),
    ("July 26–27, 1905", D(1905, 7, 26), D(1905, 7, 27)),
    ("16-17 May 1905", D(1905, 5, 16), D(1905, 5, 17)),
    ("from August 31 to October 21, 1905", D(1905, 8, 31), D(1905, 10, 21)),
    ("between 1901 and 1905", D(1901, 1, 1), D(1905, 12, 31)),
    ("20 February 1888 – 12 May 1894", D(1888, 2, 20), D(1894, 5, 12)),
    ("20 February 1888 ‚Äì 12 May 1894", D(1888, 2, 20), D(1894, 5, 12)),
    ("1901–1902", D(1901, 1, 1), D(1902, 12, 31)),
    ("1903-04", D(1903, 1, 1), D(1904, 12, 31)),
    ("December 20, 1904 to January 5, 1905", D(1904, 12, 20), D(1905, 1, 5)),
])
def test_ranges(nlp, resolver, phrase, start, end):
    text = f"The border war was fought {phrase} in the hills."
    tx = [t for t in run(nlp, resolver, text) if t.date_start]
    # the range, then its two ends as timexes of their own (TimeML style)
    assert len(tx) == 3, [t.text for t in tx]
    rng, first, last = tx
    assert rng.text.endswith(phrase.split()[-1])
    assert interval(rng) == (start, end, "range")
    assert first.rule.endswith("/start") and last.rule.endswith("/end")
    assert first.date_start == start and last.date_end == end
    assert rng.start <= first.start < first.end <= last.start < last.end == rng.end


def test_partial_ranges_take_the_anchor_year(nlp, resolver):
    text = ("The army regrouped in 1905. In late February and early March, fighting spread to "
            "the coast. Talks were held on May 9-11 and the truce lasted from August 31 to "
            "October 21.")
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "late February and early March")) == (D(1905, 2, 21), D(1905, 3, 10), "range")
    assert interval(find(tx, "May 9-11")) == (D(1905, 5, 9), D(1905, 5, 11), "range")
    assert interval(find(tx, "from August 31 to October 21")) == (D(1905, 8, 31), D(1905, 10, 21), "range")


def test_seasons(nlp, resolver):
    text = ("During the winter of 1911–1912 the port froze. In the winter of 1913 supplies ran "
            "out, and in the summer of 1914 the offensive began.")
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "the winter of 1911–1912")) == (D(1911, 12, 1), D(1912, 2, 29), "season")
    assert interval(find(tx, "the winter of 1913")) == (D(1912, 12, 1), D(1913, 2, 28), "season")
    assert interval(find(tx, "the summer of 1914")) == (D(1914, 6, 1), D(1914, 8, 31), "season")


def test_early_mid_late(nlp, resolver):
    text = ("In early 1920 the rebels rose. By mid-May 1920 they held the coast, in late 1920 they "
            "lost it, and at the end of January 1921 they surrendered. In the middle of April 1921 "
            "the leaders fled.")
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "early 1920")) == (D(1920, 1, 1), D(1920, 4, 30), "year")
    assert interval(find(tx, "mid-May 1920")) == (D(1920, 5, 11), D(1920, 5, 20), "month")
    assert interval(find(tx, "late 1920")) == (D(1920, 9, 1), D(1920, 12, 31), "year")
    assert interval(find(tx, "the end of January 1921")) == (D(1921, 1, 21), D(1921, 1, 31), "month")
    assert interval(find(tx, "the middle of April 1921")) == (D(1921, 4, 11), D(1921, 4, 20), "month")


def test_decades_and_centuries(nlp, resolver):
    tx = run(nlp, resolver, "Unrest grew in the 1880s and again in the early 1930s, as in the 18th century.")
    assert interval(find(tx, "the 1880s")) == (D(1880, 1, 1), D(1889, 12, 31), "range")
    assert interval(find(tx, "the early 1930s")) == (D(1930, 1, 1), D(1933, 12, 31), "range")
    assert interval(find(tx, "the 18th century")) == (D(1700, 1, 1), D(1799, 12, 31), "range")


def test_durations_are_not_dates(nlp, resolver):
    text = ("In 1960 the general, then fifty years old, held the pass for 3 days and ruled for "
            "two years, a quarter century after the first war.")
    tx = run(nlp, resolver, text)
    dated = [t.text for t in tx if t.date_start]
    assert dated == ["1960"]
    assert find(tx, "for 3 days").rule == "duration"


# ------------------------------------------------------------------------------------------
# relative to the previous event
# ------------------------------------------------------------------------------------------
def test_following_day_relative_to_previous_event(nlp, resolver):
    text = ("On 28 March 1899 the militia shelled the bridge. During the afternoon of the next day "
            "the bridge collapsed. Two days later the town surrendered. In the following days the "
            "prisoners were released. Later that month the governor resigned.")
    tx = run(nlp, resolver, text)
    nd = find(tx, "the afternoon of the next day")
    assert interval(nd) == (D(1899, 3, 29), D(1899, 3, 29), "day")
    assert nd.anchor == "previous_event"
    assert find(tx, "Two days later").date_start == D(1899, 3, 31)
    fd = find(tx, "the following days")
    assert (fd.date_start, fd.date_end) == (D(1899, 4, 1), D(1899, 4, 6))
    lm = find(tx, "Later that month")
    assert lm.date_start is not None and lm.date_start.year == 1899


# ------------------------------------------------------------------------------------------
# linking
# ------------------------------------------------------------------------------------------
def _token(doc, word: str, nth: int = 0) -> int:
    return [t.i for t in doc if t.text == word][nth]


def _sent_index(doc, i: int) -> int:
    return [k for k, s in enumerate(doc.sents) if s.start <= i < s.end][0]


def test_link_via_the_parse(nlp, resolver):
    text = ("In early February 1950, the rebels attacked the depot and on February 18, the "
            "northern sector was captured by the army.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "attacked")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).text == "early February 1950"
    i = _token(doc, "captured")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).text == "February 18"


def test_link_prefers_coordinated_clause_over_relative_clause(nlp, resolver):
    text = ("The truce requested by the rebels in August 1950 was extended twice and lasted from "
            "August 31 to October 21.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "lasted")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).text == "from August 31 to October 21"


def test_link_sentence_fallback_and_carry(nlp, resolver):
    text = ("The villagers fled, and the valley was burned on 5 June 1950 by the raiders. "
            "Then the raiders withdrew to the mountains.\n\n"
            "## Aftermath\n\nThe survivors returned home.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    # "fled" is not attached to the date in the parse: the sentence's only date is used
    i = _token(doc, "fled")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1950, 6, 5) and t.anchor == "explicit"
    # the next sentence has no date: the narrative carries it, marked previous_event
    i = _token(doc, "withdrew")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1950, 6, 5) and t.anchor == "previous_event"
    assert t.sentence_index < _sent_index(doc, i)
    # a new section breaks the narrative
    i = _token(doc, "returned")
    assert resolver.link(doc, i, _sent_index(doc, i), tx) is None


def test_link_ignores_durations(nlp, resolver):
    text = "The siege lasted for 3 days."
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "lasted")
    assert resolver.link(doc, i, _sent_index(doc, i), tx) is None


def test_carry_prefers_fine_narrative_date_over_coarse_aside(nlp, resolver):
    text = ("On 3 March 1930 the garrison mutinied. A report published in 1930 described the "
            "mutiny. The governor was forced to resign.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "resign")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1930, 3, 3) and t.anchor == "previous_event"


def test_carry_policy_from_settings(settings):
    from eventextract.config import Settings
    from eventextract.errors import ConfigError

    assert DateResolver(Settings(date_carry="paragraph")).carry == "paragraph"
    assert DateResolver(Settings()).carry == "section"
    assert DateResolver(Settings(date_carry="paragraph"), carry="section").carry == "section"
    with pytest.raises(ConfigError):
        DateResolver(Settings(date_carry="chapter"))


def test_carry_policy_paragraph(nlp, settings):
    import dataclasses

    text = "The port was blockaded on 2 May 1930.\n\nThe sailors mutinied.\n\nThen the fleet sailed."
    doc = nlp(text)
    strict = DateResolver(dataclasses.replace(settings, date_carry="paragraph"))
    tx = strict.annotate(doc)
    i = _token(doc, "mutinied")
    assert strict.link(doc, i, _sent_index(doc, i), tx) is None
    i = _token(doc, "sailed")  # a continuation cue carries the date across the paragraph break
    assert strict.link(doc, i, _sent_index(doc, i), tx).date_start == D(1930, 5, 2)
    i = _token(doc, "mutinied")
    assert DateResolver(settings).link(doc, i, _sent_index(doc, i), tx).date_start == D(1930, 5, 2)


# ------------------------------------------------------------------------------------------
# more narrative forms
# ------------------------------------------------------------------------------------------
def test_aside_year_does_not_become_the_anchor(nlp, resolver):
    text = ("The cavalry was halted on August 16, 1920. Archive papers found in 2004 proved the "
            "role of the code breakers. On August 17 the last charge failed.")
    tx = run(nlp, resolver, text)
    assert find(tx, "August 17").date_start == D(1920, 8, 17)


def test_holidays_ordinal_days_and_previous_year(nlp, resolver):
    text = ("The siege began on 4 December 1915. By Christmas the food was gone, and on the 28th "
            "the walls were breached. The previous year had been quiet. From October to March "
            "the river stayed frozen.")
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "Christmas")) == (D(1915, 12, 25), D(1915, 12, 25), "day")
    assert find(tx, "the 28th").date_start == D(1915, 12, 28)
    assert interval(find(tx, "The previous year")) == (D(1914, 1, 1), D(1914, 12, 31), "year")
    rng = find(tx, "From October to March")
    assert (rng.date_start, rng.date_end) == (D(1915, 10, 1), D(1916, 3, 31))


# ------------------------------------------------------------------------------------------
# property: nothing is ever filled from today
# ------------------------------------------------------------------------------------------
def test_never_uses_todays_year(nlp, resolver):
    this_year = dt.date.today().year
    rng = random.Random(7)
    pieces = ["On April 10", "In early February", "by mid-May", "the next day", "on Friday",
              "yesterday", "last week", "later that month", "In late February and early March",
              "on May 9-11", "from August 31 to October 21", "the following year", "this year",
              "In the summer", "on 12 June"]
    for _ in range(15):
        chosen = rng.sample(pieces, 5)
        text = " ".join(f"{p}, the army moved." for p in chosen)
        for published in (None, D(1987, 6, 15)):
            for t in run(nlp, resolver, text, published=published):
                if t.date_start is None:
                    continue
                assert published is not None, (text, t)
                assert t.date_start.year != this_year and t.date_end.year != this_year, (text, t)
                assert abs(t.date_start.year - 1987) <= 1


# ------------------------------------------------------------------------------------------
# the shared seed corpus (skipped when ../shared is absent)
# ------------------------------------------------------------------------------------------
def test_seed_documents_resolve(nlp, resolver, shared_dir):
    path = sorted((shared_dir / "corpus" / "seeds").glob("000_*.txt"))[0]
    text = path.read_text(encoding="utf-8")
    tx = resolver.annotate(nlp(text))
    dated = [t for t in tx if t.date_start]
    assert len(dated) >= 15
    for t in tx:
        assert text[t.start:t.end] == t.text
        if t.date_start:
            assert t.date_start <= t.date_end
            assert 1900 <= t.date_start.year <= 2030
    json.dumps([t.text for t in tx])


# ------------------------------------------------------------------------------------------
# dateparser fallback: never a part from today
# ------------------------------------------------------------------------------------------
def test_dateparser_fallback_states_its_year(resolver):
    iv, how = resolver.dateparser_interval("3/5/1992", None, None)
    assert (iv.start, iv.end, iv.precision, how) == (D(1992, 3, 5), D(1992, 3, 5), "day", "explicit")
    iv, how = resolver.dateparser_interval("Sept. 1893", None, None)
    assert (iv.start, iv.end, iv.precision) == (D(1893, 9, 1), D(1893, 9, 30), "month")
    # a month-day without a year takes the narrative anchor's year, written into the text
    iv, how = resolver.dateparser_interval("Tues., March 5", (1889, None), None)
    assert (iv.start, how) == (D(1889, 3, 5), "narrative")
    # a relative expression counts from the published date only
    iv, how = resolver.dateparser_interval("three days ago", None, D(1999, 6, 10))
    assert (iv.start, iv.precision, how) == (D(1999, 6, 7), "day", "published")


@pytest.mark.parametrize("phrase", ["March 5", "Tues., March 5", "the 5th of March", "three days ago",
                                    "two weeks ago", "Friday", "March", "in two weeks", "noon"])
def test_dateparser_fallback_never_fills_from_today(resolver, phrase):
    # without an anchor and a published date, dateparser would take the missing year (or the
    # base of a relative expression) from today: the fallback must refuse instead
    assert resolver.dateparser_interval(phrase, None, None) == (None, "")
    iv, _ = resolver.dateparser_interval(phrase, (1871, None), None)
    assert iv is None or (iv.start.year == 1871 and iv.end.year == 1871)
    iv, _ = resolver.dateparser_interval(phrase, None, D(1905, 2, 1))
    assert iv is None or abs(iv.start.year - 1905) <= 1


def test_dateparser_fallback_in_annotate(nlp, resolver):
    text = "The treaty of Velmora was signed on 11/23/1874 and the border opened soon after."
    tx = run(nlp, resolver, text)
    dated = [t for t in tx if t.date_start]
    assert dated and dated[0].date_start == D(1874, 11, 23) and dated[0].precision == "day"
    assert all(text[t.start:t.end] == t.text for t in tx)


# ------------------------------------------------------------------------------------------
# news: a month-day without a year from the published date; narrative anchors win elsewhere
# ------------------------------------------------------------------------------------------
def test_news_month_day_takes_the_published_year_by_tense(nlp, resolver):
    pub = D(2019, 3, 6)  # a Wednesday
    text = ("The ferry company said on Monday that it had cut its fares. Its rival cut prices on "
            "Nov. 30, and the union will strike on April 2. Talks are set for early May.")
    tx = run(nlp, resolver, text, published=pub)
    assert find(tx, "Nov. 30").date_start == D(2018, 11, 30)  # past: the latest before publication
    assert find(tx, "April 2").date_start == D(2019, 4, 2)  # future: the next one after it
    assert find(tx, "early May").date_start == D(2019, 5, 1)  # present: the nearest
    assert {find(tx, x).anchor for x in ("Nov. 30", "April 2", "early May")} == {"published"}


def test_news_year_of_an_earlier_paragraph_does_not_anchor(nlp, resolver):
    pub = D(2019, 3, 6)
    text = ("The mayor said on Tuesday the bridge would reopen. It was damaged in a flood in 2014."
            "\n\nEngineers finished the survey on Feb. 20, the mayor said this week.")
    tx = run(nlp, resolver, text, published=pub)
    assert find(tx, "Feb. 20").date_start == D(2019, 2, 20)
    # in the same paragraph the year given there wins
    text2 = "The mayor said on Tuesday the dam, built in 1961, was first filled on May 4 that year."
    tx = run(nlp, resolver, text2, published=pub)
    assert find(tx, "May 4").date_start == D(1961, 5, 4)


def test_narrative_with_published_date_keeps_its_anchors(nlp, resolver):
    # a history with a publication date is not news: its own year anchors partial dates
    text = ("In 1871 the rebels of Velmora rose against the crown. On April 10 they took the "
            "arsenal and in late May they marched on the capital. The revolt ended in 1872.")
    tx = run(nlp, resolver, text, published=D(2009, 12, 19))
    assert find(tx, "April 10").date_start == D(1871, 4, 10)
    assert find(tx, "late May").date_start == D(1871, 5, 21)


# ------------------------------------------------------------------------------------------
# discourse: ordinal names, "during the war"
# ------------------------------------------------------------------------------------------
def test_ordinal_that_names_a_unit_is_not_a_day(nlp, resolver):
    text = ("On 3 May 1915 the 4th Army crossed the river. The 12th armoured brigade followed "
            "and on the 9th the town fell.")
    tx = run(nlp, resolver, text)
    assert [t.text for t in tx if t.date_start] == ["3 May 1915", "the 9th"]
    assert find(tx, "the 9th").date_start == D(1915, 5, 9)


def test_during_the_war_spans_the_narrative(nlp, resolver):
    text = ("The siege of Velmora began on 2 March 1871. The city fell in August 1872. "
            "Throughout the war, the neighbouring kingdom refused to send aid. "
            "Exhausted by hunger, the defenders deserted in large numbers.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    war = find(tx, "the war")
    assert interval(war) == (D(1871, 3, 2), D(1872, 8, 31), "range")
    i = _token(doc, "refused")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).text == "the war"
    i = _token(doc, "deserted")  # the next background sentence carries the span, not "August 1872"
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1871, 3, 2) and t.anchor == "previous_event"


def test_past_perfect_with_previously_is_before_the_narrative_time(nlp, resolver):
    text = ("The rebels stormed the arsenal of Velmora on 14 June 1871. The governor had "
            "previously warned that they would attack the city. The garrison surrendered.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    for word in ("warned", "attack"):
        i = _token(doc, word)
        t = resolver.link(doc, i, _sent_index(doc, i), tx)
        assert t is not None and (t.date_start, t.date_end) == (D(1871, 6, 1), D(1871, 6, 13)), word
    i = _token(doc, "surrendered")  # a simple past continues the narrative time
    assert resolver.link(doc, i, _sent_index(doc, i), tx).date_start == D(1871, 6, 14)


# ------------------------------------------------------------------------------------------
# round 3: datelines, weekday tense, heading spans, year boundary, names, vague counts,
# document time, section heads
# ------------------------------------------------------------------------------------------
def test_dateline_is_the_published_date_of_a_news_text(nlp, resolver):
    # 4 March 2021 is a Thursday
    text = ("KORVAN, 4 March 2021 - Rebel forces seized the airport of Korvan on Tuesday, "
            "officials said.\n\nTroops are expected to withdraw from the city on Friday. "
            "The mayor condemned the looting.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    dl = find(tx, "4 March 2021")
    assert dl.rule == "dateline" and dl.date_start == D(2021, 3, 4)
    # a past-tense weekday is the latest one on or before the dateline, a future one the next
    assert find(tx, "Tuesday").date_start == D(2021, 3, 2)
    assert find(tx, "Friday").date_start == D(2021, 3, 5)
    # the dateline dates the report, not the events of its sentence
    i = _token(doc, "seized")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).date_start == D(2021, 3, 2)
    # an expected event after the publication date is not the narrative time carried on
    i = _token(doc, "condemned")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(2021, 3, 2) and t.anchor == "previous_event"


def test_no_dateline_in_running_text(nlp, resolver):
    text = "The council of Korvan, 4 March 2021 - a day of mourning - said on Tuesday it would meet."
    tx = run(nlp, resolver, text)
    assert all(t.rule != "dateline" for t in tx)
    assert find(tx, "Tuesday").date_start is None  # no published date, no dateline: no guess


def test_heading_spanning_years_defers_to_the_narrative(nlp, resolver):
    text = ("# The Velmora war, 1931-1932\n\n## Prelude\n\nIn March the rebels gathered in the hills.\n\n"
            "## Siege\n\nOn 3 November 1931 the army besieged Velmora.\n\n"
            "## Relief\n\nIn mid-December the relief column reached the town.")
    tx = run(nlp, resolver, text)
    assert find(tx, "March").date_start == D(1931, 3, 1)  # the span's first year
    assert interval(find(tx, "mid-December")) == (D(1931, 12, 11), D(1931, 12, 20), "month")


@pytest.mark.parametrize("text,phrase,start", [
    ("On 14 January 1925 the envoy arrived in Ostrana. The rebels had rejected the offer on 28 December.",
     "28 December", D(1924, 12, 28)),
    ("On 20 December 1925 the fort fell. Raids on the villages continued throughout January.",
     "January", D(1926, 1, 1)),
    ("On 14 May 1925 the envoy arrived. The rebels had rejected the offer on 28 December.",
     "28 December", D(1925, 12, 28)),
])
def test_month_without_year_crosses_the_year_boundary_when_nearer(nlp, resolver, text, phrase, start):
    assert find(run(nlp, resolver, text), phrase).date_start == start


def test_names_that_begin_with_a_date_are_not_dates(nlp, resolver):
    text = ("In early November 1950 the wounded were carried to the May 22 Hospital, and the "
            "26 July Movement called a strike.")
    tx = run(nlp, resolver, text)
    assert not any("22" in t.text or "26" in t.text for t in tx)
    assert find(tx, "early November 1950").date_start == D(1950, 11, 1)


def test_vague_counts_relative_to_the_previous_date(nlp, resolver):
    text = "On 10 June 1933 the army attacked Velmora. The envoy had arrived days earlier to negotiate."
    tx = run(nlp, resolver, text)
    assert interval(find(tx, "days earlier")) == (D(1933, 6, 3), D(1933, 6, 9), "range")
    tx = run(nlp, resolver, "On 10 June 1933 the army attacked Velmora. A few weeks later it withdrew.")
    assert interval(find(tx, "A few weeks later")) == (D(1933, 6, 17), D(1933, 7, 15), "range")


def test_present_tense_after_a_past_narrative_speaks_at_document_time(nlp, resolver):
    text = ("On 3 May 1950 the militia burned the granary of Velmora. In late June the rebels "
            "withdrew from the valley.\n\nThe commission calls on both sides to respect the truce.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "calls")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1950, 6, 30) and t.rule.endswith("/document_time")


def test_chronology_in_the_present_keeps_its_entry_dates(nlp, resolver):
    text = ("3 May 1950: The militia burns the granary of Velmora. The rebels withdraw to the hills.\n\n"
            "9 June 1950: The army enters the valley.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "withdraw")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1950, 5, 3)


def test_undated_head_of_a_section_takes_the_paragraphs_first_date(nlp, resolver):
    text = ("## Defeat\n\nOn 20 August 1950 the garrison fell.\n\n## Talks\n\nUnder pressure, the "
            "council agreed to negotiate. On 5 September 1950 the two sides signed a truce.\n\n"
            "The rebels regrouped.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "agreed")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1950, 9, 5) and t.rule.endswith("/following")


def test_vague_count_yields_to_the_date_beside_it(nlp, resolver):
    text = ("The blockade began in January 1951. It was lifted a few months later, in May 1951, "
            "when the relief army arrived.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "lifted")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).text == "May 1951"


def test_dateline_with_weekday_and_present_tense_at_published_date(nlp, resolver):
    # 9 April 2019 is a Tuesday
    text = ("OSTRANA, Tuesday, 9 April 2019 - Government troops shelled the suburbs on Monday.\n\n"
            "The opposition accuses the army of targeting hospitals.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    assert find(tx, "9 April 2019").rule == "dateline"
    i = _token(doc, "shelled")
    assert resolver.link(doc, i, _sent_index(doc, i), tx).date_start == D(2019, 4, 8)
    i = _token(doc, "accuses")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(2019, 4, 9) and t.anchor == "published"
    # a published date from the front matter (no dateline) serves the same way
    doc = nlp("Troops shelled the suburbs on Monday.\n\nThe opposition accuses the army of lying.")
    tx = resolver.annotate(doc, published=D(2019, 4, 9))
    i = _token(doc, "accuses")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(2019, 4, 9) and t.anchor == "published"


def test_noun_trigger_takes_the_date_of_its_own_verb(nlp, resolver):
    text = ("The army closed the mountain road in March 1952, and a short rebel offensive "
            "reopened the road in April before it was closed again in June.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "offensive")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.text == "April"


def test_present_tense_inside_the_narratives_paragraph_continues_it(nlp, resolver):
    text = ("On 4 April 1961 talks opened in Ostrana. Both delegations say they want peace.\n\n"
            "On 2 May 1961 the truce collapsed.")
    doc = nlp(text)
    tx = resolver.annotate(doc)
    i = _token(doc, "say")
    t = resolver.link(doc, i, _sent_index(doc, i), tx)
    assert t is not None and t.date_start == D(1961, 4, 4)


def test_news_parts_of_day_from_the_published_date(nlp, resolver):
    text = ("Shelling of the port stopped last night, and this morning the first ferry left. "
            "The old fort has stood to this day.")
    tx = run(nlp, resolver, text, published=D(2020, 11, 29))
    assert find(tx, "last night").date_start == D(2020, 11, 28)
    assert find(tx, "this morning").date_start == D(2020, 11, 29)
    assert all(t.date_start is None for t in tx if "this day" in t.text)  # "to this day" = until now
    # without a published date they are not guessed
    tx = run(nlp, resolver, text)
    assert find(tx, "last night").date_start is None


def test_bare_month_anchor_does_not_cross_the_year_boundary(nlp, resolver):
    text = ("On 14 April 1925 the envoy arrived in Ostrana. He spoke of the riots in November and "
            "of the strikes in January.")
    tx = run(nlp, resolver, text)
    assert find(tx, "November").date_start == D(1925, 11, 1)
    assert find(tx, "January").date_start == D(1925, 1, 1)
