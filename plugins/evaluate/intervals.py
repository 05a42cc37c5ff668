"""Bootstrap confidence intervals for mean-of-examples metrics, so a report says whether a difference between
variants is larger than the eval set's sampling noise.

A variant's metric is the mean of per-example scores over a few dozen examples; with 48 examples a
difference of a few points is noise.  ``bootstrap_interval`` resamples the examples with replacement
(scipy.stats.bootstrap, percentile method, seeded: the same scores give the same interval) and returns the
95% interval of the mean.  Metrics whose value is not the mean of their applicable scores (a custom
``aggregate``) get none.
"""

from __future__ import annotations

import math

CONFIDENCE = 0.95
RESAMPLES = 2000


def bootstrap_interval(scores: list[float | None], value: float | None, seed: int = 0,
                       confidence: float = CONFIDENCE) -> list[float] | None:
    """[low, high] of the mean of the applicable ``scores``, or None when ``value`` is not that mean or
    there are fewer than two scores."""
    applicable = [float(s) for s in scores if s is not None]
    if value is None or len(applicable) < 2 or not math.isclose(value, sum(applicable) / len(applicable),
                                                                rel_tol=1e-9, abs_tol=1e-12):
        return None
    if min(applicable) == max(applicable):  # no spread: every resample has the same mean
        return [round(value, 4), round(value, 4)]
    import numpy as np
    from scipy.stats import bootstrap

    result = bootstrap((np.asarray(applicable),), np.mean, confidence_level=confidence, n_resamples=RESAMPLES,
                       method="percentile", random_state=np.random.default_rng(seed))
    low, high = result.confidence_interval
    return [round(float(low), 4), round(float(high), 4)]


def separated(a: list[float] | None, b: list[float] | None) -> bool:
    """Whether interval ``a`` lies wholly above interval ``b`` (the claim "a beats b" survives resampling)."""
    return a is not None and b is not None and a[0] > b[1]


#: Fewer paired examples than this: a difference is reported as "N too small", whatever its interval says
#: (a bootstrap over a handful of rows has no spread to resample and claims a certainty it does not have).
MIN_PAIRED = 10


def paired_difference(a: list[float | None], b: list[float | None], seed: int = 0,
                      confidence: float = CONFIDENCE) -> dict[str, object]:
    """Mean of ``a - b`` over the examples both score, with its paired-bootstrap interval.

    The examples are resampled together for both variants (the same rows in each resample), so the
    interval reflects how much the *difference* varies, which is narrower than two independent intervals
    when the variants find the same rows hard.  ``verdict``: ``better`` / ``worse`` when the interval
    excludes 0 and there are at least MIN_PAIRED pairs, else ``not separated``.
    """
    diffs = [float(x) - float(y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    n = len(diffs)
    if n == 0:
        return {"delta": None, "interval": None, "n": 0, "verdict": "not separated", "reason": "no common examples"}
    delta = sum(diffs) / n
    interval = bootstrap_interval(diffs, delta, seed, confidence)
    if n < MIN_PAIRED:
        verdict, reason = "not separated", f"N={n} is too small (fewer than {MIN_PAIRED} paired examples)"
    elif interval is not None and interval[0] > 0:
        verdict, reason = "better", "the interval of the difference is above 0"
    elif interval is not None and interval[1] < 0:
        verdict, reason = "worse", "the interval of the difference is below 0"
    else:
        verdict, reason = "not separated", f"the interval of the difference includes 0 at N={n}"
    return {"delta": round(delta, 4), "interval": interval, "n": n, "verdict": verdict, "reason": reason}


def proportion_interval(count: int, total: int, confidence: float = CONFIDENCE) -> list[float] | None:
    """Wilson score interval of ``count / total`` (scipy's binomtest), or None without a total: counts
    such as "7 of 24 answers fail on format" get the range the share could take on another 24 rows."""
    if total <= 0:
        return None
    from scipy.stats import binomtest

    ci = binomtest(count, total).proportion_ci(confidence_level=confidence, method="wilson")
    return [round(float(ci.low), 4), round(float(ci.high), 4)]
