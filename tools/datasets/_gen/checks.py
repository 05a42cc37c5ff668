"""Generic validation of written JSONL files; every failure raises CheckError."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from pathlib import Path

ROLES = ("system", "user", "assistant")
MAX_ROW_CHARS = 3000
NEAR_DUP = 0.8


class CheckError(AssertionError):
    """Raised when a generated file violates a data-set constraint."""


def fail(where: str, why: str) -> None:
    """Raise a CheckError with location context."""
    raise CheckError(f"{where}: {why}")


def load_jsonl(path: Path) -> list[dict]:
    """Read a JSONL file, insisting on UTF-8 and one JSON object per line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(str(path), f"not UTF-8 ({exc})")
    rows = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"{path}:{n}", f"invalid JSON ({exc})")
        if not isinstance(obj, dict):
            fail(f"{path}:{n}", "line is not a JSON object")
        rows.append(obj)
    if not rows:
        fail(str(path), "file is empty")
    return rows


def no_empty(obj, where: str) -> None:
    """Reject empty strings, lists or dicts anywhere except bool/number leaves."""
    if isinstance(obj, str):
        if not obj.strip():
            fail(where, "empty string")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            no_empty(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            no_empty(v, f"{where}[{i}]")


def check_messages(msgs: list[dict], where: str, end_role: str = "assistant") -> None:
    """System first, then strictly alternating user/assistant, ending with end_role."""
    if not msgs or msgs[0].get("role") != "system":
        fail(where, "first message must be the system prompt")
    for i, m in enumerate(msgs):
        if set(m) != {"role", "content"} or m["role"] not in ROLES:
            fail(where, f"bad message {i}: {m}")
        if not isinstance(m["content"], str) or not m["content"].strip():
            fail(where, f"empty content in message {i}")
        if i > 0:
            want = "user" if i % 2 == 1 else "assistant"
            if m["role"] != want:
                fail(where, f"message {i} should be {want}")
    if msgs[-1]["role"] != end_role:
        fail(where, f"conversation must end with {end_role}")


def chat_rows(rows: list[dict], name: str) -> None:
    """Structural checks shared by all chat-format files."""
    ids = set()
    for r in rows:
        where = f"{name}:{r.get('id')}"
        no_empty(r, where)
        if r["id"] in ids:
            fail(where, "duplicate id")
        ids.add(r["id"])
        check_messages(r["messages"], where)
        size = sum(len(m["content"]) for m in r["messages"])
        if size >= MAX_ROW_CHARS:
            fail(where, f"row too long ({size} chars)")


def dialog_text(msgs: list[dict]) -> str:
    """Lower-cased concatenation of non-system message text."""
    return "\n".join(m["content"] for m in msgs if m["role"] != "system").lower()


def shingles(text: str) -> frozenset:
    """Word 3-gram shingle set of lower-cased text."""
    w = text.lower().split()
    if len(w) < 3:
        return frozenset([" ".join(w)])
    return frozenset(" ".join(w[i:i + 3]) for i in range(len(w) - 2))


def _prefixes(sets: list[frozenset], freq: Counter, t: float) -> list[list[str]]:
    out = []
    for s in sets:
        order = sorted(s, key=lambda x: (freq[x], x))
        keep = len(order) - math.ceil(t * len(order)) + 1
        out.append(order[:max(keep, 1)])
    return out


def jaccard(a: frozenset, b: frozenset) -> float:
    """Exact Jaccard similarity of two sets."""
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if inter else 0.0


def near_dups(left: list[str], right: list[str] | None = None, t: float = NEAR_DUP):
    """Pairs (i, j, sim) with Jaccard >= t, via exact prefix filtering.

    With ``right`` None, pairs are taken within ``left``; otherwise across.
    Also returns the highest similarity among candidate pairs.
    """
    a = [shingles(x) for x in left]
    b = a if right is None else [shingles(x) for x in right]
    freq = Counter(s for group in (a, b) for x in group for s in x)
    pa, pb = _prefixes(a, freq, t), _prefixes(b, freq, t)
    index = defaultdict(list)
    for i, pre in enumerate(pa):
        for tok in pre:
            index[tok].append(i)
    seen, hits, best = set(), [], 0.0
    for j, pre in enumerate(pb):
        for tok in pre:
            for i in index[tok]:
                if (right is None and i >= j) or (i, j) in seen:
                    continue
                seen.add((i, j))
                sim = jaccard(a[i], b[j])
                best = max(best, sim)
                if sim >= t:
                    hits.append((i, j, sim))
    return hits, best


def dedup_checks(train: list[dict], evals: list[dict], key, name: str) -> dict:
    """Exact/near duplicate checks within train and across train-eval.

    ``key`` maps a row to the text compared for near duplicates.
    """
    stats = {}
    for label, rows in (("train", train), ("eval", evals)):
        texts = ["\n".join(m["content"] for m in r["messages"]) for r in rows]
        dup = [t for t, c in Counter(texts).items() if c > 1]
        if dup:
            fail(f"{name}/{label}", f"exact duplicate rows: {dup[0][:80]!r}")
    tr = {"\n".join(m["content"] for m in r["messages"]) for r in train}
    for r in evals:
        if "\n".join(m["content"] for m in r["messages"]) in tr:
            fail(f"{name}/eval:{r['id']}", "row copied from train")
    tk, ek = [key(r) for r in train], [key(r) for r in evals]
    for label, left, right, rows_l, rows_r in (("train", tk, None, train, train),
                                               ("train~eval", tk, ek, train, evals),
                                               ("eval", ek, None, evals, evals)):
        hits, _ = near_dups(left, right)
        if hits:
            i, j, s = hits[0]
            fail(name, f"near-dup ({label}) {rows_l[i]['id']} ~ {rows_r[j]['id']} ({s:.2f})")
        # Re-run at a lower threshold only to report the real maximum (exact when >= 0.5).
        stats[f"max_jaccard_{label}"] = round(near_dups(left, right, 0.5)[1], 3)
    return stats


def label_conflicts(rows: list[dict], prompt_key, answer_key, name: str) -> None:
    """Identical inputs must always map to the same answer."""
    seen: dict[str, str] = {}
    for r in rows:
        p, a = prompt_key(r), answer_key(r)
        if p in seen and seen[p] != a:
            fail(f"{name}:{r['id']}", "same input has two different answers")
        seen[p] = a


def corpus_rows(rows: list[dict], kinds: set[str], name: str) -> None:
    """Corpus documents: unique ids, known kind, 150-600 words, ## headings."""
    ids = set()
    for r in rows:
        where = f"{name}:{r.get('id')}"
        no_empty(r, where)
        if set(r) != {"id", "title", "kind", "text", "updated"}:
            fail(where, f"unexpected keys {sorted(r)}")
        if r["id"] in ids:
            fail(where, "duplicate id")
        ids.add(r["id"])
        if r["kind"] not in kinds:
            fail(where, f"bad kind {r['kind']}")
        n = len(r["text"].split())
        if not 150 <= n <= 600:
            fail(where, f"text has {n} words (want 150-600)")
        if "\n## " not in "\n" + r["text"]:
            fail(where, "text lacks ## headings")
        u = r["updated"]
        if len(u) != 10 or not u.startswith("20") or u[4] != "-" or u[7] != "-":
            fail(where, f"bad updated date {u}")
