"""The eval stage's ``report_md``: gate, metric slices, failure taxonomy, confusion matrices, guardrail outcomes.

``ftflow/report`` places this section in ``report.md`` and converts it for ``report.html``; the numbers
themselves also stay structured in the stage metadata for tools.
"""

from __future__ import annotations

from typing import Any

from ftflow_plugins.evaluate.compare import markdown as compare_markdown
from ftflow_plugins.evaluate.decoding import decoding_markdown


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(value: Any) -> str:
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows), ""]


def _share(interval: list[float] | None) -> str:
    return f" [{interval[0]:.0%}, {interval[1]:.0%}]" if interval else ""


def eval_markdown(meta: dict[str, Any]) -> str:
    lines: list[str] = []
    gate = meta.get("gate")
    if gate:
        lines += [f"### Regression gate: {'passed' if gate['passed'] else 'FAILED'}", ""]
        lines += _table(["check", "variant", "metric", "value", "needs", ""],
                        [[c["check"], c["variant"], c["metric"], "not measured" if c["value"] is None else c["value"],
                          f"{c.get('op', '>=')} {c['limit']:.3f}", "ok" if c["passed"] else "**FAIL**"]
                         for c in gate["checks"]])
    lines += [*decoding_markdown(meta.get("decoding") or {}), *compare_markdown(meta.get("differences") or {})]
    for field, by_value in (meta.get("slices") or {}).items():
        metrics = sorted({m for per_variant in by_value.values() for row in per_variant.values() for m in row
                          if m != "n"})
        lines += [f"### Metrics by `{field}`", ""]
        lines += _table([field, "variant", "rows", *metrics],
                        [[value, variant, row["n"], *(row.get(m, "–") for m in metrics)]
                         for value, per_variant in by_value.items() for variant, row in per_variant.items()])
    taxonomy = meta.get("taxonomy") or {}
    variants = taxonomy.get("variants") or {}
    if variants:
        categories = [c for c in taxonomy["categories"] if any(v["counts"].get(c) for v in variants.values())]
        lines += ["### Failure taxonomy", ""]
        lines += _table(["variant", "failed", *categories, "behaviour / knowledge / skill"],
                        [[v, f"{s['failed']}/{s['total']}" + _share(s.get("failed_interval")),
                          *(f"{s['counts'].get(c, 0)}" + _share((s.get("count_intervals") or {}).get(c))
                            for c in categories),
                          " / ".join(str(s["groups"].get(g, 0)) for g in ("behaviour", "knowledge", "skill"))]
                         for v, s in variants.items()])
        lines += ["Brackets: 95% Wilson interval of the share of examples (what another sample of this size "
                  "could show).", ""]
        lines += [f"**Recommendation** (for `{taxonomy.get('focus')}`): {taxonomy.get('recommendation')}", ""]
        rows = []
        for variant, summary in variants.items():
            for category, examples in summary["examples"].items():
                rows += [[variant, category, e["id"], e["detail"], e["output"][:160]] for e in examples[:1]]
        if rows:
            lines += ["Examples (one per category and variant):", ""]
            lines += _table(["variant", "category", "id", "detail", "output"], rows)
    guardrail = meta.get("guardrail")
    if guardrail:
        lines += [f"### JSON guardrail (`{guardrail['schema']}`, repair={guardrail['repair']}, "
                  f"retry={guardrail['retry']})", "",
                  "Every answer is validated after generation, repaired, and retried once (the decoding table "
                  "says which variants decoded under the schema).", ""]
        lines += _table(["variant", "valid", "repaired", "retried", "failed"],
                        [[v, s["valid"], s["repaired"], s["retried"], s["failed"]]
                         for v, s in guardrail["status"].items()])
    for variant, per_metric in (meta.get("metric_details") or {}).items():
        label = per_metric.get("label_accuracy") or {}
        confusion = label.get("confusion")
        if confusion:
            predicted = sorted({p for row in confusion.values() for p in row})
            lines += [f"### Confusion matrix of `{label.get('field')}` — {variant} (rows: gold, columns: predicted)",
                      ""]
            lines += _table(["gold \\ predicted", *predicted],
                            [[g, *(row.get(p, 0) for p in predicted)] for g, row in confusion.items()])
            lines += _table(["class", "precision", "recall", "f1", "support"],
                            [[c, v["precision"], v["recall"], v["f1"], v["support"]]
                             for c, v in label["per_class"].items()])
    return "\n".join(lines).strip()
