"""A sweep folder and the batches of points launched into it: what a grid (``ftflow run -m``) and an
Optuna search (``ftflow.sweep.optimize``) both drive."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.pipeline import SweepSettings
from ftflow.plugin.manager import Plugins
from ftflow.sweep.execute import PointJob, SweepLauncher
from ftflow.sweep.points import SweepSpace, swept_values
from ftflow.sweep.summary import PointRow, default_metric, point_row, rank, write_summary
from ftflow.workspace import Workspace, new_run_id


@dataclasses.dataclass
class SweepOptions:
    """The command line's sweep settings (None: the recipe's ``sweep`` section decides)."""

    launcher: str | None = None
    jobs: int | None = None
    launcher_args: list[str] = dataclasses.field(default_factory=list)
    optimize: list[str] | None = None  # [METRIC, max|min]
    trials: int | None = None
    extra_args: list[str] = dataclasses.field(default_factory=list)  # passed to every point


def launcher_of(plugins: Plugins, options: SweepOptions, recipe: SweepSettings) -> tuple[SweepLauncher, Any]:
    """The launcher provider and its config: the command line's ``--launcher`` and ``--launcher-arg KEY=VALUE``
    (values parsed as YAML) over the recipe's ``sweep.launcher`` and ``sweep.launcher_args`` (the latter only
    when the recipe's launcher is the one used)."""
    import yaml

    from ftflow.config.schema import validate

    if options.jobs is not None and options.jobs <= 0:
        raise UserError(f"--jobs must be positive, got {options.jobs}")
    if recipe.jobs <= 0:
        raise UserError(f"sweep.jobs must be positive, got {recipe.jobs}")
    name = options.launcher or recipe.launcher
    key = "--launcher" if options.launcher else "sweep.launcher"
    info = plugins.registry.get("sweep_launcher", name, key=key)
    values = dict(recipe.launcher_args or {}) if name == recipe.launcher else {}
    for item in options.launcher_args:
        arg, sep, value = item.partition("=")
        if not sep or not arg:
            raise UserError(f"--launcher-arg '{item}': expected KEY=VALUE")
        values[arg] = yaml.safe_load(value) if value else None
    return info.cls(), validate(info.cls.Config, values, prefix=f"launcher {name}")


class Sweep:
    """A sweep folder and the points launched into it so far."""

    def __init__(self, space: SweepSpace, options: SweepOptions, recipes_dirs: list[str], plugins: Plugins,
                 recipe: SweepSettings) -> None:
        self.workspace = Workspace()
        self.space, self.plugins = space, plugins
        self.launcher, self.launcher_config = launcher_of(plugins, options, recipe)
        self.options = dataclasses.replace(options, launcher=self.launcher.name, jobs=options.jobs or recipe.jobs)
        self.id = new_run_id()
        self.folder = self.workspace.root / "sweeps" / self.id
        self.extra = [*(a for d in recipes_dirs for a in ("--recipes-dir", str(Path(d).resolve()))),
                      *options.extra_args]
        self.recipes_dirs = recipes_dirs
        self.rows: list[PointRow] = []

    def run(self, points: list[list[str]]) -> list[PointRow]:
        """Launch a batch of points and read their records."""
        (self.folder / "points").mkdir(parents=True, exist_ok=True)
        start = len(self.rows)
        jobs = [PointJob(start + i, tuple(p), f"{self.id}-p{start + i:03d}", self.id, str(self.workspace.root),
                         os.getcwd(), str(self.folder / "points" / f"{start + i:03d}.log"), tuple(self.extra))
                for i, p in enumerate(points)]
        for job in jobs:
            print(f"point {job.index}: {' '.join(swept_overrides(self.space, list(job.overrides)))}  "
                  f"(run {job.run_id}, log {job.log})", flush=True)
        codes = self.launcher.launch(jobs, self.launcher_config, self.options.jobs)
        if len(codes) != len(jobs):
            raise RuntimeError(f"sweep launcher {self.options.launcher} returned {len(codes)} results "
                               f"for {len(jobs)} points")
        rows = [point_row(j.index, list(j.overrides), swept_values(self.space, list(j.overrides)), j.run_id, code,
                          self.workspace) for j, code in zip(jobs, codes, strict=True)]
        for row in rows:
            value = ", ".join(f"{k} {v:.4g}" for k, v in list(row.values.items())[:3])
            print(f"point {row.index}: {row.status}  {value}", flush=True)
        self.rows.extend(rows)
        return rows

    def finish(self, metric: str | None, direction: str, info: dict[str, Any]) -> int:
        metric = metric or default_metric(self.rows)
        rank(self.rows, metric, direction)
        summary = write_summary(self.folder, self.id, self.rows, metric, direction,
                                {"launcher": self.options.launcher, "jobs": self.options.jobs, **info})
        from ftflow.console import make_console

        console = make_console()
        console.print(f"sweep {self.id}: {len(self.rows)} points, "
                      f"{sum(r.status == 'ok' for r in self.rows)} ok; stages built: "
                      + ", ".join(f"{k} {v}" for k, v in summary["builds"].items()), highlight=False)
        best = summary["best"]
        if best:
            console.print(f"best: point {best['index']} ({' '.join(f'{k}={v}' for k, v in best['swept'].items())}) "
                          f"{metric}={best['values'][metric]:.4g}  run {best['run_id']}", highlight=False)
        console.print(f"summary: {self.folder / 'summary.md'}", highlight=False)
        return 0 if all(r.status == "ok" for r in self.rows) else 1


def swept_overrides(space: SweepSpace, point: list[str]) -> list[str]:
    return [f"{k}={v}" for k, v in swept_values(space, point).items()]
