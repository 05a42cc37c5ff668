"""Runs as rows, and runs side by side: what ``ftflow runs``, ``ftflow compare`` and sweep summaries read.

The engine knows no ML, so a run's numbers are taken by shape, not by name: every stage's ``metrics``
(``{variant: {metric: number}}``) becomes ``<stage>.<variant>.<metric>`` (``eval.tuned.token_f1``), and every
top-level number a stage returned becomes ``<stage>.<key>`` (``train.final_loss``).  The *headline* of a run
is its metrics plus the ``final_*`` numbers (a provider's convention for "the number that sums me up").
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.workspace import Workspace


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def run_values(manifest: dict[str, Any]) -> dict[str, float]:
    """Every number a run recorded, flattened: ``<stage>.<variant>.<metric>`` and ``<stage>.<key>``."""
    values: dict[str, float] = {}
    for stage, meta in (manifest.get("stage_metadata") or {}).items():
        if not isinstance(meta, dict):
            continue
        for key, value in meta.items():
            if _number(value):
                values[f"{stage}.{key}"] = value
        for variant, metrics in (meta.get("metrics") or {}).items():
            for name, value in (metrics.items() if isinstance(metrics, dict) else ()):
                if _number(value):
                    values[f"{stage}.{variant}.{name}"] = value
    return values


def headline(manifest: dict[str, Any]) -> dict[str, float]:
    """The numbers ``ftflow runs`` shows by default: metrics per variant and ``final_*`` values."""
    out = {}
    for stage, meta in (manifest.get("stage_metadata") or {}).items():
        if not isinstance(meta, dict):
            continue
        out.update({f"{stage}.{k}": v for k, v in meta.items() if k.startswith("final_") and _number(v)})
        for variant, metrics in (meta.get("metrics") or {}).items():
            for name, value in (metrics.items() if isinstance(metrics, dict) else ()):
                if _number(value):
                    out[f"{stage}.{variant}.{name}"] = value
    return out


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested config as dotted keys (lists stay values)."""
    if isinstance(node, dict) and node:
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: node}


@dataclasses.dataclass
class RunRow:
    """One line of ``ftflow runs``."""

    run_id: str
    recipe: str
    status: str
    started: float | None
    seconds: float | None
    sweep: str | None
    headline: dict[str, float]

    def as_json(self) -> dict[str, Any]:
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.started)) if self.started else None
        return {**dataclasses.asdict(self), "when": when}


def read_manifest(path: Path) -> dict[str, Any]:
    """A run's manifest, or a one-line error naming the file."""
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as exc:
        raise UserError(f"{path}: not a readable run record ({type(exc).__name__}: {exc})") from None
    if not isinstance(manifest, dict):
        raise UserError(f"{path}: not a run record (expected a JSON object)")
    return manifest


def _row(manifest: dict[str, Any]) -> RunRow:
    started, finished = manifest.get("started"), manifest.get("finished")
    seconds = finished - started if _number(started) and _number(finished) else None
    return RunRow(str(manifest.get("run_id")), str(manifest.get("recipe")), str(manifest.get("status")),
                  started if _number(started) else None, seconds, manifest.get("sweep"), headline(manifest))


def _matches(manifest: dict[str, Any], where: dict[str, str]) -> bool:
    config = flatten(manifest.get("config") or {})
    return all(key in config and _text(config[key]) == value for key, value in where.items())


def _text(value: Any) -> str:
    """A config value as typed on a command line (``1e-3`` and ``0.001`` compare equal)."""
    if _number(value):
        return repr(float(value))
    return json.dumps(value) if isinstance(value, list | dict | bool) or value is None else str(value)


