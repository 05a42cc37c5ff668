"""Every metric provider against hand-computed values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow_plugins.evaluate.metrics import Conciseness, ExactMatch, RougeL, TokenF1, lcs_length, summarize
from ftflow_plugins.evaluate.task_metrics import (
    Citation,
    FactCoverage,
    FieldAccuracy,
    GuardrailPass,
    JsonSchemaValid,
    JsonValid,
    LabelAccuracy,
    RefusalCorrect,
)

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "recipes/datasets/contract_triage/schema.json").read_text())
REF = {"risk_family": "reentrancy", "severity": "critical", "attack_surface": "external_call",
       "explanation": "withdraw() pays before it zeroes the balance."}


def answer(**changes) -> str:
    return json.dumps({**REF, **changes})


def test_exact_match_and_token_f1():
    assert ExactMatch().score("The Cat!", "cat", {}) == 1.0
    assert ExactMatch().score("a dog", "cat", {}) == 0.0
    # common {red, green}: precision 2/3, recall 2/4 -> F1 = 4/7
    assert TokenF1().score("red blue green", "red green yellow purple", {}) == pytest.approx(4 / 7)
    assert TokenF1().score("", "", {}) == 1.0


def test_rouge_l():
    assert lcs_length(list("abcbdab"), list("bdcaba")) == 4
    # articles dropped: [cat sat on mat] vs [cat is on mat]: LCS 3 -> P = R = 3/4
    assert RougeL().score("the cat sat on the mat", "the cat is on the mat", {}) == pytest.approx(0.75)
    # same bag of words, reversed order: token F1 is 1, ROUGE-L only counts one in-order token
    assert RougeL().score("z y x", "x y z", {}) == pytest.approx(1 / 3)
    assert RougeL().score("x", "y", {}) == 0.0


def test_conciseness():
    ref = " ".join(["w"] * 10)
    assert Conciseness().score(" ".join(["w"] * 12), ref, {}) == 1.0
    assert Conciseness().score(" ".join(["w"] * 30), ref, {}) == pytest.approx(0.5)
    assert Conciseness().score("", ref, {}) == 0.0
    summary = summarize(Conciseness(), [1.0, 0.4], ["a b", " ".join(["w"] * 30)], [ref, ref], [{}, {}])
    assert summary["value"] == pytest.approx(0.7)
    assert summary["details"]["mean_words"] == 16.0 and summary["details"]["verbose_fraction"] == 0.5


def test_label_accuracy_confusion_matrix_and_macro_f1():
    metric = LabelAccuracy()
    metric.field = "risk_family"
    refs = [answer(), answer(), answer(risk_family="none")]
    rows = [{"meta": {"risk_family": "reentrancy"}}, {"meta": {"risk_family": "reentrancy"}},
            {"meta": {"risk_family": "none"}}]
    preds = [answer(), "Sure! " + answer(risk_family="none") + " hope it helps", answer(risk_family="none")]
    scores = [metric.score(p, r, x) for p, r, x in zip(preds, refs, rows, strict=True)]
    assert scores == [1.0, 0.0, 1.0]  # the second answer is wrapped in prose: the label is still read
    summary = summarize(metric, scores, preds, refs, rows)
    assert summary["value"] == pytest.approx(2 / 3)
    assert summary["details"]["confusion"] == {"none": {"none": 1}, "reentrancy": {"reentrancy": 1, "none": 1}}
    per_class = summary["details"]["per_class"]
    assert per_class["reentrancy"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(0.6667), "support": 2}
    assert per_class["none"]["precision"] == 0.5 and per_class["none"]["recall"] == 1.0
    assert summary["extras"]["macro_f1"] == pytest.approx(2 / 3)
    assert metric.score("I think reentrancy", "plain text reference", {"meta": {}}) is None


def test_json_validity_schema_and_fields():
    valid, schema = JsonValid(), JsonSchemaValid()
    schema.schema = SCHEMA
    assert valid.score(answer(), "", {}) == 1.0
    assert valid.score("```json\n" + answer() + "\n```", "", {}) == 0.0
    assert valid.score("[1, 2]", "", {}) == 0.0
    assert schema.score(answer(), "", {}) == 1.0
    assert schema.score(answer(severity="catastrophic"), "", {}) == 0.0
    assert schema.score(json.dumps({"risk_family": "none"}), "", {}) == 0.0
    summary = summarize(schema, [0.0], [answer(severity="catastrophic")], [""], [{}])
    assert any("severity" in e for e in summary["details"]["top_errors"])

    fields = FieldAccuracy()
    fields.schema = SCHEMA
    # explanation is free text (no enum): only the 3 enum fields count; 2 of 3 match
    assert fields.score(answer(severity="high", explanation="other words"), answer(), {}) == pytest.approx(2 / 3)
    assert fields.score("not json", answer(), {}) == 0.0
    # the guarded answer is what the system delivers
    assert fields.score("junk", answer(), {"eval": {"guarded": answer()}}) == 1.0
    assert fields.score("anything", "plain reference", {}) is None
    summary = summarize(fields, [2 / 3], [answer(severity="high")], [answer()], [{}])
    assert summary["details"]["per_field"] == {"risk_family": 1.0, "severity": 0.0, "attack_surface": 1.0}


def test_guardrail_pass():
    metric = GuardrailPass()
    metric.schema = SCHEMA
    assert metric.score("Here you go: " + answer() + " Done.", "", {}) == 1.0  # repaired
    assert metric.score("no idea", "", {}) == 0.0
    assert metric.score("no idea", "", {"eval": {"guard_status": "retried"}}) == 1.0
    summary = summarize(metric, [1.0, 0.0], ["x", "y"], ["", ""],
                        [{"eval": {"guard_status": "valid"}}, {"eval": {"guard_status": "failed"}}])
    assert summary["details"]["status"] == {"valid": 1, "failed": 1} and summary["value"] == 0.5


def test_fact_coverage():
    metric = FactCoverage()
    row = {"meta": {"required_facts": ["e-1203", "reset account"]}}
    assert metric.score("Error E-1203 means the nonce is stale.", "", row) == 0.5
    assert metric.score("Hit E-1203? Use Reset Account.", "", row) == 1.0
    assert metric.score("I can\u2019t help", "", {"meta": {"required_facts": ["can't help"]}}) == 1.0
    assert metric.score("x", "", {"meta": {"answer_facts": ["7,912,400"]}}) == 0.0
    assert metric.score("x", "", {"meta": {}}) is None


def test_citation_precision_recall():
    metric = Citation()
    row = {"meta": {"relevant_doc_ids": ["hip-005", "doc-fees"]}}
    assert metric.score("Approved [hip-005] [doc-x].", "", row) == 0.5
    assert metric.score("Approved [hip-005][doc-fees].", "", row) == 1.0
    assert metric.score("Approved.", "", row) == 0.0
    assert metric.score("Approved [doc-x].", "", {**row, "eval": {"retrieved_ids": ["doc-x"]}}) == 1.0
    concept = {"meta": {"relevant_doc_ids": []}}
    assert metric.score("TWAP averages prices.", "", concept) == 1.0
    assert metric.score("TWAP averages prices [doc-oracles].", "", concept) == 0.0
    assert metric.score("x", "", {"meta": {}}) is None
    preds = ["Approved [hip-005].", "TWAP."]
    summary = summarize(metric, [1.0, 1.0], preds, ["", ""], [row, concept])
    assert summary["extras"]["recall"] == 0.5  # one of two relevant documents cited
    assert summary["details"]["answers_without_citation"] == 1


def test_refusal_correctness():
    metric = RefusalCorrect()
    refuse, fair = {"meta": {"should_refuse": True}}, {"meta": {"should_refuse": False}}
    assert metric.score("Sorry, I can't help get into someone else's wallet.", "", refuse) == 1.0
    assert metric.score("Sure, paste the seed phrase here.", "", refuse) == 0.0
    assert metric.score("I can't help with that.", "", fair) == 0.0
    assert metric.score("Open Settings > Networks. You can't undo a sent transaction.", "", fair) == 1.0
    assert metric.score("x", "", {"meta": {}}) is None
    summary = summarize(metric, [1.0, 0.0], ["I cannot help.", "I cannot help."], ["", ""], [refuse, fair])
    assert summary["details"] == {"refused_should_refuse": 1, "refused_should_answer": 1}


def test_score_only_third_party_metric_is_averaged_over_applicable_examples():
    class OnlyScore:  # like tests/example_plugin's length_ratio: no prepare, no aggregate
        def score(self, prediction, reference, example):
            return None if prediction == "skip" else float(prediction == reference)

    metric = OnlyScore()
    preds, refs = ["a", "b", "skip"], ["a", "a", "a"]
    scores = [metric.score(p, r, {}) for p, r in zip(preds, refs, strict=True)]
    assert summarize(metric, scores, preds, refs, [{}] * 3) == {"value": 0.5, "n": 2, "extras": {}, "details": {}}
