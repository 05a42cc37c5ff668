"""The data quality report: duplicates, near duplicates, conflicts, label balance, lengths, leakage.

Near duplicates follow the rule the shipped data sets are written against: the Jaccard similarity of
lower-cased word 3-gram shingles over the concatenated non-system message text is >= 0.8.  Pairs are
found exactly (no MinHash false negatives) with prefix filtering, which stays fast on tens of thousands
of rows.  Thresholds in ``data.quality`` turn findings into a ``UserError`` before anything trains.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter, defaultdict
from typing import Any

from ftflow.errors import UserError

NEAR_DUPLICATE = 0.8
EXAMPLES = 3


@dataclasses.dataclass
class QualityConfig:
    """Optional limits; a finding above one fails the run before training, naming the limit."""

    max_duplicate_fraction: float | None = None  # exact + near duplicate rows / rows, per split
    max_conflicts: int | None = None  # inputs with conflicting outputs or labels, per split
    max_leakage: float | None = None  # eval rows duplicated (exactly or nearly) in train / eval rows
    max_truncated_fraction: float | None = None  # train rows longer than max_length (tokenize stage)


def _contents(messages: list[dict[str, Any]], skip_system: bool = True) -> list[str]:
    return [m.get("content") or json.dumps(m.get("tool_calls", ""), sort_keys=True)
            for m in messages if not (skip_system and m["role"] == "system")]


def row_text(row: dict[str, Any]) -> str:
    """The text compared for duplicates: every non-system message, in order (a document's text)."""
    if "text" in row:
        return row["text"]
    if "messages" in row:
        parts = _contents(row["messages"])
    elif "chosen" in row:
        parts = _contents(row["prompt"]) + _contents(row["chosen"]) + _contents(row["rejected"])
    else:
        parts = _contents(row["prompt"]) + _contents(row["completion"])
    return "\n".join(parts)


def row_chars(row: dict[str, Any]) -> int:
    """All message characters, the system prompt included (it costs tokens too)."""
    if "text" in row:
        return len(row["text"])
    if "messages" in row:
        groups = [row["messages"]]
    elif "chosen" in row:
        groups = [row["prompt"], row["chosen"], row["rejected"]]
    else:
        groups = [row["prompt"], row["completion"]]
    return sum(len(c) for g in groups for c in _contents(g, skip_system=False))


def _input_output(row: dict[str, Any], label_field: str | None) -> tuple[str, Any]:
    """(input key, output) for conflict detection: the same input must not map to different outputs
    (for chat: a different final answer, or a different label in ``meta[label_field]``); documents have none."""
    if "text" in row:
        return row["text"], None
    if "messages" in row:
        msgs = row["messages"]
        last = max(i for i, m in enumerate(msgs) if m["role"] == "assistant")
        label = row["meta"].get(label_field) if label_field and isinstance(row.get("meta"), dict) else None
        return json.dumps(msgs[:last], sort_keys=True), (msgs[last].get("content"), _hashable(label))
    if "chosen" in row:
        pair = (row_text({"messages": row["chosen"]}), row_text({"messages": row["rejected"]}))
        return json.dumps(row["prompt"], sort_keys=True), pair
    key = json.dumps([row["prompt"], row["completion"]], sort_keys=True)
    return key, row["label"]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else json.dumps(value, sort_keys=True)


def shingles(text: str) -> frozenset[str]:
    words = text.lower().split()
    if len(words) < 3:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i:i + 3]) for i in range(len(words) - 2))


