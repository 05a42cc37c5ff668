"""Regression gate: fail the run when a variant misses a threshold or regresses against a reference.

The eval stage computes the verdict (so it is cached and lands in the manifest and report with every
metric); the ``ftflow_stage_after`` hook of this plugin then stops the run with exit 1 and a table of
what regressed.  Every metric is in [0, 1] with higher better, so checks need no direction.

    eval:
      gate:
        thresholds: {tuned: {json_schema: 0.9}}         # or {tuned.json_schema: 0.9}
        no_worse_than: {variant: base, by: 0.02, metrics: [token_f1]}
        baseline_run: 20250101-120000-ab12              # same variant+metric in that run, minus baseline_by
        better_than: {variant: base, by: 0.0, metrics: [token_f1]}  # lower 95% bound of the difference > by
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow.errors import FtflowError


@dataclasses.dataclass
class NoWorseThan:
    """Each compared variant must score at least ``variant``'s score minus ``by`` on each metric (off while
    ``variant`` is null)."""

    variant: str | None = None
    by: float = 0.0
    metrics: list[str] | None = None  # None: every metric both variants have
    variants: list[str] | None = None  # None: every other variant


@dataclasses.dataclass
class BetterThan:
    """Each compared variant must beat ``variant`` beyond the noise: the lower bound of the paired-bootstrap
    95% interval of (variant - reference) must exceed ``by``, on at least MIN_PAIRED paired examples (off
    while ``variant`` is null).  Only mean-of-examples metrics have such an interval."""

    variant: str | None = None
    by: float = 0.0
    metrics: list[str] | None = None  # None: every metric both variants report as a mean
    variants: list[str] | None = None  # None: every other variant


@dataclasses.dataclass
class GateConfig:
    thresholds: dict[str, float | dict[str, float]] = dataclasses.field(default_factory=dict)
    no_worse_than: NoWorseThan = dataclasses.field(default_factory=NoWorseThan)
    better_than: BetterThan = dataclasses.field(default_factory=BetterThan)
    baseline_run: str | None = None
    baseline_by: float = 0.0
    baseline_metrics: list[str] | None = None  # None: every metric the baseline run has

    @property
    def enabled(self) -> bool:
        return bool(self.thresholds or self.no_worse_than.variant or self.better_than.variant or self.baseline_run)


class GateFailed(FtflowError):
    """The regression gate failed: exit 1, the message is the table of failed checks."""

    exit_code = 1


def flat_thresholds(gate: GateConfig) -> dict[tuple[str, str], float]:
    """``{tuned: {m: x}}`` and ``{"tuned.m": x}`` both become ``{("tuned", "m"): x}``."""
    flat = {}
    for key, value in gate.thresholds.items():
        if isinstance(value, dict):
            flat.update({(key, metric): float(v) for metric, v in value.items()})
        else:
            variant, _, metric = key.partition(".")
            flat[(variant, metric)] = float(value)
    return flat


def gate_problems(gate: GateConfig, variants: list[str], metrics: list[str]) -> list[str]:
    """Names in the gate that the evaluation will not produce (checked before anything runs)."""
    problems = []

    def known_variant(name: str) -> bool:  # providers may expand (gguf -> gguf:q8_0)
        return any(name == v or name.startswith(v + ":") for v in variants)

    for (variant, metric), _ in flat_thresholds(gate).items():
        if not metric:
            problems.append(f"eval.gate.thresholds: '{variant}' must be VARIANT.METRIC or {{VARIANT: {{METRIC: x}}}}")
        elif not known_variant(variant):
            problems.append(f"eval.gate.thresholds: unknown variant '{variant}' (eval.variants: {', '.join(variants)})")
        elif metric not in metrics:
            problems.append(f"eval.gate.thresholds: unknown metric '{metric}' (available: {', '.join(metrics)})")
    for key, rel in (("no_worse_than", gate.no_worse_than), ("better_than", gate.better_than)):
        if rel.variant is None:
            continue
        for name in [rel.variant, *(rel.variants or [])]:
            if not known_variant(name):
                problems.append(f"eval.gate.{key}: unknown variant '{name}' (eval.variants: {', '.join(variants)})")
        problems += [f"eval.gate.{key}.metrics: unknown metric '{m}' (available: {', '.join(metrics)})"
                     for m in rel.metrics or [] if m not in metrics]
    return problems


def better_than_pairs(gate: GateConfig, variants: list[str]) -> list[tuple[str, str]]:
    """(variant, reference) pairs whose paired differences ``better_than`` checks (evaluated names)."""
    from ftflow_plugins.evaluate.compare import resolve_variant

    rel = gate.better_than
    reference = resolve_variant(rel.variant, variants) if rel.variant else None
    if reference is None:
        return []
    compared = [resolve_variant(v, variants) for v in rel.variants] if rel.variants else variants
    return [(v, reference) for v in compared if v is not None and v != reference]


def evaluate_gate(gate: GateConfig, results: dict[str, dict[str, float]],
                  baseline: dict[str, dict[str, float]] | None = None,
                  differences: dict[str, dict[str, dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Every check with its value, limit and verdict; a metric that was not measured fails its check.
    ``differences`` (``compare.compare``'s) feed ``better_than``: its value is the interval's lower bound."""
    from ftflow_plugins.evaluate.compare import pair_name
    from ftflow_plugins.evaluate.intervals import MIN_PAIRED

    checks: list[dict[str, Any]] = []

    def add(kind: str, variant: str, metric: str, limit: float) -> None:
        value = results.get(variant, {}).get(metric)
        checks.append({"check": kind, "variant": variant, "metric": metric,
                       "value": value, "limit": round(limit, 6), "passed": value is not None and value >= limit})

    for (variant, metric), limit in flat_thresholds(gate).items():
        add("threshold", variant, metric, limit)
    nwt = gate.no_worse_than
    if nwt.variant is not None:
        reference = results.get(nwt.variant, {})
        for variant in nwt.variants or [v for v in results if v != nwt.variant]:
            for metric in nwt.metrics or sorted(set(reference) & set(results.get(variant, {}))):
                if metric in reference:
                    add(f"no worse than {nwt.variant}" + (f" - {nwt.by:g}" if nwt.by else ""), variant, metric, reference[metric] - nwt.by)
    rel = gate.better_than
    for variant, reference in better_than_pairs(gate, list(results)):
        per_metric = (differences or {}).get(pair_name(variant, reference), {})
        for metric in rel.metrics or sorted(per_metric):
            diff = per_metric.get(metric) or {}
            low = diff["interval"][0] if diff.get("interval") else None
            enough = diff.get("n", 0) >= MIN_PAIRED
            checks.append({"check": f"better than {reference}, 95% lower bound (N={diff.get('n', 0)})",
                           "variant": variant, "metric": metric, "value": low, "limit": round(rel.by, 6), "op": ">",
                           "passed": low is not None and enough and low > rel.by})
    if gate.baseline_run and baseline is not None:
        for variant, values in baseline.items():
            for metric in gate.baseline_metrics or sorted(values):
                if metric in values and variant in results:
                    add(f"no worse than run {gate.baseline_run}" + (f" - {gate.baseline_by:g}" if gate.baseline_by else ""), variant, metric,
                        values[metric] - gate.baseline_by)
    return {"passed": all(c["passed"] for c in checks), "checks": checks}


def gate_table(verdict: dict[str, Any], only_failed: bool = False) -> str:
    """A fixed-width table for the terminal (and the exception message)."""
    rows = [c for c in verdict["checks"] if not only_failed or not c["passed"]]
    header = ["check", "variant", "metric", "value", "needs", ""]
    body = [[c["check"], c["variant"], c["metric"], "not measured" if c["value"] is None else f"{c['value']:.4f}",
             f"{c.get('op', '>=')} {c['limit']:.4f}", "ok" if c["passed"] else "FAIL"] for c in rows]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *body]]
    return "\n".join(["  " + line for line in lines])


def failure_message(verdict: dict[str, Any]) -> str:
    failed = sum(not c["passed"] for c in verdict["checks"])
    return (f"regression gate failed: {failed} of {len(verdict['checks'])} checks\n{gate_table(verdict)}\n"
            "(the eval results are cached and in the run report; adjust eval.gate or improve the model)")
