"""The shape of the library, checked: sizes a newcomer can work in, one owner of per-document
state, no analysis lock, published strings never parsed back into decisions."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "src" / "eventextract"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 400
MAX_FUNCTION_LINES = 100
DOCSTRING_OVER = 40  # a function longer than this says in its docstring what it decides
#: the packages split out of the three rule engines (their modules, each read on its own)
STAGE_PACKAGES = ("events", "dates", "places")


def _modules() -> list[Path]:
    return sorted(LIB.rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _defs(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node


def test_stage_packages_exist() -> None:
    for name in STAGE_PACKAGES:
        assert (LIB / name / "__init__.py").is_file(), f"{name}/ is a package"


def test_no_module_class_or_function_too_large() -> None:
    too_big = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        n = text.count("\n")
        if n > MAX_MODULE_LINES:
            too_big.append(f"{_rel(path)}: module of {n} lines")
        for node in _defs(ast.parse(text)):
            size = node.end_lineno - node.lineno + 1
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if size > limit:
                too_big.append(f"{_rel(path)}:{node.lineno} {node.name}: {size} lines")
    assert too_big == []


def test_long_functions_say_what_they_decide() -> None:
    missing = []
    for path in _modules():
        for node in _defs(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                continue
            if node.end_lineno - node.lineno + 1 > DOCSTRING_OVER and not ast.get_docstring(node):
                missing.append(f"{_rel(path)}:{node.lineno} {node.name}")
    assert missing == []


def test_per_document_state_has_one_owner() -> None:
    """No stage keeps per-document state in ``doc.user_data``: it lives in ``DocContext``."""
    offenders = [_rel(p) for p in _modules() if "user_data" in p.read_text(encoding="utf-8")
                 and p.name != "context.py"]
    assert offenders == []


def test_no_lock_around_analysis() -> None:
    """Stages are stateless; the only lock allowed is the one that loads resources once per process."""
    offenders = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        if "threading.Lock" in text or "RLock" in text:
            if path.name != "resources.py" and path.name != "gazetteer.py":
                offenders.append(_rel(path))
    assert offenders == []


@pytest.mark.parametrize("column", ["rule_id", "place_reason", "date_anchor", "reason", "source"])
def test_published_strings_are_not_parsed_back(column: str) -> None:
    """Decisions travel as typed values; the provenance strings are rendered from them, never
    tested with ``startswith``/``endswith`` to decide what to do next."""
    offenders = []
    for path in _modules():
        if not any(part in STAGE_PACKAGES for part in path.relative_to(LIB).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("startswith", "endswith"):
                target = node.func.value
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
                if name == column:
                    offenders.append(f"{_rel(path)}:{node.lineno}")
    assert offenders == []
