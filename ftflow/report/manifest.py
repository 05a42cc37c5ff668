"""The run manifest: the machine-readable record that ``ftflow show`` and other tools read."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

import ftflow
from ftflow.report.sections import ReportSection
from ftflow.stage import StageResult


def collect_metrics(results: list[StageResult], key: str = "metrics") -> dict[str, dict[str, Any]]:
    """Merge ``metrics`` ({variant: {metric: number}}) returned by any stage, evaluation mostly; with
    ``key="intervals"``, their confidence intervals ({variant: {metric: [low, high]}})."""
    metrics: dict[str, dict[str, Any]] = {}
    for result in results:
        for variant, values in (result.metadata.get(key) or {}).items():
            metrics.setdefault(variant, {}).update(values)
    return metrics


def build_manifest(run_id: str, recipe: str, status: str, results: list[StageResult],
                   config: dict[str, Any], argv: list[str], error: str | None = None,
                   started: float | None = None, sweep: str | None = None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "recipe": recipe,
        "status": status,
        "sweep": sweep,
        "error": error,
        "command": argv,
        "started": started,
        "finished": time.time(),
        "ftflow_version": ftflow.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "stages": [r.manifest_row() for r in results],
        "metrics": collect_metrics(results),
        "intervals": collect_metrics(results, "intervals"),
        "stage_metadata": {r.name: r.metadata for r in results},
        "config": config,
    }


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str))
    os.replace(tmp, path)


def write_run_record(run_dir: Path, manifest: dict[str, Any], memo: Any = None,
                     sections: Sequence[ReportSection] = ()) -> None:
    """manifest.json, config.yaml, report.md and the self-contained report.html (plots need matplotlib,
    imported only here and only inside the plot functions); ``sections`` come from plugins
    (``ftflow_report_sections``)."""
    from ftflow.report.html import render_html
    from ftflow.report.markdown import render_report

    write_json_atomic(run_dir / "manifest.json", manifest)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(manifest["config"], sort_keys=False))
    (run_dir / "report.md").write_text(render_report(manifest, sections))
    (run_dir / "report.html").write_text(render_html(manifest, memo, sections))
