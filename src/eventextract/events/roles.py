"""Roles of a trigger: the actor and recipient tokens the parse gives (passives: the by-agent is the
actor and the subject the recipient), their resolution to dictionary actors (``ActorRef``),
pronoun and description coreference, and the document's country for generic groups."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import ActorRef, EventCandidate, Span
from .syntax import agent, children, is_passive, lem, noun_phrase, pobj, preps, subject_token, trim_object
from .vocab import PERSONAL_PRONOUNS, RELATIVE

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span as SpacySpan, Token

    from .rules import EventRules
    from .types import DocScope, TriggerMatch


def role_token(tok: "Token", spec: str, found: "TriggerMatch") -> "Token | None":
    """The token a pattern's role spec (``dobj``, ``nsubjpass``, ``dative``, ``prep:X``, ``pobj_of`` ...)
    points to from the verb ``tok``."""
    if spec == "dobj":
        d = children(tok, "dobj")
        if d and d[0] is not found.noun:
            return d[0]
        return None
    if spec == "nsubjpass":
        d = children(tok, "nsubjpass")
        return d[0] if d else None
    if spec in ("dative", "iobj"):
        d = children(tok, "dative", "iobj")
        if d:
            o = pobj(d[0]) if d[0].pos_ == "ADP" else d[0]
            return o
        return None
    if spec.startswith("prep:"):
        want = spec[5:]
        cands = preps(tok)
        if found.noun is not None:
            cands = cands + children(found.noun, "prep")
        for p in cands:
            if p.lower_ == want:
                o = pobj(p)
                if o is not None and o.ent_type_ in ("DATE", "TIME", "CARDINAL", "PERCENT", "MONEY", "QUANTITY"):
                    continue
                return o
        return None
    if spec in ("pobj_of", "pobj_poss", "pobj_compound"):
        for p in preps(tok):
            o = pobj(p)
            if o is None:
                continue
            for c in o.children:
                if spec == "pobj_of" and c.dep_ == "prep" and c.lower_ == "of" and pobj(c) is not None:
                    return pobj(c)
                if spec == "pobj_poss" and c.dep_ == "poss":
                    return c
                if spec == "pobj_compound" and c.dep_ in ("compound", "amod") and c.pos_ in ("PROPN", "ADJ"):
                    return c
        return None
    return None


#: words that lead into a date in front of a misparsed subject ("early on 24 February coalition forces")
_DATE_LEAD = frozenset({"on", "in", "at", "early", "late", "by", "from", "until"})


def without_leading_date(span: "SpacySpan") -> "SpacySpan":
    """``span`` without the date expression the parser attached in front of it ("On 3 March coalition
    commanders met ..." parses "3 March coalition commanders" as one noun phrase; "early on 24
    February coalition forces"): leading tokens of a DATE/TIME entity that does not contain the head."""
    root = span.root
    start = span.start
    doc = span.doc
    if root.ent_type_ in ("DATE", "TIME"):
        return span

    def dated(i: int) -> bool:
        return doc[i].ent_type_ in ("DATE", "TIME")

    while start < root.i and (dated(start) or (doc[start].lower_ in _DATE_LEAD or doc[start].is_punct)
                              and any(dated(j) for j in range(start + 1, min(start + 3, root.i)))):
        start += 1
    return doc[start:span.end] if start != span.start else span


def actor_ref(tok: "Token | None", history: list[EventCandidate], sent_idx: int, scope: "DocScope",
              rules: "EventRules", resolution: str | None = None, trim: bool = False) -> ActorRef | None:
    """The actor slot for the phrase headed by ``tok``; ``trim`` (recipients) keeps only the object noun
    phrase, without trailing locative phrases, appositions and parentheses."""
    if tok is None:
        return None
    if tok.lower_ in RELATIVE and tok.i > 0 and tok.doc[tok.i - 1].pos_ in ("PROPN", "NOUN"):
        tok = tok.doc[tok.i - 1]  # "it was Azerbaijan who violated": the relative's antecedent
    span = without_leading_date(noun_phrase(tok))
    if trim:
        span = trim_object(span)
    if tok.lower_ in PERSONAL_PRONOUNS and tok.pos_ == "PRON" or (len(span) <= 2 and span.root.lower_ in PERSONAL_PRONOUNS):
        return coref(span, history, sent_idx, scope, rules)
    ref = resolve(span, scope, rules)
    if ref.country is None and span.root.lower_ in ("side", "party", "country", "state", "government", "forces", "troops", "army", "republic", "enemy") \
            and any(t.lower_ in ("the", "this", "that", "these", "those") for t in span[:1]) and len(span) <= 3:
        co = coref(span, history, sent_idx, scope, rules, description=True)
        if co is not None and co.country:
            return co
    poss = [c for c in span.root.children if c.dep_ == "poss" and c.lower_ in PERSONAL_PRONOUNS]
    if ref.country is None and poss:  # "their forces", "his people": the possessor's side
        co = coref(tok.doc[poss[0].i: poss[0].i + 1], history, sent_idx, scope, rules)
        if co is not None and co.country:
            return ActorRef(Span(span.start_char, span.end_char, span.text), co.name, co.country,
                            ref.sector or co.sector, co.members, "coreference")
        country = scope.country
        if country and rules.actors.is_context_group(span):
            ref = ActorRef(ref.span, ref.name, country, ref.sector, ref.members, "context")
    if resolution and ref.resolution == "dictionary":
        ref.resolution = resolution
    elif resolution and ref.resolution in ("unknown", "title"):
        ref.resolution = resolution if ref.country else ref.resolution
    return ref


def resolve(span: "SpacySpan", scope: "DocScope", rules: "EventRules") -> ActorRef:
    """Dictionary resolution; a generic group phrase the dictionary cannot place ("the separatists",
    "government forces", "the parties") takes the country the document is about (resolution 'context')."""
    ref = rules.actors.resolve(span)
    if ref.country is not None or span.root.pos_ == "PRON":
        return ref
    if rules.actors.is_context_group(span):
        country = scope.country
        if country and not any(c.dep_ == "poss" and c.pos_ == "PRON" for c in span.root.children):
            # ("their soldiers" is resolved through the possessor first)
            ref = ActorRef(ref.span, ref.name, country, ref.sector, ref.members, "context")
        return ref
    earlier = earlier_mention(span, scope, rules)
    if earlier is not None:  # "the coalition" after "the coalition led by Saudi Arabia"
        return ActorRef(ref.span, earlier.name, earlier.country, ref.sector or earlier.sector, earlier.members, "coreference")
    return ref


def earlier_mention(span: "SpacySpan", scope: "DocScope", rules: "EventRules") -> ActorRef | None:
    """An earlier noun phrase of the document with the same head word (or whose head is this phrase's
    modifier: "coalition aircraft" after "the coalition led by X") that the dictionary resolves."""
    root = span.root
    if root.pos_ not in ("NOUN", "PROPN"):
        return None
    words = {root.lemma_.lower()} | {c.lemma_.lower() for c in root.children
                                      if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "PROPN")}
    for chunk in reversed(scope.ctx.noun_chunks):
        if chunk.start >= span.start or chunk.root.lemma_.lower() not in words:
            continue
        r = rules.actors.resolve(noun_phrase(chunk.root))
        if r.country and not rules.actors.dictionary.find(chunk.root.text):
            return r
    return None


