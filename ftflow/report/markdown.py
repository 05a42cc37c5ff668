"""``report.md``: what ran, what was cached, how long it took, the metrics per variant, and each stage's
own section (``report_md`` in its metadata: data quality, tokenization, evaluation with the failure
taxonomy and the regression gate)."""

from __future__ import annotations

from typing import Any


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


def _training(meta: dict[str, Any]) -> str | None:
    curve = meta.get("loss_curve")
    if not curve:
        return None
    first, last = curve[0][1], curve[-1][1]
    return (f"{meta.get('objective', 'training')} with {meta.get('adapter', '?')}: {len(curve)} logged steps, "
            f"loss {first:.4g} → {last:.4g}" + (f", {meta['tokens_per_second']} tokens/s"
                                                 if meta.get("tokens_per_second") else "")
            + _held_out(meta) + " (plot in report.html)")


def _held_out(meta: dict[str, Any]) -> str:
    """The eval-loss part of the training line (``method.eval_steps``), with early stopping's outcome."""
    curve = meta.get("eval_loss_curve")
    if not curve:
        return ""
    text = f"; eval loss {curve[0][1]:.4g} → {curve[-1][1]:.4g} over {len(curve)} evaluations"
    if meta.get("best_eval_loss") is not None:
        text += f", best {meta['best_eval_loss']:.4g} at step {meta.get('best_step')}"
    return text + (", stopped early" if meta.get("stopped_early") else "")


def render_report(manifest: dict[str, Any]) -> str:
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
    for name, meta in manifest.get("stage_metadata", {}).items():
        training = _training(meta)
        if training:
            parts += [f"## {name}", "", training, ""]
        section = meta.get("report_md")
        if section:
            parts += [f"## {name}", "", section, ""]
    return "\n".join(parts)
