"""Validation of the Harbor copilot files: grounding, citations, novelty and duplicates."""

from __future__ import annotations

import re

from .checks import chat_rows, corpus_rows, dedup_checks, dialog_text, fail, label_conflicts
from .defi_qa import SYSTEM

CITE = re.compile(r"\[([a-z0-9][a-z0-9.\-]*)\]")
KINDS = {"governance_proposal", "treasury_report", "protocol_doc"}


def check_corpus(corpus: list[dict]) -> None:
    """Shape checks for the Harbor corpus."""
    corpus_rows(corpus, KINDS, "defi/corpus")


def check(train: list[dict], evals: list[dict], corpus: list[dict], keys: dict[str, str]) -> dict:
    """All copilot constraints; returns similarity stats."""
    text = {d["id"]: d["text"].replace("**", "").lower() for d in corpus}
    for name, rows in (("train", train), ("eval", evals)):
        chat_rows(rows, f"defi/{name}")
        for r in rows:
            where = f"defi/{name}:{r['id']}"
            msgs, meta = r["messages"], r["meta"]
            if len(msgs) != 3 or msgs[0]["content"] != SYSTEM:
                fail(where, "want system/user/assistant with the constant system prompt")
            if set(meta) != {"relevant_doc_ids", "needs_retrieval", "answer_facts", "split_kind"}:
                fail(where, f"bad meta keys {sorted(meta)}")
            ok = {"train"} if name == "train" else {"heldout", "paraphrase"}
            if meta["split_kind"] not in ok:
                fail(where, "bad split_kind")
            answer = msgs[2]["content"]
            cited = set(CITE.findall(answer))
            docs = meta["relevant_doc_ids"]
            if meta["needs_retrieval"] != bool(docs):
                fail(where, "needs_retrieval must be true exactly when relevant_doc_ids is non-empty")
            if cited != set(docs):
                fail(where, f"citations {sorted(cited)} differ from relevant_doc_ids {docs}")
            if any(d not in text for d in docs):
                fail(where, "cites a document that is not in the corpus")
            source = "\n".join(text[d] for d in docs)
            for f in meta["answer_facts"]:
                if f != f.lower() or f not in answer.lower():
                    fail(where, f"answer fact {f!r} missing from the answer")
                if docs and f not in source:
                    fail(where, f"answer fact {f!r} not found in the cited documents")
    share = sum(not r["meta"]["needs_retrieval"] for r in train) / len(train)
    if not 0.1 <= share <= 0.2:
        fail("defi/train", f"concept share {share:.2f} outside 10-20%")
    train_text = "\n".join(dialog_text(r["messages"]) for r in train)
    for r in evals:
        if r["meta"]["split_kind"] == "heldout" and r["meta"]["needs_retrieval"]:
            k = keys.get(r["id"])
            if not k or k in train_text:
                fail(f"defi/eval:{r['id']}", f"held-out key fact {k!r} missing or already asked in train")
    stats = dedup_checks(train, evals, lambda r: dialog_text(r["messages"]), "defi")
    label_conflicts(train + evals, lambda r: r["messages"][1]["content"], lambda r: r["messages"][2]["content"],
                    "defi")
    stats["concept_share"] = round(share, 3)
    return stats
