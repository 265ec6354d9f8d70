"""Download a published release and verify it: nothing that does not verify looks like a release.

``download(version, from_url, to_dir)`` reads ``<from_url>/catalog.json`` (``http(s)://`` with the
standard library's urllib; a local path or any other scheme through fsspec), resolves ``latest``,
fetches ``<version>/datapackage.json`` (its sha256 must equal the catalog's
``datapackage_sha256``) and ``<version>/SHA256SUMS``, then every file SHA256SUMS lists, into
``to_dir/.partial-<version>/``. An interrupted file is resumed with an HTTP ``Range`` request
(fetched whole again when the server ignores Range); connection errors and 5xx answers are
retried ``retries`` times with a short back-off. Every file's size (datapackage ``bytes``) and
sha256 (datapackage ``hash`` and SHA256SUMS) is then checked, and ``publish.verify_release`` run
on the folder; only when all of it matches is the folder renamed to ``to_dir/<version>/``.

On failure the error (E507) names the file. What is left behind:

- a file whose size or sha256 does not match: the whole ``.partial-<version>/`` folder is
  removed (bad bytes are never resumed from);
- a connection that still fails after the retries: ``.partial-<version>/`` is kept, under that
  hidden name, so the next ``download`` of the same version resumes where this one stopped.

Either way ``to_dir`` holds no folder named like a release that is not complete and verified.
"""
from __future__ import annotations

import http.client
import json
import os
import posixpath
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import catalog
from .errors import ReleaseError, TransferError
from .publish import VerifyReport, parse_sha256sums, sha256_file, verify_release
from .transfer import is_url, open_root

_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
CHUNK = 1 << 16
TIMEOUT = 30.0
#: what a retry may cure: dropped or refused connections, truncated bodies, timeouts
_RETRYABLE = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError)


class _Failed(Exception):
    """A file that cannot be fetched (no retry helps: 404, 403...)."""