def parse_where(items: list[str]) -> dict[str, str]:
    """``--where method.learning_rate=1e-3`` filters: dotted config key = value."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--where '{item}': expected KEY=VALUE, e.g. --where adapter.provider=lora")
        try:
            out[key] = repr(float(value)) if value.strip() not in ("nan", "inf", "-inf") else value
        except ValueError:
            out[key] = value
    return out


def list_runs(workspace: Workspace | None = None, *, recipe: str | None = None, status: str | None = None,
              sweep: str | None = None, where: dict[str, str] | None = None,
              limit: int | None = None) -> list[RunRow]:
    """The workspace's runs, newest first, filtered; unreadable records are skipped (``ftflow show`` names them)."""
    workspace = workspace or Workspace()
    rows = []
    for run_id in reversed(workspace.run_ids()):
        try:
            manifest = read_manifest(workspace.runs_dir / run_id / "manifest.json")
        except UserError:
            continue
        if recipe and manifest.get("recipe") != recipe or status and manifest.get("status") != status:
            continue
        if sweep and not str(manifest.get("sweep") or "").startswith(sweep):
            continue
        if where and not _matches(manifest, where):
            continue
        rows.append(_row(manifest))
        if limit and len(rows) >= limit:
            break
    return rows


@dataclasses.dataclass
class Comparison:
    """Runs side by side: the first is the reference that deltas are taken against."""

    runs: list[str]
    recipes: list[str]
    config: dict[str, list[Any]]  # dotted key -> value per run, only keys that differ
    stages: dict[str, list[str | None]]  # stage -> key per run, only stages whose keys differ
    same_stages: list[str]
    values: dict[str, list[float | None]]  # flattened number -> value per run (headline numbers)
    deltas: dict[str, list[float | None]]  # the same, minus the first run's value

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def metrics_by_run(self) -> dict[str, dict[str, float]]:
        """Per run, the ``stage.variant.metric`` numbers (for the chart)."""
        out: dict[str, dict[str, float]] = {}
        for i, run in enumerate(self.runs):
            out[run] = {k: v[i] for k, v in self.values.items() if k.count(".") >= 2 and v[i] is not None}
        return out


_MISSING = object()


def compare(manifests: list[dict[str, Any]]) -> Comparison:
    """Config keys that differ (the recipe name first), stage keys that differ, and the headline numbers with deltas against the first."""
    configs = [{"recipe": m.get("recipe"), **flatten(m.get("config") or {})} for m in manifests]
    keys = sorted({k for c in configs for k in c})
    config = {}
    for key in keys:
        column = [c.get(key, _MISSING) for c in configs]
        if any(v != column[0] for v in column[1:]):
            config[key] = [None if v is _MISSING else v for v in column]
    stage_keys = [{s.get("name"): s.get("key") for s in m.get("stages") or [] if isinstance(s, dict)}
                  for m in manifests]
    names = list(dict.fromkeys(n for keyed in stage_keys for n in keyed))
    stages, same = {}, []
    for name in names:
        column = [keyed.get(name) for keyed in stage_keys]
        if len(set(column)) > 1:
            stages[name] = column
        else:
            same.append(name)
    heads = [headline(m) for m in manifests]
    values = {k: [h.get(k) for h in heads] for k in dict.fromkeys(k for h in heads for k in h)}
    deltas = {k: [None if v is None or column[0] is None else v - column[0] for v in column]
              for k, column in values.items()}
    return Comparison([str(m.get("run_id")) for m in manifests], [str(m.get("recipe")) for m in manifests],
                      config, stages, same, values, deltas)


def compare_refs(refs: list[str], workspace: Workspace | None = None) -> Comparison:
    """``compare`` of runs named by id, unique prefix or ``last``."""
    workspace = workspace or Workspace()
    if len(refs) < 2:
        raise UserError("compare needs at least two runs: ftflow compare RUN_A RUN_B [RUN_C ...]")
    paths = [workspace.resolve_run(ref) for ref in refs]
    if len(set(paths)) < len(paths):
        raise UserError(f"compare: the same run is named twice ({' '.join(refs)})")
    return compare([read_manifest(p / "manifest.json") for p in paths])
