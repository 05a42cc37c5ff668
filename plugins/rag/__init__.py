"""Retrieval-augmented generation: the ``rag`` stage (ingest, chunk, embed, index, measure), chunkers,
vector stores, and the ``rag`` / ``tuned_rag`` eval variants.  See docs/rag.md."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.rag.chunkers import FixedChunker, HeadingChunker
from ftflow_plugins.rag.index import RagIndex
from ftflow_plugins.rag.llm_rerank import LlmReranker
from ftflow_plugins.rag.rerank import CrossEncoderReranker
from ftflow_plugins.rag.stores import ChromaServerStore, LanceStore
from ftflow_plugins.rag.variants import RagVariant, TunedRagVariant

PROVIDERS = (RagIndex, FixedChunker, HeadingChunker, LanceStore, ChromaServerStore, RagVariant, TunedRagVariant,
             CrossEncoderReranker, LlmReranker)


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in PROVIDERS:
        registry.add(provider)
