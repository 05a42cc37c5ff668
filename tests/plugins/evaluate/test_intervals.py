"""Bootstrap intervals of mean metrics: coverage of the mean, width with the sample size, determinism."""

from __future__ import annotations

import random

from ftflow.report.markdown import metrics_table
from ftflow_plugins.evaluate.intervals import bootstrap_interval, separated


def test_interval_contains_the_mean_and_narrows_with_more_examples():
    rng = random.Random(1)
    small = [rng.random() for _ in range(12)]
    large = [rng.random() for _ in range(400)]
    for scores in (small, large):
        mean = sum(scores) / len(scores)
        low, high = bootstrap_interval(scores, mean, seed=3)
        assert low < mean < high
    width = lambda s: (lambda i: i[1] - i[0])(bootstrap_interval(s, sum(s) / len(s)))  # noqa: E731
    assert width(large) < width(small) / 2


def test_same_scores_same_interval_and_inapplicable_cases():
    scores = [0.0, 1.0, 1.0, 0.5, None, 0.25]
    mean = sum(s for s in scores if s is not None) / 5
    assert bootstrap_interval(scores, mean, seed=7) == bootstrap_interval(scores, mean, seed=7)
    assert bootstrap_interval(scores, 0.9) is None  # the value is not the mean: a custom aggregate
    assert bootstrap_interval([1.0], 1.0) is None and bootstrap_interval(scores, None) is None
    assert bootstrap_interval([0.5, 0.5, 0.5], 0.5) == [0.5, 0.5]


def test_separation_means_wholly_above():
    assert separated([0.4, 0.6], [0.1, 0.39]) and not separated([0.4, 0.6], [0.1, 0.41])
    assert not separated(None, [0.0, 0.1])


def test_tables_show_intervals_after_the_value():
    headers, rows = metrics_table({"base": {"f1": 0.25, "n": 3}}, {"base": {"f1": [0.125, 0.375]}})
    assert headers == ["variant", "f1", "n"] and rows == [["base", "0.25 [0.125, 0.375]", "3"]]