def near_pairs(left: list[frozenset[str]], right: list[frozenset[str]] | None = None,
               threshold: float = NEAR_DUPLICATE) -> dict[int, tuple[int, float]]:
    """For each row j of ``right`` (or of ``left``, against earlier rows) its most similar match >= threshold.

    Prefix filtering: two sets with Jaccard >= t must share one of their rarest ``|s| - ceil(t|s|) + 1``
    shingles, so only rows sharing such a shingle are compared.
    """
    right_sets = left if right is None else right
    freq = Counter(s for group in ((left,) if right is None else (left, right)) for x in group for s in x)

    def prefix(s: frozenset[str]) -> list[str]:
        order = sorted(s, key=lambda x: (freq[x], x))
        return order[: max(len(order) - math.ceil(threshold * len(order)) + 1, 1)]

    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(left):
        for token in prefix(s):
            index[token].append(i)
    best: dict[int, tuple[int, float]] = {}
    for j, b in enumerate(right_sets):
        seen: set[int] = set()
        for token in prefix(b):
            for i in index[token]:
                if (right is None and i >= j) or i in seen:
                    continue
                seen.add(i)
                a = left[i]
                if min(len(a), len(b)) < threshold * max(len(a), len(b)):
                    continue
                inter = len(a & b)
                sim = inter / (len(a) + len(b) - inter)
                if sim >= threshold and sim > best.get(j, (0, 0.0))[1]:
                    best[j] = (i, sim)
    return best


