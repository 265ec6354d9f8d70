"""Extract stage: find PLOVER events in a parsed spaCy Doc with trigger patterns kept as data.

Patterns (``data/patterns/triggers.yaml``) are matched over the dependency parse through a lemma
index, so each token only meets the few patterns of its own lemma:
- verbs with their particles, prepositions and objects ("took control of", "drove out", "cut off");
- light-verb constructions, where the event is carried by the object noun ("launched an offensive");
- nominal events with their arguments ("the capture of X by Y", "the Khojaly massacre");
- passives, where the by-agent is the actor and the subject the recipient.
Polarity (asserted / negated / hypothetical / future) comes from negation, modals, conditional and
purpose clauses and from the verbs that govern the trigger (``governors`` in the pattern file);
the content of speech acts ("called on them to cease fire") is not emitted as an event.

The stage is a function of the document's context and the rules loaded once per process:
``extract_events(ctx, rules)``; it keeps no state between documents. Modules, in the order a
sentence meets them: ``patterns`` (the pattern file), ``triggers`` (with ``constraints``),
``polarity``, ``roles``, ``quantities``, ``derived``, ``discourse``; ``syntax`` holds the token
helpers, ``types`` the stage's own values, ``extract`` the entry function.
"""
from __future__ import annotations

from .extract import extract_events
from .patterns import LightOverride, NounPattern, TriggerSet, VerbPattern, load_patterns, parse_patterns, patterns_version
from .rules import EventRules

__all__ = ["EventRules", "LightOverride", "NounPattern", "TriggerSet", "VerbPattern", "extract_events", "load_patterns",
           "parse_patterns", "patterns_version"]
