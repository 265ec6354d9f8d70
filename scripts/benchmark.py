"""Throughput and memory of the pipeline against a spaCy-only baseline, measured in the same run.

    python scripts/benchmark.py [INPUT ...] [--repeat N] [--json]

Default input: ../shared/corpus/seeds when present, else the bundled sample corpus. Reports words/s
of (1) spaCy alone (nlp.pipe over the same texts, before and after, averaged) and (2) the library
pipeline after ingest (``pipeline.process_documents``: nlp.pipe + extract, dates, places, rows),
the overhead of our stages over spaCy, the time of each stage's document-level call, the time of
the merge of mentions into events (``aggregate``), a first and a repeated ``pipeline.process_files``
over the input files with an empty result cache of its own (the repeat reuses every document:
the incremental re-run), and the peak RSS of this process. The targets are checked here, not in unit tests: the exit code is 1 when
the overhead over spaCy exceeds --max-overhead or the peak RSS exceeds --max-rss-mb.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the input (more text, steadier figures)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--max-overhead", type=float, default=0.5,
                    help="target: our stages may add at most this fraction to spaCy's time (default 0.5)")
    ap.add_argument("--max-rss-mb", type=float, default=1500, help="target: peak RSS in MB (default 1500)")
    args = ap.parse_args(argv)

    from eventextract import ingest, pipeline
    from eventextract.config import Settings

    seeds = ROOT.parent / "shared" / "corpus" / "seeds"
    inputs = args.inputs or [str(seeds if seeds.is_dir() else pipeline.sample_corpus_dir())]
    settings = Settings()

    t0 = time.perf_counter()
    resources = pipeline.load_resources(settings)
    load_s = time.perf_counter() - t0
    docs = [d for d in ingest.documents(inputs) if d.status == "ok"] * args.repeat
    n_words = sum(len(d.nlp_text.split()) for d in docs)

    def spacy_only() -> float:
        t = time.perf_counter()
        for _ in resources.nlp.pipe((d.nlp_text for d in docs), batch_size=settings.batch_size):
            pass
        return time.perf_counter() - t

    resources.nlp(docs[0].nlp_text[:2000])  # warm-up
    spacy_runs = [spacy_only()]

    # the product's own path: nlp.pipe in batches + pipeline.analyse (extract, dates, places, rows)
    now = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    n_events = sum(len(r.events) for r in pipeline.process_documents(iter(docs), resources, "bench", now))
    full_s = time.perf_counter() - t0
    spacy_runs.append(spacy_only())  # baseline before and after the full run, averaged
    spacy_s = sum(spacy_runs) / len(spacy_runs)

    # where the time after spaCy goes: each rule stage's call, on parses made once
    from eventextract.context import DocContext
    from eventextract.dates import find_timexes
    from eventextract.events import extract_events
    from eventextract.places import resolve_places

    stage = {"dates.find_timexes": 0.0, "places.resolve_places": 0.0, "events.extract_events": 0.0}
    for sdoc, d in resources.nlp.pipe(((d.nlp_text, d) for d in docs[: len(docs) // args.repeat]), as_tuples=True,
                                      batch_size=settings.batch_size):
        ctx = DocContext.build(sdoc, published=d.published, title=d.title)
        for name, call in (("dates.find_timexes", lambda: find_timexes(ctx, resources.dates)),
                           ("places.resolve_places", lambda: resolve_places(ctx, resources.places)),
                           ("events.extract_events", lambda: extract_events(ctx, resources.events))):
            t = time.perf_counter()
            call()
            stage[name] += time.perf_counter() - t

    # the merge of mentions into events, over the mentions of the timed run
    from eventextract.aggregate import aggregate
    from eventextract.publish import to_table

    mentions = to_table([e for r in pipeline.process_documents(iter(docs[: len(docs) // args.repeat]), resources,
                                                               "bench", now) for e in r.events], "mentions")
    t0 = time.perf_counter()
    agg = aggregate(mentions, run_id="bench", extractor_version="bench")
    aggregate_s = time.perf_counter() - t0

    # incremental re-run: the same files twice through process_files with a result cache of its own
    import dataclasses
    import tempfile

    with tempfile.TemporaryDirectory(prefix="eventextract-bench-") as tmp:
        cache = Path(tmp)
        for entry in Path(settings.cache_dir).iterdir():  # share the built indexes, not the results
            if entry.name not in ("results", "releases"):
                (cache / entry.name).symlink_to(entry.resolve())
        cached = dataclasses.replace(settings, cache_dir=cache)
        files = list(ingest.discover(inputs))
        t0 = time.perf_counter()
        pipeline.process_files(files, cached, "bench", now)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = pipeline.process_files(files, cached, "bench", now)
        rerun_s = time.perf_counter() - t0
        assert all(d["reused"] for d in again.documents if d["status"] == "ok")

    res = {
        "input": inputs, "documents": len(docs), "words": n_words, "events": n_events,
        "load_components_s": round(load_s, 2),
        "spacy_only_words_per_s": round(n_words / spacy_s),
        "pipeline_words_per_s": round(n_words / full_s),
        "overhead_vs_spacy": round(full_s / spacy_s - 1, 3),
        "stage_seconds_one_pass": {k: round(v, 3) for k, v in stage.items()},
        "aggregate_one_pass": {"mentions": mentions.num_rows, "events": len(agg.events), "seconds": round(aggregate_s, 3)},
        "process_files_first_s": round(first_s, 2), "process_files_rerun_s": round(rerun_s, 2),
        "rerun_speedup": round(first_s / rerun_s, 1) if rerun_s else None,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    res["targets_met"] = res["overhead_vs_spacy"] <= args.max_overhead and res["peak_rss_mb"] <= args.max_rss_mb
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k}: {v}")
    return 0 if res["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
