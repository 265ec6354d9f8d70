"""Ingest stage: find input files, decode them and turn each into one or more ``Document``.

Formats: ``.txt`` and ``.md`` (optional YAML front matter), ``.html``/``.htm`` (main article text
extracted, boilerplate dropped), ``.jsonl`` (one document per line: ``id``, ``text``, optional
``title``, ``url``, ``published``).

Offsets used downstream index ``Document.text``: the whole decoded file for .txt/.md (front matter
included, so ``open(path, encoding=document.encoding).read()[s:e]`` gives a span back), the
extracted text for HTML and the ``text`` field for JSONL. NLP runs on ``Document.nlp_text`` (the
text after the front matter); the pipeline shifts offsets by ``Document.body_start``.

Nothing here raises for a bad document: it comes back with ``status`` ``empty`` or ``failed`` and a
coded ``error`` (see ``errors.CATALOGUE``), and the run goes on.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .errors import IngestError
from .records import Document

FORMATS: dict[str, str] = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
                           ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
#: the closing line of YAML front matter (``\r`` allowed: files saved with Windows line ends)
_FRONT_MATTER_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t\r]*$", re.MULTILINE)
_BOM = "\ufeff"
#: the deepest HTML nesting libxml2 parses without its "huge" option; deeper text is silently dropped
HTML_MAX_DEPTH = 255
_META_DATE_KEYS = ("article:published_time", "og:published_time", "datepublished", "date", "pubdate",
                   "dc.date", "dc.date.issued", "sailthru.date", "publish-date", "article.published")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to ingest and the doc_id it gets (path relative to the input folder)."""

    path: Path
    doc_id: str

    @property
    def format(self) -> str | None:
        return FORMATS.get(self.path.suffix.lower())


