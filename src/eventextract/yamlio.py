"""YAML reading for the package's data files and settings files.

libyaml's parser where PyYAML was built with it (several times faster than the pure-Python one;
the constructors and the implicit-type resolver are the same safe ones), else PyYAML's own.
"""
from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, faster."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
