"""Publish a release to where people download it: a local folder or any fsspec URL (``s3://``...).

``publish_release(release_dir, to_url)`` copies a complete, verified local release folder to a
destination release root and registers it there, in this order:

1. upload every file under ``<root>/<version>/``. Where the backend can rename (a local path,
   ``file://``, anything that is not an object store) the files go to ``<root>/.tmp-<version>-<id>/``
   first and the folder is renamed into place; on object stores (``s3://``, ``gs://``...) they are
   written to their final keys directly, which is safe because nothing points at them yet;
2. check that every uploaded file has the size of the local one;
3. commit, last: read the destination's ``catalog.json`` (empty when there is none), add the
   release's entry (``catalog.entry_for``; its ``changes`` come from the release's datapackage
   ``eventextract.changes`` when present) and write ``index.html`` and then ``catalog.json``.

A reader never sees a half-published release, because the catalog names it only at the end.
A version the destination already has (in its catalog or as a folder) is refused with E506 unless
``force``. Credentials come only from the backend's usual environment and configuration files
(for S3: ``AWS_*`` variables, ``~/.aws/``, ``AWS_ENDPOINT_URL_S3`` for another S3-API server);
nothing is written anywhere. A local destination is written under the release root's lock (as a
run does); remote destinations expect one publisher at a time.

The download side (``download``, ``verify_url``) is in ``download.py``.
"""
from __future__ import annotations

import os
import posixpath
import uuid
from pathlib import Path
from typing import Any

from . import catalog
from .errors import ReleaseError, TransferError

#: fsspec protocols of object stores: no real rename, so files are written to their final keys
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oci", "r2"})


def is_url(target: str) -> bool:
    """True when ``target`` names a URL (``scheme://...``) rather than a local path."""
    return "://" in str(target)


def open_root(url: str) -> tuple[Any, str]:
    """``(filesystem, root path)`` of a release root given as a local path or an fsspec URL.

    fsspec imports the backend (``s3fs`` for ``s3://``) only when the URL needs it."""
    import fsspec

    target = str(url)
    if not is_url(target):
        target = str(Path(target).expanduser().resolve())
    try:
        fs, path = fsspec.core.url_to_fs(target)
    except ImportError as exc:
        raise TransferError("E507", f"no fsspec backend for {url}: {exc} (for s3:// install eventextract[s3])") from exc
    except ValueError as exc:
        raise TransferError("E507", f"{url} is not a URL fsspec can open: {exc}") from exc
    return fs, path.rstrip("/") or path


def _protocols(fs: Any) -> set[str]:
    proto = fs.protocol
    return {proto} if isinstance(proto, str) else set(proto)


def _is_local(fs: Any) -> bool:
    return bool(_protocols(fs) & {"file", "local"})


def _can_rename(fs: Any) -> bool:
    return not (_protocols(fs) & OBJECT_STORES)


def read_catalog(fs: Any, root: str) -> catalog.Catalog:
    """The catalog of a release root on ``fs`` (empty when it has none)."""
    path = posixpath.join(root, catalog.CATALOG_NAME)
    try:
        data = fs.cat_file(path)
    except FileNotFoundError:
        return catalog.Catalog()
    try:
        return catalog.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransferError("E507", f"{path} is not a valid catalog: {exc}") from exc


