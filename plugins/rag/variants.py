"""Eval variants ``rag`` (base + retrieval) and ``tuned_rag`` (tuned + retrieval).

They wrap the built-in ``base`` / ``tuned`` generators (either ``eval.engine``): for each prompt they
retrieve from the eval stage's ``rag`` input artifact, put the passages into the prompt
(``prompting.augment``) and report the retrieved document ids as ``last_retrieved`` for the ``citation``
metric.  The identity adds the index digest and mode, so a changed corpus or retrieval mode regenerates,
an unchanged one comes from the memo.
"""

from __future__ import annotations

from typing import Any

from ftflow.stage import StageContext
from ftflow_plugins.evaluate.variants import (
    ENGINE_LIBRARIES,
    ENGINE_MODULES,
    BaseVariant,
    Generator,
    TunedVariant,
)


class RagGenerator:
    """Retrieval in front of any generator."""

    def __init__(self, inner: Generator, retriever: Any, k: int, context_words: int) -> None:
        self.inner, self.retriever, self.k, self.context_words = inner, retriever, k, context_words
        self.identity = f"{inner.identity}+rag:{retriever.identity}:k{k}:w{context_words}"
        self.last_retrieved: list[list[str]] = []
        self.last_truncated: list[bool] | None = None

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        from ftflow_plugins.rag.prompting import augment, question_of

        ranked = self.retriever.documents([question_of(p) for p in prompts], self.k)
        augmented = [augment(p, docs, self.context_words) for p, docs in zip(prompts, ranked, strict=True)]
        outputs = self.inner.generate(augmented, max_new_tokens, json_schema)
        self.last_truncated = getattr(self.inner, "last_truncated", None)
        self.last_retrieved = [[d["doc_id"] for d in docs] for docs in ranked]
        return outputs

    def close(self) -> None:
        self.inner.close()


def _wrap(ctx: StageContext, inner: Generator) -> RagGenerator:
    from ftflow_plugins.rag.retrieve import Retriever

    rag = ctx.inputs["rag"]
    return RagGenerator(inner, Retriever(rag.path), rag.settings["k"], rag.settings["context_words"])


class RagVariant(BaseVariant):
    name = "rag"
    description = "the base model with retrieved passages (rag stage) in the prompt and [doc-id] citations"
    libraries = (*ENGINE_LIBRARIES, "sentence-transformers", "bm25s")
    needs = ("model", "rag")
    code_modules = (*ENGINE_MODULES, "ftflow_plugins.rag.prompting", "ftflow_plugins.rag.retrieve")

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        return _wrap(ctx, super().load(ctx, name, batch_size))


class TunedRagVariant(TunedVariant):
    name = "tuned_rag"
    description = "the tuned model with retrieved passages (rag stage) in the prompt and [doc-id] citations"
    libraries = (*ENGINE_LIBRARIES, "peft", "sentence-transformers", "bm25s")
    needs = ("model", "train", "rag")
    code_modules = RagVariant.code_modules

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        return _wrap(ctx, super().load(ctx, name, batch_size))
