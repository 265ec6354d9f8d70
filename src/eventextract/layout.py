"""Layout of a document: the one place that says what a paragraph, a heading and a headline are.

Every stage asks this module; none defines its own. The definitions are kept exactly as the
stages used them in 0.1.0 (the golden snapshot pins their output), which is why there are two
*distinct* units below the sentence-spanning level, each with its own name:

- **paragraph**: text separated by a blank line (``PARAGRAPH_BREAK``; :func:`paragraph_ids`).
  Extraction and dates use it.
- **line block**: text separated by any line break (:func:`line_block_ids`). Event-place linking
  uses it (in news and wire text every paragraph is one line).

and three kinds of short line:

- :func:`is_heading`: a sentence that is not running prose (a Markdown heading, a table row, a
  short line without closing punctuation). Extraction drops events there.
- :func:`is_heading_line`: a stricter test used by places: a short verbless line on its own,
  whose places name the section below it.
- :func:`is_headline`: a news headline opening a document: a clause with a verb whose events
  count like a sentence's.

The spaCy component :func:`register_layout_component` presets sentence starts at paragraph
breaks and after heading-like lines so that sentences never cross them.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

LAYOUT_COMPONENT = "eventextract_layout"
#: a blank line (possibly holding spaces or tabs): the paragraph break
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
#: a line starting like a Markdown heading or a list item (the layout component's sentence starts)
_LIST_OR_HEADING = re.compile(r"^\s*(#{1,6}\s|[-*•]\s|\d+[.)]\s)")
_HEADING_LINE_END = re.compile(r"[.!?:;,\"”)]$")


def register_layout_component() -> None:
    """Register the ``eventextract_layout`` spaCy factory (once per process; no import-time effect)."""
    from spacy.language import Language

    if Language.has_factory(LAYOUT_COMPONENT):
        return

    @Language.component(LAYOUT_COMPONENT)
    def layout_component(doc: "Doc") -> "Doc":
        """Preset sentence starts at paragraph breaks and after heading-like lines."""
        text = doc.text
        for tok in doc[1:]:
            line_start = text.rfind("\n", 0, tok.idx) + 1
            if text[line_start:line_start + 1] == "#" and text[line_start:tok.idx].strip():
                tok.is_sent_start = False  # a Markdown heading is one sentence
                continue
            prev = doc[tok.i - 1]
            gap = text[prev.idx + len(prev.text): tok.idx]
            if tok.is_space:
                continue
            if prev.is_space and "\n" in prev.text:
                gap = prev.text + gap
            if gap.count("\n") >= 2:
                tok.is_sent_start = True
            elif "\n" in gap:
                line_start = text.rfind("\n", 0, prev.idx) + 1
                line = text[line_start: prev.idx + len(prev.text)]
                if _LIST_OR_HEADING.match(line) or not line.rstrip().endswith((",", ";", ":", "-")) and \
                        tok.text[:1].isupper() and len(line.split()) <= 12:
                    tok.is_sent_start = True
        return doc


def paragraph_ids(text: str, sents: list["Span"]) -> list[int]:
    """Paragraph number of each sentence: a blank line between two sentences, including the
    whitespace a sentence span carries at its edges, starts a new paragraph."""
    if not sents:
        return []
    ids: list[int] = []
    n = 0
    prev_start = prev_end = sents[0].start_char
    for sent in sents:
        j = prev_end
        while j > prev_start and text[j - 1].isspace():
            j -= 1
        k = sent.start_char
        while k < sent.end_char and text[k].isspace():
            k += 1
        if "\n\n" in text[j:k]:
            n += 1
        ids.append(n)
        prev_start, prev_end = sent.start_char, sent.end_char
    return ids


def line_block_ids(text: str, sents: list["Span"]) -> list[int]:
    """Line-block number of each sentence: any line break between two sentences starts a new one."""
    out: list[int] = []
    block = 0
    prev_end = None
    for sent in sents:
        if prev_end is not None and "\n" in text[prev_end:sent.start_char]:
            block += 1
        out.append(block)
        prev_end = sent.start_char + len(sent.text.rstrip())
    return out


def is_heading(sent: "Span") -> bool:
    """Not running prose: empty, a Markdown heading, table row or image/link line, or a short
    line (at most 14 tokens) without closing punctuation."""
    text = sent.text.strip()
    if not text:
        return True
    if text.startswith(("#", "|", "[", "![")):  # headings, tables, markdown images/links
        return True
    return not text.endswith((".", "!", "?", '"', "'", "”", "’", ")", ":", ";")) and len(sent) <= 14


def is_headline(sent: "Span") -> bool:
    """A news headline opening a document ("Army on verge of retaking X as UN reports killings"): a clause with
    a verb, not a markdown heading or a title phrase; its events count like a sentence's."""
    text = sent.text.strip()
    if text.startswith(("#", "|", "[", "!")) or len([t for t in sent if not t.is_punct]) < 8:
        return False
    return any(t.pos_ == "VERB" and t.tag_ in ("VBZ", "VBD", "VBG", "VBP") for t in sent)


def is_heading_line(sent: "Span", text: str) -> bool:
    """A section heading whose places name the section below: a Markdown heading, or a single
    short line (at most 10 tokens) on its own, without closing punctuation and without a verb.
    ``text`` is the document's text."""
    own = sent.text.strip()
    if own.startswith("#"):
        return True
    after = text[sent.end_char:sent.end_char + 2]
    return ("\n" in own) is False and len(sent) <= 10 and not _HEADING_LINE_END.search(own) \
        and (after.startswith("\n") or sent.end_char >= len(text)) and not any(t.pos_ in ("VERB", "AUX") for t in sent)
