"""The failure-taxonomy chart of a run's report (``ftflow_report_sections``); the taxonomy's text is the
eval stage's own ``report_md``."""

from __future__ import annotations

from typing import Any

from ftflow.plugin import hookimpl
from ftflow.report.sections import Chart, ReportSection


@hookimpl
def ftflow_report_sections(manifest: dict[str, Any]) -> list[ReportSection]:
    """Failed examples per category for each variant, as stacked bars."""
    sections = []
    for name, meta in manifest.get("stage_metadata", {}).items():
        variants = (meta.get("taxonomy") or {}).get("variants")
        if variants:
            counts = {variant: row.get("counts", {}) for variant, row in variants.items()}
            sections.append(ReportSection(f"Failure taxonomy ({name})", "", (
                Chart("Failure taxonomy", "stacked_bars", counts, "failed examples"),)))
    return sections
