"""llama.cpp (through llama-cpp-python) generating from GGUF files on the CPU.

Used by the ``gguf`` eval variant and by ``ftflow chat``.  Chats are formatted by the chat template
embedded in the GGUF (llama-cpp-python picks it up when no ``chat_format`` is given), the same
template the export stage checked against the HF tokenizer.

Decoding: llama-cpp-python's high-level API decodes one sequence per context; unconstrained prompts go
through ``batch.BatchDecoder`` instead (many sequences per ``llama_decode``, the shared system prompt
evaluated once), schema-constrained ones (a grammar per sequence) one after another through
``create_chat_completion``.  ``workers`` single-threaded contexts run side by side on contiguous shares
of the prompts (threads release the GIL inside llama.cpp): llama.cpp's threads meet at a spinning
barrier after every operation, which costs little only while the CPU is otherwise idle.  Measurements
on the 2-core box: docs/evaluation.md.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ftflow.progress import advance
from ftflow_plugins.llamacpp.native import cpu_threads, quiet_llama

_PROGRESS_LOCK = threading.Lock()


def load_llama(path: Path, n_ctx: int = 4096, n_threads: int | None = None, seed: int = 0) -> Any:
    import llama_cpp

    quiet_llama()
    threads = n_threads or cpu_threads()
    return llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                           n_batch=512, seed=seed, verbose=False)


def response_format(json_schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """Grammar-constrained JSON: llama-cpp-python compiles the schema into a GBNF grammar."""
    return None if json_schema is None else {"type": "json_object", "schema": json_schema}


def eval_workers(path: Path, limit: int = 4) -> int:
    """Single-threaded contexts for eval decoding: one per CPU, at most ``limit``, and no more copies of
    the model than half the available memory holds (llama.cpp may repack weights per context)."""
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        available = 0
    by_memory = int(available * 0.5 // max(1, path.stat().st_size)) if available else 1
    return max(1, min(cpu_threads(), limit, by_memory))


def _advance() -> None:
    with _PROGRESS_LOCK:  # workers finish answers on their own threads; the bar is not thread-safe
        advance(1)  # the eval stage's bar for this variant


class LlamaCppGenerator:
    """Greedy chat completions from one GGUF file; the eval ``Generator`` interface plus streaming chat.

    ``workers`` > 1: that many contexts with ``cpu_threads() // workers`` threads each decode shares of
    the prompts at the same time (``stream`` uses the first).  ``constrain``: enforce ``json_schema`` with
    a grammar while decoding (the ``gguf`` variant: the deployed file as it would be served); the eval
    engine's variants pass False so raw-format metrics measure the model, as on the transformers engine.
    """

    def __init__(self, path: Path, identity: str, n_ctx: int = 4096, n_threads: int | None = None,
                 seed: int = 0, workers: int = 1, constrain: bool = True) -> None:
        self.path, self.identity, self.constrain = path, identity, constrain
        #: With a grammar the evaluator need not repair output.
        self.supports_json_schema = constrain
        #: How it decodes, recorded per variant by the evaluator (a schema, when given, binds only if constrained).
        self.decoding = {"engine": "llamacpp", "sampling": "greedy", "constrained_by": "grammar" if constrain else None}
        self.last_truncated: list[bool] = []
        threads = n_threads or max(1, cpu_threads() // max(1, workers))
        self.workers = [load_llama(path, n_ctx=n_ctx, n_threads=threads, seed=seed) for _ in range(max(1, workers))]
        self.llm = self.workers[0]

    def _request(self, messages: list[dict[str, Any]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None) -> dict[str, Any]:
        # temperature 0 is greedy in llama-cpp-python; repeat_penalty 1.0 matches HF's plain greedy decode.
        return {"messages": messages, "max_tokens": max_new_tokens, "temperature": 0.0, "repeat_penalty": 1.0,
                "response_format": response_format(json_schema)}

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        schema = json_schema if self.constrain else None
        n = min(len(self.workers), len(prompts))
        if n <= 1:
            results = self._run(self.llm, prompts, max_new_tokens, schema)
        else:  # contiguous shares keep each context's shared-prefix reuse
            from concurrent.futures import ThreadPoolExecutor

            bounds = [len(prompts) * i // n for i in range(n + 1)]
            with ThreadPoolExecutor(n) as pool:
                shares = pool.map(self._run, self.workers[:n],
                                  [prompts[bounds[i]:bounds[i + 1]] for i in range(n)],
                                  [max_new_tokens] * n, [schema] * n)
                results = [r for share in shares for r in share]
        self.last_truncated = [hit for _, hit in results]
        return [text for text, _ in results]

    def _run(self, llm: Any, prompts: Sequence[list[dict[str, Any]]], max_new_tokens: int,
             json_schema: dict[str, Any] | None) -> list[tuple[str, bool]]:
        """(answer, hit max_new_tokens) per prompt, in one context: batched, or one after another under a
        grammar."""
        if json_schema is None:
            return self._run_batched(llm, prompts, max_new_tokens)
        results = []
        for messages in prompts:
            reply = llm.create_chat_completion(**self._request(messages, max_new_tokens, json_schema))
            choice = reply["choices"][0]
            results.append(((choice["message"]["content"] or "").strip(), choice.get("finish_reason") == "length"))
            _advance()
        return results

    def _run_batched(self, llm: Any, prompts: Sequence[list[dict[str, Any]]],
                     max_new_tokens: int) -> list[tuple[str, bool]]:
        from llama_cpp import llama_chat_format

        from ftflow_plugins.llamacpp.batch import BatchDecoder

        # The GGUF's chat template, rendered and tokenized as create_chat_completion does.
        text = llm._model.token_get_text
        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=llm.metadata["tokenizer.chat_template"], eos_token=text(llm.token_eos()),
            bos_token=text(llm.token_bos()) if llm.token_bos() != -1 else "")
        rendered = [formatter(messages=messages) for messages in prompts]
        tokens = [llm.tokenize(r.prompt.encode("utf-8"), add_bos=not r.added_special, special=True)
                  for r in rendered]
        results = []
        for r, prompt, (generated, hit) in zip(rendered, tokens, BatchDecoder(llm).generate(
                tokens, max_new_tokens, on_done=_advance), strict=True):
            answer = llm.detokenize(generated, prev_tokens=prompt).decode("utf-8", errors="ignore")
            for stop in r.stop if isinstance(r.stop, list) else [r.stop] if r.stop else []:
                answer = answer.split(stop, 1)[0]
            results.append((answer.strip(), hit))
        return results

    def stream(self, messages: list[dict[str, Any]], max_new_tokens: int,
               json_schema: dict[str, Any] | None = None) -> Iterator[str]:
        """Yield the answer's text as it is decoded (``ftflow chat``)."""
        for chunk in self.llm.create_chat_completion(**self._request(messages, max_new_tokens, json_schema),
                                                     stream=True):
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                yield text

    def close(self) -> None:
        for llm in self.workers:
            llm.close()
        self.workers, self.llm = [], None
