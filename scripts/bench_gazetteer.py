#!/usr/bin/env python
"""Benchmark the gazetteer index: build time, lookup latency, peak memory, size on disk.

    python scripts/bench_gazetteer.py [--cache DIR] [--rebuild] [--n 20000]

The build runs in a child process (its peak memory is reported separately), then this process opens
the index and times lookups of real names sampled from the index plus misses.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=None, help="cache folder (default: a fresh temp folder)")
    ap.add_argument("--n", type=int, default=20000, help="number of lookups")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="gazbench-"))
    code = ("import resource,time,json,sys;from pathlib import Path;from eventextract.gazetteer import Gazetteer;"
            "t=time.perf_counter();g=Gazetteer.open(Path(sys.argv[1]));"
            "print(json.dumps({'seconds':time.perf_counter()-t,'path':str(g.path),'version':g.version,"
            "'peak_rss_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))")
    out = subprocess.run([sys.executable, "-c", code, str(cache)], check=True, capture_output=True, text=True)
    build = json.loads(out.stdout.strip().splitlines()[-1])

    from eventextract.gazetteer import Gazetteer

    t = time.perf_counter()
    gaz = Gazetteer.open(cache)
    open_s = time.perf_counter() - t
    con = sqlite3.connect(gaz.path)
    keys = [r[0] for r in con.execute("SELECT key FROM names")]
    con.close()
    rng = random.Random(7)
    names = rng.sample(keys, min(args.n, len(keys))) + [f"nowhere{i}" for i in range(args.n // 10)]
    rng.shuffle(names)
    lat = []
    for name in names:
        t = time.perf_counter()
        gaz.lookup(name)
        lat.append((time.perf_counter() - t) * 1e6)
    lat.sort()
    result = {
        "version": gaz.version,
        "build_seconds": round(build["seconds"], 2),
        "build_peak_rss_mb": round(build["peak_rss_mb"], 1),
        "open_seconds": round(open_s, 4),
        "lookups": len(lat),
        "lookup_mean_us": round(statistics.fmean(lat), 1),
        "lookup_p99_us": round(lat[int(0.99 * (len(lat) - 1))], 1),
        "lookup_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "index_mb": round(os.path.getsize(gaz.path) / 2**20, 1),
        "names_indexed": len(keys),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
