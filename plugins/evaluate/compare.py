"""Paired comparisons between variants: is a difference larger than the eval set's noise?

Every variant answers the same rows, so two variants are compared row by row: the mean of the per-row
differences with a paired-bootstrap 95% interval (``intervals.paired_difference``).  A comparison whose
interval includes 0, or that rests on fewer than ``MIN_PAIRED`` rows, is *not separated*: the report and
``ftflow show`` say so instead of letting a table of means suggest a winner.
"""

from __future__ import annotations

from typing import Any

from ftflow_plugins.evaluate.intervals import MIN_PAIRED, paired_difference


def pair_name(variant: str, reference: str) -> str:
    return f"{variant} - {reference}"


def resolve_variant(name: str, variants: list[str]) -> str | None:
    """A configured variant name as evaluated: ``gguf`` may have expanded to ``gguf:q8_0``."""
    if name in variants:
        return name
    return next((v for v in variants if v.startswith(name + ":")), None)


def compare(scores: dict[str, dict[str, list[float | None]]], pairs: list[tuple[str, str]],
            metrics: dict[str, list[str]], seed: int) -> dict[str, dict[str, dict[str, Any]]]:
    """``{"tuned - base": {metric: {"delta", "interval", "n", "verdict", "reason"}}}`` for each (variant,
    reference) pair, over the ``metrics[variant]`` both variants report as a mean of per-row scores."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for variant, reference in pairs:
        if variant == reference or variant not in scores or reference not in scores:
            continue
        common = [m for m in metrics.get(variant, []) if m in metrics.get(reference, [])]
        out[pair_name(variant, reference)] = {
            m: paired_difference(scores[variant][m], scores[reference][m], seed) for m in common}
    return out


def notes(differences: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """One line per compared pair for ``ftflow show``: what is separated, and what is noise at this N."""
    lines = []
    for pair, per_metric in differences.items():
        if not per_metric:
            continue
        separated = [f"{m} {d['delta']:+.3f} [{d['interval'][0]:+.3f}, {d['interval'][1]:+.3f}]"
                     for m, d in per_metric.items() if d["verdict"] != "not separated"]
        unseparated = [m for m, d in per_metric.items() if d["verdict"] == "not separated"]
        parts = []
        if separated:
            parts.append("separated on " + ", ".join(separated))
        if unseparated:
            ns = sorted({d["n"] for d in per_metric.values() if d["verdict"] == "not separated"})
            small = any(n < MIN_PAIRED for n in ns)
            why = "too few paired examples" if small else "the 95% interval of the difference includes 0"
            parts.append(f"not separated on {', '.join(unseparated)} (N={'/'.join(map(str, ns))}: {why})")
        lines.append(f"{pair}: " + "; ".join(parts))
    return lines


def markdown(differences: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """The report's comparison table (paired differences with intervals and verdicts) and its warning."""
    rows = [(pair, m, d) for pair, per_metric in differences.items() for m, d in per_metric.items()]
    if not rows:
        return []

    def interval(d: dict[str, Any]) -> str:
        return "–" if d["interval"] is None else f"[{d['interval'][0]:+.3f}, {d['interval'][1]:+.3f}]"

    lines = ["### Differences between variants (paired bootstrap, 95%)", "",
             "| comparison | metric | difference | interval | N | verdict |", "|---|---|---|---|---|---|"]
    lines += [f"| {pair} | {m} | {'–' if d['delta'] is None else format(d['delta'], '+.3f')} | {interval(d)} "
              f"| {d['n']} | {'**' + d['verdict'] + '**' if d['verdict'] != 'not separated' else d['verdict']} |"
              for pair, m, d in rows]
    lines.append("")
    unseparated = [(pair, m) for pair, m, d in rows if d["verdict"] == "not separated"]
    if unseparated:
        widths = [d["interval"][1] - d["interval"][0] for _, _, d in rows
                  if d["interval"] is not None and d["n"] >= MIN_PAIRED]
        noise = f"; differences smaller than about {max(widths) / 2:.2f} are noise at this N" \
            if widths and max(widths) > 0 else ""
        small = min(d["n"] for _, _, d in rows) < MIN_PAIRED
        lines += [f"**Not separated:** {len(unseparated)} of {len(rows)} comparisons cannot tell the variants "
                  f"apart (the interval of the difference includes 0"
                  + (f", or fewer than {MIN_PAIRED} paired examples: N is too small" if small else "")
                  + f"){noise}. Quote them as ties, or evaluate on more examples.", ""]
    return lines
