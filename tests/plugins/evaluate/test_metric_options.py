"""Metric options from a recipe: ``eval.metric_options.<metric>.<option>``, validated before anything runs."""

from __future__ import annotations

import pytest

from ftflow.config.compose import compose_recipe
from ftflow.errors import GraphError
from ftflow.kinds.evaluation import component_options
from ftflow.pipeline import build_graph
from ftflow.plugin.manager import load_plugins
from ftflow.testing import run_ftflow


def _eval_stage(*overrides: str):
    recipe = compose_recipe(["recipe=smoke", "eval.metrics=[exact_match,rouge1]", *overrides])
    graph = build_graph(recipe.config, load_plugins().registry)
    return next(s for s in graph if s.name == "eval")


def test_options_reach_the_metric_and_change_its_score():
    stage = _eval_stage("+eval.metric_options.rouge1.use_stemmer=false")
    metrics, problems = component_options(stage, "metric", stage.config.metrics, stage.config.metric_options,
                                          "eval.metric_options")
    assert problems == []
    assert metrics["rouge1"].config.use_stemmer is False
    default = component_options(stage, "metric", ["rouge1"], {}, "eval.metric_options")[0]["rouge1"]
    assert default.config.use_stemmer is True
    # "runs" and "running" share a stem: equal with the stemmer, different without it
    assert default.score("running", "runs", {}) == 1.0
    assert metrics["rouge1"].score("running", "runs", {}) == 0.0


@pytest.mark.parametrize(("override", "message"), [
    ("+eval.metric_options.rouge1.stemmer=false", r"eval\.metric_options\.rouge1\.stemmer.*use_stemmer"),
    ("+eval.metric_options.rouge1.use_stemmer=maybe", r"eval\.metric_options\.rouge1\.use_stemmer"),
    ("+eval.metric_options.bleu.x=1", r"eval\.metric_options\.bleu: 'bleu' is not one of the metrics used here"),
    ("+eval.metric_options.exact_match.x=1", r"eval\.metric_options\.exact_match\.x"),
])
def test_bad_options_stop_the_graph_naming_the_key(override: str, message: str) -> None:
    with pytest.raises(GraphError, match=message):
        _eval_stage(override)


def test_plan_reports_a_bad_option_in_one_line(tmp_path):
    result = run_ftflow(tmp_path, "plan", "recipe=smoke", "eval.metrics=[rouge1]",
                        "+eval.metric_options.rouge1.stemer=true")
    assert result.returncode == 2, result.stderr
    assert "eval.metric_options.rouge1.stemer" in result.stderr and "Traceback" not in result.stderr
