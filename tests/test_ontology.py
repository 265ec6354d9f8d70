"""The PLOVER 0.8 ontology data file: 16 types, quad classes, scores, CAMEO roots, modes."""
from __future__ import annotations

import pytest

from eventextract.errors import DataFileError
from eventextract.ontology import QUAD_CLASSES, Ontology

TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
         "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]


def test_sixteen_types_with_fields():
    onto = Ontology.load()
    assert onto.version
    assert sorted(onto.names()) == sorted(TYPES)
    for name in TYPES:
        t = onto.get(name)
        assert t.quad_class in QUAD_CLASSES
        assert -10 <= t.cc_score <= 10
        assert len(t.cameo_root) == 2 and t.cameo_root.isdigit()
        assert t.description


def test_modes_and_scores():
    onto = Ontology.load()
    assert {"seize", "deport", "restrict", "arrest", "martial-law"} <= set(onto.get("COERCE").modes)
    assert {"heavy-weapons", "aerial", "firearms", "massacre", "cleansing", "abduct"} <= set(onto.get("ASSAULT").modes)
    assert {"withdraw", "ceasefire", "release", "resign"} <= set(onto.get("RETREAT").modes)
    assert set(onto.get("REQUEST").modes) == set(onto.get("REJECT").modes) == {"assist", "change", "yield", "meet"}
    assert onto.get("AGREE").modes == ()
    assert onto.get("ASSAULT").score("heavy-weapons") == -9.5
    assert onto.get("ASSAULT").score(None) == -9.0
    assert onto.valid_mode("COERCE", "seize") and not onto.valid_mode("AGREE", "seize")
    assert onto.get("ASSAULT").quad_class == "material_conflict"
    assert onto.get("CONSULT").quad_class == "verbal_cooperation"
    with pytest.raises(KeyError):
        onto.get("FIGHT")


def test_bad_ontology_file(tmp_path):
    bad = tmp_path / "o.yaml"
    bad.write_text("types: [1, 2]\n")
    with pytest.raises(DataFileError):
        Ontology.load(bad)
