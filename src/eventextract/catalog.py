"""The catalog of a release root: which releases exist, which is the latest, what each holds.

A release root (``OUT/releases/`` locally, or a published destination) holds one folder per
release and, beside them, ``catalog.json`` and ``index.html``. The catalog is the entry point of a
downloader (``eventextract download latest --from URL``): a release is published when, and only
when, the catalog names it, so the catalog is always written last and atomically (a temporary
file renamed into place), after every file of the release is complete.

``catalog.json``::

    {"catalog_version": 1, "name": "eventextract-events", "latest": "2026.12.02",
     "releases": [{"version": ..., "created": ..., "run_id": ..., "layout_version": ...,
                   "counts": {"events": n, "documents": n, "quarantine": n, ...},
                   "bytes": total bytes of the release's files,
                   "datapackage_sha256": sha256 of its datapackage.json,
                   "changes": {"since": previous version or null, "added": n, "removed": n,
                               "changed": n} or null}, ...]}

Releases are listed oldest first; ``latest`` is the most recently added. ``index.html`` lists the
same, newest first, as a static page that needs no server-side code.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CATALOG_NAME = "catalog.json"
INDEX_NAME = "index.html"
CATALOG_VERSION = 1
DATASET_NAME = "eventextract-events"


@dataclass
class ReleaseEntry:
    """One release as the catalog describes it."""

    version: str
    created: str
    run_id: str
    layout_version: str
    counts: dict[str, int]
    bytes: int
    datapackage_sha256: str
    changes: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReleaseEntry":
        return cls(version=str(data["version"]), created=str(data.get("created", "")),
                   run_id=str(data.get("run_id", "")), layout_version=str(data.get("layout_version", "")),
                   counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
                   bytes=int(data.get("bytes", 0)), datapackage_sha256=str(data.get("datapackage_sha256", "")),
                   changes=data.get("changes"))


@dataclass
class Catalog:
    """The releases of a release root, oldest first."""

    releases: list[ReleaseEntry] = field(default_factory=list)
    latest: str | None = None
    name: str = DATASET_NAME

    def get(self, version: str) -> ReleaseEntry | None:
        """The entry of ``version`` (``"latest"`` names the latest), or None."""
        if version == "latest":
            version = self.latest or ""
        return next((r for r in self.releases if r.version == version), None)

    def add(self, entry: ReleaseEntry) -> None:
        """Add or replace ``entry`` and make it the latest."""
        self.releases = [r for r in self.releases if r.version != entry.version] + [entry]
        self.latest = entry.version

    def to_json(self) -> dict[str, Any]:
        return {"catalog_version": CATALOG_VERSION, "name": self.name, "latest": self.latest,
                "releases": [asdict(r) for r in self.releases]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Catalog":
        if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
            raise ValueError("not an eventextract catalog (no 'releases' list)")
        return cls(releases=[ReleaseEntry.from_dict(r) for r in data["releases"]], latest=data.get("latest"),
                   name=str(data.get("name") or DATASET_NAME))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


def entry_for(release_dir: Path, changes: dict[str, Any] | None = None) -> ReleaseEntry:
    """The catalog entry of a complete release folder (read from its datapackage.json and files)."""
    folder = Path(release_dir)
    raw = (folder / "datapackage.json").read_bytes()
    package = json.loads(raw)
    meta = package.get("eventextract", {})
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return ReleaseEntry(version=str(package.get("version", folder.name)), created=str(package.get("created", "")),
                        run_id=str(meta.get("run_id", "")), layout_version=str(meta.get("layout_version", "")),
                        counts={str(k): int(v) for k, v in (meta.get("counts") or {}).items()}, bytes=total,
                        datapackage_sha256=hashlib.sha256(raw).hexdigest(),
                        changes=changes if changes is not None else meta.get("changes"))


def load(root: Path) -> Catalog:
    """The catalog of a local release root (empty when there is none yet)."""
    path = Path(root) / CATALOG_NAME
    if not path.exists():
        return Catalog()
    return Catalog.from_json(json.loads(path.read_text(encoding="utf-8")))


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(root: Path, catalog: Catalog) -> None:
    """Write ``index.html`` and then ``catalog.json`` of a local release root, each atomically."""
    root = Path(root)
    _atomic_write(root / INDEX_NAME, index_html(catalog))
    _atomic_write(root / CATALOG_NAME, catalog.dumps())


def register(root: Path, release_dir: Path, changes: dict[str, Any] | None = None) -> Catalog:
    """Add a complete release folder under ``root`` to its catalog (call with the root's write lock
    held, after the release is in place); returns the new catalog."""
    catalog = load(root)
    catalog.add(entry_for(release_dir, changes))
    save(root, catalog)
    return catalog


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def index_html(catalog: Catalog) -> str:
    """A static HTML page listing the releases, newest first, with counts, sizes, changes and links."""
    rows = []
    for r in reversed(catalog.releases):
        v = html.escape(r.version)
        ch = r.changes or {}
        change = (f"+{ch.get('added', 0)} / -{ch.get('removed', 0)} / ~{ch.get('changed', 0)} since "
                  f"{html.escape(str(ch.get('since')))}" if ch.get("since") else "first release")
        counts = ", ".join(f"{html.escape(k)}: {n}" for k, n in sorted(r.counts.items()))
        latest = " <strong>(latest)</strong>" if r.version == catalog.latest else ""
        rows.append(f"<tr><td><a href=\"{v}/\">{v}</a>{latest}</td><td>{html.escape(r.created)}</td>"
                    f"<td>{counts}</td><td>{_size(r.bytes)}</td><td>{change}</td>"
                    f"<td><a href=\"{v}/README.md\">card</a> · <a href=\"{v}/datapackage.json\">datapackage</a>"
                    f" · <a href=\"{v}/SHA256SUMS\">SHA256SUMS</a></td></tr>")
    name = html.escape(catalog.name)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{name} releases</title></head><body>\n<h1>{name} releases</h1>\n"
            f"<p>Latest: <a href=\"{html.escape(catalog.latest or '')}/\">{html.escape(catalog.latest or '(none)')}</a>."
            " Machine-readable list: <a href=\"catalog.json\">catalog.json</a>. Download and verify with "
            "<code>eventextract download latest --from URL --to DIR</code>.</p>\n"
            "<table border=\"1\" cellpadding=\"4\"><thead><tr><th>version</th><th>created</th><th>rows</th>"
            "<th>size</th><th>changes</th><th>files</th></tr></thead>\n<tbody>\n" + "\n".join(rows)
            + "\n</tbody></table>\n</body></html>\n")


def loads(data: bytes | str) -> Catalog:
    """A catalog from the bytes (or text) of a ``catalog.json``; raises ValueError when it is not one."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return Catalog.from_json(json.loads(text))
