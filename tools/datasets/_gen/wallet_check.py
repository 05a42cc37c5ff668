"""Lumen-specific validation of written chat, preference and corpus files."""

from __future__ import annotations

import re

from .checks import (
    chat_rows,
    check_messages,
    corpus_rows,
    dedup_checks,
    dialog_text,
    fail,
    label_conflicts,
    near_dups,
    no_empty,
)
from .wallet_facts import SYSTEM_PROMPT
from .wallet_intents_d import HELDOUT

TOPICS = {"onboarding", "network_switching", "transaction_status", "errors", "fees", "security",
          "refusal"}
ID_RE = {"train": re.compile(r"^ws-train-\d{4}$"), "eval": re.compile(r"^ws-eval-\d{4}$")}
# Generic phrases that need not be quoted verbatim by a corpus document.
GENERIC = {"can't help", "can't", "network", "ignore", "reject", "new pin", "move", "hide",
           "pin", "password", "waits", "destroy it", "lawyer or the police", "lawyer", "legal",
           "speed it up", "send it again", "own timer", "reconnect", "cancel", "false positive",
           "can't give access", "don't know who owns", "current pin", "receive much less",
           "can't be changed", "can't access your wallet", "market", "pending"}


def _plain(text: str) -> str:
    return text.replace("**", "").lower()


def check_chats(train, evals, corpus) -> dict:
    """Schema, fact grounding, held-out novelty and duplicate checks."""
    corpus_text = "\n".join(_plain(d["text"]) for d in corpus)
    for name, rows in (("train", train), ("eval", evals)):
        chat_rows(rows, f"wallet/{name}")
        for r in rows:
            where = f"wallet/{name}:{r['id']}"
            if not ID_RE[name].match(r["id"]) or set(r) != {"id", "messages", "meta"}:
                fail(where, "bad id or keys")
            if any(m["content"] != SYSTEM_PROMPT for m in r["messages"] if m["role"] == "system"):
                fail(where, "system prompt differs from the constant")
            meta = r["meta"]
            if set(meta) != {"topic", "split_kind", "required_facts", "should_refuse"}:
                fail(where, f"bad meta keys {sorted(meta)}")
            if meta["topic"] not in TOPICS or not isinstance(meta["should_refuse"], bool):
                fail(where, "bad topic or should_refuse")
            if (meta["topic"] == "refusal") != meta["should_refuse"]:
                fail(where, "refusal topic and should_refuse disagree")
            ok_kinds = {"train"} if name == "train" else {"heldout", "paraphrase"}
            if meta["split_kind"] not in ok_kinds:
                fail(where, f"bad split_kind {meta['split_kind']}")
            last = _plain(r["messages"][-1]["content"])
            for f in meta["required_facts"]:
                if f != f.lower() or f not in last:
                    fail(where, f"required fact {f!r} missing from final answer")
                if f not in GENERIC and f not in corpus_text:
                    fail(where, f"required fact {f!r} is not stated in the corpus")
    train_text = "\n".join(dialog_text(r["messages"]) for r in train)
    for it in HELDOUT:
        if it["novel"] in train_text:
            fail("wallet", f"held-out fact {it['novel']!r} leaks into train")
    stats = dedup_checks(train, evals, lambda r: dialog_text(r["messages"]), "wallet")
    both = train + evals
    label_conflicts(both, lambda r: repr(r["messages"][:-1]), lambda r: r["messages"][-1]["content"],
                    "wallet")
    return stats


def check_preference(rows, evals) -> dict:
    """Preference pairs: prompt ends with user, chosen differs from rejected, no eval overlap."""
    kinds = {"verbose", "off_tone", "unsafe", "inaccurate"}
    texts, full = [], []
    for r in rows:
        where = f"wallet/preference:{r.get('id')}"
        no_empty(r, where)
        if set(r) != {"id", "prompt", "chosen", "rejected", "meta"}:
            fail(where, "bad keys")
        check_messages(r["prompt"], where, end_role="user")
        if r["prompt"][0]["content"] != SYSTEM_PROMPT:
            fail(where, "system prompt differs")
        for side in ("chosen", "rejected"):
            if len(r[side]) != 1 or r[side][0]["role"] != "assistant":
                fail(where, f"{side} must be one assistant message")
        if r["chosen"][0]["content"] == r["rejected"][0]["content"]:
            fail(where, "chosen equals rejected")
        if r["meta"].get("rejected_kind") not in kinds:
            fail(where, "bad rejected_kind")
        size = sum(len(m["content"]) for m in r["prompt"] + r["chosen"] + r["rejected"])
        if size >= 3000:
            fail(where, f"row too long ({size})")
        texts.append(dialog_text(r["prompt"] + r["chosen"]))
        full.append(dialog_text(r["prompt"] + r["chosen"] + r["rejected"]))
    if len(set(texts)) != len(texts):
        fail("wallet/preference", "duplicate prompt+chosen")
    hits, _ = near_dups(full)
    if hits:
        i, j, sim = hits[0]
        fail("wallet/preference", f"near-dup {rows[i]['id']} ~ {rows[j]['id']} ({sim:.2f})")
    eval_texts = [dialog_text(r["messages"]) for r in evals]
    hits, _ = near_dups(texts, eval_texts)
    best = near_dups(texts, eval_texts, 0.5)[1]
    if hits:
        fail("wallet/preference", f"near-dup with eval row ({hits[0][2]:.2f})")
    return {"max_jaccard_pref~eval": round(best, 3), "max_jaccard_pref": round(near_dups(full, None, 0.5)[1], 3)}


def check_corpus(corpus) -> None:
    """Corpus shape checks for the help-centre documents."""
    corpus_rows(corpus, {"help_center", "release_notes"}, "wallet/corpus")
