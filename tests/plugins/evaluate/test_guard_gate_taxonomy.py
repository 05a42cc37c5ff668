"""JSON guardrail repair, the regression gate's checks, failure categories and few-shot prompts."""

from __future__ import annotations

import json

import pytest

from ftflow.config.schema import validate
from ftflow.errors import ConfigError
from ftflow_plugins.evaluate.gate import GateConfig, evaluate_gate, failure_message, gate_problems
from ftflow_plugins.evaluate.jsonguard import first_object, guard
from ftflow_plugins.evaluate.taxonomy import classify, summarize_failures
from ftflow_plugins.evaluate.variants import FewShotGenerator, pick_shots

SCHEMA = {"type": "object", "properties": {"label": {"enum": ["a", "b"]}, "why": {"type": "string"}},
          "required": ["label", "why"], "additionalProperties": False}


def test_guard_repairs_extracts_and_closes_but_never_invents():
    assert guard('{"label": "a", "why": "x"}', SCHEMA).status == "valid"
    repaired = guard('Sure!\n```json\n{"label": "a", "why": "has } brace"}\n```\nAnything else?', SCHEMA)
    assert repaired.status == "repaired" and json.loads(repaired.text) == {"label": "a", "why": "has } brace"}
    cut = guard('{"label": "b", "why": "cut sho', SCHEMA)  # hit max_new_tokens inside a string
    assert cut.status == "repaired" and json.loads(cut.text)["why"] == "cut sho"
    assert first_object('{"label": "b", "why":') is None  # a dangling key cannot be closed safely
    wrong = guard('{"label": "c", "why": "x"}', SCHEMA)
    assert wrong.status == "failed" and "label" in wrong.errors[0]
    assert guard("no json here", SCHEMA).errors == ["no JSON object found"]


def test_gate_config_is_validated_and_checks_names():
    gate = validate(GateConfig, {"thresholds": {"tuned": {"json_schema": 0.9}, "base.token_f1": 0.1},
                                 "no_worse_than": {"variant": "base", "by": 0.02, "metrics": ["token_f1"]}})
    assert gate.enabled and gate.no_worse_than.by == 0.02
    with pytest.raises(ConfigError, match="no_worse_than.margin: unknown key"):
        validate(GateConfig, {"no_worse_than": {"margin": 1}})
    problems = gate_problems(validate(GateConfig, {"thresholds": {"tunde.token_f1": 0.5, "tuned.bleu": 0.1}}),
                             ["base", "tuned", "gguf"], ["token_f1"])
    assert any("unknown variant 'tunde'" in p for p in problems)
    assert any("unknown metric 'bleu'" in p for p in problems)
    assert not gate_problems(validate(GateConfig, {"thresholds": {"gguf:q8_0.token_f1": 0.5}}),
                             ["gguf"], ["token_f1"])


def test_gate_verdict_thresholds_relative_and_baseline():
    results = {"base": {"token_f1": 0.50, "json_schema": 0.1}, "tuned": {"token_f1": 0.47, "json_schema": 0.95}}
    gate = validate(GateConfig, {"thresholds": {"tuned.json_schema": 0.9},
                                 "no_worse_than": {"variant": "base", "by": 0.02, "metrics": ["token_f1"]},
                                 "baseline_run": "r1", "baseline_by": 0.0, "baseline_metrics": ["json_schema"]})
    verdict = evaluate_gate(gate, results, baseline={"tuned": {"json_schema": 0.97}, "gone": {"json_schema": 1}})
    by_check = {(c["check"].split()[0], c["variant"], c["metric"]): c for c in verdict["checks"]}
    assert by_check[("threshold", "tuned", "json_schema")]["passed"]
    relative = by_check[("no", "tuned", "token_f1")]
    assert relative["limit"] == pytest.approx(0.48) and not relative["passed"]
    assert len(verdict["checks"]) == 3 and not verdict["passed"]
    message = failure_message(verdict)
    assert "2 of 3 checks" in message and "FAIL" in message and "0.4700" in message and ">= 0.4800" in message
    missing = evaluate_gate(validate(GateConfig, {"thresholds": {"tuned.rouge_l": 0.1}}), results)
    assert not missing["passed"] and missing["checks"][0]["value"] is None


CT_REF = json.dumps({"label": "a", "why": "because"})


