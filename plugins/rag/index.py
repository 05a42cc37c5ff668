"""``rag=index``: the rag stage — ingest a corpus, chunk, embed (memoised) and index it.

The artifact is self-contained: ``index/chunks.jsonl``, ``index/bm25/`` (bm25s), the vector store
(``index/lancedb/`` or a reference to a Chroma server collection) and ``index/index.json``.  Variants
``rag`` and ``tuned_rag`` and servers load it through ``Retriever``.

The stage reads the corpus and nothing else, so its key covers the corpus and the settings that shape the
index.  How readers retrieve (``k``, ``context_words``) and at which depth the evaluator measures recall
(``metrics_k``) are its *reader settings*: changing them reruns the readers, not the index.  Recall@k and
MRR on the eval questions are the evaluator's (``retrieve.measure_retrieval``), so a new eval set does
not rebuild the index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Literal

from ftflow.kinds import RagIndexer
from ftflow.provider import Part
from ftflow.stage import StageContext


def reranker_class(name: str) -> type | None:
    """The built-in reranker called ``name`` (None: a third-party one, or unknown): what it ``needs`` upstream
    is read from the class before any stage runs."""
    from ftflow_plugins.rag.retrieve import BUILT_IN_RERANKERS, import_class

    where = BUILT_IN_RERANKERS.get(name)
    return import_class(where) if where else None


def recorded(reranker: Any) -> dict[str, str]:
    """What ``index.json`` says of the reranker's code: where readers import it from (third-party ones too),
    and its code fingerprint.  Readers (the tokenize and eval stages' retrieval) do not import reranker
    modules themselves, so the fingerprint in the index is what re-keys them when the reranker's code
    changes, and an index without a reranker keys them on no reranker code at all."""
    from ftflow.keys import code_fingerprint

    cls = type(reranker)
    return {"class": f"{cls.__module__}:{cls.__qualname__}", "code": code_fingerprint(cls)}


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
    metrics_k: int = 5  # recall@metrics_k on the data's eval split (measured by the eval stage)
    #: A reranker provider over the top documents of every query (cross_encoder | llm); null: none.
    reranker: str | None = None
    reranker_depth: int = 20  # documents of the fused ranking it rescores per query
    reranker_model: str | None = None  # cross_encoder: a local CrossEncoder dir; null: fine-tune one from MiniLM
    reranker_epochs: int = 1  # fine-tuning epochs over the corpus pairs
    reranker_negatives: int = 3  # BM25 negatives (other documents) per pseudo-question


class RagIndex(RagIndexer):
    name = "index"
    kind = "rag"
    version = "2"  # 2: k and context_words are reader settings, no longer in index.json; no metrics
    description = "chunk + embed (offline MiniLM) + LanceDB/Chroma + BM25 index of a corpus"
    Config = RagIndexConfig
    libraries = ("sentence-transformers", "bm25s", "lancedb", "chromadb")
    reader_settings = ("k", "context_words", "metrics_k")
    code_modules = ("ftflow_plugins.rag.ingest", "ftflow_plugins.rag.chunkers", "ftflow_plugins.rag.embed",
                    "ftflow_plugins.rag.stores", "ftflow_plugins.rag.retrieve", "ftflow_plugins.rag.prompting",
                    "ftflow_plugins.rag.rerank", "ftflow_plugins.rag.llm_rerank", "ftflow_plugins.llamacpp.engine")

    def reads(self, config: RagIndexConfig) -> dict[str, Part | None]:
        """The corpus only (external_inputs), and what the reranker builds from (``llm``: the base model)."""
        cls = reranker_class(config.reranker) if config.reranker else None
        return {name: None for name in (cls.needs if cls else ())}

    def uses(self, config: RagIndexConfig) -> list[tuple[str, str]]:
        used = [("chunker", config.chunker)] + ([("reranker", config.reranker)] if config.reranker else [])
        return used + ([("vectorstore", config.store)] if config.mode != "bm25" else [])

    def external_inputs(self, config: RagIndexConfig) -> dict[str, str]:
        inputs = {f"corpus[{i}]": p for i, p in enumerate(config.corpus)}
        return inputs | ({"reranker_model": config.reranker_model} if config.reranker_model else {})

    def check(self, stage, upstream) -> list[str]:
        cfg: RagIndexConfig = stage.config
        problems = []
        if not cfg.corpus:
            problems.append("rag.corpus: name at least one file or directory")
        if not 0 <= cfg.chunk_overlap < cfg.chunk_size:
            problems.append(f"rag.chunk_overlap must be >= 0 and < rag.chunk_size ({cfg.chunk_size})")
        if cfg.k < 1 or cfg.metrics_k < 1:
            problems.append("rag.k and rag.metrics_k must be >= 1")
        if cfg.reranker_epochs < 1 or cfg.reranker_negatives < 1 or cfg.reranker_depth < 1:
            problems.append("rag.reranker_epochs, rag.reranker_negatives and rag.reranker_depth must be >= 1")
        component = stage.components.get(f"reranker.{cfg.reranker}") if cfg.reranker else None
        needs = getattr(component.provider, "needs", ()) if component else ()
        problems += [f"rag.reranker={cfg.reranker} needs the {name} stage, which is disabled"
                     for name in needs if name not in upstream]
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow_plugins.rag.embed import Embedder, embed_with_memo
        from ftflow_plugins.rag.ingest import load_corpus
        from ftflow_plugins.rag.retrieve import build_bm25

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
        info: dict[str, Any] = {"mode": cfg.mode, "embedder": cfg.embedder, "chunker": cfg.chunker,
                                "digest": digest[:32], "store": {"store": "none"}}
        embedded = reused = 0
        if cfg.mode != "bm25":
            embedder = Embedder(cfg.embedder)
            vectors, embedded, reused = embed_with_memo(embedder, texts, [c.digest for c in chunks], ctx.memo)
            ctx.log(f"rag: {len(chunks)} chunks of {len(docs)} documents; embedded {embedded}, reused {reused}")
            store = ctx.components[f"vectorstore.{cfg.store}"].provider
            info["store"] = store.write(root, rows, vectors, cfg.store_url)
            info["embedder_identity"] = embedder.identity
        if cfg.reranker:
            reranker = ctx.components[f"reranker.{cfg.reranker}"].provider
            built = reranker.build(root, rows, cfg, ctx.seed, ctx.work_dir, ctx.log, ctx=ctx)
            info["reranker"] = {**built, "digest": digest[:16], "depth": cfg.reranker_depth, **recorded(reranker)}
        (root / "index.json").write_text(json.dumps(info, indent=2))
        (root / "documents.json").write_text(json.dumps({d.id: d.digest for d in docs}, indent=2))
        return {"documents": len(docs), "chunks": len(chunks), "embedded_chunks": embedded,
                "reused_chunks": reused, "mode": cfg.mode, "store": info["store"]}
