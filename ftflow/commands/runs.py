"""``ftflow runs`` and ``ftflow compare``: the runs of a workspace as a table, and runs side by side."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.report.markdown import fmt_value
from ftflow.runs import Comparison, RunRow, compare_refs, list_runs, parse_where
from ftflow.workspace import Workspace

#: Columns of headline numbers ``ftflow runs`` shows when ``--metric`` names none.
DEFAULT_COLUMNS = 4


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


def _columns(rows: list[RunRow], metrics: list[str]) -> list[str]:
    """The ``--metric`` names, else the headline numbers most runs have (final_* values first)."""
    if metrics:
        return metrics
    counts: dict[str, int] = {}
    for row in rows:
        for key in row.headline:
            counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda k: (-counts[k], ".final_" not in k, k))
    return ranked[:DEFAULT_COLUMNS]


def cmd_runs(recipe: str | None, status: str | None, sweep: str | None, where: list[str], limit: int | None,
             metrics: list[str], as_json: bool) -> int:
    if limit is not None and limit <= 0:
        raise UserError(f"--limit must be positive, got {limit}")
    rows = list_runs(recipe=recipe, status=status, sweep=sweep, where=parse_where(where), limit=limit)
    if as_json:
        print(json.dumps([r.as_json() for r in rows], indent=2, default=str))
        return 0
    from rich.markup import escape
    from rich.table import Table

    from ftflow.console import make_console

    console = make_console()
    if not rows:
        console.print(f"no runs match in {Workspace().runs_dir}")
        return 0
    columns = _columns(rows, metrics)
    table = Table(title=f"{len(rows)} runs, newest first")
    for name in ("run", "recipe", "status", "when", "duration"):
        table.add_column(name, no_wrap=name in ("run", "when"))
    for name in columns:
        table.add_column(name, justify="right")
    for row in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.started)) if row.started else "–"
        status_text = {"ok": "[green]ok[/]", "failed": "[red]failed[/]"}.get(row.status, escape(row.status))
        table.add_row(row.run_id, escape(row.recipe), status_text, when, _duration(row.seconds),
                      *(fmt_value(row.headline.get(c)) for c in columns))
    console.print(table)
    return 0


def _delta(value: float | None) -> str:
    return "–" if value is None else f"{value:+.4g}"


def compare_html(comparison: Comparison) -> str:
    """A small self-contained page: the three tables and a chart of the metrics per run."""
    from ftflow.report.html import _CSS, _html_table, _img
    from ftflow.report.plots import metrics_chart

    runs = comparison.runs
    parts = [f"<h1>ftflow compare {' · '.join(f'<code>{html.escape(r)}</code>' for r in runs)}</h1>",
             "<h2>Metrics (delta against the first run)</h2>"]
    rows = [[key, *(fmt_value(v) if i == 0 else f"{fmt_value(v)} ({_delta(d)})"
                    for i, (v, d) in enumerate(zip(column, comparison.deltas[key], strict=True)))]
            for key, column in comparison.values.items()]
    parts.append(_html_table(["value", *runs], rows) if rows else "<p class='muted'>no metrics recorded</p>")
    chart = metrics_chart(comparison.metrics_by_run()) if comparison.metrics_by_run() else None
    parts.append(_img(chart, "metrics per run"))
    parts.append("<h2>Config keys that differ</h2>")
    rows = [[key, *(json.dumps(v) if not isinstance(v, str) else v for v in column)]
            for key, column in comparison.config.items()]
    parts.append(_html_table(["key", *runs], rows) if rows else "<p>identical configs</p>")
    parts.append("<h2>Stage keys that differ</h2>")
    rows = [[stage, *((k or "–")[:10] for k in keys)] for stage, keys in comparison.stages.items()]
    parts.append(_html_table(["stage", *runs], rows) if rows else "<p>every stage shares its key</p>")
    if comparison.same_stages:
        parts.append(f"<p class='muted'>shared: {html.escape(', '.join(comparison.same_stages))}</p>")
    title = "ftflow compare " + " ".join(runs)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><main>\n" + "\n".join(parts) + "\n</main></body></html>\n")


def _html_path(output: str | None, comparison: Comparison) -> Path:
    if output:
        path = Path(output).expanduser()
        if not path.parent.is_dir():
            raise UserError(f"compare --html: directory {path.parent} does not exist")
        return path
    folder = Workspace().root / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / ("_".join(comparison.runs) + ".html")


def cmd_compare(refs: list[str], as_json: bool, output: str | None) -> int:
    comparison = compare_refs(refs)
    page = _html_path(output, comparison)
    page.write_text(compare_html(comparison))
    if as_json:
        print(json.dumps({**comparison.as_json(), "html": str(page)}, indent=2, default=str))
        return 0
    from rich.markup import escape
    from rich.table import Table

    from ftflow.console import make_console

    console = make_console()
    runs = comparison.runs
    table = Table("value", *runs, title=f"metrics (delta against {runs[0]})")
    for key, column in comparison.values.items():
        table.add_row(key, *(fmt_value(v) if i == 0 else f"{fmt_value(v)} ({_delta(d)})"
                             for i, (v, d) in enumerate(zip(column, comparison.deltas[key], strict=True))))
    console.print(table)
    if comparison.config:
        table = Table("config key", *runs, title="config keys that differ")
        for key, column in comparison.config.items():
            table.add_row(key, *(escape(_show(v)) for v in column))
        console.print(table)
    else:
        console.print("configs are identical")
    if comparison.stages:
        table = Table("stage", *runs, title="stage keys that differ")
        for stage, keys in comparison.stages.items():
            table.add_row(stage, *((k or "–")[:10] for k in keys))
        console.print(table)
    console.print(f"shared stages: {', '.join(comparison.same_stages) or 'none'}")
    console.print(f"page: {page}")
    return 0


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
