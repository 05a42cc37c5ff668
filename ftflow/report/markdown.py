"""``report.md``: what ran, what was cached, how long it took, the metrics per variant, and each stage's
own section (``report_md`` in its metadata: data quality, tokenization, evaluation with the failure
taxonomy and the regression gate)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ftflow.report.sections import ReportSection


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def metrics_table(metrics: dict[str, dict[str, float]], intervals: dict[str, dict[str, list[float]]] | None = None
                  ) -> tuple[list[str], list[list[Any]]]:
    """Variants x metrics; a metric with a confidence interval shows it after the value: ``0.41 [0.33, 0.5]``."""
    names = sorted({m for values in metrics.values() for m in values})
    intervals = intervals or {}

    def cell(variant: str, name: str) -> str:
        interval = intervals.get(variant, {}).get(name)
        text = fmt_value(metrics[variant].get(name))
        return f"{text} [{fmt_value(interval[0])}, {fmt_value(interval[1])}]" if interval else text

    rows = [[variant] + [cell(variant, m) for m in names] for variant in metrics]
    return ["variant", *names], rows


def fmt_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)




def stage_summary(stages: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]], str]:
    """The stages table (timings, cache hits) and a one-line summary of it."""
    rows = [[s["name"], s["kind"], s["plugin"], s["key"][:10], "cached" if s["cached"] else "ran",
             f"{s['seconds']:.2f}s"] for s in stages]
    cached = sum(bool(s["cached"]) for s in stages)
    total = sum(float(s["seconds"]) for s in stages)
    summary = f"{len(stages)} stages: {len(stages) - cached} ran, {cached} cached (cache hits); {total:.1f}s in all"
    return ["stage", "kind", "plugin", "key", "", "time"], rows, summary


def render_report(manifest: dict[str, Any], sections: Sequence[ReportSection] = ()) -> str:
    """``report.md``; ``sections`` are what plugins contribute (``ftflow_report_sections``), charts left out."""
    parts = [f"# ftflow run {manifest['run_id']}", "",
             f"Recipe **{manifest['recipe']}** — status **{manifest['status']}**", ""]
    if manifest.get("error"):
        parts += ["```", manifest["error"], "```", ""]
    headers, rows, summary = stage_summary(manifest["stages"])
    parts += ["## Stages", "", summary, "", _table(headers, rows), ""]
    if manifest["metrics"]:
        headers, rows = metrics_table(manifest["metrics"], manifest.get("intervals"))
        note = "Brackets: 95% bootstrap interval over the eval examples." if manifest.get("intervals") else ""
        parts += ["## Metrics", "", _table(headers, rows), "", note, ""]
    for contributed in sections:
        parts += [f"## {contributed.title}", "", contributed.markdown, ""]
    for name, meta in manifest.get("stage_metadata", {}).items():
        section = meta.get("report_md")
        if section:
            parts += [f"## {name}", "", section, ""]
    return "\n".join(parts)
