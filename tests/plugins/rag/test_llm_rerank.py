"""rag.reranker=llm: the rag stage puts the base model's GGUF into the index, readers rerank the top
rag.reranker_depth documents by the model's log P(yes) - log P(no), the eval stage measures with and without it,
and the batched scorer's log-probabilities equal llama.cpp's own one-prompt evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ftflow.testing import run_ftflow
from ftflow_plugins.rag.llm_rerank import LlmScorer, relevance_prompt
from ftflow_plugins.rag.retrieve import Retriever

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "recipes" / "datasets" / "defi_copilot" / "corpus" / "corpus.jsonl"
INDEX_ONLY = ("recipe=defi_copilot", "model=tiny-random", "tokenize=none", "method=none", "eval.variants=[]",
              "eval.metrics=[]", "eval.slice_by=[]", "rag=bm25", "rag.reranker=llm", "rag.reranker_depth=4")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One run of the rag stage (8 documents, BM25, the tiny model as reranker) and its eval."""
    tmp_path = tmp_path_factory.mktemp("llm-rerank")
    docs = [json.loads(line) for line in CORPUS.read_text().splitlines()][:8]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    result = run_ftflow(tmp_path / "home", "run", *INDEX_ONLY, f"rag.corpus=[{tmp_path / 'corpus.jsonl'}]")
    assert result.ok, result.stderr[-3000:]
    return result


def test_llm_reranker_builds_reranks_and_is_measured(built):
    result = built
    artifact = Path(result.stage("rag")["artifact"])
    info = json.loads((artifact / "index" / "index.json").read_text())["reranker"]
    assert info["reranker"] == "llm" and info["depth"] == 4 and len(info["gguf_sha256"]) == 64
    assert (artifact / "index" / "reranker" / "model.gguf").stat().st_size > 0
    by_mode = result.manifest["stage_metadata"]["eval"]["retrieval_by_mode"]
    assert set(by_mode) == {"bm25", "bm25+llm"} and by_mode["bm25+llm"]["queries"] > 0

    plain, reranked = Retriever(artifact, rerank=False), Retriever(artifact)
    assert reranked.identity.endswith("@4") and "+llm:" in reranked.identity and "+" not in plain.identity
    questions = ["Who can pause Harbor markets and can they move funds?", "What did HIP-2 launch?"]
    for question, top in zip(questions, reranked.documents(questions, 3), strict=True):
        fused = [d["doc_id"] for d in plain.documents([question], 4)[0]]
        scores = reranked.reranker.score(question, [_passage(d) for d in plain.documents([question], 4)[0]])
        assert [d["doc_id"] for d in top] == [fused[i] for i in sorted(range(4), key=lambda i: -scores[i])][:3]


def _passage(doc: dict) -> str:
    from ftflow_plugins.rag.rerank import passage_text

    return passage_text(doc["chunks"][0])


def test_batched_scores_equal_one_prompt_evaluation(built):
    """Many prompts per llama_decode give the log-probabilities llama.cpp computes for each prompt alone."""
    import llama_cpp

    gguf = Path(built.stage("rag")["artifact"]) / "index" / "reranker" / "model.gguf"
    scorer = LlmScorer(gguf, "test", n_seq=3)
    pairs = [("What is the timelock?", [f"Passage {i}: the timelock is {i * 12} hours." for i in range(5)]),
             ("Who can pause markets?", ["The guardian multisig can pause markets.", "Nothing."])]
    scores = scorer.score_many(pairs)
    assert [len(s) for s in scores] == [5, 2] and scores[1] == scorer.score(*pairs[1])
    alone = llama_cpp.Llama(model_path=str(gguf), n_ctx=512, n_threads=1, logits_all=True, verbose=False)
    for (question, passages), row in zip(pairs, scores, strict=True):
        for passage, score in zip(passages, row, strict=True):
            alone.reset()
            alone.eval(scorer._tokens(question, passage))
            logits = np.asarray(alone.scores[alone.n_tokens - 1], dtype=np.float64)
            logprobs = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
            expected = (np.logaddexp.reduce(logprobs[scorer.yes]) - np.logaddexp.reduce(logprobs[scorer.no]))
            assert abs(score - expected) < 1e-2 * max(1.0, abs(expected))
    assert "Does the passage answer the question?" in relevance_prompt("q", "p")[0]["content"]
