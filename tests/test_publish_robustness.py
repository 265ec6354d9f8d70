"""Publishing under stress: concurrent writers, writers killed with SIGKILL at random moments,
a full disk (a file-size limit) and an output folder that cannot be written.

The writers are real processes publishing the tables of a real release (made once by the
pipeline), so the lock, the temporary folders and the renames are exercised as in a run."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow

#: publishes the tables in SRC (``copies`` times the mentions and events, to make the write take a while)
WRITER = r"""
import datetime as dt, resource, signal, sys
from pathlib import Path
import pyarrow as pa, pyarrow.parquet as pq
from eventextract.publish import write_release
from eventextract.errors import ReleaseError
src, out, version, force, copies, fsize = sys.argv[1], sys.argv[2], sys.argv[3] or None, sys.argv[4] == "1", int(sys.argv[5]), int(sys.argv[6])
tables = {n: pq.read_table(Path(src) / f"{n}.parquet") for n in ("mentions", "events", "documents", "quarantine")}
for n in ("mentions", "events"):
    tables[n] = pa.concat_tables([tables[n]] * copies)
if fsize:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
print("ready", flush=True)
try:
    info = write_release(Path(out), mentions=tables["mentions"], events=tables["events"], documents=tables["documents"],
                         quarantine=tables["quarantine"], version=version, force=force, run_id="run-test",
                         sources=[], validation={}, settings_info={},
                         created=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc))
except ReleaseError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
print(info.path, flush=True)
"""


def _writer(src: Path, out: Path, version: str = "", force: bool = False, copies: int = 1,
            fsize: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(src), str(out), version, "1" if force else "0",
                             str(copies), str(fsize)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _releases(out: Path) -> list[Path]:
    root = out / "releases"
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []


def _assert_every_release_verifies(out: Path) -> None:
    from eventextract.publish import verify_release

    for rel in _releases(out):
        report = verify_release(rel)
        assert report.ok, (rel, report.problems)


@pytest.fixture(scope="module")
def source_release(tmp_path_factory) -> Path:
    from eventextract import pipeline
    from eventextract.config import Settings

    d = tmp_path_factory.mktemp("src")
    (d / "in").mkdir()
    (d / "in" / "a.txt").write_text("On 3 May 1999 NATO aircraft bombed a bridge in Novi Sad. Serbian forces "
                                    "shelled the village of Drenica two days later.\n", encoding="utf-8")
    info = pipeline.run([d / "in"], d / "out", version="src",
                        settings=Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"])))
    # something to publish: the writers copy these tables
    assert info.counts["mentions"] >= 2 and info.counts["events"] >= 1, info.counts
    return Path(info.path)


def test_two_concurrent_runs_get_distinct_valid_releases(source_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(3):
        procs = [_writer(source_release, out, copies=20) for _ in range(2)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [r[1] for r in results]
        paths = [r[0].split()[-1] for r in results]
        assert len(set(paths)) == 2
    assert [p.name for p in _releases(out)] == ["2026.01.02"] + [f"2026.01.02.{i}" for i in range(1, 6)]
    _assert_every_release_verifies(out)


def test_same_explicit_version_twice_at_once_one_wins_one_says_why(source_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [_writer(source_release, out, version="v1", copies=20) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert sorted(p.returncode for p in procs) == [0, 3]
    assert any("E501" in r[1] for r in results)
    _assert_every_release_verifies(out)


def test_killed_writers_leave_nothing_that_passes_for_a_release(source_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rng = random.Random(20261202)
    first = _writer(source_release, out, version="base")
    assert first.wait(timeout=120) == 0
    for i in range(12):
        force = i % 2 == 1  # half of the kills hit a --force replacement of an existing release
        proc = _writer(source_release, out, version="base" if force else f"k{i}", force=force, copies=40)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
        _assert_every_release_verifies(out)
        # a killed --force leaves the release it replaces in place, or set aside for the next writer to restore
        assert (out / "releases" / "base").is_dir() or \
            any((p / "release").is_dir() for p in (out / "releases").glob(".old-base-*"))
    # the next run cleans up and succeeds
    after = _writer(source_release, out, version="after")
    stdout, stderr = after.communicate(timeout=120)
    assert after.returncode == 0, stderr
    assert not [p.name for p in (out / "releases").iterdir() if p.name.startswith((".tmp-", ".old-"))]
    assert (out / "releases" / "base").is_dir()
    _assert_every_release_verifies(out)


def test_full_disk_fails_with_a_clear_error_and_no_partial_release(source_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _writer(source_release, out, version="full", copies=5, fsize=20_000)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 3
    assert "E504" in stderr and "File too large" in stderr
    assert _releases(out) == []
    assert not [p for p in (out / "releases").iterdir() if p.name.startswith(".tmp-")]


def test_unwritable_output_fails_before_any_work(tmp_path: Path) -> None:
    from eventextract import pipeline
    from eventextract.errors import ReleaseError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ReleaseError, match="E504"):
        pipeline.run([tmp_path], blocker / "out")
    assert time.monotonic() - started < 5  # nothing was analysed
