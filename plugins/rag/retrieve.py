"""Retrieval over a rag artifact: dense (vector store), BM25 (bm25s) and hybrid (reciprocal rank fusion).

Hybrid retrieval runs both retrievers to ``depth`` chunks and scores each chunk by
``sum(1 / (rrf_k + rank))`` over the lists it appears in (Cormack et al., 2009): no score calibration is
needed between cosine similarities and BM25 scores, and a chunk ranked well by either retriever rises.
Chunks are folded into documents (best chunk per document) because citations and metrics name documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftflow.provider import part

#: What readers of the rag stage read of it: the index files (k, context_words and metrics_k come as its
#: reader settings, ``ctx.inputs["rag"].settings``).
RAG_INDEX = part("index/*")

RRF_K = 60
MODES = ("dense", "bm25", "hybrid")


def bm25_tokens(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)


def build_bm25(texts: list[str], path: Path) -> None:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    retriever.save(str(path))


def rrf(rankings: list[list[str]], rrf_k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists, best first (ties keep first-seen order)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


#: Documents of the fused ranking that a reranker (``rag.reranker``) rescores per query, for indexes built
#: before ``rag.reranker_depth`` was recorded in ``index.json``.
RERANK_DEPTH = 20


def passage_text(chunk: dict[str, Any], words: int = 200) -> str:
    return f"{chunk['title']}. " + " ".join(chunk["text"].split()[:words])


#: The built-in rerankers by name, as ``module:Class``: what indexes built before ``index.json`` recorded the
#: reranker's class load, and what the rag stage checks a recipe's ``rag.reranker`` against.
BUILT_IN_RERANKERS = {"cross_encoder": "ftflow_plugins.rag.rerank:CrossEncoderReranker",
                      "llm": "ftflow_plugins.rag.llm_rerank:LlmReranker"}


def import_class(where: str) -> type:
    """The class ``module:Class`` names.  Imported by name, not statically: an index carries its reranker's code
    fingerprint, which keys the stages that read it (``index.recorded``)."""
    import importlib

    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)


def _reranker(index: Path, info: dict[str, Any]) -> Any:
    """The scorer of the reranker ``index.json`` records, imported from the class it names (a third-party
    reranker's too)."""
    where = info.get("class") or BUILT_IN_RERANKERS.get(info.get("reranker", ""))
    try:
        cls = import_class(where or "")
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"{index}: cannot load reranker {info.get('reranker')!r} from {where!r} ({exc})") from exc
    return cls().load(index.parent, info)


class Retriever:
    """Loads a rag stage's ``index/`` directory; ``documents(query, k)`` returns ranked document hits,
    reranked when the index has a reranker (``rerank=False`` measures without it)."""

    def __init__(self, artifact: Path, mode: str | None = None, rerank: bool = True) -> None:
        from ftflow_plugins.rag.embed import Embedder
        from ftflow_plugins.rag.stores import STORES

        self.root = artifact / "index"
        self.info = json.loads((self.root / "index.json").read_text())
        self.mode = mode or self.info["mode"]
        self.chunks = [json.loads(line) for line in (self.root / "chunks.jsonl").read_text().splitlines()]
        self.by_id = {c["id"]: c for c in self.chunks}
        store = self.info["store"]["store"]
        self.store = STORES[store]() if store in STORES else None  # rag=bm25 writes no vector store ("none")
        self.embedder = Embedder(self.info["embedder"]) if self.mode in ("dense", "hybrid") else None
        self._bm25: Any = None
        self.reranker = None
        #: Documents of the fused ranking the reranker rescores per query (``rag.reranker_depth``).
        self.rerank_depth = int((self.info.get("reranker") or {}).get("depth", RERANK_DEPTH))
        if rerank and self.info.get("reranker"):
            self.reranker = _reranker(self.root / "index.json", self.info["reranker"])

    @property
    def identity(self) -> str:
        return f"{self.info['digest']}:{self.mode}" + (f"+{self.reranker.identity}@{self.rerank_depth}"
                                                       if self.reranker else "")

    def dense(self, queries: list[str], depth: int) -> list[list[str]]:
        assert self.embedder is not None
        vectors = self.embedder.encode(queries)
        return [[i for i, _ in self.store.search(self.root, self.info["store"], v, depth)] for v in vectors]

    def bm25(self, queries: list[str], depth: int) -> list[list[str]]:
        import bm25s

        if self._bm25 is None:
            self._bm25 = bm25s.BM25.load(str(self.root / "bm25"))
        depth = min(depth, len(self.chunks))
        out = []
        for tokens in bm25_tokens(queries):
            tokens = [t for t in tokens if t in self._bm25.vocab_dict]
            if not tokens:
                out.append([])
                continue
            indices, scores = self._bm25.retrieve([tokens], k=depth, show_progress=False)
            out.append([self.chunks[int(i)]["id"] for i, s in zip(indices[0], scores[0], strict=True) if s > 0])
        return out

    def chunk_rankings(self, queries: list[str], depth: int) -> list[list[str]]:
        if self.mode == "dense":
            return self.dense(queries, depth)
        if self.mode == "bm25":
            return self.bm25(queries, depth)
        pairs = zip(self.dense(queries, depth), self.bm25(queries, depth), strict=True)
        return [[i for i, _ in rrf([d, b])] for d, b in pairs]

    def documents(self, queries: list[str], k: int, depth: int | None = None) -> list[list[dict[str, Any]]]:
        """Per query, up to ``k`` documents: {doc_id, title, chunks (best first)}, best document first."""
        results = []
        want = max(k, self.rerank_depth) if self.reranker else k
        for ranking in self.chunk_rankings(queries, depth or max(4 * want, 20)):
            docs: dict[str, dict[str, Any]] = {}
            for chunk_id in ranking:
                chunk = self.by_id[chunk_id]
                doc = docs.setdefault(chunk["doc_id"], {"doc_id": chunk["doc_id"], "title": chunk["title"],
                                                        "chunks": []})
                doc["chunks"].append(chunk)
                if len(docs) > want:
                    break
            results.append(list(docs.values())[:want])
        if self.reranker is not None:  # every query's pairs in one call: a scorer may batch across queries
            all_scores = self.reranker.score_many(
                [(q, [passage_text(d["chunks"][0]) for d in ranked]) for q, ranked in zip(queries, results, strict=True)])
            for n, (ranked, scores) in enumerate(zip(results, all_scores, strict=True)):
                order = sorted(range(len(ranked)), key=lambda i: -scores[i])  # stable: ties keep fused order
                results[n] = [ranked[i] for i in order]
        return [ranked[:k] for ranked in results]


