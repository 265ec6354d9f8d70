"""Tests of the dates package's own interface: find_timexes / link_date over a DocContext, the
DateFindings they pass, DateRules, the typed decisions behind the published strings, and the
absence of shared state (threads).

All example sentences are written for these tests (invented events in invented places)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from eventextract.context import DocContext
from eventextract.dates import (DateFindings, DateResolver, DateRules, find_timexes, link_date,
                                timex_to_dict)
from eventextract.dates.fallback import dateparser_interval

D = dt.date

DATELINE_TEXT = ("KESTRAVA, 12 October 2022 - Rebels shelled the harbour of Kestrava on Monday, the port "
                 "authority said.\n\nThe harbour had been closed on 3-5 October. The ferries returned "
                 "on 9 October.\n\nThe authority urges calm.")
NARRATIVE_TEXT = ("On 6 May 1921 the militia of Orvel burned the mill. A few weeks later the rebels withdrew, "
                  "and between 1921 and 1923 the valley stayed quiet.\n\n## Aftermath\n\n"
                  "In late June the council met. A report published in 1921 described the fire.")


@pytest.fixture(scope="module")
def rules(settings) -> DateRules:
    return DateRules.load(settings)


def _sentence_of(ctx: DocContext, i: int) -> int:
    return ctx.sentence_index_of(i)


def test_find_timexes_returns_what_linking_needs(nlp, rules):
    doc = nlp(DATELINE_TEXT)
    findings = find_timexes(DocContext.build(doc), rules)
    assert isinstance(findings, DateFindings)
    # the dateline's date is the published date of a document that has none of its own
    assert findings.published == D(2022, 10, 12)
    assert findings.tenses and set(findings.tenses.values()) <= {"past", "present", "future"}
    # the published date of the document wins over the dateline
    own = find_timexes(DocContext.build(doc, published=D(2022, 10, 13)), rules)
    assert own.published == D(2022, 10, 13)
    # nothing is left on the Doc for a later call to find
    assert not any(str(k).startswith("eventextract.dates") for k in doc.user_data)


def test_findings_are_a_read_only_sequence_of_timexes(nlp, rules):
    findings = find_timexes(DocContext.build(nlp(NARRATIVE_TEXT)), rules)
    assert len(findings) == len(findings.timexes) > 3
    assert list(findings) == list(findings.timexes)
    assert findings[0] is findings.timexes[0] and findings[-1] is findings.timexes[-1]
    assert findings[1:3] == findings.timexes[1:3]
    assert findings[0] in findings
    with pytest.raises(dataclasses.FrozenInstanceError):
        findings.published = D(2000, 1, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        findings.tenses[0] = "past"  # type: ignore[index]
    assert len(DateFindings()) == 0 and not DateFindings()


def test_link_date_equals_the_facade(nlp, rules, settings):
    for text in (DATELINE_TEXT, NARRATIVE_TEXT):
        doc = nlp(text)
        ctx = DocContext.build(doc)
        findings = find_timexes(ctx, rules)
        resolver = DateResolver(settings)
        facade = resolver.annotate(doc)
        assert list(facade) == list(findings)
        for tok in doc:
            if tok.pos_ in ("VERB", "NOUN"):
                si = _sentence_of(ctx, tok.i)
                assert link_date(ctx, findings, tok.i, si, rules) == resolver.link(doc, tok.i, si, facade)


def test_typed_decisions_match_the_published_strings(nlp, rules):
    seen = set()
    for text in (DATELINE_TEXT, NARRATIVE_TEXT):
        for t in find_timexes(DocContext.build(nlp(text)), rules):
            assert t.range_end == t.rule.endswith(("/start", "/end")), t
            assert t.dateline == (t.rule == "dateline"), t
            assert t.vague == t.rule.startswith("rel.vague"), t
            assert t.explicit == (t.anchor == "explicit"), t
            seen |= {name for name in ("range_end", "dateline", "vague", "explicit") if getattr(t, name)}
    assert seen == {"range_end", "dateline", "vague", "explicit"}


def test_linked_dates_keep_their_flags_consistent(nlp, rules):
    doc = nlp(DATELINE_TEXT)
    ctx = DocContext.build(doc)
    findings = find_timexes(ctx, rules)
    i = [t.i for t in doc if t.text == "urges"][0]
    t = link_date(ctx, findings, i, _sentence_of(ctx, i), rules)
    # a present-tense sentence after the past narrative speaks at the dateline's date
    assert t is not None and t.rule == "dateline/document_time" and t.anchor == "published"
    assert not t.dateline and not t.explicit


def test_timex_to_dict_publishes_the_same_keys(nlp, rules):
    t = find_timexes(DocContext.build(nlp(NARRATIVE_TEXT)), rules)[0]
    assert set(timex_to_dict(t)) == {"start", "end", "text", "date_start", "date_end", "precision", "anchor",
                                     "sentence_index", "rule"}
    assert timex_to_dict(t)["date_start"] == "1921-05-06"


def test_relative_expressions_are_classified_when_the_grammar_is_built(rules):
    specs = {s.id: s for s in rules.grammar.relative}
    assert specs["rel.previous_week"].calendar_week and specs["pub.last_week"].calendar_week
    # as in 0.1.0, whose test was ``not id.startswith("rel.n")``: "the following week" is counted
    # as seven days after the previous date, not as a calendar week
    assert not specs["rel.next_week"].calendar_week
    assert not specs["rel.n_later"].calendar_week and not specs["rel.next_day"].calendar_week
    assert specs["rel.vague_earlier"].vague and not specs["rel.n_earlier"].vague
    assert specs["rel.n_earlier"].counted and specs["rel.n_earlier"].offset == -1
    assert not specs["rel.previous_day"].counted and specs["rel.previous_day"].offset == -1


def test_rules_are_loaded_once_and_frozen(settings):
    from eventextract.config import Settings
    from eventextract.errors import ConfigError

    a, b = DateRules.load(settings), DateRules.load(Settings(date_carry="paragraph"))
    assert a.grammar is b.grammar  # compiled once per process
    assert (a.carry, b.carry) == ("section", "paragraph")
    assert DateRules.load(settings, carry="paragraph").carry == "paragraph"
    with pytest.raises(ConfigError):
        DateRules.load(Settings(date_carry="chapter"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.carry = "paragraph"  # type: ignore[misc]


def test_threads_give_the_serial_result(nlp, rules):
    texts = [DATELINE_TEXT, NARRATIVE_TEXT,
             "On 2 March 1933 the garrison of Tellmar mutinied. The next day the governor fled.",
             "Troops entered Varnhold on Friday, officials said yesterday. Talks will resume on Tuesday."]
    published = [None, None, None, D(2016, 2, 10)]
    docs = [nlp(t) for t in texts]

    def both(k: int):
        ctx = DocContext.build(docs[k], published=published[k])
        findings = find_timexes(ctx, rules)
        links = [link_date(ctx, findings, tok.i, ctx.sentence_index_of(tok.i), rules)
                 for tok in docs[k] if tok.pos_ == "VERB"]
        return findings, links

    serial = [both(k) for k in range(len(docs))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(both, [k for _ in range(6) for k in range(len(docs))]))
    assert threaded == serial * 6


def test_dateparser_fallback_from_threads(rules):
    # more published dates than the cache keeps: parsers are evicted and rebuilt meanwhile
    bases = [D(1990, 1, 1) + dt.timedelta(days=17 * k) for k in range(40)]
    jobs = [(p, b) for b in bases for p in ("three days ago", "two weeks ago", "Sept. 1893")]

    def one(job):
        phrase, base = job
        return dateparser_interval(rules.grammar, phrase, None, base)

    serial = [one(j) for j in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(one, jobs)) == serial
    assert serial[0][0] is not None and serial[0][0].start == D(1989, 12, 29)
