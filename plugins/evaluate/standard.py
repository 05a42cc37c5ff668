"""Standard text-overlap metrics computed by the libraries that define them, so figures compare with papers
and other tools: ROUGE through Google's ``rouge-score`` (Porter stemmer on, F-measure, under its own names
``rouge1``/``rouge2``/``rougeL``/``rougeLsum``), BLEU and chrF through ``sacrebleu`` (corpus-level, its
default tokenizer and smoothing).  Each number is divided by 100 where the library reports percent, so every
metric stays in [0, 1].

ROUGE is the mean of per-example F-measures (what rouge-score's aggregator reports as its mid value), so it
gets a bootstrap interval and paired comparisons; BLEU and chrF are corpus statistics (n-gram counts summed
over the set, not averaged sentence scores): ``aggregate`` returns sacrebleu's corpus score, and ``score``
the sentence score, kept per example in the generations for inspection.

ftflow's own LCS F1 over SQuAD-normalised tokens is ``lcs_f1`` (``metrics.py``), a different number from
``rougeL``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ftflow_plugins.evaluate.metrics import Metric, mean


@dataclasses.dataclass
class RougeConfig:
    """``eval.metric_options.<rouge metric>.use_stemmer``: rouge-score's Porter stemmer (on by default)."""

    use_stemmer: bool = True


class _Rouge(Metric):
    rouge_type: ClassVar[str] = ""
    Config = RougeConfig
    libraries = ("rouge-score", "nltk")  # nltk: the Porter stemmer rouge-score calls
    _scorer: Any = None

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        if self._scorer is None:
            from rouge_score import rouge_scorer

            self._scorer = rouge_scorer.RougeScorer([self.rouge_type], use_stemmer=self.config.use_stemmer)
        return float(self._scorer.score(reference, prediction)[self.rouge_type].fmeasure)


class Rouge1(_Rouge):
    name = "rouge1"
    rouge_type = "rouge1"
    description = "ROUGE-1 F-measure (rouge-score, Porter stemmer): unigram overlap"


class Rouge2(_Rouge):
    name = "rouge2"
    rouge_type = "rouge2"
    description = "ROUGE-2 F-measure (rouge-score, Porter stemmer): bigram overlap"


class RougeLStandard(_Rouge):
    name = "rougeL"
    rouge_type = "rougeL"
    description = "ROUGE-L F-measure (rouge-score, Porter stemmer): longest common subsequence"


class RougeLsum(_Rouge):
    name = "rougeLsum"
    rouge_type = "rougeLsum"
    description = "ROUGE-Lsum F-measure (rouge-score, Porter stemmer): summary-level LCS over newline-split sentences"


class _Sacre(Metric):
    libraries = ("sacrebleu",)

    def _metric(self, sentence: bool = False) -> Any:
        raise NotImplementedError

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float:
        return float(self._metric(sentence=True).sentence_score(prediction, [reference]).score) / 100

    def aggregate(self, scores, predictions, references, rows) -> dict[str, Any]:
        if not predictions:
            return {"value": None, "n": 0, "extras": {}, "details": {}}
        metric = self._metric()
        corpus = metric.corpus_score(list(predictions), [list(references)])
        return {"value": float(corpus.score) / 100, "n": len(predictions), "extras": {},
                "details": {"signature": str(metric.get_signature()),
                            "mean_sentence_score": round(mean(scores) or 0.0, 4)}}


class Bleu(_Sacre):
    name = "bleu"
    description = "corpus BLEU (sacrebleu defaults: 13a tokenizer, exp smoothing for sentences) / 100"

    def _metric(self, sentence: bool = False) -> Any:
        from sacrebleu.metrics import BLEU

        return BLEU(effective_order=sentence)  # as sacrebleu.sentence_bleu / corpus_bleu set it


class Chrf(_Sacre):
    name = "chrf"
    description = "corpus chrF (sacrebleu defaults: character 6-grams, beta 2) / 100"

    def _metric(self, sentence: bool = False) -> Any:
        from sacrebleu.metrics import CHRF

        return CHRF()