def person_like(ref: ActorRef, doc: "Doc", rules: "EventRules") -> bool:
    """True when ``ref`` can be the antecedent of "he"/"she": a named person or a phrase headed by a role
    word ("the foreign minister"), not a state, a capital or a force."""
    if ref.span is None:
        return False
    cs = doc.char_span(ref.span.start, ref.span.end, alignment_mode="expand")
    if cs is None:
        return False
    root = cs.root
    if root.ent_type_ == "PERSON":
        return True
    sectors = rules.actors.dictionary.sectors
    role = root.lower_ in sectors or root.lemma_.lower() in sectors
    return role and root.ent_type_ not in ("GPE", "NORP", "LOC", "ORG") and root.tag_ not in ("NNS", "NNPS") \
        and sectors.get(root.lemma_.lower(), sectors.get(root.lower_)) not in ("MIL", "COP", "REB")


def coref(span: "SpacySpan", history: list[EventCandidate], sent_idx: int, scope: "DocScope",
          rules: "EventRules", description: bool = False) -> ActorRef | None:
    """Resolve a pronoun or bare description to the nearest earlier actor (events, then mentions)."""
    ref_span = Span(span.start_char, span.end_char, span.text)
    singular = span.root.lower_ in ("it", "its", "he", "she", "him", "her", "his")
    personal = span.root.lower_ in ("he", "she", "him", "her", "his")  # a person, not a state or a force
    cands: list[tuple[int, ActorRef]] = []
    for ev in reversed(history):
        if ev.sentence_index < sent_idx - 2:
            break
        a = ev.actor
        pos = a.span.start if a is not None and a.span is not None else ev.trigger.start
        if a is not None and a.country and a.resolution not in ("coreference", "context") and pos < span.start_char:
            if singular and ";" in a.country:
                continue
            if personal and not person_like(a, span.doc, rules):
                continue
            cands.append((pos, a))
    for j in range(sent_idx, max(-1, sent_idx - 3), -1):
        for chunk in scope.ctx.chunks_by_sentence.get(j, []):
            if chunk.start_char >= span.start_char or chunk.root.dep_ not in ("nsubj", "nsubjpass"):
                continue
            if singular and chunk.root.tag_ in ("NNS", "NNPS"):
                continue
            r = resolve(noun_phrase(chunk.root), scope, rules)  # with its of-phrase: "King X of Morocco"
            if personal and not person_like(r, span.doc, rules):
                continue
            if r.country and not (singular and ";" in r.country):
                cands.append((chunk.start_char, r))
    if description:  # "the forces", "the government" do not refer back to civilians or refugees
        cands = [c for c in cands if not (c[1].sector or "").startswith(("CVL", "REF"))]
    if cands:
        _, best = max(cands, key=lambda c: c[0])
        return ActorRef(ref_span, best.name, best.country, best.sector, best.members, "coreference")
    return ActorRef(ref_span, None, None, None, (), "unknown")


