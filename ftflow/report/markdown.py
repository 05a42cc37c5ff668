"""``report.md``: what ran, what was cached, how long it took, and the metrics per variant."""

from __future__ import annotations

from typing import Any


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def metrics_table(metrics: dict[str, dict[str, float]]) -> tuple[list[str], list[list[Any]]]:
    names = sorted({m for values in metrics.values() for m in values})
    rows = [[variant] + [_fmt(values.get(m)) for m in names] for variant, values in metrics.items()]
    return ["variant", *names], rows


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render_report(manifest: dict[str, Any]) -> str:
    parts = [f"# ftflow run {manifest['run_id']}", "",
             f"Recipe **{manifest['recipe']}** — status **{manifest['status']}**", ""]
    if manifest.get("error"):
        parts += ["```", manifest["error"], "```", ""]
    rows = [[s["name"], s["kind"], s["plugin"], s["key"][:10], "cached" if s["cached"] else "ran",
             f"{s['seconds']:.2f}s"] for s in manifest["stages"]]
    parts += ["## Stages", "", _table(["stage", "kind", "plugin", "key", "", "time"], rows), ""]
    if manifest["metrics"]:
        headers, rows = metrics_table(manifest["metrics"])
        parts += ["## Metrics", "", _table(headers, rows), ""]
    for name, meta in manifest.get("stage_metadata", {}).items():
        section = meta.get("report_md")
        if section:
            parts += [f"## {name}", "", section, ""]
    return "\n".join(parts)
