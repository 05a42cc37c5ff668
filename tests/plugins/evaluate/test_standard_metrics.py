"""ROUGE, BLEU and chrF equal the defining libraries' own figures on the same strings; lcs_f1 (and its old
name rouge_l) stays ftflow's normalised LCS; refusal patterns come from eval.refusal."""

from __future__ import annotations

import pytest
import sacrebleu
from rouge_score import rouge_scorer, scoring

from ftflow.config.schema import validate
from ftflow_plugins.evaluate.generate import GenerateConfig, refusal_problems
from ftflow_plugins.evaluate.metrics import LcsF1, RougeL, summarize
from ftflow_plugins.evaluate.standard import Bleu, Chrf, Rouge1, Rouge2, RougeLStandard, RougeLsum
from ftflow_plugins.evaluate.task_metrics import RefusalCorrect, is_refusal, refusal_pattern

PREDICTIONS = ["The cats were sitting on the mat.", "Gas fees are paid in ETH\nto the validators.",
               "Revoke the approval now", ""]
REFERENCES = ["A cat sat on the mat.", "You pay gas in ETH.\nValidators receive it.",
              "Revoke the token approval in your wallet", "Nothing to add."]


def _summary(metric):
    scores = [metric.score(p, r, {}) for p, r in zip(PREDICTIONS, REFERENCES, strict=True)]
    return summarize(metric, scores, PREDICTIONS, REFERENCES, [{}] * len(scores))["value"]


def test_rouge_equals_rouge_score_with_the_stemmer():
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    scorer = rouge_scorer.RougeScorer(types, use_stemmer=True)
    per_example = [scorer.score(reference, prediction) for prediction, reference in zip(PREDICTIONS, REFERENCES,
                                                                                         strict=True)]
    aggregator = scoring.BootstrapAggregator()  # rouge-score's own summary: a bootstrap around the mean
    for scores in per_example:
        aggregator.add_scores(scores)
    library = aggregator.aggregate()
    for metric in (Rouge1(), Rouge2(), RougeLStandard(), RougeLsum()):
        ours = _summary(metric)
        mean = sum(s[metric.name].fmeasure for s in per_example) / len(per_example)
        assert ours == pytest.approx(mean, abs=1e-12), metric.name
        assert library[metric.name].low.fmeasure <= ours <= library[metric.name].high.fmeasure
    # the stemmer is on: "cats"/"sitting" stem to the reference's "cat"/"sit"
    assert Rouge1().score("cats sitting", "cat sit", {}) == 1.0


def test_bleu_and_chrf_equal_sacrebleu_corpus_scores():
    assert _summary(Bleu()) == pytest.approx(sacrebleu.corpus_bleu(PREDICTIONS, [REFERENCES]).score / 100)
    assert _summary(Chrf()) == pytest.approx(sacrebleu.corpus_chrf(PREDICTIONS, [REFERENCES]).score / 100)
    sentence = sacrebleu.sentence_bleu(PREDICTIONS[0], [REFERENCES[0]]).score / 100
    assert Bleu().score(PREDICTIONS[0], REFERENCES[0], {}) == pytest.approx(sentence)
    assert _summary(Bleu()) != pytest.approx(sum(Bleu().score(p, r, {}) for p, r in zip(PREDICTIONS, REFERENCES,
                                                                                           strict=True)) / 4)


def test_lcs_f1_keeps_its_name_and_the_old_one():
    pair = ("the cat sat on the mat", "the cat is on the mat")
    assert LcsF1().score(*pair, {}) == RougeL().score(*pair, {}) == pytest.approx(0.75)
    assert RougeLStandard().score(*reversed(pair), {}) != pytest.approx(0.75)  # articles count in rougeL


@pytest.mark.parametrize("answer", ["I'm unable to assist with that.", "I’m not able to share your keys.",
                                    "I am not allowed to reset it.", "I won't be able to recover it.",
                                    "I must decline.", "Sorry, I cannot provide that.", "I can not help here."])
def test_builtin_refusals_cover_every_contraction(answer):
    assert is_refusal(answer)


@pytest.mark.parametrize("answer", ["Go to Settings and tap Reset.", "If you cannot find the button, update the app.",
                                    "The network is unable to process it right now; retry in a minute."])
def test_instructions_are_not_refusals(answer):
    assert not is_refusal(answer)


def test_refusal_patterns_are_configurable():
    assert is_refusal("I can't help with that") and not is_refusal("Nope, not doing it.")
    extra = refusal_pattern(["\\bnope\\b", "nicht m[öo]glich"])
    assert is_refusal("Nope, not doing it.", extra) and is_refusal("Das ist nicht möglich", extra)
    only = refusal_pattern(["\\bnope\\b"], builtin=False)
    assert not is_refusal("I can't help with that", only)
    cfg = validate(GenerateConfig, {"refusal": {"patterns": ["(unclosed"], "builtin": False}})
    assert refusal_problems(cfg.refusal)[0].startswith("eval.refusal.patterns[0]: not a regular expression")
    assert refusal_problems(validate(GenerateConfig, {"refusal": {"builtin": False}}).refusal)
    metric = RefusalCorrect()
    metric.pattern = extra
    assert metric.score("Nope.", "", {"meta": {"should_refuse": True}}) == 1.0
