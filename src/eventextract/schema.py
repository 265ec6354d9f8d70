"""Everything about the record layout, derived from ``schemas/layout.yaml`` (installed as
``eventextract.schemas``): the Arrow schema, the JSON Schema of one row, Frictionless Table
Schemas, the Great Expectations specs and the Markdown reference."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pyarrow as pa
from .yamlio import load_yaml

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "list_string": pa.list_(pa.string()),
}
JSON_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "int32": {"type": "integer"},
    "int64": {"type": "integer"},
    "float64": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "timestamp": {"type": "string", "format": "date-time"},
    "list_string": {"type": "array", "items": {"type": "string"}},
}
FRICTIONLESS_TYPES = {"string": "string", "int32": "integer", "int64": "integer", "float64": "number",
                      "boolean": "boolean", "date": "date", "timestamp": "datetime", "list_string": "array"}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    csv: bool = True
    references: str | None = None  # "<table>.<field>" this field's values point to (null: none)

    def value_constraints(self) -> dict[str, Any]:
        """enum / pattern / minimum / maximum, under the keywords JSON Schema and Frictionless share."""
        out: dict[str, Any] = {}
        if self.enum:
            out["enum"] = list(self.enum)
        if self.pattern:
            out["pattern"] = self.pattern
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    description: str
    primary_key: str | None
    fields: tuple[FieldSpec, ...]
    rules: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def layout_text() -> str:
    return resources.files("eventextract.schemas").joinpath("layout.yaml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def layout() -> dict[str, Any]:
    return load_yaml(layout_text())


def layout_version() -> str:
    return str(layout()["layout_version"])


@functools.lru_cache(maxsize=None)
def table(name: str) -> TableSpec:
    raw = layout()["tables"][name]
    fields = []
    for f in raw["fields"]:
        if f["type"] not in ARROW_TYPES:
            raise ValueError(f"schemas/layout.yaml: {name}.{f['name']} has unknown type {f['type']}")
        fields.append(FieldSpec(
            name=f["name"], type=f["type"], description=f.get("description", ""),
            required=bool(f.get("required", False)), unique=bool(f.get("unique", False)),
            enum=tuple(f["enum"]) if f.get("enum") else None, pattern=f.get("pattern"),
            minimum=f.get("minimum"), maximum=f.get("maximum"), csv=bool(f.get("csv", True)),
            references=f.get("references")))
    return TableSpec(name=name, description=" ".join(str(raw.get("description", "")).split()),
                     primary_key=raw.get("primary_key"), fields=tuple(fields), rules=tuple(raw.get("rules") or ()))


def table_names() -> list[str]:
    return list(layout()["tables"])


def arrow_schema(name: str) -> pa.Schema:
    spec = table(name)
    return pa.schema([pa.field(f.name, ARROW_TYPES[f.type], nullable=not f.required,
                               metadata={"description": f.description}) for f in spec.fields],
                     metadata={"table": name, "layout_version": layout_version()})


def json_schema(name: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one row, as ``validate.jsonable_row`` serialises it."""
    spec = table(name)
    props: dict[str, Any] = {}
    for f in spec.fields:
        base = {**JSON_TYPES[f.type], **f.value_constraints()}
        if f.required:
            prop = base
        else:
            prop = {"anyOf": [base, {"type": "null"}]}
        prop["description"] = f.description
        props[f.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"eventextract/{name}.schema.json",
        "title": f"eventextract {name} row",
        "description": spec.description,
        "type": "object",
        "properties": props,
        "required": [f.name for f in spec.fields],
        "additionalProperties": False,
    }


def table_schema(name: str, csv: bool = False) -> dict[str, Any]:
    """Frictionless Table Schema of the table (of its CSV export when ``csv``)."""
    spec = table(name)
    fields = []
    for f in spec.fields:
        if csv and not f.csv:
            continue
        d: dict[str, Any] = {"name": f.name, "type": FRICTIONLESS_TYPES[f.type], "description": f.description}
        cons: dict[str, Any] = {}
        if f.required:
            cons["required"] = True
        if f.unique:
            cons["unique"] = True
        cons.update(f.value_constraints())
        if cons:
            d["constraints"] = cons
        fields.append(d)
    out: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if spec.primary_key:
        out["primaryKey"] = spec.primary_key
    keys = [(f.name, *f.references.split(".", 1)) for f in spec.fields if f.references and (f.csv or not csv)]
    if keys:  # the Parquet resources are named after their table, the CSV exports "<table>-csv"
        out["foreignKeys"] = [{"fields": name, "reference": {"resource": f"{ref}-csv" if csv else ref, "fields": col}}
                              for name, ref, col in keys]
    return out


