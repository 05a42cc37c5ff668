"""rag.reranker=cross_encoder: the rag stage fine-tunes a CrossEncoder from the shipped MiniLM weights on corpus
pairs, readers rerank with it, and the eval stage measures retrieval with and without it; a local
cross-encoder directory is taken as is."""

from __future__ import annotations

import json
from pathlib import Path

from ftflow.testing import run_ftflow
from ftflow_plugins.rag.rerank import pseudo_queries
from ftflow_plugins.rag.retrieve import Retriever

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "recipes" / "datasets" / "defi_copilot" / "corpus" / "corpus.jsonl"
INDEX_ONLY = ("recipe=defi_copilot", "model=tiny-random", "tokenize=none", "method=none", "eval.variants=[]",
              "eval.metrics=[]", "eval.slice_by=[]", "rag=bm25", "rag.reranker=cross_encoder")


def test_pseudo_queries_pair_a_sentence_with_its_document_and_bm25_negatives():
    rows = [{"doc_id": d, "title": d.upper(), "text": f"# {d}\nThe {d} sentence has five words or more. Rest."}
            for d in ("a", "b", "c")]
    pairs = pseudo_queries(rows, lambda q: rows, negatives=2, seed=0)
    positives = [p for p in pairs if p[2] == 1.0]
    assert len(positives) == 3 and len(pairs) == 9
    assert ("The a sentence has five words or more.", "A. # a The a sentence has five words or more. Rest.", 1.0) \
        in pairs


def test_fine_tuned_cross_encoder_reranks_and_is_measured(tmp_path):
    docs = [json.loads(line) for line in CORPUS.read_text().splitlines()][:8]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    result = run_ftflow(tmp_path / "home", "run", *INDEX_ONLY, f"rag.corpus=[{tmp_path / 'corpus.jsonl'}]")
    assert result.ok, result.stderr[-3000:]
    artifact = Path(result.stage("rag")["artifact"])
    info = json.loads((artifact / "index" / "index.json").read_text())["reranker"]
    assert info["reranker"] == "cross_encoder" and info["source"] == "fine-tuned" and info["pairs"] > 20
    by_mode = result.manifest["stage_metadata"]["eval"]["retrieval_by_mode"]
    assert set(by_mode) == {"bm25", "bm25+cross_encoder"} and by_mode["bm25+cross_encoder"]["queries"] > 0
    plain, reranked = Retriever(artifact, rerank=False), Retriever(artifact)
    assert "cross_encoder" in reranked.identity and reranked.identity != plain.identity
    question = "Who can pause Harbor markets and can they move funds?"
    top = [d["doc_id"] for d in reranked.documents([question], 3)[0]]
    assert len(top) == 3 and set(top) <= {d["doc_id"] for d in plain.documents([question], 20)[0]}
    local = run_ftflow(tmp_path / "home", "run", *INDEX_ONLY, f"rag.corpus=[{tmp_path / 'corpus.jsonl'}]",
                       f"rag.reranker_model={artifact / 'index' / 'reranker'}")
    assert local.ok, local.stderr[-3000:]
    copied = Path(local.stage("rag")["artifact"]) / "index"
    assert json.loads((copied / "index.json").read_text())["reranker"]["source"] == "local"
    assert Retriever(copied.parent).documents([question], 3)[0] == reranked.documents([question], 3)[0]