def _local_files(release_dir: Path) -> list[str]:
    return sorted(p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*") if p.is_file())


def publish_release(release_dir: Path | str, to_url: str, *, force: bool = False) -> str:
    """Copy the complete release folder ``release_dir`` to the release root ``to_url`` (a local
    path or an fsspec URL) and register it in the root's ``catalog.json`` and ``index.html``,
    last. Returns the URL (or path) of the published release folder.

    Refuses a release folder that does not verify (E502/E503) and a version the destination
    already has unless ``force`` (E506); an upload that fails or ends with a size that differs
    from the local file's raises E507, and the catalog is then left as it was.
    """
    from .publish import verify_release

    folder = Path(release_dir)
    report = verify_release(folder)
    if not report.ok:
        raise ReleaseError("E502", f"{folder} is not a complete release: {report.problems[0]}")
    entry = catalog.entry_for(folder)
    fs, root = open_root(to_url)
    if _is_local(fs):
        from .publish import release_lock

        Path(root).mkdir(parents=True, exist_ok=True)
        with release_lock(Path(root)):
            _publish(fs, root, folder, entry, force=force)
    else:
        _publish(fs, root, folder, entry, force=force)
    return f"{str(to_url).rstrip('/')}/{entry.version}/"


def _publish(fs: Any, root: str, folder: Path, entry: catalog.ReleaseEntry, *, force: bool) -> None:
    version = entry.version
    target = posixpath.join(root, version)
    existing = read_catalog(fs, root)
    if not force and (existing.get(version) is not None or fs.exists(target)):
        raise ReleaseError("E506", f"release {version} already exists at {root} (use --force to replace it)")
    files = _local_files(folder)
    try:
        if _can_rename(fs):
            _upload_and_rename(fs, root, folder, files, version)
        else:
            if fs.exists(target):
                fs.rm(target, recursive=True)
            _upload(fs, folder, files, target)
        fs.invalidate_cache()
        _check_sizes(fs, folder, files, target)
        # commit, last: the release is published once the catalog names it
        current = read_catalog(fs, root)
        current.add(entry)
        _write_text(fs, root, catalog.INDEX_NAME, catalog.index_html(current))
        _write_text(fs, root, catalog.CATALOG_NAME, current.dumps())
    except OSError as exc:
        raise TransferError("E507", f"publishing {version} to {root} failed: {type(exc).__name__}: {exc}") from exc


def _upload(fs: Any, folder: Path, files: list[str], dest: str) -> None:
    for rel in files:
        remote = posixpath.join(dest, rel)
        parent = posixpath.dirname(remote)
        if _can_rename(fs):
            fs.makedirs(parent, exist_ok=True)
        fs.put_file(str(folder / rel), remote)


def _upload_and_rename(fs: Any, root: str, folder: Path, files: list[str], version: str) -> None:
    """Upload into ``<root>/.tmp-<version>-<id>/`` and rename it to ``<root>/<version>``; a
    release being replaced (``force``) is renamed aside first and removed after the swap."""
    fs.makedirs(root, exist_ok=True)
    tmp = posixpath.join(root, f".tmp-{version}-{uuid.uuid4().hex[:8]}")
    target = posixpath.join(root, version)
    old = None
    try:
        _upload(fs, folder, files, tmp)
        if _is_local(fs):
            for path in [Path(tmp), *Path(tmp).rglob("*")]:
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
        if fs.exists(target):
            old = posixpath.join(root, f".old-{version}-{uuid.uuid4().hex[:8]}")
            fs.mv(target, old, recursive=True)
        fs.mv(tmp, target, recursive=True)
    except BaseException:
        if fs.exists(tmp):
            fs.rm(tmp, recursive=True)
        if old is not None and not fs.exists(target):
            fs.mv(old, target, recursive=True)
        raise
    if old is not None:
        fs.rm(old, recursive=True)


def _check_sizes(fs: Any, folder: Path, files: list[str], target: str) -> None:
    for rel in files:
        remote = posixpath.join(target, rel)
        want = (folder / rel).stat().st_size
        try:
            got = fs.info(remote).get("size")
        except FileNotFoundError:
            got = None
        if got != want:
            raise TransferError("E507", f"uploaded {rel} has {got} bytes at {remote}, expected {want}")


def _write_text(fs: Any, root: str, name: str, text: str) -> None:
    """Write one file of the root: through a temporary name and a rename where the backend can
    rename, directly otherwise (an object store's PUT replaces an object atomically)."""
    path = posixpath.join(root, name)
    data = text.encode("utf-8")
    if not _can_rename(fs):
        fs.pipe_file(path, data)
        return
    tmp = posixpath.join(root, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
    fs.pipe_file(tmp, data)
    if _is_local(fs):
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    else:
        fs.mv(tmp, path)
