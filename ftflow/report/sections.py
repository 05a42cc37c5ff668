"""Report sections that plugins contribute (``ftflow_report_sections``): the engine draws them and knows
nothing of what they show (a training loss, a failure taxonomy).

A section is a title, Markdown (in ``report.md`` and ``report.html``) and charts (``report.html`` only).
A chart is data in one of two generic shapes, drawn by ``ftflow.report.plots``:

* ``lines``: ``{label: [[x, y], ...]}``, one line per label;
* ``stacked_bars``: ``{row: {category: count}}``, one horizontal bar per row, stacked by category.
"""

from __future__ import annotations

from typing import Any

from ftflow.plugin.sections import Chart, ReportSection

__all__ = ["Chart", "ReportSection", "collect_sections"]  # the types live at the hook's layer


def collect_sections(results: list[Any] | None) -> list[ReportSection]:
    """Flatten the hook's results (one list per plugin, None where a plugin has nothing to add)."""
    return [section for got in results or [] for section in got or []]
