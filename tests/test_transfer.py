"""Publishing a release to a release root and downloading it back, verified, against real servers
on 127.0.0.1: Python's http.server (with Range support, and told to misbehave) and moto's
standalone S3-API server."""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eventextract import catalog, publish
from eventextract.cli import app
from eventextract.download import download, verify_url
from eventextract.errors import ReleaseError, TransferError
from eventextract.transfer import publish_release

from test_publish import _release, reports, tables  # noqa: F401 - fixtures

VERSION = "2024.03.05"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that honours ``Range: bytes=N-`` and can misbehave: ``drop_once``
    names files whose first GET is cut off half-way (connection closed), ``ignore_range`` makes
    it answer every Range request with the whole file."""

    drop_once: set[str] = set()
    ignore_range = False
    requests: list[tuple[str, str | None]] = []

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = Path(self.translate_path(self.path))
        type(self).requests.append((self.path, self.headers.get("Range")))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and not self.ignore_range:
            start = int(rng[len("bytes="):].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        name = path.name
        if name in self.drop_once:
            self.drop_once.discard(name)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture()
def http_root(tmp_path):
    """A served folder ``www/`` (release root at ``www/releases/``) and its base URL."""
    www = tmp_path / "www"
    www.mkdir()
    handler = type("Handler", (RangeHandler,), {"drop_once": set(), "ignore_range": False, "requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield www, f"http://127.0.0.1:{server.server_address[1]}/releases/", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def local_release(tmp_path_factory, tables, reports) -> Path:  # noqa: F811
    return _release(tmp_path_factory.mktemp("out"), tables, reports).path


def _published(local_release: Path, www: Path) -> Path:
    publish_release(local_release, str(www / "releases"))
    return www / "releases" / VERSION


def _complete_releases(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_dir() and publish.verify_release(p).ok] if folder.exists() else []


def test_publish_to_local_folder_registers_last(local_release, tmp_path):
    root = tmp_path / "site" / "releases"
    url = publish_release(local_release, str(root))
    assert url.endswith(f"/{VERSION}/")
    assert publish.verify_release(root / VERSION).ok
    cat = catalog.load(root)
    assert cat.latest == VERSION and cat.get(VERSION).datapackage_sha256 == catalog.entry_for(local_release).datapackage_sha256
    assert "2024.03.05" in (root / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in root.iterdir()) == [VERSION, "catalog.json", "index.html"]
    with pytest.raises(ReleaseError) as err:
        publish_release(local_release, f"file://{root}")
    assert err.value.code == "E506"
    publish_release(local_release, f"file://{root}", force=True)
    assert len(catalog.load(root).releases) == 1 and publish.verify_release(root / VERSION).ok


def test_download_latest_reproduces_release(local_release, http_root, tmp_path):
    www, base, _ = http_root
    _published(local_release, www)
    dest = tmp_path / "dl"
    res = CliRunner().invoke(app, ["download", "latest", "--from", base, "--to", str(dest)])
    assert res.exit_code == 0, res.output
    folder = dest / VERSION
    assert res.output.strip().endswith(str(folder))
    assert sorted(p.name for p in dest.iterdir()) == [VERSION]
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, check=True)
    copied = set()
    for p in local_release.rglob("*"):
        if p.is_file():
            assert (folder / p.relative_to(local_release)).read_bytes() == p.read_bytes()
            copied.add(p.relative_to(local_release).as_posix())
    assert {"mentions.parquet", "mentions.csv", "events.parquet", "events.csv",
            "validation/events_mentions.json"} <= copied
    res = CliRunner().invoke(app, ["verify", base + VERSION + "/"])
    assert res.exit_code == 0 and "OK" in res.output


@pytest.mark.parametrize("name", ["events.csv", "mentions.csv"])
def test_changed_byte_is_refused(local_release, http_root, tmp_path, name):
    www, base, _ = http_root
    target = _published(local_release, www) / name
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    dest = tmp_path / "dl"
    res = CliRunner().invoke(app, ["download", "latest", "--from", base, "--to", str(dest)])
    assert res.exit_code == 1
    assert "E507" in res.output and name in res.output
    assert _complete_releases(dest) == [] and not (dest / VERSION).exists()
    assert not verify_url(base + VERSION).ok


def test_changed_datapackage_is_refused(local_release, http_root, tmp_path):
    www, base, _ = http_root
    dp = _published(local_release, www) / "datapackage.json"
    dp.write_text(dp.read_text(encoding="utf-8").replace('"version"', '"version" ', 1), encoding="utf-8")
    with pytest.raises(TransferError, match="datapackage.json"):
        download(VERSION, base, tmp_path / "dl")
    assert _complete_releases(tmp_path / "dl") == []


@pytest.mark.parametrize("name", ["events.parquet", "mentions.parquet"])
def test_truncated_file_is_refused(local_release, http_root, tmp_path, name):
    www, base, _ = http_root
    target = _published(local_release, www) / name
    target.write_bytes(target.read_bytes()[:-100])
    with pytest.raises(TransferError, match=name) as err:
        download("latest", base, tmp_path / "dl", retries=1)
    assert err.value.code == "E507"
    assert _complete_releases(tmp_path / "dl") == [] and list((tmp_path / "dl").iterdir()) == []


@pytest.mark.parametrize("ignore_range", [False, True])
def test_dropped_connection_is_resumed(local_release, http_root, tmp_path, ignore_range):
    www, base, handler = http_root
    _published(local_release, www)
    handler.drop_once = {"events.parquet", "README.md"}
    handler.ignore_range = ignore_range
    folder = download("latest", base, tmp_path / "dl")
    assert publish.verify_release(folder).ok and handler.drop_once == set()
    ranges = [r for path, r in handler.requests if path.endswith("/events.parquet")]
    assert len(ranges) == 2 and ranges[0] is None and ranges[1].startswith("bytes=")
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, check=True)


def test_unreachable_file_keeps_only_partial(local_release, http_root, tmp_path):
    www, base, _ = http_root
    (_published(local_release, www) / "README.md").unlink()
    with pytest.raises(TransferError, match="README.md"):
        download("latest", base, tmp_path / "dl", retries=0)
    assert _complete_releases(tmp_path / "dl") == []
    with pytest.raises(TransferError, match="not in"):
        download("1999.01.01", base, tmp_path / "dl")


@pytest.fixture()
def s3_server(monkeypatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL_S3": endpoint, "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.mark.slow  # moto's server takes a few seconds to answer its first requests
def test_publish_and_download_s3(local_release, s3_server, tmp_path):
    import fsspec

    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.mkdir("eventextract-test")
    url = publish_release(local_release, "s3://eventextract-test/releases")
    assert url == f"s3://eventextract-test/releases/{VERSION}/"
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    cat = catalog.loads(fs.cat_file("eventextract-test/releases/catalog.json"))
    assert cat.latest == VERSION
    assert fs.exists("eventextract-test/releases/index.html")
    with pytest.raises(ReleaseError) as err:
        publish_release(local_release, "s3://eventextract-test/releases")
    assert err.value.code == "E506"
    folder = download("latest", "s3://eventextract-test/releases", tmp_path / "dl")
    assert publish.verify_release(folder).ok
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, check=True)
    assert verify_url(f"s3://eventextract-test/releases/{VERSION}/").ok
    res = CliRunner().invoke(app, ["publish", str(local_release), "--to", "s3://eventextract-test/releases", "--force"])
    assert res.exit_code == 0, res.output


def test_flow_publishes_to_destination(local_release, tmp_path):
    """The flow's retried task calls publish_release; run_flow and the flow take ``publish_to``."""
    import importlib.util
    import inspect

    path = Path(__file__).resolve().parents[1] / "flows" / "flow.py"
    spec = importlib.util.spec_from_file_location("worktree_flow", path)
    flow_mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flow_mod)
    assert "publish_to" in inspect.signature(flow_mod.run_flow).parameters
    assert "publish_to" in inspect.signature(flow_mod.eventextract_flow.fn).parameters
    assert flow_mod.publish_to_destination.retries == 2
    url = flow_mod.publish_to_destination.fn(str(local_release), str(tmp_path / "site"), False)
    assert url.endswith(f"/{VERSION}/") and catalog.load(tmp_path / "site").latest == VERSION