def titled_person_country(actor: ActorRef, span: "SpacySpan", sent: "SpacySpan", recipient: ActorRef | None,
                          rules: "EventRules") -> ActorRef:
    """An unknown office holder ("President X", "the foreign minister") coded with the document's country
    takes instead the state the sentence names outside the recipient (the nearest one: "met Bosnian leaders
    in Paris" -> FRA), never the recipient's country; the document's country only when the sentence names
    no other state."""
    if not rules.actors.is_titled_person(span):
        return actor
    rec_codes = set((recipient.country or "").split(";")) - {""} if recipient is not None else set()
    rs = recipient.span if recipient is not None else None
    cands = [(abs(pos - span.start_char), code) for pos, code in rules.actors.states_in(sent)
             if not (span.start_char <= pos < span.end_char) and not (rs is not None and rs.start <= pos < rs.end)
             and code not in rec_codes]
    if cands:
        code = min(cands)[1]
    elif actor.country in rec_codes and recipient is not None and recipient.resolution != "context":
        code = None  # the recipient's country is not the speaker's
    else:
        return actor
    if code == actor.country:
        return actor
    return ActorRef(actor.span, actor.name, code, actor.sector, actor.members, "context" if code else "title")


def clause_subject(tok: "Token", rules: "EventRules") -> "Token | None":
    """Actor of an argument-less event noun that sits in the object/prepositional part of a clause
    ("X arrived on a visit", "X gave Y millions in aid"): the clause's subject, when it names an actor."""
    if tok.dep_ == "nsubjpass" and lem(tok.head) in rules.triggers.light_verbs:
        return agent(tok.head)  # "a coup was staged by X"
    cur = tok
    for _ in range(4):
        if cur.dep_ not in ("pobj", "prep", "dobj", "attr", "oprd", "npadvmod", "appos", "dative"):
            return None
        cur = cur.head
        if cur.pos_ in ("VERB", "AUX"):
            break
    else:
        return None
    if cur.pos_ not in ("VERB", "AUX") or lem(cur) in rules.triggers.governors.get("undergo", ()):
        return None
    if is_passive(cur) or (cur.tag_ == "VBN" and agent(cur) is not None):
        cand = agent(cur)
    else:
        cand, _ = subject_token(cur)
    if cand is None or cand.i == tok.i:
        return None
    if cand.lower_ in PERSONAL_PRONOUNS:
        return cand
    ref = rules.actors.resolve(noun_phrase(cand))
    return cand if ref.country or ref.sector else None


def according_to(sent: "SpacySpan") -> Span | None:
    """The source of an "according to X" phrase in the sentence (the speaker of its events)."""
    for tok in sent:
        if tok.lower_ == "according":
            for c in tok.children:
                if c.lower_ == "to" and pobj(c) is not None:
                    sp = noun_phrase(pobj(c))
                    return Span(sp.start_char, sp.end_char, sp.text)
    return None


# ------------------------------------------------------------------------------------------------
# assigning the roles of one trigger

