"""Closed-class word sets of the events stage, as constants (the open vocabularies are data, in
``data/patterns/triggers.yaml`` and ``data/actors/actors.yaml``). The preposition sets other stages
share live in :mod:`eventextract.vocab`."""
from __future__ import annotations

SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj")
PERSONAL_PRONOUNS = frozenset({"they", "it", "he", "she", "we", "them", "him", "her", "its", "their", "his"})
OBJECT_CONTROL = frozenset({"persuade", "force", "ask", "urge", "order", "allow", "compel", "help", "encourage", "permit",
                            "enable", "tell", "invite", "lead", "call", "instruct", "command", "oblige", "press", "pressure",
                            "prompt", "cause", "push", "drive", "induce", "motivate", "spur", "provoke", "get", "convince"})
RELATIVE = frozenset({"who", "that", "which", "whom"})
DEATH_WORDS = frozenset({"kill", "die", "dead", "death", "fatality", "casualty", "massacre", "slaughter", "murder", "execute",
                         "perish", "life", "body", "victim"})
UPPER_QUAL = ("up to", "as many as", "at most", "no more than", "fewer than", "less than", "nearly", "almost")
LOWER_QUAL = ("at least", "more than", "over", "in excess of", "upwards of", "no fewer than", "no less than")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
                "a hundred": 100, "dozen": 12, "a dozen": 12}
SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
VAGUE = frozenset({"several", "many", "hundreds", "thousands", "dozens", "scores", "some", "few", "numerous"})
NON_STATE_CODES = frozenset({"IGO", "NGO"})  # codes that are not a side of a war
