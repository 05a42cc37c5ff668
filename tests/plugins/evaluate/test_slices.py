"""Metrics broken down by a row meta field (``eval.slice_by``), against hand-computed values."""

from __future__ import annotations

from ftflow_plugins.evaluate.generate import slice_metrics
from ftflow_plugins.evaluate.metrics import ExactMatch
from ftflow_plugins.evaluate.summary import eval_markdown


def test_each_slice_is_aggregated_over_its_own_rows():
    examples = [{"meta": {"needs_retrieval": True}}, {"meta": {"needs_retrieval": True}},
                {"meta": {"needs_retrieval": False}}, {}]
    outputs, references = ["a", "b", "c", "d"], ["a", "x", "c", "y"]
    scores = {"exact_match": [1.0, 0.0, 1.0, 0.0]}
    out = slice_metrics("needs_retrieval", {"exact_match": ExactMatch()}, scores, outputs, references, examples)
    assert out == {"True": {"n": 2, "exact_match": 0.5}, "False": {"n": 1, "exact_match": 1.0},
                   "None": {"n": 1, "exact_match": 0.0}}


def test_report_has_a_table_per_slice_field():
    meta = {"slices": {"needs_retrieval": {"True": {"base": {"n": 2, "citation": 0.0},
                                                    "rag": {"n": 2, "citation": 0.75}}}}}
    text = eval_markdown(meta)
    assert "### Metrics by `needs_retrieval`" in text
    assert "| True | rag | 2 | 0.750 |" in text