def assign_roles(f: "TriggerMatch", si: int, sent: "SpacySpan", scope: "DocScope", rules: "EventRules",
                 history: list[EventCandidate]) -> tuple[ActorRef | None, ActorRef | None]:
    """(actor, recipient) of a trigger: the tokens the parse gives, resolved; an unknown common noun is no
    actor, a clause or the light verb's own event noun is no recipient, and an unknown office holder
    coded by context takes the state the sentence names."""
    actor_tok, recip_tok, resolution = _role_tokens(f, rules)
    actor = actor_ref(actor_tok, history, si, scope, rules, resolution)
    if actor is not None and actor_tok is not None and not actor.country and not actor.sector and \
            actor.resolution == "unknown" and actor_tok.pos_ == "NOUN" and not actor_tok.ent_type_:
        actor = None  # not an actor phrase ("the process", "a move", "the scale of ..."): left to the context
    if recip_tok is not None and (recip_tok.pos_ in ("VERB", "AUX") or (
            f.noun is not None and recip_tok.i == f.noun.i and f.light_verb)):
        # a clause ("reported that the town was captured ...") or the light verb's own event noun
        # ("the offensive was launched") is not a target
        recip_tok = None
    recipient = actor_ref(recip_tok, history, si, scope, rules, trim=True)
    if recipient is not None and recipient.resolution == "coreference" and recipient.country is None:
        recipient = None
    if actor is not None and actor.span is not None and actor_tok is not None and (
            actor.resolution == "context" or (actor.resolution == "title" and not actor.country)):
        actor = titled_person_country(actor, noun_phrase(actor_tok), sent, recipient, rules)
    return actor, recipient


def _role_tokens(f: "TriggerMatch", rules: "EventRules") -> tuple["Token | None", "Token | None", str | None]:
    """(actor token, recipient token, resolution of the actor) of a trigger, from the parse."""
    tok = f.head
    if f.nominal:
        actor_tok, recip_tok, resolution = _nominal_role_tokens(f, rules)
    else:
        actor_tok, recip_tok, resolution = _verbal_role_tokens(f, rules)
    if f.recipient is not None:
        recip_tok = f.recipient
    if actor_tok is None:  # "fighting between A and B" (gerund or noun): both sides are the actor
        for c in tok.children:
            o = pobj(c) if c.dep_ == "prep" and c.lower_ == "between" else None
            if o is not None and o.conjuncts:
                actor_tok = o
                break
    return actor_tok, recip_tok, resolution


def _nominal_role_tokens(f: "TriggerMatch", rules: "EventRules") -> tuple["Token | None", "Token | None", None]:
    """An event noun's own actor (else its clause's subject) and its against/on-object as recipient."""
    tok = f.head
    actor_tok = f.actor
    recip_tok = None
    for c in tok.children:
        o = pobj(c) if c.dep_ == "prep" and c.lower_ in ("against", "on", "upon") else None
        if o is not None and o.ent_type_ not in ("DATE", "TIME", "CARDINAL"):
            recip_tok = o
            break
    if actor_tok is None:
        actor_tok = clause_subject(tok, rules)
    return actor_tok, recip_tok, None


def _verbal_role_tokens(f: "TriggerMatch", rules: "EventRules") -> tuple["Token | None", "Token | None", str | None]:
    """A verb's actor and recipient: swapped patterns, passives (by-agent acts on the subject), or the
    subject acting on the pattern's recipient slots."""
    tok = f.head
    pat = f.pattern
    actor_tok = recip_tok = None
    resolution = None
    subj, passive = subject_token(tok)
    if pat is not None and pat.swap:
        recip_tok = subj
        for spec in pat.actor:
            actor_tok = role_token(tok, spec, f)
            if actor_tok is not None:
                break
    elif passive or is_passive(tok) or (subj is None and agent(tok) is not None and tok.tag_ == "VBN"):
        actor_tok = agent(tok)
        resolution = "passive_agent" if actor_tok is not None else None
        sp = children(tok, "nsubjpass") or children(tok, "nsubj")
        recip_tok = sp[0] if sp else None
        if actor_tok is None and lem(tok) in rules.triggers.governors.get("stative_passive", ()):
            actor_tok, recip_tok = recip_tok, None  # "X is committed to": X is the actor
        if pat is not None and recip_tok is None:
            for spec in pat.recipient:
                recip_tok = role_token(tok, spec, f)
                if recip_tok is not None:
                    break
    else:
        actor_tok = subj
        specs = pat.recipient if pat is not None else ("prep:against", "prep:on", "prep:of")
        for spec in specs:
            r = role_token(tok, spec, f)
            if r is not None and r is not actor_tok:
                recip_tok = r
                break
    return actor_tok, recip_tok, resolution
