"""rag.reranker=cross_encoder: the rag stage fine-tunes a CrossEncoder from the shipped MiniLM weights on corpus
pairs, readers rerank with it, and the eval stage measures retrieval with and without it; a local
cross-encoder directory is taken as is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow
from ftflow_plugins.rag.rerank import pseudo_queries
from ftflow_plugins.rag.retrieve import Retriever, passage_text

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "recipes" / "datasets" / "defi_copilot" / "corpus" / "corpus.jsonl"
INDEX_ONLY = ("recipe=defi_copilot", "model=tiny-random", "tokenize=none", "method=none", "eval.variants=[]",
              "eval.metrics=[]", "eval.slice_by=[]", "rag=bm25", "rag.reranker=cross_encoder",
              # small enough for CI (~100 training pairs, 5 documents rescored per query, a few eval questions)
              "rag.reranker_negatives=1", "rag.reranker_depth=5")
EVAL = REPO / "recipes" / "datasets" / "defi_copilot" / "eval.jsonl"


def test_pseudo_queries_pair_a_sentence_with_its_document_and_bm25_negatives():
    rows = [{"doc_id": d, "title": d.upper(), "text": f"# {d}\nThe {d} sentence has five words or more. Rest."}
            for d in ("a", "b", "c")]
    pairs = pseudo_queries(rows, lambda q: rows, negatives=2, seed=0)
    positives = [p for p in pairs if p[2] == 1.0]
    assert len(positives) == 3 and len(pairs) == 9
    assert ("The a sentence has five words or more.", "A. # a The a sentence has five words or more. Rest.", 1.0) \
        in pairs


def test_fine_tuned_cross_encoder_reranks_and_is_measured(tmp_path):
    docs = [json.loads(line) for line in CORPUS.read_text().splitlines()][:6]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    ids = {d["id"] for d in docs}  # eval questions whose documents are in the small corpus, and two others
    rows = [json.loads(line) for line in EVAL.read_text().splitlines()]
    inside = [r for r in rows if set(r["meta"].get("relevant_doc_ids") or ["-"]) <= ids]
    rows = inside + [r for r in rows if r not in inside][:2]
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = (f"rag.corpus=[{tmp_path / 'corpus.jsonl'}]", f"data.eval={tmp_path / 'eval.jsonl'}")
    result = run_ftflow(tmp_path / "home", "run", *INDEX_ONLY, *data)
    assert result.ok, result.stderr[-3000:]
    artifact = Path(result.stage("rag")["artifact"])
    info = json.loads((artifact / "index" / "index.json").read_text())["reranker"]
    assert info["reranker"] == "cross_encoder" and info["source"] == "fine-tuned" and info["pairs"] > 20
    assert info["depth"] == 5
    by_mode = result.manifest["stage_metadata"]["eval"]["retrieval_by_mode"]
    assert set(by_mode) == {"bm25", "bm25+cross_encoder"} and by_mode["bm25+cross_encoder"]["queries"] >= 7
    plain, reranked = Retriever(artifact, rerank=False), Retriever(artifact)
    assert "cross_encoder" in reranked.identity and reranked.identity != plain.identity
    questions = ["Who can pause Harbor markets and can they move funds?", "What did HIP-2 launch?"]
    for question, top in zip(questions, reranked.documents(questions, 3), strict=True):
        fused = plain.documents([question], 5)[0]  # the candidates, reordered by the model's own scores
        scores = reranked.reranker.score(question, [passage_text(d["chunks"][0]) for d in fused])
        assert [d["doc_id"] for d in top] == [fused[i]["doc_id"] for i in sorted(range(5), key=lambda i: -scores[i])][:3]
    local = run_ftflow(tmp_path / "home", "run", *INDEX_ONLY, *data, "eval=none",  # the index alone
                       f"rag.reranker_model={artifact / 'index' / 'reranker'}")
    assert local.ok, local.stderr[-3000:]
    copied = Path(local.stage("rag")["artifact"]) / "index"
    assert json.loads((copied / "index.json").read_text())["reranker"]["source"] == "local"
    assert Retriever(copied.parent).documents(questions, 3) == reranked.documents(questions, 3)


class _Scorer:
    identity = "third-party"

    def score_many(self, items):
        return [[float(len(p)) for p in passages] for _, passages in items]


class ThirdPartyReranker:
    """A reranker from another package: readers import it from the class ``index.json`` records."""

    def load(self, root, info):
        assert info["reranker"] == "longest"
        return _Scorer()


def test_readers_load_the_reranker_class_the_index_records(tmp_path):
    from ftflow_plugins.rag.retrieve import _reranker

    index = tmp_path / "index" / "index.json"
    scorer = _reranker(index, {"reranker": "longest", "class": f"{__name__}:ThirdPartyReranker"})
    assert scorer.score_many([("q", ["ab", "a"])]) == [[2.0, 1.0]]
    with pytest.raises(ValueError, match=r"index\.json: cannot load reranker 'gone' from 'nowhere:Gone'"):
        _reranker(index, {"reranker": "gone", "class": "nowhere:Gone"})
