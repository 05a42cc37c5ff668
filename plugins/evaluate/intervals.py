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
