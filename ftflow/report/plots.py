"""PNG plots for ``report.html``, returned as base64 so the page stays one self-contained file.

matplotlib is imported inside each function (Agg backend), so ``ftflow show`` and the engine never pay
for it; without matplotlib the functions return None and the report says so.
"""

from __future__ import annotations

import base64
import io
from typing import Any

_COLORS = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]


def _pyplot() -> Any | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _encode(fig: Any, plt: Any) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def metrics_chart(metrics: dict[str, dict[str, float]]) -> str | None:
    """Grouped bars: one group per metric, one bar per variant (all metrics are in [0, 1])."""
    plt = _pyplot()
    names = sorted({m for values in metrics.values() for m in values})
    if plt is None or not names:
        return None
    variants = list(metrics)
    width = 0.8 / max(len(variants), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 3.6))
    for i, variant in enumerate(variants):
        xs = [j + (i - (len(variants) - 1) / 2) * width for j in range(len(names))]
        ys = [metrics[variant].get(m, 0.0) for m in names]
        bars = ax.bar(xs, ys, width, label=variant, color=_COLORS[i % len(_COLORS)])
        ax.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=7, padding=1)
    ax.set_xticks(range(len(names)), names, rotation=25, ha="right", fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("score")
    ax.set_title("Metrics per variant")
    ax.legend(fontsize=8, ncols=min(len(variants), 4), loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    return _encode(fig, plt)


def lines_chart(chart: dict[str, Any]) -> str | None:
    """A ``lines`` chart (``ftflow.report.sections.Chart`` as a dict): ``data`` is {label: [[x, y], ...]}."""
    plt = _pyplot()
    series = {label: points for label, points in chart["data"].items() if points}
    if plt is None or not series:
        return None
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    for i, (label, points) in enumerate(series.items()):
        ax.plot([p[0] for p in points], [p[1] for p in points], color=_COLORS[i % len(_COLORS)], label=label,
                marker="." if len(points) < 60 else None)
    ax.set_xlabel(chart.get("x_label", ""))
    ax.set_ylabel(chart.get("y_label", ""))
    ax.set_title(chart["title"])
    if len(series) > 1:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return _encode(fig, plt)


def stacked_bars_chart(chart: dict[str, Any]) -> str | None:
    """A ``stacked_bars`` chart: ``data`` is {row: {category: count}}, one horizontal bar per row."""
    plt = _pyplot()
    rows = chart["data"]
    categories = sorted({c for counts in rows.values() for c in counts})
    if plt is None or not categories:
        return None
    names = list(rows)
    fig, ax = plt.subplots(figsize=(6.0, 0.5 * len(names) + 1.6))
    left = [0] * len(names)
    for i, category in enumerate(categories):
        counts = [rows[r].get(category, 0) for r in names]
        ax.barh(names, counts, left=left, label=category, color=_COLORS[i % len(_COLORS)])
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.set_xlabel(chart.get("x_label", ""))
    ax.set_title(chart["title"])
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.spines[["top", "right"]].set_visible(False)
    return _encode(fig, plt)


#: How each ``Chart.shape`` is drawn.
DRAW = {"lines": lines_chart, "stacked_bars": stacked_bars_chart}
