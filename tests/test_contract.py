"""The record layout has one source (schemas/layout.yaml); everything derived from it stays in step."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import jsonschema
import pyarrow as pa

from eventextract import schema
from eventextract.records import EventRecord

ROOT = Path(__file__).resolve().parents[1]


def test_event_record_fields_follow_the_layout() -> None:
    """EventRecord is one row of the mentions table (its event_id filled in by the aggregation)."""
    assert [f.name for f in dataclasses.fields(EventRecord)] == schema.table("mentions").names


def test_layout_version_and_tables() -> None:
    assert schema.layout_version() == "2.1"
    assert {"mentions", "events", "documents", "quarantine", "changes"} <= set(schema.table_names())
    assert schema.table("mentions").primary_key == "mention_id"
    assert schema.table("events").primary_key == "event_id"


def test_arrow_schema_matches_layout() -> None:
    for name in schema.table_names():
        spec = schema.table(name)
        arrow = schema.arrow_schema(name)
        assert arrow.names == spec.names
        for f in spec.fields:
            af = arrow.field(f.name)
            assert af.type == schema.ARROW_TYPES[f.type]
            assert af.nullable == (not f.required)
            assert af.metadata[b"description"].decode() == f.description


def test_issue_contract_fields_are_present() -> None:
    required = """mention_id event_id doc_id source_path source_sha256 source_url source_title published sentence_index
    sentence_start sentence_end sentence_text trigger_text trigger_start trigger_end event_type event_mode
    quad_class polarity actor_text actor_start actor_end actor_name actor_country actor_sector recipient_text
    recipient_start recipient_end recipient_name recipient_country recipient_sector date_text date_start
    date_end date_precision date_anchor place_text place_start place_end place_name geonameid latitude
    longitude place_country admin1 geo_precision fatalities_low fatalities_high confidence rule_id
    extractor_version model_name model_version ontology_version gazetteer_version run_id extracted_at""".split()
    names = schema.table("mentions").names
    assert [n for n in required if n not in names] == []
    assert schema.arrow_schema("mentions").field("date_start").type == pa.date32()
    mentions = schema.table("mentions")
    assert mentions.field("mention_id").required and mentions.field("mention_id").unique
    assert mentions.field("mention_id").pattern == "^mn_[0-9a-f]{24}$"
    # a mention names its event, if it has one; many mentions name the same event
    assert not mentions.field("event_id").required and not mentions.field("event_id").unique
    assert mentions.field("event_id").pattern == "^ev_[0-9a-f]{24}$"

    events = schema.table("events")
    event_fields = """event_id event_type event_mode quad_class polarity actor_name actor_country actor_sector
    recipient_name recipient_country recipient_sector date_start date_end date_precision date_conflict place_name
    geonameid latitude longitude place_country admin1 geo_precision place_conflict fatalities_low fatalities_high
    n_mentions n_documents doc_ids first_mention_id merge_reason confidence extractor_version run_id""".split()
    assert [n for n in event_fields if n not in events.names] == []
    assert events.field("event_id").required and events.field("event_id").unique
    assert events.field("event_id").pattern == "^ev_[0-9a-f]{24}$"
    assert events.field("first_mention_id").pattern == "^mn_[0-9a-f]{24}$"
    for name in ("date_conflict", "place_conflict", "n_mentions", "n_documents", "doc_ids", "first_mention_id",
                 "merge_reason"):
        assert events.field(name).required, name
    assert events.field("n_mentions").minimum == 1 and events.field("n_documents").minimum == 1
    assert schema.arrow_schema("events").field("doc_ids").type == pa.list_(pa.string())
    assert schema.arrow_schema("events").field("date_conflict").type == pa.bool_()
    assert set(events.field("merge_reason").enum) == {"single", "back_reference", "same_document",
                                                      "across_documents"}
    # the two tables share their vocabularies
    for name in ("event_type", "quad_class", "polarity", "date_precision", "geo_precision"):
        assert events.field(name).enum == mentions.field(name).enum, name

    docs = """doc_id path format sha256 title url published encoding n_chars n_sentences n_mentions status
    error""".split()
    assert [n for n in docs if n not in schema.table("documents").names] == []
    assert "n_events" not in schema.table("documents").names
    assert "reasons" in schema.table("quarantine").names
    assert "mention_id" in schema.table("quarantine").names and "event_id" not in schema.table("quarantine").names


def test_json_schema_is_valid_and_complete() -> None:
    for name in schema.table_names():
        js = schema.json_schema(name)
        jsonschema.Draft202012Validator.check_schema(js)
        assert list(js["properties"]) == schema.table(name).names


def test_table_schema_fields_carry_type_and_description() -> None:
    for name in schema.table_names():
        ts = schema.table_schema(name)
        assert [f["name"] for f in ts["fields"]] == schema.table(name).names
        assert all(f["type"] and f["description"] for f in ts["fields"])


def test_expectation_suite_covers_every_constraint() -> None:
    for name in schema.table_names():
        specs = schema.expectation_specs(name)
        kinds = {(k, kw.get("column")) for k, kw in specs}
        for f in schema.table(name).fields:
            assert ("ExpectColumnToExist", f.name) in kinds
            if f.required:
                assert ("ExpectColumnValuesToNotBeNull", f.name) in kinds
            if f.enum:
                assert ("ExpectColumnValuesToBeInSet", f.name) in kinds
            if f.unique:
                assert ("ExpectColumnValuesToBeUnique", f.name) in kinds
            if f.minimum is not None or f.maximum is not None:
                assert ("ExpectColumnValuesToBeBetween", f.name) in kinds
    for name in ("mentions", "events"):
        rules = set(schema.table(name).rules)
        assert {"date_order", "date_complete", "coordinates_with_geonameid", "fatalities_order"} <= rules, name
    assert "offsets_order" in schema.table("mentions").rules  # the events table has no offsets


def test_generated_schema_doc_is_current() -> None:
    doc = ROOT / "docs" / "schema.md"
    assert doc.read_text(encoding="utf-8") == schema.markdown_reference() + "\n", "run `make docs`"


def test_library_has_no_prefect_import() -> None:
    """The library is orchestration-free: only flows/ imports Prefect (the CLI imports flows lazily)."""
    offenders = []
    for path in (ROOT / "src" / "eventextract").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            if any(m == "prefect" or m.startswith(("prefect.", "prefect_")) for m in mods):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_version_has_one_source() -> None:
    import tomllib

    import eventextract

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert eventextract.__version__ == project["version"]
    assert project["version"] not in (ROOT / "src" / "eventextract" / "__init__.py").read_text(encoding="utf-8")


def test_generated_cli_and_error_docs_are_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == gen.error_reference() + "\n", "run `make docs`"
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == gen.cli_reference() + "\n", "run `make docs`"


def test_references_name_existing_fields_and_reach_the_metadata() -> None:
    refs = {(t, f.name): f.references for t in schema.table_names() for f in schema.table(t).fields if f.references}
    # in the Data Package (foreignKeys) only: Croissant readers would join the record sets on it
    assert refs == {("mentions", "event_id"): "events.event_id"}
    for target in refs.values():
        table, field = target.split(".")
        assert field in schema.table(table).names
    assert schema.table_schema("mentions")["foreignKeys"] == [
        {"fields": "event_id", "reference": {"resource": "events", "fields": "event_id"}}]
    assert schema.table_schema("mentions", csv=True)["foreignKeys"] == [
        {"fields": "event_id", "reference": {"resource": "events-csv", "fields": "event_id"}}]