def csv_columns(name: str) -> list[str]:
    return [f.name for f in table(name).fields if f.csv]


def expectation_specs(name: str) -> list[tuple[str, dict[str, Any]]]:
    """The Great Expectations suite of a table as (expectation class name, kwargs) pairs.

    Kept free of any Great Expectations import so that it can be compared in tests and used
    to build the real suite in ``eventextract.validate``.
    """
    spec = table(name)
    out: list[tuple[str, dict[str, Any]]] = [
        ("ExpectTableColumnsToMatchOrderedList", {"column_list": spec.names}),
    ]
    for f in spec.fields:
        out.append(("ExpectColumnToExist", {"column": f.name}))
        if f.required:
            out.append(("ExpectColumnValuesToNotBeNull", {"column": f.name}))
        if f.unique:
            out.append(("ExpectColumnValuesToBeUnique", {"column": f.name}))
        if f.enum:
            out.append(("ExpectColumnValuesToBeInSet", {"column": f.name, "value_set": list(f.enum)}))
        if f.pattern and f.type == "string":
            out.append(("ExpectColumnValuesToMatchRegex", {"column": f.name, "regex": f.pattern}))
        if f.minimum is not None or f.maximum is not None:
            out.append(("ExpectColumnValuesToBeBetween",
                        {"column": f.name, "min_value": f.minimum, "max_value": f.maximum}))
    rules = set(spec.rules)
    if "date_order" in rules:
        out.append(("ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "date_end", "column_B": "date_start", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}))
    if "offsets_order" in rules:
        for a, b in (("trigger_end", "trigger_start"), ("sentence_end", "sentence_start")):
            out.append(("ExpectColumnPairValuesAToBeGreaterThanB",
                        {"column_A": a, "column_B": b, "or_equal": False, "ignore_row_if": "either_value_is_missing"}))
    if "fatalities_order" in rules:
        out.append(("ExpectColumnPairValuesAToBeGreaterThanB",
                    {"column_A": "fatalities_high", "column_B": "fatalities_low", "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"}))
    if "coordinates_with_geonameid" in rules:
        for col in ("latitude", "longitude"):
            out.append(("ExpectColumnValuesToNotBeNull", {"column": col, "row_condition": "geonameid.notnull()",
                                                          "condition_parser": "pandas"}))
    if "date_complete" in rules:
        for col in ("date_end", "date_precision"):
            out.append(("ExpectColumnValuesToNotBeNull", {"column": col, "row_condition": "date_start.notnull()",
                                                          "condition_parser": "pandas"}))
    return out


def markdown_reference() -> str:
    """docs/schema.md: the record layout as a human reads it."""
    lines = ["# Record layout", "",
             f"Generated from `schemas/layout.yaml` (layout version {layout_version()}) by `make docs`; do not edit.", ""]
    for name in table_names():
        spec = table(name)
        lines += [f"## `{name}`", "", spec.description, ""]
        if spec.primary_key:
            lines += [f"Primary key: `{spec.primary_key}`.", ""]
        if spec.rules:
            lines += ["Row rules: " + ", ".join(f"`{r}`" for r in spec.rules) + ".", ""]
        lines += ["| field | type | required | constraints | description |", "|---|---|---|---|---|"]
        for f in spec.fields:
            cons = []
            if f.unique:
                cons.append("unique")
            if f.enum:
                cons.append("one of " + ", ".join(f.enum))
            if f.pattern:
                cons.append(f"matches `{f.pattern}`")
            if f.minimum is not None:
                cons.append(f">= {f.minimum:g}")
            if f.maximum is not None:
                cons.append(f"<= {f.maximum:g}")
            if not f.csv:
                cons.append("Parquet only")
            desc = f.description.replace("|", "\\|")
            cons_text = "; ".join(cons).replace("|", "\\|")
            lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | {cons_text} | {desc} |")
        lines.append("")
    return "\n".join(lines)