@dataclass
class _Source:
    """Where a release root is read from: ``http(s)`` through urllib, anything else through fsspec."""

    url: str
    fs: Any = None
    root: str = ""

    @classmethod
    def open(cls, url: str) -> "_Source":
        url = str(url)
        if url.startswith(("http://", "https://")):
            return cls(url=url.rstrip("/") + "/")
        fs, root = open_root(url)
        return cls(url=url, fs=fs, root=root)

    def where(self, rel: str) -> str:
        return self.url + rel if self.fs is None else posixpath.join(self.root, rel)

    def fetch(self, rel: str, dest: Path, size: int | None) -> None:
        """Fetch one file into ``dest``, continuing a partial ``dest`` from where it stops."""
        have = dest.stat().st_size if dest.exists() else 0
        if size is not None and have > size:
            dest.unlink()
            have = 0
        if size is not None and have == size and have:
            return
        if self.fs is None:
            self._fetch_http(rel, dest, have)
        else:
            self._fetch_fs(rel, dest, have)

    def _fetch_http(self, rel: str, dest: Path, have: int) -> None:
        req = urllib.request.Request(self.where(rel), headers={"User-Agent": "eventextract-download"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        try:
            resp = urllib.request.urlopen(req, timeout=TIMEOUT)  # noqa: S310 - http(s) only, checked above
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # our partial file is no prefix of theirs: start again
                dest.unlink()
                raise ConnectionError("range not satisfiable; fetching the whole file again") from exc
            if exc.code >= 500:
                raise
            raise _Failed(f"HTTP {exc.code} {exc.reason}") from exc
        with resp:
            resume = have and resp.status == 206 and str(resp.headers.get("Content-Range", "")).startswith(
                f"bytes {have}-")
            expected = resp.headers.get("Content-Length")
            got = 0
            with dest.open("ab" if resume else "wb") as out:
                for chunk in iter(lambda: resp.read(CHUNK), b""):
                    out.write(chunk)
                    got += len(chunk)
            if expected is not None and got != int(expected):
                raise http.client.IncompleteRead(b"", int(expected) - got)

    def _fetch_fs(self, rel: str, dest: Path, have: int) -> None:
        try:
            src = self.fs.open(self.where(rel), "rb")
        except FileNotFoundError as exc:
            raise _Failed("not found") from exc
        with src, dest.open("ab" if have else "wb") as out:
            if have:
                src.seek(have)
            for chunk in iter(lambda: src.read(CHUNK), b""):
                out.write(chunk)

    def fetch_retrying(self, rel: str, dest: Path, size: int | None, retries: int) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(retries + 1):
            try:
                self.fetch(rel, dest, size)
                return
            except _Failed as exc:
                raise TransferError("E507", f"cannot fetch {rel} from {self.where(rel)}: {exc}") from exc
            except _RETRYABLE as exc:
                if attempt == retries:
                    raise TransferError("E507", f"cannot fetch {rel} from {self.where(rel)} after {retries + 1} "
                                                f"attempts: {type(exc).__name__}: {exc}", resumable=True) from exc
                time.sleep(min(0.2 * 2 ** attempt, 5.0))

    def read_bytes(self, rel: str, retries: int) -> bytes:
        with tempfile.TemporaryDirectory(prefix="eventextract-get-") as tmp:
            path = Path(tmp) / "file"
            self.fetch_retrying(rel, path, None, retries)
            return path.read_bytes()


def resolve(source: _Source, version: str, retries: int) -> catalog.ReleaseEntry:
    """The catalog entry of ``version`` (``latest`` resolved) at ``source``."""
    try:
        cat = catalog.loads(source.read_bytes(catalog.CATALOG_NAME, retries))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransferError("E507", f"{source.where(catalog.CATALOG_NAME)} is not a valid catalog: {exc}") from exc
    entry = cat.get(version)
    if entry is None:
        known = ", ".join(r.version for r in cat.releases) or "none"
        raise TransferError("E507", f"release {version!r} is not in {source.where(catalog.CATALOG_NAME)} "
                                   f"(releases: {known})")
    if not _VERSION_RE.match(entry.version) or entry.version in (".", ".."):
        raise TransferError("E507", f"the catalog names a release {entry.version!r} that is no valid folder name")
    return entry


def download(version: str, from_url: str, to_dir: Path | str, *, retries: int = 3) -> Path:
    """Download release ``version`` (or ``latest``) from the release root ``from_url`` into
    ``to_dir/<version>/``, verified; returns that folder. Raises ``ReleaseError`` (E507, naming the
    file) when a file cannot be fetched or does not match, E501 when ``to_dir/<version>`` exists."""
    source = _Source.open(from_url)
    entry = resolve(source, version, retries)
    to_dir = Path(to_dir)
    target = to_dir / entry.version
    if target.exists():
        raise ReleaseError("E501", f"{target} already exists (remove it to download {entry.version} again)")
    partial = to_dir / f".partial-{entry.version}"
    partial.mkdir(parents=True, exist_ok=True)
    try:
        _fetch_release(source, entry, partial, retries)
    except TransferError as exc:
        if not exc.resumable:  # keep only what the next download may resume from
            shutil.rmtree(partial, ignore_errors=True)
        raise
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.replace(partial, target)
    return target


def _fetch_release(source: _Source, entry: catalog.ReleaseEntry, partial: Path, retries: int) -> None:
    """Fetch and check every file of ``entry`` into ``partial``: the data package against the
    catalog, then each file SHA256SUMS lists against its size and both recorded hashes."""
    v = entry.version
    dp_path = partial / "datapackage.json"
    if not (dp_path.exists() and sha256_file(dp_path) == entry.datapackage_sha256):
        dp_path.unlink(missing_ok=True)  # whatever an earlier download left
        source.fetch_retrying(f"{v}/datapackage.json", dp_path, None, retries)
    if sha256_file(dp_path) != entry.datapackage_sha256:
        raise TransferError("E507", f"{v}/datapackage.json: sha256 differs from the catalog's datapackage_sha256")
    try:
        package = json.loads(dp_path.read_text(encoding="utf-8"))
        by_path = {r["path"]: r for r in package.get("resources", []) if isinstance(r, dict) and "path" in r}
    except (ValueError, UnicodeDecodeError, AttributeError) as exc:
        raise TransferError("E507", f"{v}/datapackage.json is not a valid data package: {exc}") from exc
    sums_path = partial / "SHA256SUMS"
    sums_path.unlink(missing_ok=True)
    source.fetch_retrying(f"{v}/SHA256SUMS", sums_path, None, retries)
    try:
        sums = parse_sha256sums(sums_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransferError("E507", f"{v}/SHA256SUMS is not valid: {exc}") from exc
    for rel, digest in sorted(sums.items()):
        dest = partial / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise TransferError("E507", f"{v}/SHA256SUMS lists a path outside the release: {rel}")
        res = by_path.get(rel, {})
        size = res.get("bytes") if isinstance(res.get("bytes"), int) else None
        if rel != "datapackage.json":
            source.fetch_retrying(f"{v}/{rel}", dest, size, retries)
        _check_file(v, rel, dest, size, digest, str(res.get("hash", "")))
    report = verify_release(partial)
    if not report.ok:
        raise TransferError("E507", f"{v}: {report.problems[0]}")


def _check_file(version: str, rel: str, path: Path, size: int | None, digest: str, dp_hash: str) -> None:
    got_size = path.stat().st_size
    if size is not None and got_size != size:
        raise TransferError("E507", f"{version}/{rel}: {got_size} bytes, the data package says {size}")
    got = sha256_file(path)
    if got != digest:
        raise TransferError("E507", f"{version}/{rel}: sha256 differs from SHA256SUMS")
    if dp_hash.startswith("sha256:") and dp_hash.removeprefix("sha256:") != got:
        raise TransferError("E507", f"{version}/{rel}: sha256 differs from datapackage.json")


def split_release_url(url: str) -> tuple[str, str]:
    """``(release root, version)`` of a release URL ``<root>/<version>[/]`` (``latest`` allowed)."""
    trimmed = str(url).rstrip("/")
    root, _, version = trimmed.rpartition("/")
    if not root or not version or root.endswith(":/"):
        raise TransferError("E507", f"{url} is not a release URL (<release root>/<version>/)")
    return root, version


def verify_url(url: str, *, retries: int = 3) -> VerifyReport:
    """Verify the release at ``url`` (``<release root>/<version>/``) by downloading it into a
    temporary folder (removed after); problems are reported, never raised."""
    root, version = split_release_url(url)
    with tempfile.TemporaryDirectory(prefix="eventextract-verify-") as tmp:
        try:
            path = download(version, root, tmp, retries=retries)
        except ReleaseError as exc:
            return VerifyReport(release_dir=Path(url), problems=[str(exc)])
        report = verify_release(path)
        return VerifyReport(release_dir=Path(url), problems=report.problems, checked=report.checked)


__all__ = ["download", "verify_url", "split_release_url", "resolve", "is_url"]
