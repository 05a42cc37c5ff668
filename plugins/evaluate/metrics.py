"""Metric providers: the base contract and the text-overlap metrics.

A metric scores one example with ``score(prediction, reference, example) -> float | None`` (None: the
metric does not apply to this example, e.g. citations on a concept question); the evaluator averages
the applicable scores.  Metrics that need more than a mean (a confusion matrix, per-field accuracy)
also define ``aggregate``; metrics that need stage settings (the JSON schema, the label field) define
``prepare``.  Both are optional, so a third-party metric with only ``score`` keeps working: the
evaluator calls ``summarize`` below, which falls back to the mean.

``example`` is the eval row (``id``, ``messages``, ``meta``) plus ``example["eval"]`` from the
evaluator: ``truncated`` (the answer hit max_new_tokens), ``guarded`` (the answer after the JSON
guardrail) and ``guard_status`` (valid | repaired | retried | failed) when a schema is set.

Every number in ``metrics`` is in [0, 1] and higher is better, so a regression gate needs no direction.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any, ClassVar

from ftflow.kinds import Metric, mean

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """Lower-case, strip punctuation, articles and extra whitespace (SQuAD-style)."""
    text = _ARTICLES.sub(" ", text.lower().translate(_PUNCT))
    return " ".join(text.split())


def summarize(metric: Any, scores: list[float | None], predictions: list[str], references: list[str],
              rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``metric.aggregate`` when it has one, else the mean of the applicable scores."""
    aggregate = getattr(metric, "aggregate", None)
    if aggregate is None:
        return {"value": mean(scores), "n": sum(s is not None for s in scores), "extras": {}, "details": {}}
    summary = aggregate(scores, predictions, references, rows)
    return {"extras": {}, "details": {}, "n": len(scores), **summary}


class ExactMatch(Metric):
    name = "exact_match"
    description = "1 if the normalized prediction equals the normalized reference"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        return float(normalize(prediction) == normalize(reference))


class TokenF1(Metric):
    name = "token_f1"
    description = "harmonic mean of token precision and recall after normalization"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        pred, ref = normalize(prediction).split(), normalize(reference).split()
        if not pred or not ref:
            return float(pred == ref)
        common = sum((Counter(pred) & Counter(ref)).values())
        if common == 0:
            return 0.0
        precision, recall = common / len(pred), common / len(ref)
        return 2 * precision * recall / (precision + recall)


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence (O(len(a)·len(b)) time, O(len(b)) memory)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


class LcsF1(Metric):
    """ftflow's longest-common-subsequence F1 over SQuAD-normalised tokens (articles and punctuation
    stripped, no stemmer).  Not ROUGE-L as papers report it: that is ``rougeL`` (rouge-score, stemmed)."""

    name = "lcs_f1"
    description = "LCS F1 over SQuAD-normalised tokens (ftflow's; the standard ROUGE-L is rougeL)"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        pred, ref = normalize(prediction).split(), normalize(reference).split()
        if not pred or not ref:
            return float(pred == ref)
        lcs = lcs_length(pred, ref)
        if lcs == 0:
            return 0.0
        precision, recall = lcs / len(pred), lcs / len(ref)
        return 2 * precision * recall / (precision + recall)


class RougeL(LcsF1):
    """The name ``lcs_f1`` had before the standard ROUGE metrics arrived; kept so recipes that name it
    keep working and their numbers keep comparing with earlier runs."""

    name = "rouge_l"
    description = "alias of lcs_f1 (ftflow's normalised LCS F1), not rouge-score's rougeL"


class Conciseness(Metric):
    """Support answers should be as short as the reference allows; padding and rambling cost users."""

    name = "conciseness"
    description = "1 when the answer is at most 1.5x the reference's words, falling as ref*1.5/answer beyond"
    #: How much longer than the reference an answer may be before it counts as verbose.
    slack: ClassVar[float] = 1.5

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        words, budget = len(prediction.split()), self.slack * max(len(reference.split()), 1)
        if words == 0:
            return 0.0
        return min(1.0, budget / words)

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        words = [len(p.split()) for p in predictions]
        ref_words = [len(r.split()) for r in references]
        return {"value": mean(scores), "n": len(scores), "extras": {},
                "details": {"mean_words": round(sum(words) / max(len(words), 1), 1),
                            "mean_reference_words": round(sum(ref_words) / max(len(ref_words), 1), 1),
                            "verbose_fraction": round(sum(s is not None and s < 0.5 for s in scores)
                                                      / max(len(scores), 1), 3)}}
