"""The rag stage on the DeFi corpus, through the real CLI: dense, BM25 and hybrid retrieval, incremental
re-embedding, LanceDB round trip, the Chroma server store, and a tiny end-to-end eval with the rag variant.

One workspace is shared by this module (in order) so the embedding memo makes later runs cheap.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "recipes" / "datasets" / "defi_copilot" / "corpus" / "corpus.jsonl"
#: The index, and the eval stage with no model variant: it measures retrieval (recall@k, MRR) only.
INDEX_ONLY = ("recipe=defi_copilot", "model=tiny-random", "tokenize=none", "method=none", "eval.variants=[]",
              "eval.metrics=[]", "eval.slice_by=[]")
#: Measured on the 74 defi eval questions with relevant documents: dense 0.865, bm25 0.831, hybrid 0.899.
FLOOR = {"dense": 0.8, "bm25": 0.78, "hybrid": 0.85}
QUESTIONS = {  # (question, the document that answers it)
    "Was HIP-5, the 'Add a WBTC market' proposal, accepted by veHBR holders, and what were the totals?": "hip-005",
    "Who can pause Harbor markets and can they move funds?": "hip-001",
}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rag")
    shutil.copy(CORPUS, root / "corpus.jsonl")
    return root


def _index(home: Path, *overrides: str):
    result = run_ftflow(home, "run", *INDEX_ONLY, *overrides)
    assert result.ok, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def hybrid(work):
    result = _index(work / "home", "rag=hybrid", f"rag.corpus=[{work / 'corpus.jsonl'}]")
    return result, Path(result.stage("rag")["artifact"])


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_modes_find_the_right_documents(hybrid, mode):
    from ftflow_plugins.rag.retrieve import Retriever

    result, artifact = hybrid
    measured = result.manifest["stage_metadata"]["eval"]["retrieval_by_mode"][mode]
    assert measured["queries"] >= 70 and measured["recall@5"] >= FLOOR[mode], measured
    retriever = Retriever(artifact, mode=mode)
    ranked = retriever.documents(list(QUESTIONS), 5)
    for (question, doc_id), docs in zip(QUESTIONS.items(), ranked, strict=True):
        assert doc_id in [d["doc_id"] for d in docs], (mode, question, docs)


def test_metrics_table_and_first_build_embeds_everything(hybrid):
    result, _ = hybrid
    meta = result.manifest["stage_metadata"]["rag"]
    assert set(result.manifest["metrics"]["retrieval"]) == {"recall@5", "mrr"}
    assert meta["embedded_chunks"] + meta["reused_chunks"] == meta["chunks"] > meta["documents"] == 50


def test_adding_one_document_embeds_only_its_chunks(work, hybrid):
    from ftflow_plugins.rag.chunkers import HeadingChunker
    from ftflow_plugins.rag.ingest import load_corpus

    extra = {"id": "hip-999", "title": "HIP-999: Sunset the legacy oracle", "kind": "governance_proposal",
             "updated": "2025-01-01", "text": "## Summary\nRetire the legacy oracle feed.\n\n## Vote\nPassed 9,000,000 "
             "to 12,000 veHBR.\n\n## Specification\n" + "Switch every market to the new feed. " * 40}
    grown = work / "grown.jsonl"
    grown.write_text(CORPUS.read_text() + json.dumps(extra) + "\n")
    result = _index(work / "home", "rag=hybrid", f"rag.corpus=[{grown}]")
    meta = result.manifest["stage_metadata"]["rag"]
    new = [c for c in HeadingChunker().chunk(load_corpus([grown])[-1], 160, 32)]
    assert len(new) >= 3
    assert meta["embedded_chunks"] == len(new)
    assert meta["reused_chunks"] == hybrid[0].manifest["stage_metadata"]["rag"]["chunks"]


def test_lancedb_round_trip(tmp_path):
    import numpy as np

    from ftflow_plugins.rag.stores import LanceStore

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [{"id": f"d{i}#0", "doc_id": f"d{i}", "digest": str(i)} for i in range(20)]
    info = LanceStore().write(tmp_path, rows, vectors, None)
    moved = tmp_path.parent / "moved"
    shutil.move(tmp_path, moved)  # artifacts are built in a temp dir and renamed into the cache
    hits = LanceStore().search(moved, info, vectors[7], 3)
    assert hits[0][0] == "d7#0" and hits[0][1] == pytest.approx(1.0, abs=1e-4) and len(hits) == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server (`chroma run`) on a free port, stopped after the test."""
    binary = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    if not Path(binary).exists():
        pytest.skip("the `chroma` server binary is not installed (pip install 'ftflow[rag]')")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([binary, "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "chroma.log").read_text()[-2000:]
                time.sleep(0.5)
        else:
            pytest.fail("the Chroma server did not answer within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_chroma_server_store_retrieves_like_the_embedded_one(work, hybrid, chroma_server):
    from ftflow_plugins.rag.retrieve import Retriever

    result = _index(work / "home", "rag=hybrid", f"rag.corpus=[{work / 'corpus.jsonl'}]", "rag.store=chroma",
                    f"rag.store_url={chroma_server}")
    meta = result.manifest["stage_metadata"]["rag"]
    assert meta["store"]["store"] == "chroma" and meta["embedded_chunks"] == 0  # vectors from the memo
    embedded = hybrid[0].manifest["stage_metadata"]["eval"]["retrieval_by_mode"]
    measured = result.manifest["stage_metadata"]["eval"]["retrieval_by_mode"]
    for mode in ("dense", "hybrid"):
        assert measured[mode]["recall@5"] >= FLOOR[mode]
        assert abs(measured[mode]["recall@5"] - embedded[mode]["recall@5"]) <= 0.03
    ranked = Retriever(Path(result.stage("rag")["artifact"]), mode="dense").documents(list(QUESTIONS), 5)
    for doc_id, docs in zip(QUESTIONS.values(), ranked, strict=True):
        assert doc_id in [d["doc_id"] for d in docs]


def test_end_to_end_eval_reports_recall_and_the_rag_variant(work, hybrid):
    result = run_ftflow(work / "home", "run", "recipe=defi_copilot", "model=tiny-random", "method=none",
                        f"rag.corpus=[{work / 'corpus.jsonl'}]", "eval.max_examples=4",
                        "eval.variants=[base,rag]", "eval.max_new_tokens=8")
    assert result.ok, result.stderr[-3000:]
    assert result.stage("rag")["cached"]  # the index's key covers the corpus, not the eval questions
    metrics = result.manifest["metrics"]
    assert metrics["retrieval"]["recall@5"] >= FLOOR["hybrid"] and {"base", "rag"} <= set(metrics)
    assert "citation" in metrics["rag"]
    rows = [json.loads(line) for line in
            (Path(result.stage("eval")["artifact"]) / "generations.jsonl").read_text().splitlines()]
    rag_rows = [r for r in rows if r["variant"] == "rag"]
    assert len(rag_rows) == 4 and all(len(r["retrieved_ids"]) == 3 for r in rag_rows)
    assert all("retrieved_ids" not in r for r in rows if r["variant"] == "base")
