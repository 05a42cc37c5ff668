"""llama.cpp (through llama-cpp-python) as a CPU inference backend for GGUF files.

Used by the ``gguf`` eval variant and by ``ftflow chat``.  Chats are formatted by the chat template
embedded in the GGUF (llama-cpp-python picks it up when no ``chat_format`` is given), the same
template the export stage checked against the HF tokenizer.

Batching: llama-cpp-python's high-level API decodes one sequence per context, so prompts run one
after another.  They are not slower for it on a CPU with a few cores (decode is memory-bound and
llama.cpp already uses every thread per token), and consecutive prompts that share a prefix (the
system prompt) reuse its KV cache instead of re-evaluating it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def cpu_threads() -> int:
    """Threads for llama.cpp: the CPUs this process may run on (cgroup/affinity aware), at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    override = os.environ.get("FTFLOW_LLAMA_THREADS")
    return max(1, int(override) if override else count)


_LOG_CALLBACK: Any = None


def quiet_llama() -> None:
    """Send llama.cpp's C-level log to the ``ftflow.llamacpp`` logger at DEBUG level.

    llama-cpp-python's own callback maps ggml's current level numbers one step off (warnings print
    as errors even with ``verbose=False``), so the loader's and quantizer's chatter would flood the
    console; failures still surface as Python exceptions.
    """
    global _LOG_CALLBACK
    import ctypes
    import logging

    import llama_cpp

    if _LOG_CALLBACK is None:
        logger = logging.getLogger("ftflow.llamacpp")

        @llama_cpp.llama_log_callback
        def callback(level: int, text: bytes, user_data: Any) -> None:
            logger.debug(text.decode("utf-8", errors="replace").rstrip("\n"))

        _LOG_CALLBACK = callback  # keep a reference: the C library calls it later
    llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))


def load_llama(path: Path, n_ctx: int = 4096, n_threads: int | None = None, seed: int = 0) -> Any:
    import llama_cpp

    quiet_llama()
    threads = n_threads or cpu_threads()
    return llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                           n_batch=512, seed=seed, verbose=False)


def response_format(json_schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """Grammar-constrained JSON: llama-cpp-python compiles the schema into a GBNF grammar."""
    return None if json_schema is None else {"type": "json_object", "schema": json_schema}


class LlamaCppGenerator:
    """Greedy chat completions from one GGUF file; the eval ``Generator`` interface plus streaming chat."""

    #: ``json_schema`` is enforced by a grammar while decoding (the evaluator need not repair output).
    supports_json_schema = True

    def __init__(self, path: Path, identity: str, n_ctx: int = 4096, n_threads: int | None = None,
                 seed: int = 0) -> None:
        self.path, self.identity = path, identity
        self.last_truncated: list[bool] = []
        self.llm = load_llama(path, n_ctx=n_ctx, n_threads=n_threads, seed=seed)

    def _request(self, messages: list[dict[str, Any]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None) -> dict[str, Any]:
        # temperature 0 is greedy in llama-cpp-python; repeat_penalty 1.0 matches HF's plain greedy decode.
        return {"messages": messages, "max_tokens": max_new_tokens, "temperature": 0.0, "repeat_penalty": 1.0,
                "response_format": response_format(json_schema)}

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        outputs, truncated = [], []
        for messages in prompts:  # sequential: see the module docstring
            reply = self.llm.create_chat_completion(**self._request(messages, max_new_tokens, json_schema))
            choice = reply["choices"][0]
            outputs.append((choice["message"]["content"] or "").strip())
            truncated.append(choice.get("finish_reason") == "length")
        self.last_truncated = truncated
        return outputs

    def stream(self, messages: list[dict[str, Any]], max_new_tokens: int,
               json_schema: dict[str, Any] | None = None) -> Iterator[str]:
        """Yield the answer's text as it is decoded (``ftflow chat``)."""
        for chunk in self.llm.create_chat_completion(**self._request(messages, max_new_tokens, json_schema),
                                                     stream=True):
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                yield text

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()
            self.llm = None
