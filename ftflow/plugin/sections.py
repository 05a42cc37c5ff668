"""The types of the report sections plugins contribute (``ftflow_report_sections``), defined at the hook
specification's layer so that the hook can name them; ``ftflow.report.sections`` re-exports them and
documents their shapes."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal


@dataclasses.dataclass(frozen=True)
class Chart:
    """One plot: its title (also the image's alt text), shape, data and axis labels."""

    title: str
    shape: Literal["lines", "stacked_bars"]
    data: dict[str, Any]
    x_label: str = ""
    y_label: str = ""


@dataclasses.dataclass(frozen=True)
class ReportSection:
    """A part of a run's report: ``## title``, then ``markdown``, then the ``charts``."""

    title: str
    markdown: str = ""
    charts: tuple[Chart, ...] = ()
