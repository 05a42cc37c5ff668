"""Text metrics as providers.  Each scores one (prediction, reference) pair; the evaluator averages."""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any

from ftflow.provider import Provider

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """Lower-case, strip punctuation, articles and extra whitespace (SQuAD-style)."""
    text = _ARTICLES.sub(" ", text.lower().translate(_PUNCT))
    return " ".join(text.split())


class Metric(Provider):
    kind = "metric"

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        raise NotImplementedError


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
