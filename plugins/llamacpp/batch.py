"""Greedy decoding of many prompts at once in one llama.cpp context (continuous batching).

llama-cpp-python's high-level ``Llama`` decodes one sequence per context.  Here up to ``n_seq``
sequences share each ``llama_decode`` call, so the weights' matrix products run on many tokens at once;
a sequence that ends (end-of-generation token or ``max_new_tokens``) hands its slot to the next prompt
in the same step.  The prompts' common prefix (the system prompt) is evaluated once, in a sequence of
its own, and copied into each slot's KV cache instead of being recomputed per prompt.

Greedy = argmax of the logits, the choice ``create_chat_completion(temperature=0)`` and HF's
``do_sample=False`` make.  Which matrix kernels run depends on how many tokens a step holds, so an
answer can differ from the one-prompt-at-a-time path in its late tokens where two candidates are nearly
tied (as HF's batched, left-padded generation differs from its unbatched one); the same prompts in the
same order decode identically.  Measurements: docs/evaluation.md.

``next_token_logprobs`` uses the same streams for scoring without generating: one forward pass per prompt,
the log-probabilities of chosen next tokens (the rag stage's LLM reranker, docs/rag.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any


@dataclasses.dataclass
class _Slot:
    """One sequence in flight: prompt tokens still to feed, next position, what it generated."""

    index: int  # the prompt's position in the caller's list (-1: the shared prefix)
    seq_id: int
    pending: list[int]
    pos: int = 0
    generated: list[int] = dataclasses.field(default_factory=list)
    next_token: int | None = None  # chosen, not yet fed


def common_prefix(prompts: Sequence[Sequence[int]]) -> int:
    """Length of the token prefix every prompt shares, leaving each at least one token of its own."""
    first, length = prompts[0], min(len(p) for p in prompts) - 1
    for prompt in prompts[1:]:
        k = 0
        while k < length and prompt[k] == first[k]:
            k += 1
        length = k
    return max(0, length)


class BatchDecoder:
    """Continuous-batching greedy decoder over a loaded ``llama_cpp.Llama`` (its model and vocabulary).

    Each call builds its own context (the ``Llama``'s settings, one KV stream per sequence sized for the
    longest prompt plus ``max_new_tokens``), so the ``Llama`` object's context stays free for its API.
    """

    def __init__(self, llm: Any, n_seq: int = 32, n_batch: int = 512) -> None:
        self.llm, self.n_seq, self.n_batch = llm, max(1, n_seq), n_batch

    def _context(self, n_ctx: int, n_seq: int) -> Any:
        from llama_cpp import _internals

        # The Llama's own settings (threads, attention kernel, KV types), resized; one stream per sequence.
        params = type(self.llm.context_params).from_buffer_copy(self.llm.context_params)
        params.n_ctx = n_ctx
        params.n_batch = params.n_ubatch = self.n_batch
        params.n_seq_max = n_seq
        params.kv_unified = False  # a unified cache would make every token attend over all sequences' cells
        return _internals.LlamaContext(model=self.llm._model, params=params, verbose=False)

    def generate(self, prompts: Sequence[Sequence[int]], max_new_tokens: int,
                 on_done: Callable[[], None] | None = None) -> list[tuple[list[int], bool]]:
        """Per prompt (token ids): (generated ids without the end token, whether it hit ``max_new_tokens``).

        ``on_done`` is called as each prompt's answer is complete (progress).
        """
        import llama_cpp
        import numpy as np
        from llama_cpp import _internals

        if not prompts or max_new_tokens <= 0:
            return [([], max_new_tokens <= 0) for _ in prompts]
        n_seq = min(self.n_seq, len(prompts))
        shared = common_prefix(prompts) if len(prompts) > 1 else 0
        streams = n_seq + (1 if shared else 0)  # the shared prefix lives in sequence n_seq
        ctx = self._context(streams * (max(len(p) for p in prompts) + max_new_tokens), streams)
        batch = _internals.LlamaBatch(n_tokens=self.n_batch, embd=0, n_seq_max=1, verbose=False)
        vocab = llama_cpp.llama_model_get_vocab(self.llm._model.model)
        n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
        results: list[tuple[list[int], bool] | None] = [None] * len(prompts)
        try:
            prefix = _Slot(-1, n_seq, list(prompts[0][:shared]))
            while prefix.pending:
                self._fill(batch.batch, [prefix], logits=False)
                ctx.decode(batch)
            queue, free, active = list(range(len(prompts)))[::-1], list(range(n_seq))[::-1], []
            while queue or active:
                while queue and free:
                    index, seq_id = queue.pop(), min(free)  # the lowest: contiguous ids batch (fill_batch)
                    free.remove(seq_id)
                    if shared:  # the slot starts from a copy of the prefix's KV cache
                        llama_cpp.llama_memory_seq_cp(ctx.memory, n_seq, seq_id, -1, -1)
                    active.append(_Slot(index, seq_id, list(prompts[index][shared:]), pos=shared))
                if not queue:  # the tail: no new prompt fills the ids that finished sequences free
                    _compact(ctx, active, free)
                rows = self._fill(batch.batch, active)
                ctx.decode(batch)
                for row, slot in rows:
                    token = int(np.ctypeslib.as_array(ctx.get_logits_ith(row), shape=(n_vocab,)).argmax())
                    if llama_cpp.llama_vocab_is_eog(vocab, token):
                        results[slot.index] = (slot.generated, False)
                    else:
                        slot.generated.append(token)
                        if len(slot.generated) >= max_new_tokens:
                            results[slot.index] = (slot.generated, True)
                        else:
                            slot.next_token = token
                    if results[slot.index] is not None:  # done: the slot takes the next prompt
                        if on_done is not None:
                            on_done()
                        ctx.kv_cache_seq_rm(slot.seq_id, -1, -1)
                        free.append(slot.seq_id)
                        active.remove(slot)
        finally:
            batch.close()
            ctx.close()
        return [r for r in results if r is not None]

    def next_token_logprobs(self, prompts: Sequence[Sequence[int]], token_ids: Sequence[int]) -> list[list[float]]:
        """Per prompt, the log-probabilities of ``token_ids`` as its next token: one forward pass per prompt
        and no generation (a pointwise scorer such as the rag stage's LLM reranker).  Up to ``n_seq``
        prompts share each ``llama_decode``, a finished prompt's stream takes the next one."""
        import llama_cpp
        import numpy as np
        from llama_cpp import _internals

        if not prompts:
            return []
        n_seq = min(self.n_seq, len(prompts))
        ctx = self._context(n_seq * max(len(p) for p in prompts), n_seq)
        batch = _internals.LlamaBatch(n_tokens=self.n_batch, embd=0, n_seq_max=1, verbose=False)
        n_vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(self.llm._model.model))
        ids = np.asarray(token_ids, dtype=np.int64)
        results: list[list[float]] = [[] for _ in prompts]
        try:
            queue, free, active = list(range(len(prompts)))[::-1], list(range(n_seq))[::-1], []
            while queue or active:
                while queue and free:
                    seq_id = min(free)  # contiguous ids batch (fill_batch)
                    free.remove(seq_id)
                    index = queue.pop()
                    active.append(_Slot(index, seq_id, list(prompts[index])))
                rows = self._fill(batch.batch, active)
                ctx.decode(batch)
                for row, slot in rows:
                    logits = np.ctypeslib.as_array(ctx.get_logits_ith(row), shape=(n_vocab,)).astype(np.float64)
                    top = logits.max()
                    results[slot.index] = (logits[ids] - top - np.log(np.exp(logits - top).sum())).tolist()
                    ctx.kv_cache_seq_rm(slot.seq_id, -1, -1)
                    free.append(slot.seq_id)
                    active.remove(slot)
        finally:
            batch.close()
            ctx.close()
        return results

    def _fill(self, b: Any, active: list[_Slot], logits: bool = True) -> list[tuple[int, _Slot]]:
        return fill_batch(b, active, self.n_batch, logits)