def retrieval_metrics(retriever: Retriever, rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """recall@k and MRR of document retrieval against ``meta.relevant_doc_ids`` (rows that need documents)."""
    from ftflow_plugins.rag.prompting import question_of

    rows = [r for r in rows if (r.get("meta") or {}).get("relevant_doc_ids")]
    if not rows:
        return {}
    ranked = retriever.documents([question_of(r["messages"]) for r in rows], k)
    recalls, reciprocal = [], []
    for row, docs in zip(rows, ranked, strict=True):
        relevant = set(row["meta"]["relevant_doc_ids"])
        ids = [d["doc_id"] for d in docs]
        recalls.append(len(relevant & set(ids)) / len(relevant))
        reciprocal.append(next((1.0 / n for n, i in enumerate(ids, 1) if i in relevant), 0.0))
    return {f"recall@{k}": round(sum(recalls) / len(rows), 4), "mrr": round(sum(reciprocal) / len(rows), 4),
            "queries": len(rows)}


def measure_retrieval(artifact: Path, rows: list[dict[str, Any]], k: int,
                      log: Any = None) -> dict[str, Any]:
    """recall@k / MRR of a rag artifact on ``rows`` (eval questions with ``meta.relevant_doc_ids``): the
    index's own mode for the metrics table, and every mode it can serve for comparison.  Empty when no
    row names relevant documents.  The evaluator calls it, so the index's key never covers eval data."""
    if not any((r.get("meta") or {}).get("relevant_doc_ids") for r in rows):
        return {}
    first = Retriever(artifact, rerank=False)
    modes = ["bm25"] if first.info["mode"] == "bm25" else list(MODES)
    by_mode = {m: retrieval_metrics(first if m == first.mode else Retriever(artifact, mode=m, rerank=False), rows,
                                    k) for m in modes}
    main = by_mode[first.mode]
    if first.info.get("reranker"):  # what readers retrieve: the index's mode, reranked; the rest for comparison
        reranked = f"{first.mode}+{first.info['reranker']['reranker']}"
        by_mode[reranked] = main = retrieval_metrics(Retriever(artifact), rows, k)
    if not main:
        return {}
    if log is not None:
        label = first.mode + ("+rerank" if first.info.get("reranker") else "")
        log(f"rag: {label} recall@{k}={main[f'recall@{k}']} mrr={main['mrr']} on {main['queries']} "
            f"eval questions")
    return {"retrieval": {key: v for key, v in main.items() if key != "queries"}, "retrieval_by_mode": by_mode}
