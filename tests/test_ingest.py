"""Ingest: formats, decoding, front matter, doc ids, and bad input recorded, never fatal."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from eventextract import ingest
from eventextract.errors import IngestError


def _docs(*paths: Path) -> list:
    return list(ingest.documents(paths))


def test_txt_offsets_are_file_offsets(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("Troops entered the village at dawn.\n", encoding="utf-8")
    (doc,) = _docs(p)
    assert doc.doc_id == "a.txt" and doc.format == "txt" and doc.status == "ok"
    assert doc.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert doc.text == p.read_text(encoding="utf-8") and doc.body_start == 0
    assert doc.encoding == "utf-8"


def test_front_matter_is_kept_in_text_and_skipped_for_nlp(tmp_path: Path) -> None:
    p = tmp_path / "story.md"
    p.write_text("---\ntitle: Talks resume\nurl: https://example.org/x\npublished: 2023-05-04\n---\n"
                 "Envoys met in Geneva on Tuesday.\n", encoding="utf-8")
    (doc,) = _docs(p)
    assert doc.title == "Talks resume" and doc.url == "https://example.org/x"
    assert doc.published == dt.date(2023, 5, 4)
    assert doc.nlp_text.startswith("Envoys met")
    start = doc.text.index("Geneva")
    assert p.read_text(encoding="utf-8")[start:start + 6] == "Geneva"
    assert doc.text[doc.body_start:].startswith("Envoys")


def test_front_matter_date_key_and_txt_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "history.txt"
    p.write_text("---\ntitle: A history\ndate: 1999-01-02\n---\nText body here.\n", encoding="utf-8")
    (doc,) = _docs(p)
    assert doc.title == "A history" and doc.published == dt.date(1999, 1, 2) and doc.body_start > 0


def test_invalid_front_matter_fails_that_document_only(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Body of a good file.\n", encoding="utf-8")
    docs = {d.doc_id: d for d in _docs(tmp_path)}
    assert docs["bad.md"].status == "failed" and docs["bad.md"].error.startswith("E107")
    assert docs["good.txt"].status == "ok"


def test_folder_recursion_doc_ids_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "sub" / "deeper" / "x.txt").write_text("One.", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("Hidden.", encoding="utf-8")
    (tmp_path / "top.txt").write_text("Two.", encoding="utf-8")
    ids = [d.doc_id for d in _docs(tmp_path)]
    assert ids == ["sub/deeper/x.txt", "top.txt"]


def test_missing_input_path_raises() -> None:
    with pytest.raises(IngestError) as err:
        _docs(Path("/nonexistent/eventextract/input"))
    assert err.value.code == "E101"


def test_latin1_is_detected_and_recorded(tmp_path: Path) -> None:
    p = tmp_path / "old.txt"
    text = "Les équipes de Médecins Sans Frontières sont arrivées à Priština après la trêve. " * 3
    p.write_bytes(text.encode("cp1252"))
    (doc,) = _docs(p)
    assert doc.status == "ok" and doc.encoding and doc.encoding.replace("_", "").lower() != "utf8"
    assert "Médecins" in doc.text


def test_binary_and_empty_files_get_a_status(tmp_path: Path) -> None:
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("---\ntitle: only front matter\n---\n\n  \n", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    docs = {d.doc_id: d for d in _docs(tmp_path)}
    assert docs["blob.txt"].status == "failed" and docs["blob.txt"].error.startswith("E103")
    assert docs["empty.txt"].status == "empty" and docs["empty.txt"].error.startswith("E104")
    assert docs["blank.md"].status == "empty" and docs["blank.md"].title == "only front matter"
    assert docs["scan.pdf"].status == "failed" and docs["scan.pdf"].error.startswith("E108")
    assert all(len(d.sha256) == 64 for d in docs.values())


def test_too_long_document_fails(tmp_path: Path) -> None:
    p = tmp_path / "long.txt"
    p.write_text("word " * 100, encoding="utf-8")
    (doc,) = list(ingest.documents([p], max_chars=50))
    assert doc.status == "failed" and doc.error.startswith("E105")


def test_jsonl_records(tmp_path: Path) -> None:
    p = tmp_path / "wire.jsonl"
    rows = [{"id": "a1", "text": "Rebels shelled the port.", "title": "Port shelled", "url": "https://e.org/1",
             "published": "2024-03-01T10:00:00Z"},
            {"id": "a2", "title": "no text"},
            "not an object",
            {"text": "No id here, so the line number is used."}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken json\n", encoding="utf-8")
    docs = _docs(p)
    by_id = {d.doc_id: d for d in docs}
    assert by_id["wire.jsonl#a1"].published == dt.date(2024, 3, 1)
    assert by_id["wire.jsonl#a1"].text == "Rebels shelled the port." and by_id["wire.jsonl#a1"].title == "Port shelled"
    assert by_id["wire.jsonl#a2"].status == "failed" and "E106" in by_id["wire.jsonl#a2"].error
    assert by_id["wire.jsonl#3"].status == "failed"
    assert by_id["wire.jsonl#4"].status == "ok"
    assert by_id["wire.jsonl#5"].status == "failed" and "not valid JSON" in by_id["wire.jsonl#5"].error
    assert len(docs) == 5 and len({d.sha256 for d in docs}) == 1


def test_html_main_text_without_boilerplate(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    para = ("Government forces recaptured the northern town on Sunday after three days of fighting, "
            "officials said, and aid convoys were expected to arrive within the week. ")
    p.write_text(f"""<!doctype html><html><head><title>Town recaptured | Example News</title>
