"""Closed-class word sets shared by the stages: one definition each, one name each.

Open vocabularies (trigger patterns, actor names, event nouns, place nouns) are data files under
``data/``; what stays here are the small sets of function words the rules test tokens against.
Two sets that were both called ``LOCATIVE_PREPS`` in 0.1.0 answer different questions, so they
have different names now: :data:`ADJUNCT_PREPS` (where an object phrase ends) and
:data:`PLACE_PREPS` (whose object may be a place).
"""
from __future__ import annotations

#: prepositions that open a place or time adjunct; an event's object phrase is cut before them
#: ("attacked the town [in the night]")
ADJUNCT_PREPS = frozenset({"in", "at", "near", "inside", "outside", "around", "across", "along", "within",
                           "throughout", "during", "on", "from", "into", "onto", "towards", "toward", "beyond",
                           "behind", "since", "after", "before", "until", "by", "via", "through", "amid", "under"})
#: prepositions that introduce the circumstances of another event ("after the attack", "despite talks")
CIRCUMSTANCE_PREPS = frozenset({"because", "amid", "amidst", "despite", "due", "after", "following", "during", "since"})
#: prepositions whose object is a place-like argument ("in X", "near X", "took X")
PLACE_PREPS = frozenset({"in", "at", "near", "to", "from", "into", "toward", "towards", "around", "outside",
                         "inside", "across", "through", "on", "over", "of", "within", "throughout", "between",
                         "via", "along", "beyond", "behind", "by", "off", "onto", "upon", "against", "past",
                         "above", "below", "under", "beneath", "beside", "among", "amid", "amidst"})
#: prepositions after which an unknown capitalised name among the trigger's arguments is taken for a place
UNRESOLVED_PREPS = frozenset({"in", "at", "near", "outside", "around", "inside", "into", "across", "within",
                              "throughout", "towards", "toward", "through"})
#: prepositions that do not put a place inside an event's target ("the leaders from X", "presidents of X")
NON_TARGET_PREPS = frozenset({"from", "by", "with", "to", "for", "of", "toward", "towards", "into"})
