"""End-to-end benchmark of ``eventextract run`` (the targets of runs of any size), in one run.

    python scripts/bench_runs.py [--words 400000] [--work DIR] [--skip-4x] [--skip-dask] [--skip-server] [--json]

1. Generates a corpus of about ``--words`` words from the project's own texts
   (``scripts/make_bench_corpus.py``; nothing from ../shared) and the same corpus 4 times over.
2. spaCy alone: ``nlp.pipe`` with the same model over the same texts (after ingest), in its own
   process: words/s.
3. ``eventextract run CORPUS --no-cache`` with the default runner, in its own process, its process
   tree's memory sampled every 0.2 s: wall time, words/s, ratio to spaCy alone, the peak RSS of the
   largest single process and of the whole tree (workers included; shared pages counted once per
   process, so the tree figure is an upper bound).
4. The same run again with the result cache (the incremental re-run): time, speed-up, and whether
   the rows and their order equal the first run's (every column except ``run_id``/``extracted_at``).
5. The 4x corpus: peak RSS against the 1x run.
6. ``--runner dask --workers 1`` and ``--workers 2`` (real dask.distributed LocalClusters): the
   time of the flow's analysis stage (``process + row checks``), the speed-up, and whether the rows
   equal the local run's.
7. Steps 3 and 4 against a started ``prefect server`` (``PREFECT_API_URL`` set, the way scheduled
   runs work): a run then does not start a temporary Prefect API of its own.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: columns that differ between two runs by design (``reused``: whether the result cache served the document)
VOLATILE = {"mentions": ["run_id", "extracted_at"], "events": ["run_id"], "documents": ["reused"], "quarantine": []}


def _role(proc: Any, root: int) -> str:
    """What a process of the run is: the flow (the CLI's own process), the temporary Prefect API, a
    worker, or something else."""
    import psutil

    if proc.pid == root:
        return "flow"
    try:
        cmd = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):  # ended, or not ours to read
        return "other"
    if "uvicorn" in cmd or "prefect.server" in cmd or "flows.api" in cmd:
        return "api"
    return "worker" if "python" in cmd.lower() else "other"


def tree_rss(pid: int) -> tuple[int, int, dict[str, int]]:
    """(largest single RSS, sum of RSS, largest RSS per role) in bytes over the process and its
    descendants."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0, {}
    sizes = []
    roles: dict[str, int] = {}
    for p in procs:
        try:
            rss = p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        sizes.append(rss)
        role = _role(p, pid)
        roles[role] = max(roles.get(role, 0), rss)
    return (max(sizes), sum(sizes), roles) if sizes else (0, 0, {})


def run_cli(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``eventextract ARGS``; wall time, peak memory, the release folder and the stage timings."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "eventextract"), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    peak = [0, 0]
    by_role: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            one, total, roles = tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], one), max(peak[1], total)
            for role, rss in roles.items():
                by_role[role] = max(by_role.get(role, 0), rss)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"eventextract {' '.join(args)} failed:\n{err[-3000:]}")
    stages: dict[str, float] = {}
    for line in err.splitlines():
        if "stage seconds: " in line:
            stages = json.loads(line.split("stage seconds: ", 1)[1])
    return {"seconds": round(seconds, 1), "peak_rss_mb_largest_process": round(peak[0] / 2**20),
            "peak_rss_mb_process_tree": round(peak[1] / 2**20),
            "peak_rss_mb_by_role": {k: round(v / 2**20) for k, v in sorted(by_role.items())},
            "release": out.strip().splitlines()[-1],
            "stages": {k: round(v, 1) for k, v in stages.items()}}


def same_rows(a: str, b: str) -> bool:
    import pyarrow.parquet as pq

    for table, cols in VOLATILE.items():
        ta = pq.read_table(Path(a) / f"{table}.parquet")
        tb = pq.read_table(Path(b) / f"{table}.parquet")
        drop = [c for c in cols if c in ta.column_names]
        if not ta.drop_columns(drop).equals(tb.drop_columns(drop)):
            return False
    return True


def spacy_alone(corpus: Path) -> dict[str, Any]:
    code = (
        "import json, sys, time\n"
        "from eventextract import ingest, nlp\n"
        "texts = [d.nlp_text for d in ingest.documents([sys.argv[1]]) if d.status == 'ok']\n"
        "model = nlp.load('auto')\n"
        "model(texts[0][:1000])\n"
        "t = time.perf_counter()\n"
        "for _ in model.pipe(texts): pass\n"
        "s = time.perf_counter() - t\n"
        "print(json.dumps({'documents': len(texts), 'words': sum(len(x.split()) for x in texts), 'seconds': s}))\n")
    res = subprocess.run([sys.executable, "-c", code, str(corpus)], capture_output=True, text=True, check=True)
    data = json.loads(res.stdout.strip().splitlines()[-1])
    data["words_per_s"] = round(data["words"] / data["seconds"])
    data["seconds"] = round(data["seconds"], 1)
    return data


