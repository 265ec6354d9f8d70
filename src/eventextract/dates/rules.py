"""What the dates stage loads once per process: settings, carry policy and the compiled grammar."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from ..config import Settings
from ..errors import ConfigError
from .grammar import Grammar, compile_grammar

#: the values of ``Settings.date_carry``
CARRY_POLICIES = ("section", "paragraph")
Carry = Literal["section", "paragraph"]


@dataclass(frozen=True)
class DateRules:
    """The resources of the dates stage (immutable; shared by every document and thread)."""

    settings: Settings
    #: how far :func:`.link.link_date` carries a date to later undated sentences: "paragraph" (same
    #: paragraph, or a later one opening with a continuation cue) or "section" (any later
    #: sentence of the same section); ``Settings.date_carry`` unless overridden
    carry: Carry
    grammar: Grammar

    @classmethod
    def load(cls, settings: Settings | None = None, carry: str | None = None) -> "DateRules":
        """The rules for ``settings`` (default settings when None); ``carry`` overrides
        ``Settings.date_carry``. An unknown carry policy is a ConfigError (E003)."""
        settings = settings or Settings()
        policy = carry if carry is not None else settings.date_carry
        if policy not in CARRY_POLICIES:
            raise ConfigError("E003", f"unknown date_carry {policy!r}; known: {', '.join(CARRY_POLICIES)}")
        return cls(settings, cast(Carry, policy), compile_grammar())
