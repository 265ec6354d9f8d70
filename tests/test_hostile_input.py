"""Hostile and broken input: one run over a corpus of bad files beside good ones.

Every file is recorded in the documents table with the status and error code it should get,
nothing else is lost, the good documents still yield their events, CSV cells are formula-safe
while Parquet keeps the text verbatim, and YAML tags are never executed."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow

GOOD = ("On 3 May 1999 NATO aircraft bombed a bridge in Novi Sad. Two days later Serbian forces "
        "shelled the village of Drenica.\n")
PWNED = Path("/tmp/eventextract-yaml-tag-executed")
FORMULA_TITLE = '=HYPERLINK("http://example.invalid","click")'


def _write_corpus(d: Path) -> dict[str, tuple[str, str | None]]:
    """Write the matrix; returns doc_id -> (expected status, expected error code or None)."""
    expect: dict[str, tuple[str, str | None]] = {}

    def put(name: str, data: bytes | str, status: str, code: str | None) -> None:
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expect[name] = (status, code)

    put("good_a.txt", GOOD, "ok", None)
    put("copy/good_a.txt", GOOD, "ok", None)  # two identical files
    put("empty.txt", b"", "empty", "E104")
    put("whitespace.txt", " \n\t\n   \n", "empty", "E104")
    put("binary.txt", bytes(range(256)) * 40, "failed", "E103")
    put("nul_bytes.txt", GOOD.encode() + b"\x00\x00\x00" + GOOD.encode(), "failed", "E103")
    put("latin1.txt", ("Caf\xe9 cr\xe8me. " + GOOD).encode("latin-1"), "ok", None)
    put("cp1252.txt", ("\u201cQuoted\u201d \u2014 " + GOOD).encode("cp1252"), "ok", None)
    put("utf16_bom.txt", GOOD.encode("utf-16"), "ok", None)
    put("utf16le_nobom.txt", GOOD.encode("utf-16-le"), "ok", None)
    put("utf8_bom.txt", "\ufeff" + GOOD, "ok", None)
    put("mojibake.txt", "CafÃ© owners said: " + GOOD, "ok", None)
    raw = GOOD.encode() * 3
    put("invalid_utf8_middle.txt", raw[:150] + b"\xff" + raw[150:], "ok", None)
    put("long_line.txt", "word " * 1_000_000, "failed", "E112")  # one 5 MB line
    put("too_big.txt", (GOOD * 80_000).encode(), "failed", "E111")  # 10 MB, over max_file_bytes below
    put("deep.html", "<html><body>" + "<div>" * 5000 + "<p>" + GOOD + "</p>" + "</div>" * 5000 + "</body></html>",
        "failed", "E113")
    put("scripts_only.html", "<html><head><style>p{color:red}</style></head><body><script>var a = 1;</script>"
                             "<script>console.log('x')</script></body></html>", "failed", "E109")
    put("broken_front_matter.md", "---\ntitle: [unclosed\n---\n" + GOOD, "failed", "E107")
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n" + GOOD
    put("yaml_bomb.md", bomb, "failed", "E107")
    put("python_tag.md", f"---\ntitle: !!python/object/apply:os.system [\"touch {PWNED}\"]\n---\n" + GOOD,
        "failed", "E107")
    put("formula.md", f"---\ntitle: '{FORMULA_TITLE}'\n---\n" + GOOD, "ok", None)
    put("non_latin.txt", "Армия обстреляла город. 军队炮击了城镇。 قصف الجيش المدينة.\n", "ok", None)
    put("crlf.txt", GOOD.replace("\n", "\r\n"), "ok", None)
    put("report.pdf", b"%PDF-1.4\n", "failed", "E108")
    lines = [json.dumps({"id": "w1", "text": GOOD}), "{broken json", "", json.dumps([1, 2, 3]),
             json.dumps({"id": "w3", "title": "no text"}), json.dumps({"id": "w1", "text": GOOD}),
             json.dumps({"id": "../../etc/passwd", "text": GOOD}), json.dumps({"id": "a/b\\c", "text": GOOD})]
    put("wire.jsonl", "\n".join(lines) + "\n", "ok", None)
    del expect["wire.jsonl"]
    expect.update({"wire.jsonl#w1": ("ok", None), "wire.jsonl#2": ("failed", "E106"),
                   "wire.jsonl#4": ("failed", "E106"), "wire.jsonl#w3": ("failed", "E106"),
                   "wire.jsonl#w1@6": ("ok", None), "wire.jsonl#../../etc/passwd": ("ok", None),
                   "wire.jsonl#a/b\\c": ("ok", None)})
    # links that lead nowhere, and a file whose reading fails at the system level (EIO, even for root)
    os.symlink("loop_b.txt", d / "loop_a.txt")
    os.symlink("loop_a.txt", d / "loop_b.txt")
    expect["loop_a.txt"] = expect["loop_b.txt"] = ("failed", "E102")
    os.symlink("/proc/self/mem", d / "unreadable_io.txt")
    expect["unreadable_io.txt"] = ("failed", "E102")
    os.symlink(".", d / "dir_loop")  # a directory link back to the corpus: not followed, not a document
    perm = d / "no_permission.txt"
    perm.write_text(GOOD, encoding="utf-8")
    perm.chmod(0)
    # root reads whatever the permissions say
    expect["no_permission.txt"] = ("ok", None) if os.geteuid() == 0 else ("failed", "E102")
    return expect


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory):
    from eventextract import pipeline
    from eventextract.config import Settings

    PWNED.unlink(missing_ok=True)
    d = tmp_path_factory.mktemp("hostile")
    corpus = d / "corpus"
    corpus.mkdir()
    expect = _write_corpus(corpus)
    growing = corpus / "growing.txt"
    growing.write_text(GOOD, encoding="utf-8")
    expect["growing.txt"] = ("ok", None)
    stop = threading.Event()

    def append() -> None:  # the file changes while the run reads it
        while not stop.is_set():
            with growing.open("a", encoding="utf-8") as fh:
                fh.write("More shelling was reported. ")
            time.sleep(0.001)

    writer = threading.Thread(target=append, daemon=True)
    writer.start()
    try:
        settings = Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"]), max_line_chars=1_000_000,
                            max_file_bytes=8_000_000)
        info = pipeline.run([corpus], d / "out", version="hostile", settings=settings)
    finally:
        stop.set()
        writer.join()
        (corpus / "no_permission.txt").chmod(0o644)
    return Path(info.path), expect, growing


def test_every_file_is_recorded_with_its_status_and_code(hostile_release) -> None:
    path, expect, _ = hostile_release
    docs = {d["doc_id"]: d for d in pq.read_table(path / "documents.parquet").to_pylist()}
    got = {k: (d["status"], (d["error"] or "")[:4] or None) for k, d in docs.items()}
    assert got == expect


GOOD_DOCS = ("good_a.txt", "copy/good_a.txt", "latin1.txt", "utf16_bom.txt", "utf16le_nobom.txt", "utf8_bom.txt",
             "crlf.txt", "formula.md", "wire.jsonl#w1", "wire.jsonl#../../etc/passwd")


def test_good_documents_still_yield_events(hostile_release) -> None:
    path, expect, _ = hostile_release
    mentions = pq.read_table(path / "mentions.parquet").to_pylist()
    by_doc: dict[str, int] = {}
    for m in mentions:
        by_doc[m["doc_id"]] = by_doc.get(m["doc_id"], 0) + 1
    for doc_id in GOOD_DOCS:
        assert by_doc.get(doc_id, 0) >= 1, doc_id
    ids = [m["mention_id"] for m in mentions]
    assert len(ids) == len(set(ids))  # identical files keep distinct mention ids
    # and their asserted mentions become rows of the events table, consistent with the mentions
    events = pq.read_table(path / "events.parquet").to_pylist()
    event_ids = [e["event_id"] for e in events]
    assert len(event_ids) == len(set(event_ids))
    named = [m["event_id"] for m in mentions if m["event_id"] is not None]
    assert set(named) == set(event_ids) and sum(e["n_mentions"] for e in events) == len(named)
    in_events = {d for e in events for d in e["doc_ids"]}
    assert set(GOOD_DOCS) <= in_events


def test_yaml_tags_are_never_executed(hostile_release) -> None:
    assert not PWNED.exists()


def test_csv_is_formula_safe_and_parquet_verbatim(hostile_release) -> None:
    path, _, _ = hostile_release
    docs = {d["doc_id"]: d for d in pq.read_table(path / "documents.parquet").to_pylist()}
    assert docs["formula.md"]["title"] == FORMULA_TITLE
    with (path / "documents.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["doc_id"]: r for r in csv.DictReader(fh)}
    assert rows["formula.md"]["title"] == "'" + FORMULA_TITLE
    for table in ("mentions", "events", "documents", "quarantine"):
        with (path / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            cells = [c for r in csv.reader(fh) for c in r]
        risky = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not _is_number(c)]
        assert risky == [], table
    with (path / "mentions.csv").open(encoding="utf-8", newline="") as fh:
        titles = {r["source_title"] for r in csv.DictReader(fh) if r["doc_id"] == "formula.md"}
    assert titles == {"'" + FORMULA_TITLE}
    mentions = pq.read_table(path / "mentions.parquet").to_pylist()
    assert {m["source_title"] for m in mentions if m["doc_id"] == "formula.md"} == {FORMULA_TITLE}


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_a_file_changing_while_read_is_hashed_as_read(hostile_release) -> None:
    """The recorded hash is of the bytes actually analysed: a prefix of the file that kept growing."""
    path, _, growing = hostile_release
    doc = next(d for d in pq.read_table(path / "documents.parquet").to_pylist() if d["doc_id"] == "growing.txt")
    final = growing.read_bytes()
    assert hashlib.sha256(final[:doc["n_chars"]]).hexdigest() == doc["sha256"]


def test_ids_with_path_separators_write_nothing_outside_the_release(hostile_release) -> None:
    path, _, _ = hostile_release
    assert sorted(p.name for p in path.parent.iterdir()) == ["catalog.json", "hostile", "index.html"]


def test_a_document_over_its_time_budget_fails_alone(tmp_path: Path) -> None:
    """A one-second budget: the long document (about 20,000 words) runs out of time (E305), the
    short one does not; the run goes on."""
    import dataclasses

    from eventextract import pipeline
    from eventextract.config import Settings

    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "long.txt").write_text(GOOD * 1000, encoding="utf-8")
    (corpus / "short.txt").write_text(GOOD, encoding="utf-8")
    settings = Settings(cache_dir=Path(os.environ["EVENTEXTRACT_CACHE"]))
    # what the stages load on first use (dateparser, caches) is not part of a document's budget
    pipeline.run([corpus / "short.txt"], tmp_path / "warm", version="w", settings=settings)
    info = pipeline.run([corpus], tmp_path / "out", version="t",
                        settings=dataclasses.replace(settings, max_doc_seconds=1.0))
    docs = {d["doc_id"]: d for d in pq.read_table(Path(info.path) / "documents.parquet").to_pylist()}
    assert docs["long.txt"]["status"] == "failed" and docs["long.txt"]["error"].startswith("E305")
    assert docs["short.txt"]["status"] == "ok"
