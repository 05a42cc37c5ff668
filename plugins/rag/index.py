"""``rag=index``: the rag stage — ingest a corpus, chunk, embed (memoised), index, and measure retrieval.

The artifact is self-contained: ``index/chunks.jsonl``, ``index/bm25/`` (bm25s), the vector store
(``index/lancedb/`` or a reference to a Chroma server collection) and ``index/index.json``.  Variants
``rag`` and ``tuned_rag`` and servers load it through ``Retriever``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from ftflow.provider import Provider
from ftflow.stage import StageContext


@dataclasses.dataclass
class RagIndexConfig:
    corpus: list[str] = dataclasses.field(default_factory=lambda: ["datasets/defi_copilot/corpus/corpus.jsonl"])
    chunker: str = "headings"  # a chunker provider: headings | fixed
    chunk_size: int = 160  # words per chunk (longer sections are windowed)
    chunk_overlap: int = 32
    embedder: str = "all-minilm-l6-v2"  # packaged offline model, or a local sentence-transformers dir
    store: str = "lancedb"  # a vectorstore provider: lancedb (embedded) | chroma (server)
    store_url: str | None = None  # the chroma server (else $FTFLOW_CHROMA_URL)
    mode: Literal["dense", "bm25", "hybrid"] = "hybrid"
    k: int = 3  # documents put into each prompt by the rag variants
    context_words: int = 360  # words of passages per prompt
    metrics_k: int = 5  # recall@metrics_k on the data's eval split


class RagIndex(Provider):
    name = "index"
    kind = "rag"
    version = "1"
    description = "chunk + embed (offline MiniLM) + LanceDB/Chroma + BM25 index of a corpus; recall@k, MRR"
    Config = RagIndexConfig
    libraries = ("sentence-transformers", "bm25s", "lancedb", "chromadb")
    input_files = {"data": ("eval.jsonl",)}
    code_modules = ("ftflow_plugins.rag.ingest", "ftflow_plugins.rag.chunkers", "ftflow_plugins.rag.embed",
                    "ftflow_plugins.rag.stores", "ftflow_plugins.rag.retrieve", "ftflow_plugins.rag.prompting")

    def uses(self, config: RagIndexConfig) -> list[tuple[str, str]]:
        used = [("chunker", config.chunker)]
        return used + ([("vectorstore", config.store)] if config.mode != "bm25" else [])

    def external_inputs(self, config: RagIndexConfig) -> dict[str, str]:
        return {f"corpus[{i}]": p for i, p in enumerate(config.corpus)}

    def check(self, stage, upstream) -> list[str]:
        cfg: RagIndexConfig = stage.config
        problems = []
        if not cfg.corpus:
            problems.append("rag.corpus: name at least one file or directory")
        if not 0 <= cfg.chunk_overlap < cfg.chunk_size:
            problems.append(f"rag.chunk_overlap must be >= 0 and < rag.chunk_size ({cfg.chunk_size})")
        if cfg.k < 1 or cfg.metrics_k < 1:
            problems.append("rag.k and rag.metrics_k must be >= 1")
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow_plugins.rag.embed import Embedder, embed_with_memo
        from ftflow_plugins.rag.ingest import load_corpus
        from ftflow_plugins.rag.retrieve import Retriever, build_bm25, retrieval_metrics

        cfg: RagIndexConfig = ctx.config
        docs = load_corpus([ctx.resolve_path(p, f"rag.corpus[{i}]") for i, p in enumerate(cfg.corpus)])
        chunker = ctx.components[f"chunker.{cfg.chunker}"].provider
        chunks = [c for d in docs for c in chunker.chunk(d, cfg.chunk_size, cfg.chunk_overlap)]
        rows = [{**c.row(), "digest": c.digest} for c in chunks]
        root = ctx.output_dir / "index"
        root.mkdir(parents=True)
        (root / "chunks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        texts = [c.indexed_text for c in chunks]
        build_bm25(texts, root / "bm25")
        digest = hashlib.sha256(json.dumps([cfg.embedder, [r["digest"] for r in rows]]).encode()).hexdigest()
        info: dict[str, Any] = {"mode": cfg.mode, "k": cfg.k, "context_words": cfg.context_words,
                                "embedder": cfg.embedder, "chunker": cfg.chunker, "digest": digest[:32],
                                "store": {"store": "none"}}
        embedded = reused = 0
        if cfg.mode != "bm25":
            embedder = Embedder(cfg.embedder)
            vectors, embedded, reused = embed_with_memo(embedder, texts, [c.digest for c in chunks], ctx.memo)
            ctx.log(f"rag: {len(chunks)} chunks of {len(docs)} documents; embedded {embedded}, reused {reused}")
            store = ctx.components[f"vectorstore.{cfg.store}"].provider
            info["store"] = store.write(root, rows, vectors, cfg.store_url)
            info["embedder_identity"] = embedder.identity
        (root / "index.json").write_text(json.dumps(info, indent=2))
        (root / "documents.json").write_text(json.dumps({d.id: d.digest for d in docs}, indent=2))
        meta: dict[str, Any] = {"documents": len(docs), "chunks": len(chunks), "embedded_chunks": embedded,
                                "reused_chunks": reused, "mode": cfg.mode, "store": info["store"]}
        meta.update(self._metrics(ctx, Retriever, retrieval_metrics))
        return meta

    @staticmethod
    def _metrics(ctx: StageContext, retriever_cls: Any, metric_fn: Any) -> dict[str, Any]:
        """recall@k / MRR of the configured mode (the run's metrics table) and of every mode it can serve."""
        from ftflow_plugins.common.hf import read_jsonl

        cfg: RagIndexConfig = ctx.config
        data = ctx.inputs.get("data")
        path: Path | None = data.path / "eval.jsonl" if data else None
        if path is None or not path.exists():
            return {}
        rows = read_jsonl(path)
        modes = ["bm25"] if cfg.mode == "bm25" else ["dense", "bm25", "hybrid"]
        by_mode = {m: metric_fn(retriever_cls(ctx.output_dir, mode=m), rows, cfg.metrics_k) for m in modes}
        main = by_mode[cfg.mode]
        if not main:
            return {}
        ctx.log(f"rag: {cfg.mode} recall@{cfg.metrics_k}={main[f'recall@{cfg.metrics_k}']} mrr={main['mrr']} "
                f"on {main['queries']} eval questions")
        return {"metrics": {"retrieval": {k: v for k, v in main.items() if k != "queries"}},
                "retrieval_by_mode": by_mode}
