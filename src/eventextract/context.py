"""The per-document context: everything the stages know about the one document they work on.

A :class:`DocContext` is created once per document (``DocContext.build``) by the code that orders
the stages (:func:`eventextract.analyse.analyse`), passed explicitly to every stage, and dropped
with the document's result. It is never shared between documents or threads and never stored on
a shared object; the stages keep no state of their own. Its derived views (the text, the
sentences, noun chunks, paragraph numbers, heading flags) are computed on first use and then
reused by every stage, so that a document is scanned once, not once per stage.

What one stage finds and a later stage needs (the published date and clause tenses found by the
dates stage, the place mentions and title names found by the places stage) is *returned* by that
stage as a typed value and passed on by the caller; it is not kept here.
"""
from __future__ import annotations

import bisect
import datetime as dt
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from . import layout
from .errors import EventExtractError

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span


class DocumentTimeout(EventExtractError):
    """The analysis of one document ran over its time budget (recorded on that document, E305)."""


@dataclass(eq=False)
class DocContext:
    """One analysed document: the spaCy ``Doc`` plus the document's own metadata.

    ``published`` and ``title`` come from the input (front matter, HTML metadata, JSONL fields);
    either may be None."""

    doc: "Doc"
    published: dt.date | None = None
    title: str | None = None
    #: ``time.monotonic()`` by which the document's analysis must be done (None: no limit)
    deadline: float | None = None
    _heading_lines: dict[int, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, doc: "Doc", published: dt.date | None = None, title: str | None = None,
              seconds: float | None = None) -> "DocContext":
        """The context of one document; ``seconds``: its time budget (``Settings.max_doc_seconds``)."""
        deadline = time.monotonic() + seconds if seconds else None
        return cls(doc=doc, published=published, title=title, deadline=deadline)

    def check_time(self) -> None:
        """Raise :class:`DocumentTimeout` when the document's time budget is spent. The stages call
        it between sentences and between events, so a pathological document stops at the next
        one instead of holding up the run (a single step that never returns is not interrupted)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DocumentTimeout("E305", "analysis took longer than max_doc_seconds")

    @cached_property
    def text(self) -> str:
        """``doc.text`` (spaCy rebuilds the string from tokens on every access)."""
        return self.doc.text

    @cached_property
    def sents(self) -> list["Span"]:
        """``list(doc.sents)``; sentence indexes everywhere index this list."""
        return list(self.doc.sents)

    @cached_property
    def sent_starts(self) -> list[int]:
        """Token index of each sentence's start (for bisecting a token to its sentence)."""
        return [s.start for s in self.sents]

    @cached_property
    def noun_chunks(self) -> list["Span"]:
        """All noun chunks of the document (``Span.noun_chunks`` would re-parse the doc each time)."""
        return list(self.doc.noun_chunks)

    @cached_property
    def chunks_by_sentence(self) -> dict[int, list["Span"]]:
        """Noun chunks grouped by the index of the sentence they start in."""
        by_sent: dict[int, list["Span"]] = {}
        starts = self.sent_starts
        for ch in self.noun_chunks:
            by_sent.setdefault(bisect.bisect_right(starts, ch.start) - 1, []).append(ch)
        return by_sent

    @cached_property
    def paragraph_ids(self) -> list[int]:
        """Paragraph (blank-line separated) number of each sentence: :func:`layout.paragraph_ids`."""
        return layout.paragraph_ids(self.text, self.sents)

    @cached_property
    def line_block_ids(self) -> list[int]:
        """Line-block (line-break separated) number of each sentence: :func:`layout.line_block_ids`."""
        return layout.line_block_ids(self.text, self.sents)

    def is_heading_line(self, sentence_index: int) -> bool:
        """:func:`layout.is_heading_line` of sentence ``sentence_index`` (computed once each)."""
        flag = self._heading_lines.get(sentence_index)
        if flag is None:
            flag = self._heading_lines[sentence_index] = layout.is_heading_line(self.sents[sentence_index], self.text)
        return flag

    def sentence_index_of(self, token_index: int) -> int:
        """Index (in :attr:`sents`) of the sentence holding token ``token_index``."""
        return bisect.bisect_right(self.sent_starts, token_index) - 1
