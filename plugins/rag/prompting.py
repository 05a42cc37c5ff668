"""Retrieval-augmented prompting: passages with their ids go into the user turn, with a citation rule.

The passages go into the last user turn (not the system prompt) so the recipe's own system prompt stays
as the tuned model saw it in training; each passage is headed ``[doc-id] title`` so the model can copy
the id into a ``[doc-id]`` citation, which the ``citation`` metric checks.
"""

from __future__ import annotations

from typing import Any

TEMPLATE = """Sources:
{passages}

Question: {question}

Answer from the sources above and cite each source you use as [doc-id], e.g. [{example}]. If the sources \
do not contain the answer, say so."""


def question_of(messages: list[dict[str, Any]]) -> str:
    """The query for retrieval: the last user turn."""
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


def format_passages(docs: list[dict[str, Any]], max_words: int) -> str:
    """Each document's best chunks, headed by ``[doc-id] title``, within ``max_words`` words overall."""
    budget, blocks = max_words, []
    for doc in docs:
        texts = []
        for chunk in doc["chunks"]:
            words = chunk["text"].split()
            if budget <= 0:
                break
            texts.append(" ".join(words[:budget]))
            budget -= len(words)
        if texts:
            blocks.append(f"[{doc['doc_id']}] {doc['title']}\n" + "\n".join(texts))
    return "\n\n".join(blocks)


def augment(messages: list[dict[str, Any]], docs: list[dict[str, Any]], max_words: int) -> list[dict[str, Any]]:
    """A copy of ``messages`` whose last user turn carries the retrieved passages."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "user")
    content = TEMPLATE.format(passages=format_passages(docs, max_words) or "(none found)",
                              question=messages[last]["content"],
                              example=docs[0]["doc_id"] if docs else "doc-id")
    return [*messages[:last], {**messages[last], "content": content}, *messages[last + 1:]]