def _compact(ctx: Any, active: list[_Slot], free: list[int]) -> None:
    """Move the highest-numbered sequences into free lower ids, so the active ids stay 0..n-1.

    With one KV stream per sequence, llama.cpp runs a step's tokens as one graph computation only over
    consecutive sequence ids (see ``fill_batch``): once sequences that stopped early leave gaps, each
    run of ids costs a pass over all the weights.  A move copies the sequence's KV stream (a few MB) once;
    measured on wallet_support's tuned model, plain prompts: 8.8 s -> 5.1 s for 48 prompts.
    """
    import llama_cpp

    while active and free:
        low, high = min(free), max(active, key=lambda s: s.seq_id)
        if low > high.seq_id:
            return
        llama_cpp.llama_memory_seq_cp(ctx.memory, high.seq_id, low, -1, -1)
        ctx.kv_cache_seq_rm(high.seq_id, -1, -1)
        free.remove(low)
        free.append(high.seq_id)
        high.seq_id = low


def fill_batch(b: Any, active: Sequence[Any], n_batch: int, logits: bool = True) -> list[tuple[int, Any]]:
    """One step's ``llama_batch``: each generating sequence's next token, then prompt tokens up to ``n_batch``.

    ``active`` items have ``seq_id``, ``pos``, ``pending`` (prompt tokens still to feed) and ``next_token``
    (chosen, not yet fed); shared by the eval decoder and the serving slots.  Returns (batch row, item) for
    the rows whose logits choose an item's next token (``logits=False``: a prefix that wants none).

    The tokens go in increasing ``seq_id`` order.  With one KV stream per sequence (``kv_unified`` off)
    llama.cpp cuts a batch into micro-batches of sequences whose ids follow each other in batch order
    (``split_equal``, sequential), so eight one-token sequences in an order like 3,0,5,1,... run as up to
    eight graph computations of one token each instead of one of eight: no batching at all.  Take the
    lowest free id for a new sequence too, so the active ids stay contiguous.
    """
    plan: list[tuple[Any, list[int], bool]] = []  # (item, tokens to feed, whether the last one wants logits)
    for item in active:
        if item.next_token is not None:
            plan.append((item, [item.next_token], True))
            item.next_token = None
    room = n_batch - len(plan)
    for item in active:
        if item.pending and room > 0:
            chunk, item.pending = item.pending[:room], item.pending[room:]
            room -= len(chunk)
            plan.append((item, chunk, logits and not item.pending))
    plan.sort(key=lambda entry: entry[0].seq_id)
    b.n_tokens = 0
    rows: list[tuple[int, Any]] = []
    for item, tokens, wants_logits in plan:
        for k, token in enumerate(tokens):
            n, last = b.n_tokens, k == len(tokens) - 1
            b.token[n], b.pos[n], b.n_seq_id[n], b.logits[n] = token, item.pos, 1, wants_logits and last
            b.seq_id[n][0] = item.seq_id
            b.n_tokens = n + 1
            item.pos += 1
            if wants_logits and last:
                rows.append((n, item))
    return rows