def _stats(values: list[int]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> int:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {"min": ordered[0], "p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": ordered[-1],
            "mean": round(sum(ordered) / len(ordered), 1)}


def split_report(rows: list[dict[str, Any]], where: list[str], label_field: str | None) -> dict[str, Any]:
    """Findings within one split; ``where`` holds each row's file:line."""
    texts = [row_text(r) for r in rows]
    first: dict[str, int] = {}
    exact = []
    for j, text in enumerate(texts):
        key = " ".join(text.split())
        if key in first:
            exact.append((first[key], j))
        else:
            first[key] = j
    exact_rows = {j for _, j in exact}
    sets = [shingles(t) for t in texts]
    near = [(i, j, s) for j, (i, s) in sorted(near_pairs(sets).items()) if j not in exact_rows]
    outputs: dict[str, dict[Any, int]] = defaultdict(dict)
    for j, row in enumerate(rows):
        key, out = _input_output(row, label_field)
        outputs[key].setdefault(out, j)
    conflicts = [sorted(v.values())[:2] for v in outputs.values() if len(v) > 1]
    report: dict[str, Any] = {
        "rows": len(rows), "exact_duplicates": len(exact), "near_duplicates": len(near),
        "duplicate_fraction": round((len(exact) + len(near)) / len(rows), 4), "conflicts": len(conflicts),
        "length_chars": _stats([row_chars(r) for r in rows]),
        "examples": {
            "exact_duplicates": [[where[i], where[j]] for i, j in exact[:EXAMPLES]],
            "near_duplicates": [[where[i], where[j], round(s, 3)] for i, j, s in near[:EXAMPLES]],
            "conflicts": [[where[i], where[j]] for i, j in conflicts[:EXAMPLES]],
        },
    }
    labels = _labels(rows, label_field)
    if labels:
        report["labels"] = labels
    return report


def _labels(rows: list[dict[str, Any]], label_field: str | None) -> dict[str, Any] | None:
    if rows and "label" in rows[0] and "completion" in rows[0]:
        field, values = "label", [r["label"] for r in rows]
    elif label_field:
        field = f"meta.{label_field}"
        values = [_hashable(r["meta"][label_field]) for r in rows
                  if isinstance(r.get("meta"), dict) and label_field in r["meta"]]
    else:
        return None
    if not values:
        return None
    counts = Counter(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
    return {"field": field, "labelled_rows": len(values), "counts": dict(counts.most_common()),
            "majority_fraction": round(counts.most_common(1)[0][1] / len(values), 4)}


def leakage(train: list[dict[str, Any]], evals: list[dict[str, Any]], train_where: list[str],
            eval_where: list[str]) -> dict[str, Any]:
    """Eval rows that also appear in train, exactly or nearly: they inflate every eval metric."""
    train_texts = [row_text(r) for r in train]
    eval_texts = [row_text(r) for r in evals]
    seen = {" ".join(t.split()): i for i, t in enumerate(train_texts)}
    exact = [(seen[k], j) for j, t in enumerate(eval_texts) if (k := " ".join(t.split())) in seen]
    exact_rows = {j for _, j in exact}
    near = [(i, j, s) for j, (i, s) in sorted(near_pairs([shingles(t) for t in train_texts],
                                                         [shingles(t) for t in eval_texts]).items())
            if j not in exact_rows]
    return {"exact": len(exact), "near": len(near), "fraction": round((len(exact) + len(near)) / len(evals), 4),
            "examples": [[train_where[i], eval_where[j]] for i, j in exact[:EXAMPLES]]
            + [[train_where[i], eval_where[j], round(s, 3)] for i, j, s in near[:EXAMPLES]]}


def quality_report(splits: dict[str, tuple[list[dict[str, Any]], list[str]]],
                   label_field: str | None = None) -> dict[str, Any]:
    """The whole report: one entry per split, and train/eval leakage when both exist."""
    report: dict[str, Any] = {name: split_report(rows, where, label_field) for name, (rows, where) in splits.items()}
    if "train" in splits and "eval" in splits:
        report["leakage"] = leakage(splits["train"][0], splits["eval"][0], splits["train"][1], splits["eval"][1])
    return report


def enforce(report: dict[str, Any], limits: QualityConfig, prefix: str = "data.quality") -> None:
    """Raise a one-line UserError naming the first limit the report exceeds."""
    for split in ("train", "eval"):
        found = report.get(split)
        if not found:
            continue
        ex = found["examples"]
        if limits.max_duplicate_fraction is not None and found["duplicate_fraction"] > limits.max_duplicate_fraction:
            sample = (ex["exact_duplicates"] or ex["near_duplicates"])[0]
            raise UserError(f"{prefix}.max_duplicate_fraction: {found['duplicate_fraction']:.3f} of {split} rows "
                            f"are duplicates ({found['exact_duplicates']} exact, {found['near_duplicates']} near), "
                            f"above {limits.max_duplicate_fraction}; e.g. {sample[1]} repeats {sample[0]}")
        if limits.max_conflicts is not None and found["conflicts"] > limits.max_conflicts:
            a, b = ex["conflicts"][0]
            raise UserError(f"{prefix}.max_conflicts: {found['conflicts']} inputs in {split} have conflicting "
                            f"outputs or labels, above {limits.max_conflicts}; e.g. {a} vs {b}")
    leak = report.get("leakage")
    if leak and limits.max_leakage is not None and leak["fraction"] > limits.max_leakage:
        sample = leak["examples"][0]
        raise UserError(f"{prefix}.max_leakage: {leak['fraction']:.3f} of eval rows also appear in train "
                        f"({leak['exact']} exact, {leak['near']} near), above {limits.max_leakage}; "
                        f"e.g. {sample[1]} ~ {sample[0]}")


def render_markdown(report: dict[str, Any]) -> str:
    """The report as a markdown section (the run report shows it under the data stage)."""
    lines = ["| split | rows | exact dup | near dup | dup fraction | conflicts | chars p50 / p90 / max |",
             "|---|---|---|---|---|---|---|"]
    for split in ("train", "eval"):
        if split in report:
            r = report[split]
            c = r["length_chars"]
            lines.append(f"| {split} | {r['rows']} | {r['exact_duplicates']} | {r['near_duplicates']} | "
                         f"{r['duplicate_fraction']:.3f} | {r['conflicts']} | {c['p50']} / {c['p90']} / {c['max']} |")
    if "leakage" in report:
        leak = report["leakage"]
        lines += ["", f"Train/eval leakage: {leak['exact']} exact, {leak['near']} near "
                      f"({leak['fraction']:.1%} of eval rows)."]
    examples = []
    for split in ("train", "eval"):
        r = report.get(split, {})
        if "labels" in r:
            counts = ", ".join(f"{k}: {v}" for k, v in r["labels"]["counts"].items())
            lines += ["", f"Labels in {split} ({r['labels']['field']}): {counts}; "
                          f"majority {r['labels']['majority_fraction']:.1%}."]
        examples += [f"- {split} {kind.replace('_', ' ')}: {pair[0]} ~ {pair[1]}"
                     for kind, pairs in r.get("examples", {}).items() for pair in pairs]
    examples += [f"- leakage: {pair[1]} ~ {pair[0]}" for pair in report.get("leakage", {}).get("examples", [])]
    if examples:
        lines += ["", "Examples:", "", *examples]
    for note in report.get("notes", []):
        lines += ["", note]
    return "\n".join(lines)
