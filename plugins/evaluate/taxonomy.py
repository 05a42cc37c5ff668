"""Failure taxonomy: why each failed example failed, and what would fix the failures of a variant.

Every example is checked in a fixed order and gets the first category that applies, so the counts add
up to the number of failures.  Categories are grouped by the remedy they call for:

* behaviour (format, refusals, tone, length, truncation): fine-tuning or preference tuning teaches it;
* knowledge (missing facts, missing or wrong citations): the model lacks the facts; retrieval supplies them;
* skill (wrong label, wrong answer without a finer label): more or better task data, or a larger model.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ftflow_plugins.evaluate.intervals import proportion_interval
from ftflow_plugins.evaluate.jsonguard import lenient_json, schema_errors, strict_json
from ftflow_plugins.evaluate.metrics import TokenF1
from ftflow_plugins.evaluate.task_metrics import cited_ids, facts_of, is_refusal, label_pair, missing_facts

#: category -> (group, what it means), in the order they are checked.
CATEGORIES: dict[str, tuple[str, str]] = {
    "truncation": ("behaviour", "the answer hit max_new_tokens before it ended"),
    "format": ("behaviour", "not one JSON object that conforms to the schema"),
    "wrong_refusal": ("behaviour", "refused a fair request, or complied with one it should refuse"),
    "wrong_label": ("skill", "the predicted label differs from the gold label"),
    "missing_citation": ("knowledge", "no citation, or cites documents that are not relevant"),
    "missing_fact": ("knowledge", "fewer than half of the required facts are in the answer"),
    "verbose_or_off_tone": ("behaviour", "far longer than the reference, or off-brand phrasing"),
    "wrong_answer": ("skill", "little overlap with the reference (no finer label available)"),
}
_OFF_TONE = re.compile(r"as an ai\b|great question|\blol\b|\bdude\b|!!|kindly be advised|per our policy"
                       r"|[\U0001F300-\U0001FAFF]")
_VERBOSE_FACTOR = 3.0
_MIN_OVERLAP = 0.5
#: An answer fails on facts when it states fewer than this share of its required facts.  All-or-nothing
#: (the first calibration) failed every wallet_support variant on 47-48 of 48 chats, tuned+RAG included, so
#: the counts could not tell variants apart; at one half, answers that state most of the facts pass and the
#: failure counts follow fact_coverage (tests/plugins/evaluate/test_guard_gate_taxonomy.py).
_MIN_FACT_SHARE = 0.5
_F1 = TokenF1()


def classify(prediction: str, reference: str, example: dict[str, Any], *, schema: dict[str, Any] | None = None,
             label_field: str | None = None, refusal: re.Pattern[str] | None = None) -> tuple[str, str] | None:
    """(category, detail) of a failed example, or None when it passes every check that applies."""
    info = example.get("eval") or {}
    meta = example.get("meta") or {}
    schema_bound = schema is not None or isinstance(lenient_json(reference), dict)
    if schema_bound:
        value = strict_json(prediction)
        errors = schema_errors(value, schema) if value is not None else ["not JSON"]
        if errors and info.get("truncated"):
            return "truncation", "cut off at max_new_tokens before a complete JSON object"
        if errors:
            status = info.get("guard_status")
            return "format", "; ".join(errors[:2]) + (f" (guardrail: {status})" if status else "")
    elif info.get("truncated"):
        return "truncation", f"{len(prediction.split())} words, no end of answer"
    if meta.get("should_refuse") is not None and is_refusal(prediction, refusal) != bool(meta["should_refuse"]):
        return "wrong_refusal", "complied instead of refusing" if meta["should_refuse"] else "refused a fair request"
    pair = label_pair(prediction, reference, example, label_field)
    if pair is not None and pair[0] != pair[1]:
        return "wrong_label", f"{pair[0]} -> {pair[1]}"
    if "relevant_doc_ids" in meta:
        relevant, cited = set(meta["relevant_doc_ids"] or []), cited_ids(prediction)
        allowed = relevant | set(info.get("retrieved_ids") or [])
        if relevant and not cited:
            return "missing_citation", f"cites nothing; expected {', '.join(sorted(relevant))}"
        if any(c not in allowed for c in cited) or (not relevant and cited):
            return "missing_citation", f"cites {', '.join(cited)}; relevant: {', '.join(sorted(relevant)) or 'none'}"
    facts = facts_of(example)
    missing = missing_facts(prediction, facts)
    if facts and len(missing) > (1 - _MIN_FACT_SHARE) * len(facts):
        return "missing_fact", f"{len(facts) - len(missing)}/{len(facts)} facts; missing: " + ", ".join(missing[:3])
    words, ref_words = len(prediction.split()), max(len(reference.split()), 1)
    if not schema_bound and (words > _VERBOSE_FACTOR * ref_words or _OFF_TONE.search(prediction.lower())):
        return "verbose_or_off_tone", f"{words} words vs {ref_words} in the reference"
    if pair is None and not facts_of(example) and not schema_bound and _F1.score(prediction, reference, {}) < _MIN_OVERLAP:
        return "wrong_answer", "token F1 below 0.5"
    return None


def summarize_failures(variant_rows: dict[str, list[dict[str, Any]]], examples_per_category: int = 2
                       ) -> dict[str, Any]:
    """Counts per category and group for each variant, a few examples each, and a recommendation.

    ``variant_rows`` maps a variant to its records ``{"id", "output", "reference", "category", "detail"}``
    (category None for a passing example).
    """
    variants: dict[str, Any] = {}
    for variant, records in variant_rows.items():
        failed = [r for r in records if r["category"]]
        counts = Counter(r["category"] for r in failed)
        groups = Counter(CATEGORIES[c][0] for c in counts.elements())
        examples: dict[str, list[dict[str, Any]]] = {}
        for record in failed:
            bucket = examples.setdefault(record["category"], [])
            if len(bucket) < examples_per_category:
                bucket.append({"id": record["id"], "detail": record["detail"],
                               "output": _clip(record["output"]), "reference": _clip(record["reference"])})
        total = len(records)
        variants[variant] = {
            "total": total, "failed": len(failed), "counts": dict(counts.most_common()), "groups": dict(groups),
            "examples": examples,
            # 95% Wilson intervals: of the share of all examples failing (per category), and of the share
            # of failures in each remedy group (what the recommendation quotes).
            "failed_interval": proportion_interval(len(failed), total),
            "count_intervals": {c: proportion_interval(k, total) for c, k in counts.items()},
            "group_intervals": {g: proportion_interval(k, len(failed)) for g, k in groups.items()}}
    focus = _focus(variants)
    return {"categories": {c: {"group": g, "meaning": m} for c, (g, m) in CATEGORIES.items()},
            "variants": variants, "focus": focus,
            "recommendation": recommend(variants[focus]) if focus else "no variants were evaluated"}


def _focus(variants: dict[str, Any]) -> str | None:
    """The variant the recommendation is about: the tuned one if any, else the one with fewest failures."""
    if "tuned" in variants:
        return "tuned"
    return min(variants, key=lambda v: variants[v]["failed"]) if variants else None


def recommend(summary: dict[str, Any]) -> str:
    failed = summary["failed"]
    if not failed:
        return "no failures: nothing to recommend"
    share = {g: summary["groups"].get(g, 0) / failed for g in ("behaviour", "knowledge", "skill")}
    top = max(share, key=share.get)
    group = {"behaviour": "behavioural", "knowledge": "knowledge/retrieval", "skill": "task skill"}[top]
    interval = (summary.get("group_intervals") or {}).get(top)
    bounds = f" [95% interval {interval[0]:.0%}-{interval[1]:.0%}]" if interval else ""
    lead = f"{failed}/{summary['total']} examples fail; {share[top]:.0%}{bounds} of failures are {group}"
    if interval and interval[0] <= 0.5:
        lead += f" (not a clear majority at N={failed} failures)"
    advice = {
        "behaviour": "these (format, refusals, tone, length) are what fine-tuning on more "
                     "examples of the target behaviour fixes (SFT, then DPO for tone and refusals)"
                     + (" and the JSON guardrail catches the rest" if summary["counts"].get("format") else "")
                     + "; retrieval would not",
        "knowledge": "the model lacks facts or citations: add retrieval (RAG) "
                     "over the source documents and train on cited answers; more tuning alone will not add facts",
        "skill": "wrong labels or answers: add labelled training data for the "
                 "confused classes, train longer, or use a larger base model",
    }[top]
    if summary["counts"].get("truncation", 0) >= failed / 4:
        advice += "; many answers are cut off, so raise eval.max_new_tokens"
    return f"{lead} — {advice}."


def _clip(text: str, limit: int = 240) -> str:
    if not text.strip():
        return "(empty answer)"
    return text if len(text) <= limit else text[:limit] + "…"
