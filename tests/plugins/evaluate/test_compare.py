"""Paired comparisons with constructed scores: separated vs not, the gate's lower bound, taxonomy intervals,
and what ``ftflow show`` and the report say about them."""

from __future__ import annotations

import json
import random

from ftflow.cli import main
from ftflow.config.schema import validate
from ftflow.report.markdown import render_report
from ftflow_plugins.evaluate.compare import compare, notes
from ftflow_plugins.evaluate.gate import GateConfig, evaluate_gate, gate_problems
from ftflow_plugins.evaluate.intervals import paired_difference, proportion_interval
from ftflow_plugins.evaluate.summary import eval_markdown
from ftflow_plugins.evaluate.taxonomy import summarize_failures

RNG = random.Random(5)
BASE = [RNG.random() for _ in range(40)]
CLEAR = [min(1.0, b + 0.2 + 0.05 * RNG.random()) for b in BASE]  # better on every row
NOISE = [min(1.0, max(0.0, b + RNG.choice([-0.1, 0.1]) + 0.01)) for b in BASE]  # +0.01 on average, +-0.1 per row


def test_paired_difference_separates_a_clear_gain_but_not_noise_or_tiny_n():
    clear = paired_difference(CLEAR, BASE, seed=1)
    assert clear["verdict"] == "better" and clear["interval"][0] > 0 and clear["n"] == 40
    noise = paired_difference(NOISE, BASE, seed=1)
    assert noise["verdict"] == "not separated" and noise["interval"][0] < 0 < noise["interval"][1]
    assert paired_difference(BASE, CLEAR)["verdict"] == "worse"
    tiny = paired_difference([1.0] * 5, [0.0] * 5)  # no spread, but five rows prove nothing
    assert tiny["verdict"] == "not separated" and "too small" in tiny["reason"]
    skipped = paired_difference([1.0, None, 0.5], [None, 1.0, 0.0])  # only rows both variants score
    assert skipped["n"] == 1 and skipped["delta"] == 0.5
    assert paired_difference(CLEAR, BASE, seed=1) == clear  # seeded: the same scores, the same interval


def test_gate_better_than_needs_the_lower_bound_above_the_threshold():
    scores = {"base": {"f1": BASE}, "tuned": {"f1": CLEAR}, "noisy": {"f1": NOISE}}
    results = {v: {"f1": sum(s["f1"]) / len(s["f1"])} for v, s in scores.items()}
    differences = compare(scores, [("tuned", "base"), ("noisy", "base")], {v: ["f1"] for v in scores}, seed=0)
    gate = validate(GateConfig, {"better_than": {"variant": "base", "by": 0.0}})
    verdict = evaluate_gate(gate, results, differences=differences)
    by_variant = {c["variant"]: c for c in verdict["checks"]}
    assert by_variant["tuned"]["passed"] and not by_variant["noisy"]["passed"] and not verdict["passed"]
    assert by_variant["noisy"]["value"] == differences["noisy - base"]["f1"]["interval"][0]
    low = differences["tuned - base"]["f1"]["interval"][0]
    strict = evaluate_gate(validate(GateConfig, {"better_than": {"variant": "base", "by": low + 0.01,
                                                                  "variants": ["tuned"]}}), results, differences=differences)
    assert not strict["passed"] and len(strict["checks"]) == 1
    assert any("better_than: unknown variant 'bse'" in p for p in
               gate_problems(validate(GateConfig, {"better_than": {"variant": "bse"}}), ["base", "tuned"], ["f1"]))


def test_taxonomy_counts_carry_wilson_intervals():
    assert proportion_interval(0, 0) is None
    low, high = proportion_interval(5, 20)
    assert low < 0.25 < high and proportion_interval(50, 200)[1] - proportion_interval(50, 200)[0] < high - low

    def rec(i, category):
        return {"id": i, "output": "o", "reference": "r", "category": category, "detail": "d"}

    summary = summarize_failures({"tuned": [rec(1, "missing_fact"), rec(2, "missing_fact"), rec(3, "format"),
                                            rec(4, None)]})
    tuned = summary["variants"]["tuned"]
    assert tuned["count_intervals"]["missing_fact"] == proportion_interval(2, 4)
    assert tuned["group_intervals"]["knowledge"] == proportion_interval(2, 3)
    assert "95% interval" in summary["recommendation"] and "not a clear majority at N=3" in summary["recommendation"]


def test_report_and_show_say_not_separated(tmp_path, monkeypatch, capsys):
    scores = {"base": {"f1": BASE}, "tuned": {"f1": NOISE}}
    differences = compare(scores, [("tuned", "base")], {"base": ["f1"], "tuned": ["f1"]}, seed=0)
    meta = {"differences": differences, "notes": notes(differences)}
    meta["report_md"] = eval_markdown(meta)
    assert "not separated on f1 (N=40: the 95% interval of the difference includes 0)" in meta["notes"][0]
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    manifest = {"run_id": "r1", "recipe": "t", "status": "ok", "stages": [], "metrics": {
        v: {"f1": sum(s["f1"]) / 40} for v, s in scores.items()}, "intervals": {}, "stage_metadata": {"eval": meta},
        "config": {}}
    (run / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "runs" / "last").write_text("r1")
    assert "**Not separated:** 1 of 1 comparisons" in render_report(manifest)
    few = compare({"a": {"m": BASE[:6]}, "b": {"m": CLEAR[:6]}}, [("b", "a")], {"a": ["m"], "b": ["m"]}, 0)
    assert "N is too small" in eval_markdown({"differences": few}) and "too few paired" in notes(few)[0]
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["show", "last"]) == 0
    out = capsys.readouterr().out
    assert "eval: tuned - base: not separated on f1" in out


def test_clear_gain_is_reported_separated():
    differences = compare({"a": {"m": BASE}, "b": {"m": CLEAR}}, [("b", "a")], {"a": ["m"], "b": ["m"]}, 0)
    line = notes(differences)[0]
    assert line.startswith("b - a: separated on m +0.1") and "not separated" not in line
    assert "**better**" in eval_markdown({"differences": differences}) and "Not separated" not in eval_markdown(
        {"differences": differences})
