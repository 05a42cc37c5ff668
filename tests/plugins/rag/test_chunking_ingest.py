"""Ingestion of every supported format, both chunkers, RRF and the RAG prompt template (no models)."""

from __future__ import annotations

import json

import pytest

from ftflow.errors import UserError
from ftflow_plugins.rag.chunkers import FixedChunker, HeadingChunker, sections, word_windows
from ftflow_plugins.rag.ingest import Document, load_corpus
from ftflow_plugins.rag.prompting import augment
from ftflow_plugins.rag.retrieve import rrf


def test_word_windows_overlap_and_cover_everything():
    words = [f"w{i}" for i in range(25)]
    windows = word_windows(" ".join(words), 10, 3)
    assert [len(w.split()) for w in windows] == [10, 10, 10, 4]
    assert windows[1].split()[:3] == windows[0].split()[-3:]
    assert windows[-1].split()[-1] == "w24"
    assert word_windows("short text", 10, 3) == ["short text"]
    with pytest.raises(ValueError):
        word_windows("x", 5, 5)


def test_heading_chunker_keeps_sections_and_titles():
    doc = Document("hip-1", "HIP-1", "Intro line.\n\n## Summary\nA summary.\n\n## Vote\n" + "yes " * 30)
    chunks = HeadingChunker().chunk(doc, 12, 2)
    assert [c.heading for c in chunks[:2]] == ["", "Summary"]
    assert {c.heading for c in chunks[2:]} == {"Vote"} and len(chunks) == 2 + 3
    assert [c.id for c in chunks] == [f"hip-1#{i}" for i in range(5)]
    assert chunks[1].indexed_text.startswith("HIP-1 — Summary\n")
    assert all(c.doc_id == "hip-1" for c in chunks)
    assert sections("no headings at all") == [("", "no headings at all")]
    fixed = FixedChunker().chunk(doc, 12, 2)
    assert all(len(c.text.split()) <= 12 for c in fixed) and fixed[0].heading == ""


def test_ingest_markdown_text_jsonl_html_with_metadata(tmp_path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "fees.md").write_text("# Fees\n\nSwaps cost 0.3%.\n")
    (tmp_path / "notes.txt").write_text("Plain text note.")
    (tmp_path / "page.html").write_text("<html><head><title>Bridge</title><style>p{}</style></head><body>"
                                        "<h2>Limits</h2><p>Max 10 ETH per day.</p><script>x()</script></body></html>")
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "hip-9", "title": "HIP-9", "kind": "proposal",
                                                     "text": "Body", "updated": "2024-01-01"}) + "\n")
    docs = {d.id: d for d in load_corpus([tmp_path])}
    assert set(docs) == {"guides/fees", "notes", "page", "hip-9"}
    assert docs["guides/fees"].title == "Fees" and docs["guides/fees"].meta["format"] == "markdown"
    assert docs["page"].title == "Bridge" and "## Limits" in docs["page"].text
    assert "Max 10 ETH" in docs["page"].text and "x()" not in docs["page"].text and "p{}" not in docs["page"].text
    assert docs["hip-9"].meta["kind"] == "proposal" and docs["hip-9"].meta["updated"] == "2024-01-01"
    assert docs["notes"].digest != Document("notes", "", "Plain text note!").digest
    (tmp_path / "dup.jsonl").write_text(json.dumps({"id": "hip-9", "text": "again"}) + "\n")
    with pytest.raises(UserError, match="duplicate document id"):
        load_corpus([tmp_path])


def test_rrf_rewards_agreement_and_prompt_carries_ids():
    fused = [i for i, _ in rrf([["a", "b", "c"], ["d", "b", "e"]])]
    assert fused[0] == "b" and set(fused) == {"a", "b", "c", "d", "e"}  # 2/62 > 1/61
    docs = [{"doc_id": "hip-005", "title": "HIP-5", "chunks": [{"text": "Approved with 12,905,300 veHBR."}]}]
    prompt = [{"role": "system", "content": "S"}, {"role": "user", "content": "Was HIP-5 approved?"}]
    out = augment(prompt, docs, 100)
    assert out[0] == prompt[0] and prompt[1]["content"] == "Was HIP-5 approved?"
    assert "[hip-005] HIP-5\nApproved with 12,905,300 veHBR." in out[1]["content"]
    assert "cite each source you use as [doc-id], e.g. [hip-005]" in out[1]["content"]
