"""Chat rows to token ids with assistant-only masks: the tokenize stage's encoding, shared with the SFT
method's data mixing (``method.mix``), which must encode its drawn rows the same way.  A module of its own
so that the method is keyed on this code, not on the tokenize stage's retrieval (RAG context)."""

from __future__ import annotations

from typing import Any


def assistant_char_spans(tokenizer: Any, messages: list[dict[str, Any]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the [start, end) character spans of every assistant turn."""
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prefix = tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True)
        upto = tokenizer.apply_chat_template(messages[: i + 1], tokenize=False)
        if not text.startswith(prefix) or not text.startswith(upto):
            raise ValueError("the chat template does not render conversations prefix-consistently; "
                             "set tokenize.chat_template to a training variant")
        end = len(upto.rstrip("\n"))  # keep the end-of-turn token, drop the trailing newline
        spans.append((len(prefix), end))
    return text, spans


def tokenize_conversation(tokenizer: Any, messages: list[dict[str, Any]], completion_only: bool,
                          max_length: int) -> dict[str, Any]:
    """One conversation; see ``tokenize_batch`` for many (faster: the tokenizer encodes them in parallel)."""
    return tokenize_batch(tokenizer, [messages], completion_only, max_length)[0]


def tokenize_batch(tokenizer: Any, conversations: list[list[dict[str, Any]]], completion_only: bool,
                   max_length: int) -> list[dict[str, Any]]:
    """Render with the chat template, encode in one batch, mask all but assistant characters."""
    rendered = [assistant_char_spans(tokenizer, m) for m in conversations]
    encoded = tokenizer([t for t, _ in rendered], add_special_tokens=False, return_offsets_mapping=True)
    out = []
    for (_, spans), ids, offsets in zip(rendered, encoded["input_ids"], encoded["offset_mapping"], strict=True):
        if completion_only:
            mask, k = [], 0
            for start, _ in offsets:  # offsets and spans are both sorted: one merge pass
                while k < len(spans) and spans[k][1] <= start:
                    k += 1
                mask.append(int(k < len(spans) and spans[k][0] <= start))
        else:
            mask = [1] * len(ids)
        out.append({"input_ids": ids[:max_length], "assistant_masks": mask[:max_length],
                    "truncated": len(ids) > max_length, "length": len(ids)})
    return out
