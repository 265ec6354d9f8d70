"""Throughput and memory of the pipeline against a spaCy-only baseline, measured in the same run.

    python scripts/benchmark.py [INPUT ...] [--repeat N] [--json]

Default input: ../shared/corpus/seeds when present, else the bundled sample corpus. Reports words/s
of (1) spaCy alone (nlp.pipe over the same texts) and (2) the full library pipeline
(ingest -> nlp -> extract -> dates -> places -> rows), the overhead of our stages, per-stage time
after NLP, and the peak RSS of this process. Targets are checked here, not in unit tests.
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
    args = ap.parse_args(argv)

    from eventextract import ingest, pipeline
    from eventextract.config import Settings

    seeds = ROOT.parent / "shared" / "corpus" / "seeds"
    inputs = args.inputs or [str(seeds if seeds.is_dir() else pipeline.sample_corpus_dir())]
    settings = Settings()

    t0 = time.perf_counter()
    comps = pipeline.get_components(settings)
    load_s = time.perf_counter() - t0
    docs = [d for d in ingest.documents(inputs) if d.status == "ok"] * args.repeat
    n_words = sum(len(d.nlp_text.split()) for d in docs)

    def spacy_only() -> float:
        t = time.perf_counter()
        for _ in comps.nlp.pipe((d.nlp_text for d in docs), batch_size=settings.batch_size):
            pass
        return time.perf_counter() - t

    comps.nlp(docs[0].nlp_text[:2000])  # warm-up
    spacy_runs = [spacy_only()]

    stage = {"dates": 0.0, "places": 0.0, "extract": 0.0, "link+rows": 0.0}
    now = dt.datetime.now(dt.timezone.utc)
    n_events = 0
    t0 = time.perf_counter()
    for sdoc, d in comps.nlp.pipe(((d.nlp_text, d) for d in docs), as_tuples=True, batch_size=settings.batch_size):
        a = time.perf_counter()
        timexes = comps.dates.annotate(sdoc, published=d.published, title=d.title)
        b = time.perf_counter()
        places = comps.places.annotate(sdoc, title=d.title)
        c = time.perf_counter()
        cands = comps.extractor.extract(sdoc)
        e = time.perf_counter()
        for cand in cands:
            tx = comps.dates.link(sdoc, cand.trigger_token, cand.sentence_index, timexes)
            pl = comps.places.link(sdoc, cand.trigger_token, cand.sentence_index, places)
            pipeline.build_record(d, cand, tx, pl, comps, "bench", now)
            n_events += 1
        f = time.perf_counter()
        stage["dates"] += b - a
        stage["places"] += c - b
        stage["extract"] += e - c
        stage["link+rows"] += f - e
    full_s = time.perf_counter() - t0
    spacy_runs.append(spacy_only())  # baseline before and after the full run, averaged
    spacy_s = sum(spacy_runs) / len(spacy_runs)

    res = {
        "input": inputs, "documents": len(docs), "words": n_words, "events": n_events,
        "load_components_s": round(load_s, 2),
        "spacy_only_words_per_s": round(n_words / spacy_s),
        "pipeline_words_per_s": round(n_words / full_s),
        "overhead_vs_spacy": round(full_s / spacy_s - 1, 3),
        "stage_seconds_after_nlp": {k: round(v, 3) for k, v in stage.items()},
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
