"""Rerankers: a second pass over the fused retrieval that scores each (question, document) pair jointly.

Providers of kind ``reranker``, named by ``rag.reranker``.  The rag stage calls ``build`` to put what
readers need into ``index/reranker/`` (and a description into ``index.json``); ``Retriever`` then reranks
the top ``rag.reranker_depth`` documents of every query with ``load(...).score_many``.  The other built-in,
``llm`` (the base model's yes/no log-probabilities through llama.cpp), lives in ``llm_rerank``.

``cross_encoder`` is a sentence-transformers ``CrossEncoder``: a local cross-encoder directory
(``rag.reranker_model``), or — with none — one that the rag stage **fine-tunes itself** from the shipped
MiniLM weights (the embedder's) on question–passage pairs drawn from the corpus: each chunk's first sentence
is a pseudo-question, its own document the positive, the best BM25 chunks of other documents the negatives.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

from ftflow import kinds
from ftflow_plugins.rag.retrieve import passage_text

_SENTENCE = re.compile(r"(?<=[.!?])\s")


class Reranker(kinds.Reranker):
    """The rag plugin's rerankers; the contract (``needs``, ``build``, ``load``) is ``ftflow.kinds.Reranker``."""

    kind = "reranker"


def pseudo_queries(rows: list[dict[str, Any]], bm25: Any, negatives: int, seed: int
                   ) -> list[tuple[str, str, float]]:
    """(query, passage, label) pairs from chunk rows: the first sentence of a chunk's text against its own
    document's passage (1) and the top BM25 chunks of ``negatives`` other documents (0)."""
    import random

    rng = random.Random(seed)
    pairs = []
    for row in rows:
        body = " ".join(line for line in row["text"].splitlines() if line.strip() and not line.startswith(("#", "|")))
        sentence = _SENTENCE.split(body.strip(), maxsplit=1)[0]
        if len(sentence.split()) < 5:
            continue
        pairs.append((sentence, passage_text(row), 1.0))
        others = [r for r in bm25(sentence) if r["doc_id"] != row["doc_id"]]
        seen: set[str] = set()
        for other in others:
            if other["doc_id"] not in seen and len(seen) < negatives:
                seen.add(other["doc_id"])
                pairs.append((sentence, passage_text(other), 0.0))
    rng.shuffle(pairs)
    return pairs


@dataclasses.dataclass
class _CrossEncoderScorer:
    model: Any
    identity: str

    def score(self, query: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        return [float(s) for s in self.model.predict([(query, p) for p in passages], show_progress_bar=False)]

    def score_many(self, items: list[tuple[str, list[str]]]) -> list[list[float]]:
        return [self.score(query, list(passages)) for query, passages in items]


class CrossEncoderReranker(Reranker):
    name = "cross_encoder"
    description = "sentence-transformers CrossEncoder: a local one, or fine-tuned from MiniLM on corpus pairs"
    libraries = ("sentence-transformers", "transformers", "torch", "datasets")

    def build(self, root: Path, rows: list[dict[str, Any]], settings: Any, seed: int, work: Path,
              log: Any, ctx: Any = None) -> dict[str, Any]:
        out = root / "reranker"
        if settings.reranker_model:
            shutil.copytree(Path(settings.reranker_model), out)
            return {"reranker": self.name, "source": "local"}
        return {"reranker": self.name, "source": "fine-tuned", **self._fine_tune(root, rows, settings, seed, work,
                                                                                 out, log)}

    @staticmethod
    def _fine_tune(root: Path, rows: list[dict[str, Any]], settings: Any, seed: int, work: Path, out: Path,
                   log: Any) -> dict[str, Any]:
        import bm25s
        from datasets import Dataset
        from sentence_transformers.cross_encoder import (
            CrossEncoder,
            CrossEncoderTrainer,
            CrossEncoderTrainingArguments,
        )
        from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
        from transformers.utils import logging as hf_logging

        from ftflow_plugins.rag.embed import model_path
        from ftflow_plugins.rag.retrieve import bm25_tokens

        retriever = bm25s.BM25.load(str(root / "bm25"))

        def bm25(query: str) -> list[dict[str, Any]]:
            tokens = [t for t in bm25_tokens([query])[0] if t in retriever.vocab_dict]
            if not tokens:
                return []
            indices, _ = retriever.retrieve([tokens], k=min(30, len(rows)), show_progress=False)
            return [rows[int(i)] for i in indices[0]]

        pairs = pseudo_queries(rows, bm25, settings.reranker_negatives, seed)
        base, tag = model_path(settings.embedder)
        log(f"rag: fine-tuning a cross-encoder from {settings.embedder} on {len(pairs)} corpus pairs")
        hf_logging.set_verbosity_error()  # the classifier head is new: its 'newly initialized' warning is expected
        model = CrossEncoder(str(base), num_labels=1, max_length=256, device="cpu")
        data = Dataset.from_dict({"query": [q for q, _, _ in pairs], "passage": [p for _, p, _ in pairs],
                                  "label": [label for _, _, label in pairs]})
        args = CrossEncoderTrainingArguments(
            output_dir=str(work / "reranker"), num_train_epochs=settings.reranker_epochs,
            per_device_train_batch_size=16, learning_rate=5e-5, warmup_steps=0.1, seed=seed, data_seed=seed,
            save_strategy="no", logging_strategy="no", report_to=[], disable_tqdm=True, use_cpu=True)
        CrossEncoderTrainer(model=model, args=args, train_dataset=data,
                            loss=BinaryCrossEntropyLoss(model)).train()
        model.save_pretrained(str(out))
        return {"base": tag, "pairs": len(pairs), "epochs": settings.reranker_epochs}

    def load(self, root: Path, info: dict[str, Any]) -> _CrossEncoderScorer:
        from sentence_transformers.cross_encoder import CrossEncoder

        return _CrossEncoderScorer(CrossEncoder(str(root / "reranker"), device="cpu"),
                                   f"cross_encoder:{info.get('digest', '')}")