def discover(inputs: Iterable[str | Path]) -> Iterator[InputFile]:
    """Files under ``inputs`` (files or folders, recursive, sorted, hidden files skipped).

    The doc_id is the path relative to the input folder (the file name for a file argument). A
    file reached twice (the same input given twice, a folder and a file inside it) is read once;
    two different files that would get the same doc_id (``a/x.txt`` and ``b/x.txt`` given as
    files) keep it unique by taking as many parent folders as needed (``b/x.txt``), so the file
    name stays the last part of every doc_id.

    A missing input path raises ``IngestError`` (E101): that is a mistake in the command, not a
    bad document.
    """
    seen_paths: set[str] = set()
    seen_ids: set[str] = set()

    def emit(f: Path, doc_id: str) -> InputFile | None:
        key = os.path.abspath(f)
        if key in seen_paths:
            return None
        seen_paths.add(key)
        if doc_id in seen_ids:
            parts = Path(key).parts[1:]
            n_rel = len(PurePosixPath(doc_id).parts)
            doc_id = next((c for k in range(n_rel + 1, len(parts) + 1)
                           if (c := "/".join(parts[-k:])) not in seen_ids), "/".join(parts))
        seen_ids.add(doc_id)
        return InputFile(f, doc_id)

    for raw in inputs:
        path = Path(raw)
        if path.is_file():
            items: Iterable[tuple[Path, str]] = [(path, path.name)]
        elif path.is_dir():
            # a symbolic link that leads nowhere (dangling, or a loop) is listed too: it gets a
            # failed row (E102) instead of vanishing from the documents table
            items = ((f, f.relative_to(path).as_posix())
                     for f in sorted(p for p in path.rglob("*") if p.is_file() or (p.is_symlink() and not p.exists()))
                     if not any(part.startswith(".") for part in f.relative_to(path).parts))
        else:
            raise IngestError("E101", f"input path does not exist: {path}")
        for f, doc_id in items:
            item = emit(f, doc_id)
            if item is not None:
                yield item


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 first; otherwise the encoding charset-normalizer detects.

    Raises IngestError E103 for binary or undecodable bytes.
    """
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise IngestError("E103", "file looks binary (NUL bytes), not text")
        return utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few broken bytes (a truncated copy, one mis-encoded character): keep UTF-8 and
    # replace the broken bytes with U+FFFD rather than reading the whole file in a wrong code page
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    if broken <= max(3, len(data) // 1000) and _mostly_multibyte_utf8(data, broken):
        return lenient, "utf-8"
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    best = matches[0] if matches else None
    # Western European text is far more often Windows-1252 than the Central/Baltic code pages
    # that score the same on short texts: prefer cp1252 when it fits about as well.
    for m in matches:
        if m.encoding == "cp1252" and best is not None and m.chaos <= best.chaos + 0.01 \
                and m.coherence >= best.coherence - 0.05:
            best = m
            break
    if best is None or best.encoding is None:
        raise IngestError("E103", "bytes are not UTF-8 and no text encoding could be detected")
    text = str(best)
    control = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if control > max(2, len(text) // 100):
        raise IngestError("E103", f"bytes decode as {best.encoding} only to control characters: not text")
    return text, best.encoding


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark: NUL bytes on one side of every code unit
    (Latin-script text). None when the bytes do not look like that."""
    sample = data[:8192]
    even, odd = sample[0::2], sample[1::2]
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if len(zeros) and zeros.count(0) >= 0.3 * len(zeros) and other.count(0) <= 0.01 * len(other):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            control = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
            return (text, codec) if control <= max(2, len(text[:8192]) // 100) else None
    return None


def _mostly_multibyte_utf8(data: bytes, broken: int) -> bool:
    """Whether the non-ASCII bytes of ``data`` are mostly well-formed UTF-8 sequences (so that a
    failed strict decode, with ``broken`` replaced sequences, is a few broken bytes, not another
    encoding)."""
    high = sum(1 for b in data if b >= 0x80)
    return high == 0 or broken * 4 <= high


def parse_date(value: Any) -> dt.date | None:
    """A publication date from front matter, JSONL or HTML meta (ISO 8601 or RFC 2822), else None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        return None


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (no ``!!python/...`` tags: those fail as unknown tags, never run) that
    also refuses aliases, so a "billion laughs" document cannot expand in memory."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "YAML aliases are not allowed in front matter",
                                              event.start_mark)
        return super().compose_node(parent, index)


def split_front_matter(text: str) -> tuple[dict[str, Any], int]:
    """(metadata, body_start). Front matter is a leading ``---`` line, YAML, and a closing line.

    A byte-order mark before the opening line (it stays in the text: offsets index the decoded
    file) and ``\r\n`` line ends are accepted."""
    lead = len(_BOM) if text.startswith(_BOM) else 0
    if not text.startswith("---", lead):
        return {}, 0
    first_nl = text.find("\n", lead)
    if first_nl < 0 or text[lead:first_nl].strip() != "---":
        return {}, 0
    m = _FRONT_MATTER_CLOSE.search(text, first_nl + 1)
    if not m:
        return {}, 0
    try:
        meta = yaml.load(text[first_nl + 1: m.start()], Loader=_FrontMatterLoader) or {}  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise IngestError("E107", f"YAML front matter is not valid: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise IngestError("E107", "YAML front matter must be a mapping")
    end = m.end()
    if text[end: end + 1] == "\n":
        end += 1
    return meta, end


def _meta_text(meta: dict[str, Any], *keys: str) -> str | None:
    for k in keys:
        v = meta.get(k)
        if v not in (None, ""):
            return str(v)
    return None


def _html_tree(html: str) -> Any:
    """The lxml tree of a page, or None where lxml cannot parse it."""
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None


def _depth(tree: Any) -> int:
    """Nesting depth of an element tree (iterative: a deep tree cannot exhaust the stack)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def _html_published(tree: Any) -> dt.date | None:
    """Publication date from explicit HTML metadata only (never guessed from the page or today)."""
    if tree is None:
        return None
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _META_DATE_KEYS:
            d = parse_date(meta.get("content"))
            if d:
                return d
    for node in tree.iter("time"):
        if node.get("datetime") and (node.get("pubdate") is not None or node.get("itemprop") == "datePublished"):
            return parse_date(node.get("datetime"))
    return None


def _html_document(html: str) -> tuple[str, str | None, str | None, dt.date | None]:
    """(text, title, url, published) of an HTML page: the main text, boilerplate dropped."""
    import trafilatura

    tree = _html_tree(html)
    if tree is not None and _depth(tree) >= HTML_MAX_DEPTH:
        raise IngestError("E113", f"HTML is nested {HTML_MAX_DEPTH} or more elements deep; "
                                  "the parser would silently drop the text below that depth")
    # deduplicate stays off: trafilatura's dedup cache is process-wide, so a second page (or a second
    # run in the same process) sharing paragraphs with an earlier one would silently lose them.
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True,
                               deduplicate=False, with_metadata=False) or ""
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta is not None else None
    url = meta.url if meta is not None else None
    return text, title, url, _html_published(tree)


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-document limits (``Settings``: ``max_doc_chars``, ``max_file_bytes``, ``max_line_chars``)."""

    max_chars: int = 2_000_000
    max_file_bytes: int = 50_000_000
    max_line_chars: int = 1_000_000


def read(item: InputFile, max_chars: int = 2_000_000, limits: Limits | None = None) -> Iterator[Document]:
    """The document(s) of one input file. Never raises: bad documents come back with status
    ``failed`` or ``empty`` and a coded error, and an unexpected exception while reading, decoding
    or parsing the file (a missing optional package, a bug, a pathological page) becomes the
    file's failed row (E110) after whatever documents it had already given."""
    limits = limits or Limits(max_chars=max_chars)
    try:
        yield from _read(item, limits)
    except Exception as exc:  # noqa: BLE001 - recorded on the document, the run goes on
        yield Document(item.doc_id, item.doc_id, item.format or "txt", _file_sha256_or_empty(item.path),
                       status="failed", error=f"E110: reading the document failed: {type(exc).__name__}: {exc}")


def _file_sha256_or_empty(path: Path) -> str:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return sha256_bytes(b"")


def _long_line(text: str, limit: int) -> int | None:
    """Length of the first line longer than ``limit`` characters, or None."""
    if len(text) <= limit:
        return None
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > limit:
            return end - start
        start = end + 1
    return None