<meta property="article:published_time" content="2022-09-12T08:00:00+00:00"></head>
<body><nav><ul><li>Home</li><li>World</li><li>Subscribe now</li></ul></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies.</div>
<article><h1>Town recaptured</h1><p>{para}</p><p>{para}</p><p>Residents began returning to their homes.</p></article>
<footer>Copyright 2022 Example News. All rights reserved. Privacy policy.</footer></body></html>""",
                 encoding="utf-8")
    (doc,) = _docs(p)
    assert doc.status == "ok" and doc.format == "html"
    assert "recaptured the northern town" in doc.text
    assert "cookies" not in doc.text and "Subscribe" not in doc.text and "Copyright" not in doc.text
    assert doc.published == dt.date(2022, 9, 12)
    assert doc.title and "Town recaptured" in doc.title


def test_parse_date_never_invents() -> None:
    assert ingest.parse_date(None) is None and ingest.parse_date("") is None
    assert ingest.parse_date("sometime last spring") is None
    assert ingest.parse_date("Tue, 04 Jun 2019 10:00:00 +0000") == dt.date(2019, 6, 4)


def test_fixture_corpus_statuses() -> None:
    root = Path(__file__).parent / "fixtures" / "corpus"
    docs = {d.doc_id: d for d in ingest.documents([root])}
    expect = {"bad_front_matter.md": ("failed", "E107"), "binary.txt": ("failed", "E103"),
              "empty.txt": ("empty", "E104"), "wire.jsonl#wire-002": ("failed", "E106")}
    for doc_id, d in docs.items():
        status, code = expect.get(doc_id, ("ok", None))
        assert d.status == status, doc_id
        assert (d.error or "").startswith(code or ""), doc_id
    assert "nested/inner.txt" in docs and docs["latin1.txt"].encoding == "cp1252"
    assert "Frontières" in docs["latin1.txt"].text


def test_html_read_twice_gives_the_same_text(tmp_path: Path) -> None:
    """No state leaks between documents: the same page read again keeps all of its text."""
    body = "".join(f"<p>Paragraph {i}: observers counted convoys crossing the bridge near the border.</p>"
                   for i in range(5))
    for name in ("one.html", "two.html"):
        (tmp_path / name).write_text(f"<html><body><article>{body}</article></body></html>", encoding="utf-8")
    texts = [_docs(tmp_path / name)[0].text for name in ("one.html", "two.html") * 3]
    assert len(set(texts)) == 1 and "Paragraph 4" in texts[0]


def test_jsonl_text_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    """U+2028/U+2029/U+0085 are legal unescaped in JSON strings: they do not end a JSONL line."""
    p = tmp_path / "feed.jsonl"
    texts = ["Militia fighters blocked the pass\u2028before dawn.", "Aid arrived.\u2029Talks began.\x85End."]
    p.write_text("\n".join(json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts))
                 + "\n", encoding="utf-8")
    docs = _docs(p)
    assert [d.doc_id for d in docs] == ["feed.jsonl#r0", "feed.jsonl#r1"]
    assert [d.status for d in docs] == ["ok", "ok"] and [d.text for d in docs] == texts


def test_jsonl_with_windows_line_ends(tmp_path: Path) -> None:
    p = tmp_path / "crlf.jsonl"
    p.write_bytes(b'{"id": "a", "text": "Shelling resumed."}\r\n\r\n{"id": "b", "text": "A truce held."}\r\n')
    docs = _docs(p)
    assert [(d.doc_id, d.status) for d in docs] == [("crlf.jsonl#a", "ok"), ("crlf.jsonl#b", "ok")]


def test_front_matter_with_windows_line_ends(tmp_path: Path) -> None:
    p = tmp_path / "win.md"
    p.write_bytes(b"---\r\ntitle: Ceasefire talks\r\npublished: 2011-07-08\r\n---\r\nDelegates met in Oslo.\r\n")
    (doc,) = _docs(p)
    assert doc.title == "Ceasefire talks" and doc.published == dt.date(2011, 7, 8)
    assert doc.nlp_text.startswith("Delegates met")
    start = doc.text.index("Oslo")
    assert p.read_bytes().decode("utf-8")[start:start + 4] == "Oslo"


def test_front_matter_after_a_byte_order_mark(tmp_path: Path) -> None:
    p = tmp_path / "bom.md"
    p.write_bytes("\ufeff---\ntitle: Border clash\n---\nPatrols exchanged fire.\n".encode("utf-8"))
    (doc,) = _docs(p)
    assert doc.title == "Border clash" and doc.nlp_text.startswith("Patrols exchanged")
    start = doc.text.index("fire")
    assert p.read_text(encoding=doc.encoding)[start:start + 4] == "fire"


def test_a_file_reached_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Troops withdrew.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Talks stalled.", encoding="utf-8")
    ids = [f.doc_id for f in ingest.discover([tmp_path, tmp_path / "sub" / "a.txt", tmp_path])]
    assert ids == ["b.txt", "sub/a.txt"]


def test_files_with_the_same_name_get_distinct_doc_ids(tmp_path: Path) -> None:
    for folder, text in (("north", "Rebels took the airport."), ("south", "The army retook the airport.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(text, encoding="utf-8")
    ids = [f.doc_id for f in ingest.discover([tmp_path / "north" / "report.txt", tmp_path / "south" / "report.txt"])]
    assert ids == ["report.txt", "south/report.txt"]
    assert all(i.rsplit("/", 1)[-1] == "report.txt" for i in ids)
