"""Throughput and memory of the pipeline against a spaCy-only baseline, measured in the same run.

    python scripts/benchmark.py [INPUT ...] [--repeat N] [--json]

Default input: ../shared/corpus/seeds when present, else the bundled sample corpus. Reports words/s
of (1) spaCy alone (nlp.pipe over the same texts, before and after, averaged) and (2) the library
pipeline after ingest (``pipeline.process_documents``: nlp.pipe + extract, dates, places, rows),
the overhead of our stages over spaCy, the time of each stage's document-level call, and the peak
RSS of this process. The targets are checked here, not in unit tests: the exit code is 1 when
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

    res = {
        "input": inputs, "documents": len(docs), "words": n_words, "events": n_events,
        "load_components_s": round(load_s, 2),
        "spacy_only_words_per_s": round(n_words / spacy_s),
        "pipeline_words_per_s": round(n_words / full_s),
        "overhead_vs_spacy": round(full_s / spacy_s - 1, 3),
        "stage_seconds_one_pass": {k: round(v, 3) for k, v in stage.items()},
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
