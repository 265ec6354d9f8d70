"""Croissant 1.1 metadata (``croissant.json``, JSON-LD) of a release, beside ``datapackage.json``.

One ``cr:FileObject`` per table file (Parquet and CSV: relative ``contentUrl``, ``encodingFormat``,
``contentSize`` in bytes, ``sha256``) and one ``cr:RecordSet`` per table whose ``cr:Field``s come from
``schemas/layout.yaml`` and read their column from the table's Parquet file. Written without
importing mlcroissant (a test validates the file with it).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import schema

FILE_NAME = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
#: the standard Croissant 1.1 JSON-LD @context (as the reference implementation, mlcroissant, writes it)
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
ENCODING_FORMATS = {"parquet": "application/x-parquet", "csv": "text/csv"}
#: layout type -> (Croissant/schema.org dataType, isArray)
DATA_TYPES: dict[str, tuple[str, bool]] = {
    "string": ("sc:Text", False),
    "int32": ("cr:Int32", False),
    "int64": ("cr:Int64", False),
    "float64": ("cr:Float64", False),
    "boolean": ("sc:Boolean", False),
    "date": ("sc:Date", False),
    "timestamp": ("sc:DateTime", False),
    "list_string": ("sc:Text", True),
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_object(folder: Path, file: str, table: str, fmt: str) -> dict[str, Any]:
    path = folder / file
    what = "Parquet file" if fmt == "parquet" else "CSV export (the layout's CSV columns)"
    return {
        "@type": "cr:FileObject",
        "@id": file,
        "name": file,
        "description": f"The `{table}` table: {what}.",
        "contentUrl": file,
        "encodingFormat": ENCODING_FORMATS[fmt],
        "contentSize": f"{path.stat().st_size} B",
        "sha256": _sha256(path),
    }


def _record_set(table: str) -> dict[str, Any]:
    """The RecordSet of a table: one Field per layout field, read from the table's Parquet file."""
    spec = schema.table(table)
    fields = []
    for f in spec.fields:
        data_type, is_array = DATA_TYPES[f.type]
        fld: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{table}/{f.name}",
            "name": f.name,
            "description": f.description,
            "dataType": data_type,
            "source": {"fileObject": {"@id": f"{table}.parquet"}, "extract": {"column": f.name}},
        }
        if is_array:
            fld["isArray"] = True
            fld["arrayShape"] = "-1"
        fields.append(fld)
    out: dict[str, Any] = {"@type": "cr:RecordSet", "@id": table, "name": table, "description": spec.description}
    if spec.primary_key:
        out["key"] = {"@id": f"{table}/{spec.primary_key}"}
    out["field"] = fields
    return out


def cite_as(package: Mapping[str, Any]) -> str:
    """A BibTeX ``@misc`` entry naming the dataset and its version."""
    name, version = str(package.get("name", "dataset")), str(package.get("version", ""))
    year = str(package.get("created", ""))[:4]
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"{name}_{version}").strip("_")
    lines = [f"@misc{{{key},", f"  title = {{{package.get('title') or name}, version {version}}},",
             "  author = {{eventextract}},", f"  version = {{{version}}},"]
    if year.isdigit():
        lines.append(f"  year = {{{year}}},")
    lines.append(f"  note = {{Dataset {name}, version {version}}}")
    return "\n".join(lines) + "\n}"


def croissant_json(folder: Path, package: Mapping[str, Any], tables: Iterable[str]) -> dict[str, Any]:
    """The Croissant 1.1 JSON-LD of the release in ``folder``, from its data package (name,
    description, license, version, created) and the names of its tables (files
    ``<table>.parquet`` and, when present, ``<table>.csv``)."""
    folder = Path(folder)
    names = list(tables)
    licenses = package.get("licenses") or []
    distribution = []
    for table in names:
        for fmt in ("parquet", "csv"):
            if (folder / f"{table}.{fmt}").is_file():
                distribution.append(_file_object(folder, f"{table}.{fmt}", table, fmt))
    out: dict[str, Any] = {
        "@context": dict(CONTEXT),
        "@type": "sc:Dataset",
        "name": package.get("name"),
        "description": package.get("description", ""),
        "conformsTo": CONFORMS_TO,
        "license": licenses[0].get("path") or licenses[0].get("name") if licenses else None,
        "version": package.get("version"),
        "datePublished": package.get("created"),
        "citeAs": cite_as(package),
        "isLiveDataset": True,
        "creator": {"@type": "sc:Organization", "name": "eventextract"},
        "keywords": ["events", "PLOVER", "event data", "information extraction"],
        "distribution": distribution,
        "recordSet": [_record_set(t) for t in names],
    }
    return {k: v for k, v in out.items() if v is not None}


def write_croissant(folder: Path, package: Mapping[str, Any], tables: Iterable[str]) -> None:
    """Write ``folder/croissant.json`` (UTF-8, indented, trailing newline)."""
    doc = croissant_json(folder, package, tables)
    (Path(folder) / FILE_NAME).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
