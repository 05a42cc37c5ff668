"""``sweeps/<id>/summary.{md,csv,json}`` and ``metric.png``: one row per point, ranked, the best marked."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

from ftflow.report.markdown import fmt_value
from ftflow.runs import headline, read_manifest
from ftflow.workspace import Workspace

STATUS_BY_CODE = {0: "ok", 1: "failed", 2: "bad input", 130: "interrupted", 143: "terminated"}


@dataclasses.dataclass
class PointRow:
    index: int
    overrides: list[str]
    swept: dict[str, str]
    run_id: str
    status: str
    values: dict[str, float]
    builds: dict[str, bool]  # stage -> ran (False: served from the cache)
    rank: int | None = None
    best: bool = False


def point_row(index: int, overrides: list[str], swept: dict[str, str], run_id: str, code: int,
              workspace: Workspace) -> PointRow:
    """A finished point from its run record (a point that wrote none failed before its run began)."""
    path = workspace.runs_dir / run_id / "manifest.json"
    if not path.exists():
        return PointRow(index, overrides, swept, run_id, STATUS_BY_CODE.get(code, f"exit {code}"), {}, {})
    manifest = read_manifest(path)
    builds = {s["name"]: not s.get("cached") for s in manifest.get("stages", []) if isinstance(s, dict)}
    return PointRow(index, overrides, swept, run_id, str(manifest.get("status")), headline(manifest), builds)


def default_metric(rows: list[PointRow]) -> str | None:
    """Without ``--optimize``: the first ``stage.variant.metric`` every ok point has and that differs between
    points (else the first such metric, else any headline number)."""
    ok = [r for r in rows if r.status == "ok" and r.values]
    if not ok:
        return None
    common = [k for k in ok[0].values if all(k in r.values for r in ok)]
    metrics = [k for k in common if k.count(".") >= 2]
    varying = [k for k in metrics if len({r.values[k] for r in ok}) > 1]  # a base model's score does not
    return (varying or metrics or common or [None])[0]


def rank(rows: list[PointRow], metric: str | None, direction: str) -> None:
    """Rank the ok points that have ``metric`` (1 = best) and mark the best."""
    scored = [r for r in rows if r.status == "ok" and metric in r.values]
    scored.sort(key=lambda r: (-r.values[metric] if direction == "max" else r.values[metric], r.index))
    for i, row in enumerate(scored, 1):
        row.rank = i
        row.best = i == 1


def _columns(rows: list[PointRow], metric: str | None) -> list[str]:
    keys = list(dict.fromkeys(k for r in rows for k in r.values))
    keys.sort(key=lambda k: (k != metric, ".final_" not in k, k.count(".") < 2, k))
    return keys


def build_counts(rows: list[PointRow]) -> dict[str, int]:
    """How many points built each stage (the rest were served from the cache)."""
    counts: dict[str, int] = {}
    for row in rows:
        for stage, ran in row.builds.items():
            counts[stage] = counts.get(stage, 0) + int(ran)
    return counts


def write_summary(folder: Path, sweep_id: str, rows: list[PointRow], metric: str | None, direction: str,
                  info: dict[str, Any]) -> dict[str, Any]:
    """Write the three summaries and the plot; returns the JSON summary."""
    keys = list(dict.fromkeys(k for r in rows for k in r.swept))
    columns = _columns(rows, metric)
    best = next((r for r in rows if r.best), None)
    counts = build_counts(rows)
    summary = {"sweep_id": sweep_id, **info, "metric": metric, "direction": direction, "swept": keys,
               "points": [dataclasses.asdict(r) for r in rows], "best": dataclasses.asdict(best) if best else None,
               "builds": counts}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["point", "rank", "best", *keys, "status", "run_id", *columns])
    for r in rows:
        writer.writerow([r.index, r.rank or "", "*" if r.best else "", *(r.swept.get(k, "") for k in keys),
                         r.status, r.run_id, *(r.values.get(c, "") for c in columns)])
    (folder / "summary.csv").write_text(buffer.getvalue())
    chart = plot_metric(rows, keys, metric, folder / "metric.png")
    (folder / "summary.md").write_text(_markdown(sweep_id, rows, keys, columns, metric, direction, best, counts,
                                                 chart, info))
    return summary


def _markdown(sweep_id: str, rows: list[PointRow], keys: list[str], columns: list[str], metric: str | None,
              direction: str, best: PointRow | None, counts: dict[str, int], chart: bool,
              info: dict[str, Any]) -> str:
    lines = [f"# Sweep {sweep_id}", "",
             f"{len(rows)} points through the `{info.get('launcher')}` launcher; "
             f"{sum(r.status == 'ok' for r in rows)} ok. Ranked by `{metric}` ({direction})." if metric else
             f"{len(rows)} points through the `{info.get('launcher')}` launcher; no metric to rank by.", ""]
    if best:
        swept = ", ".join(f"{k}={v}" for k, v in best.swept.items())
        lines += [f"**Best point: {best.index}** ({swept}), run `{best.run_id}`: {metric} = "
                  f"{fmt_value(best.values[metric])}", ""]
    header = ["point", "rank", *keys, "status", "run", *columns]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ordered = sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.index))
    for r in ordered:
        mark = f"**{r.rank}** ★" if r.best else str(r.rank or "–")
        cells = [str(r.index), mark, *(r.swept.get(k, "") for k in keys), r.status, f"`{r.run_id}`",
                 *(fmt_value(r.values.get(c)) for c in columns)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Stages built (the other points were served from the cache): "
              + ", ".join(f"{stage} {n}" for stage, n in counts.items()), ""]
    if chart:
        lines += [f"![{metric} per swept value](metric.png)", ""]
    return "\n".join(lines)


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def plot_metric(rows: list[PointRow], keys: list[str], metric: str | None, path: Path) -> bool:
    """``metric`` against each swept key's value (one panel per key; the other keys' values as series)."""
    from ftflow.report.plots import _COLORS, _pyplot

    plt = _pyplot()
    scored = [r for r in rows if metric in r.values]
    if plt is None or not scored or not keys:
        return False
    fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 3.4), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        values = list(dict.fromkeys(r.swept.get(key, "") for r in scored))
        numeric = all(_as_number(v) is not None for v in values)
        position = {v: (_as_number(v) if numeric else i) for i, v in enumerate(values)}
        others = list(dict.fromkeys(tuple((k, r.swept.get(k)) for k in keys if k != key) for r in scored))
        for i, other in enumerate(others):
            points = sorted((position[r.swept.get(key, "")], r.values[metric]) for r in scored
                            if tuple((k, r.swept.get(k)) for k in keys if k != key) == other)
            label = ", ".join(f"{k}={v}" for k, v in other) or metric
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label,
                    color=_COLORS[i % len(_COLORS)])
        best = next((r for r in scored if r.best), None)
        if best is not None:
            ax.scatter([position[best.swept.get(key, "")]], [best.values[metric]], s=160, facecolors="none",
                       edgecolors="#cf222e", linewidths=2, zorder=5, label="best")
        if not numeric:
            ax.set_xticks(list(position.values()), values)
        elif all(v > 0 for v in position.values()) and max(position.values()) / min(position.values()) >= 10:
            ax.set_xscale("log")
        ax.set_xlabel(key)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