def against_server(corpus: Path, env: dict[str, str], out: Any, reference: str) -> dict[str, Any]:
    """A first run (``--no-cache``) and a re-run (the result cache is already filled) against a
    started ``prefect server``: the re-run speed-up when no temporary API is started."""
    import socket

    sys.path.insert(0, str(ROOT))
    from flows.deployment import start_server, stop_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc, url = start_server(port)
    try:
        served = dict(env, PREFECT_API_URL=url)
        first = run_cli(["run", str(corpus), "--out", out("server-first"), "--no-cache"], served)
        again = run_cli(["run", str(corpus), "--out", out("server-again")], served)
    finally:
        stop_server(proc)
    return {"first_seconds": first["seconds"], "rerun_seconds": again["seconds"],
            "rerun_speedup": round(first["seconds"] / again["seconds"], 1),
            "same_rows_same_order": same_rows(reference, again["release"]) and same_rows(reference, first["release"])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=400_000)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "eventextract-bench")
    ap.add_argument("--skip-4x", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--skip-server", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_bench_corpus import generate

    work = args.work
    corpus1, corpus4 = work / f"corpus-{args.words}", work / f"corpus-{args.words}-x4"
    if not corpus1.is_dir():
        generate(corpus1, args.words)
    if not args.skip_4x and not corpus4.is_dir():
        for k in range(4):
            generate(corpus4 / f"copy-{k}", args.words, copy=k)
    env = dict(os.environ)
    cache = work / "cache"  # the built indexes are shared with the user's cache, the results are not
    cache.mkdir(parents=True, exist_ok=True)
    from eventextract.config import default_cache_dir

    runs = ("results", "releases")  # what runs store: this benchmark's own, emptied first
    for entry in Path(default_cache_dir()).iterdir() if Path(default_cache_dir()).is_dir() else []:
        if entry.name not in runs and not (cache / entry.name).exists():
            (cache / entry.name).symlink_to(entry.resolve())
    env["EVENTEXTRACT_CACHE"] = str(cache)
    import shutil

    for name in runs:
        shutil.rmtree(cache / name, ignore_errors=True)

    report: dict[str, Any] = {"corpus": str(corpus1), "cpu_cores": len(os.sched_getaffinity(0))}
    report["spacy_alone"] = spacy_alone(corpus1)
    words = report["spacy_alone"]["words"]

    def out(name: str) -> str:
        path = work / "out" / name
        shutil.rmtree(path, ignore_errors=True)
        return str(path)

    first = run_cli(["run", str(corpus1), "--out", out("first"), "--no-cache"], env)
    first["words_per_s"] = round(words / first["seconds"])
    first["ratio_to_spacy_alone"] = round(first["words_per_s"] / report["spacy_alone"]["words_per_s"], 2)
    report["run_1x"] = first
    # the first run with the cache on fills it; the re-run then reuses every document
    run_cli(["run", str(corpus1), "--out", out("fill")], env)
    again = run_cli(["run", str(corpus1), "--out", out("again")], env)
    report["rerun"] = {"seconds": again["seconds"], "speedup": round(first["seconds"] / again["seconds"], 1),
                       "same_rows_same_order": same_rows(first["release"], again["release"])}
    if not args.skip_4x:
        x4 = run_cli(["run", str(corpus4), "--out", out("x4"), "--no-cache"], env)
        x4["rss_vs_1x"] = round(x4["peak_rss_mb_largest_process"] / first["peak_rss_mb_largest_process"], 3)
        report["run_4x"] = x4
    if not args.skip_dask:
        dask = {}
        for n in (1, 2):
            dask[n] = run_cli(["run", str(corpus1), "--out", out(f"dask{n}"), "--no-cache", "--runner", "dask",
                               "--workers", str(n)], env)
        stage = "process + row checks"
        report["dask"] = {
            "workers_1": {"seconds": dask[1]["seconds"], "analysis_s": dask[1]["stages"].get(stage)},
            "workers_2": {"seconds": dask[2]["seconds"], "analysis_s": dask[2]["stages"].get(stage)},
            "analysis_speedup": (round(dask[1]["stages"][stage] / dask[2]["stages"][stage], 2)
                                 if dask[1]["stages"].get(stage) and dask[2]["stages"].get(stage) else None),
            "same_rows_as_local": same_rows(first["release"], dask[2]["release"])
            and same_rows(first["release"], dask[1]["release"])}
    if not args.skip_server:
        report["with_server"] = against_server(corpus1, env, out, first["release"])
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for k, v in report.items():
            print(f"{k}: {json.dumps(v)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