@pytest.mark.parametrize(("prediction", "reference", "meta", "info", "category"), [
    ('{"label": "a", "why": "because', CT_REF, {}, {"truncated": True}, "truncation"),
    ("It is label a.", CT_REF, {}, {}, "format"),
    ('{"label": "b", "why": "because"}', CT_REF, {"label": "a"}, {}, "wrong_label"),
    ('{"label": "a", "why": "because"}', CT_REF, {"label": "a"}, {}, None),
    ("Sure, paste your seed phrase.", "Sorry, I can't help.", {"should_refuse": True}, {}, "wrong_refusal"),
    ("I can't help with that.", "Go to Settings.", {"should_refuse": False}, {}, "wrong_refusal"),
    ("It passed.", "It passed [hip-005].", {"relevant_doc_ids": ["hip-005"]}, {}, "missing_citation"),
    ("It passed [hip-009].", "It passed [hip-005].", {"relevant_doc_ids": ["hip-005"]}, {}, "missing_citation"),
    ("It passed [hip-005].", "It passed with 7,912,400 [hip-005].",
     {"relevant_doc_ids": ["hip-005"], "answer_facts": ["7,912,400"]}, {}, "missing_fact"),
    ("Use Reset Account for E-1203. " + "Really. " * 20, "Use Reset Account for E-1203.",
     {"required_facts": ["e-1203"]}, {}, "verbose_or_off_tone"),
    ("Great question!! Use E-1203.", "Use E-1203.", {"required_facts": ["e-1203"]}, {}, "verbose_or_off_tone"),
    ("The opposite of hot is warm.", "The opposite of hot is cold.", {}, {}, None),
    ("Bananas.", "The opposite of hot is cold.", {}, {}, "wrong_answer"),
    # Facts: at least half of the required ones pass (one of two), fewer fail.
    ("Open Change PIN in Settings.", "Settings > Change PIN; enter your current PIN.",
     {"required_facts": ["change pin", "current pin"]}, {}, None),
    ("Open Settings.", "Settings > Change PIN; enter your current PIN.",
     {"required_facts": ["change pin", "current pin"]}, {}, "missing_fact"),
    ("Change PIN.", "Change PIN after 7 days with your current PIN.",
     {"required_facts": ["change pin", "current pin", "7 days"]}, {}, "missing_fact"),
    ("The opposite of hot is", "The opposite of hot is cold.", {}, {"truncated": True}, "truncation"),
])
def test_failure_categories(prediction, reference, meta, info, category):
    found = classify(prediction, reference, {"meta": meta, "eval": info}, schema=SCHEMA if "{" in reference else None,
                     label_field="label")
    assert (found and found[0]) == category


def test_failure_summary_counts_groups_and_recommends():
    def rec(i, category):
        return {"id": i, "output": "o", "reference": "r", "category": category, "detail": "d"}

    summary = summarize_failures({
        "base": [rec(1, "format"), rec(2, "format"), rec(3, "missing_fact"), rec(4, None)],
        "tuned": [rec(1, None), rec(2, "missing_fact"), rec(3, "missing_citation"), rec(4, "format")],
    }, examples_per_category=1)
    base = summary["variants"]["base"]
    assert base["failed"] == 3 and base["counts"] == {"format": 2, "missing_fact": 1}
    assert base["groups"] == {"behaviour": 2, "knowledge": 1} and len(base["examples"]["format"]) == 1
    assert summary["focus"] == "tuned"
    assert "knowledge/retrieval" in summary["recommendation"] and "RAG" in summary["recommendation"]
    behavioural = summarize_failures({"v": [rec(1, "wrong_refusal"), rec(2, "format")]})
    assert "failures are behavioural" in behavioural["recommendation"]


def test_few_shot_cycles_labels_and_wraps_prompts():
    train = [{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": f"q{i}"},
                           {"role": "assistant", "content": f"a{i}"}], "meta": {"label": "xy"[i % 2]}}
             for i in range(10)]
    train.append({"messages": [{"role": "user", "content": "multi"}, {"role": "assistant", "content": "t"},
                               {"role": "user", "content": "u"}, {"role": "assistant", "content": "v"}]})
    shots = pick_shots(train, 2, seed=1, label_field="label")
    answers = [m["content"] for m in shots if m["role"] == "assistant"]
    assert [m["role"] for m in shots] == ["user", "assistant"] * 2
    assert {int(a[1:]) % 2 for a in answers} == {0, 1}  # one example of each label
    assert pick_shots(train, 2, seed=1, label_field="label") == shots  # deterministic

    class Echo:
        identity = "echo"
        last_truncated = [False]

        def generate(self, prompts, max_new_tokens, json_schema=None):
            self.seen = prompts
            return ["ok"] * len(prompts)

        def close(self):
            self.closed = True

    inner = Echo()
    wrapped = FewShotGenerator(inner, shots, "echo+fewshot")
    assert wrapped.generate([[{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}]], 8) == ["ok"]
    assert [m["content"] for m in inner.seen[0]][0] == "S" and inner.seen[0][-1]["content"] == "Q"
    assert len(inner.seen[0]) == 2 + len(shots) and wrapped.last_truncated == [False]
    wrapped.close()
    assert inner.closed


def test_failures_follow_fact_coverage():
    """Calibration: of two variants, the one with higher fact coverage has fewer failures (all-or-nothing
    facts failed both on every example)."""
    from ftflow_plugins.evaluate.task_metrics import FactCoverage

    reference = "Settings > Change PIN; enter your current PIN; it takes 7 days."
    meta = {"required_facts": ["change pin", "current pin", "7 days"]}
    answers = {"worse": ["Open Settings.", "Change PIN.", "Wait 7 days.", "Change PIN with your current PIN."],
               "better": ["Change PIN, 7 days.", "Change PIN with your current PIN.", "Wait 7 days.",
                          "Change PIN with your current PIN, 7 days."]}
    coverage, failures = {}, {}
    for variant, outputs in answers.items():
        example = {"meta": meta, "eval": {}}
        coverage[variant] = sum(FactCoverage().score(o, reference, example) for o in outputs) / len(outputs)
        failures[variant] = sum(classify(o, reference, example) is not None for o in outputs)
    assert coverage["better"] > coverage["worse"] and failures["better"] < failures["worse"]