def _read(item: InputFile, limits: Limits) -> Iterator[Document]:
    """:func:`read` without the last-resort net."""
    fmt = item.format
    path_str = item.doc_id  # portable: the path relative to the input root, never the local absolute path
    max_chars = limits.max_chars
    try:
        size = item.path.stat().st_size
        if size > limits.max_file_bytes:
            yield Document(item.doc_id, path_str, fmt or "txt", sha256_bytes(b""), status="failed",
                           error=f"E111: file of {size} bytes, more than max_file_bytes={limits.max_file_bytes}")
            return
        data = item.path.read_bytes()
    except OSError as exc:
        yield Document(item.doc_id, path_str, fmt or "txt", sha256_bytes(b""), status="failed",
                       error=f"E102: cannot read file: {exc.strerror or exc}")
        return
    digest = sha256_bytes(data)
    if fmt is None:
        yield Document(item.doc_id, path_str, "txt", digest, status="failed",
                       error=f"E108: unsupported file type {item.path.suffix or '(none)'}; "
                             f"supported: {', '.join(sorted(FORMATS))}")
        return
    base = Document(item.doc_id, path_str, fmt, digest)
    try:
        text, base.encoding = decode(data)
    except IngestError as exc:
        base.status, base.error = "failed", str(exc)
        yield base
        return
    if fmt != "jsonl" and (n := _long_line(text, limits.max_line_chars)) is not None:
        base.status, base.error = "failed", f"E112: a line of {n} characters, more than max_line_chars={limits.max_line_chars}"
        yield base
        return
    if fmt == "jsonl":
        yield from _read_jsonl(base, text, max_chars, limits.max_line_chars)
        return
    try:
        if fmt == "html":
            body, base.title, base.url, base.published = _html_document(text)
            base.text = body
            if not body.strip() and text.strip():
                base.status, base.error = "failed", "E109: no article text could be extracted from the HTML"
                yield base
                return
        else:
            meta, base.body_start = split_front_matter(text)
            base.text = text
            base.title = _meta_text(meta, "title")
            base.url = _meta_text(meta, "url", "link", "source")
            base.published = parse_date(meta.get("published") or meta.get("date"))
    except IngestError as exc:
        base.text, base.body_start = "", 0
        base.status, base.error = "failed", str(exc)
        yield base
        return
    yield _finish(base, max_chars)


def _finish(doc: Document, max_chars: int) -> Document:
    if not doc.nlp_text.strip():
        doc.status, doc.error = "empty", "E104: document has no text"
    elif len(doc.text) > max_chars:
        doc.status, doc.error = "failed", f"E105: {len(doc.text)} characters, more than max_doc_chars={max_chars}"
    return doc


def _read_jsonl(base: Document, text: str, max_chars: int, max_line_chars: int) -> Iterator[Document]:
    seen: set[str] = set()
    # JSONL lines end at "\n" only: str.splitlines() would also split inside a record at U+2028,
    # U+2029 or U+0085, which JSON strings may hold unescaped
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        rec_id = str(lineno)
        doc = Document(f"{base.doc_id}#{rec_id}", base.path, "jsonl", base.sha256, encoding=base.encoding)
        if len(line) > max_line_chars:
            doc.status, doc.error = "failed", f"E112: line {lineno} has {len(line)} characters, more than max_line_chars={max_line_chars}"
            yield doc
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            doc.status, doc.error = "failed", f"E106: line {lineno} is not valid JSON: {exc.msg}"
            yield doc
            continue
        if not isinstance(rec, dict):
            doc.status, doc.error = "failed", f"E106: line {lineno} is not a JSON object"
            yield doc
            continue
        if rec.get("id") not in (None, ""):
            rec_id = str(rec["id"])
        if rec_id in seen:
            rec_id = f"{rec_id}@{lineno}"
        seen.add(rec_id)
        doc.doc_id = f"{base.doc_id}#{rec_id}"
        if not isinstance(rec.get("text"), str):
            doc.status, doc.error = "failed", f"E106: line {lineno} has no string 'text' field"
            yield doc
            continue
        doc.text = rec["text"]
        doc.title = _meta_text(rec, "title")
        doc.url = _meta_text(rec, "url")
        doc.published = parse_date(rec.get("published") or rec.get("date"))
        yield _finish(doc, max_chars)


def with_source_url(docs: Iterable[Document], base_url: str | None) -> Iterator[Document]:
    """Documents with ``url`` set to ``base_url`` + their portable path where they have none of
    their own (``--source-base-url``: where the input root is published)."""
    from urllib.parse import quote

    for doc in docs:
        if base_url and not doc.url:
            doc.url = base_url.rstrip("/") + "/" + quote(doc.path)
        yield doc


def documents(inputs: Iterable[str | Path], max_chars: int = 2_000_000,
              limits: Limits | None = None) -> Iterator[Document]:
    """Stream every document of ``inputs`` (one file in memory at a time)."""
    for item in discover(inputs):
        yield from read(item, max_chars, limits)
