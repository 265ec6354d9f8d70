"""Verifying a release folder: every required file present, every file's sha256 as SHA256SUMS
says, every data package resource's size and hash as its file. Problems are reported (E502/E503),
never raised, so a caller can list them all."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema

_SUMS_LINE_RE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _release_files(folder: Path) -> list[str]:
    """All files of a release folder (POSIX relative paths, sorted), SHA256SUMS excluded."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != "SHA256SUMS")


@dataclass
class VerifyReport:
    """Outcome of ``verify_release``: ``ok`` when every checksum, size and required file matches."""

    release_dir: Path
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # files whose sha256 was checked

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_sha256sums(text: str) -> dict[str, str]:
    """``{file: hex}`` from a SHA256SUMS text (``sha256sum`` format); raises ValueError on a bad line."""
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _SUMS_LINE_RE.match(line)
        if not m:
            raise ValueError(f"SHA256SUMS line {n} is not '<sha256>  <file>'")
        out[m.group(2)] = m.group(1)
    return out


def _safe_rel(rel: str) -> bool:
    p = Path(rel)
    return not p.is_absolute() and ".." not in p.parts and rel.strip() != ""


#: Files every release holds (besides validation/*).
REQUIRED_FILES = ("mentions.parquet", "mentions.csv", "events.parquet", "events.csv", "documents.parquet", "documents.csv", "quarantine.parquet",
                  "quarantine.csv", "changes.parquet", "changes.csv", "CHANGES.md", "datapackage.json", "README.md",
                  "SHA256SUMS", "validation/summary.md")


def verify_release(release_dir: Path) -> VerifyReport:
    """Check a release folder: required files present, every file listed in SHA256SUMS with the
    right sha256, and every datapackage resource's ``bytes`` and ``hash`` matching its file.
    Problems are reported (with E502/E503 codes), never raised."""
    folder = Path(release_dir)
    report = VerifyReport(release_dir=folder)
    if not folder.is_dir():
        report.problems.append(f"E502: {folder} is not a folder")
        return report
    for rel in REQUIRED_FILES:
        if not (folder / rel).is_file():
            report.problems.append(f"E502: {rel} is missing")

    sums: dict[str, str] = {}
    if (folder / "SHA256SUMS").is_file():
        try:
            sums = parse_sha256sums((folder / "SHA256SUMS").read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            report.problems.append(f"E502: SHA256SUMS is not valid: {exc}")
    for rel, expected in sorted(sums.items()):
        if not _safe_rel(rel):
            report.problems.append(f"E502: SHA256SUMS lists a path outside the release: {rel}")
            continue
        path = folder / rel
        if not path.is_file():
            report.problems.append(f"E502: {rel} is listed in SHA256SUMS but missing")
            continue
        report.checked.append(rel)
        if sha256_file(path) != expected:
            report.problems.append(f"E503: checksum mismatch for {rel}")
    if sums:
        for rel in _release_files(folder):
            if rel not in sums:
                report.problems.append(f"E502: {rel} is not listed in SHA256SUMS")

    package_path = folder / "datapackage.json"
    if package_path.is_file():
        try:
            package = json.loads(package_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            report.problems.append(f"E502: datapackage.json is not valid JSON: {exc}")
            return report
        resources = package.get("resources") if isinstance(package, dict) else None
        if not isinstance(resources, list):
            report.problems.append("E502: datapackage.json has no resources list")
            return report
        names = {r.get("name") for r in resources if isinstance(r, dict)}
        for name in schema.table_names():
            if name not in names:
                report.problems.append(f"E502: datapackage.json has no resource {name!r}")
        for res in resources:
            if not isinstance(res, dict):
                report.problems.append("E502: datapackage.json has a resource that is not an object")
                continue
            _verify_resource(folder, res, report)
    return report


def _verify_resource(folder: Path, res: dict[str, Any], report: VerifyReport) -> None:
    name, rel = res.get("name"), res.get("path")
    if not isinstance(rel, str) or not _safe_rel(rel):
        report.problems.append(f"E502: resource {name!r} has no valid path")
        return
    path = folder / rel
    if not path.is_file():
        report.problems.append(f"E502: resource {name!r}: {rel} is missing")
        return
    size = path.stat().st_size
    if res.get("bytes") != size:
        report.problems.append(f"E503: resource {name!r}: {rel} has {size} bytes, datapackage says {res.get('bytes')}")
    digest = str(res.get("hash", ""))
    if not digest.startswith("sha256:"):
        report.problems.append(f"E502: resource {name!r} has no sha256 hash")
    elif digest.removeprefix("sha256:") != sha256_file(path):
        report.problems.append(f"E503: resource {name!r}: sha256 of {rel} differs from datapackage.json")
