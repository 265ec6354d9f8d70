"""The error catalogue: every error the library reports carries a stable code.

Codes are grouped by stage: E0xx configuration, E1xx ingest, E2xx NLP, E3xx extraction and
resolution, E4xx validation, E5xx publishing. A document-level error is recorded in the documents
table as ``"<code>: <message>"`` and never stops the run.
"""
from __future__ import annotations

CATALOGUE: dict[str, str] = {
    "E001": "config file cannot be read",
    "E002": "config file is not valid YAML/TOML or not a mapping",
    "E003": "unknown setting",
    "E004": "no spaCy pipeline available",
    "E101": "input path does not exist",
    "E102": "file cannot be read",
    "E103": "file cannot be decoded as text",
    "E104": "document has no text",
    "E105": "document is longer than max_doc_chars",
    "E106": "JSONL line is not a JSON object with a text field",
    "E107": "YAML front matter is not valid",
    "E108": "unsupported file type",
    "E109": "no text could be extracted from the HTML",
    "E110": "reading the document failed unexpectedly (the exception is named)",
    "E111": "file is larger than max_file_bytes",
    "E112": "a line is longer than max_line_chars",
    "E113": "HTML is nested deeper than the parser reads",
    "E201": "NLP stage failed on the document",
    "E301": "extraction failed on the document",
    "E302": "actor dictionary file is not valid",
    "E303": "gazetteer file is not valid",
    "E304": "pattern or ontology data file is not valid",
    "E305": "analysis of the document took longer than max_doc_seconds",
    "E401": "record failed validation",
    "E501": "release already exists (use --force)",
    "E502": "release folder is not valid",
    "E503": "checksum mismatch",
    "E504": "the output folder cannot be written (permissions, full disk)",
    "E505": "the release to compare with (--since) does not exist",
    "E506": "the release version already exists at the publish destination (use --force)",
    "E507": "transfer failed: a release file could not be fetched or stored, or its size or sha256 does not match (the file is named)",
}


class EventExtractError(Exception):
    """Base class: ``code`` is a key of ``CATALOGUE``."""

    def __init__(self, code: str, message: str):
        if code not in CATALOGUE:
            raise ValueError(f"unknown error code {code}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ConfigError(EventExtractError):
    pass


class IngestError(EventExtractError):
    pass


class ModelError(EventExtractError):
    pass


class DataFileError(EventExtractError):
    """A data file (actor dictionary, gazetteer, patterns) the user supplied is not valid."""


class ReleaseError(EventExtractError):
    pass


class TransferError(ReleaseError):
    """Publishing or downloading failed (E507); ``resumable`` when only the connection failed, so
    the next attempt may continue from the files already fetched."""

    def __init__(self, code: str, message: str, *, resumable: bool = False):
        super().__init__(code, message)
        self.resumable = resumable
