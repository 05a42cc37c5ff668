"""``ftflow run -m`` (a sweep, or an Optuna search with ``--trials``) and ``ftflow plan -m``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from ftflow.config.compose import override_key
from ftflow.errors import UserError
from ftflow.pipeline import SweepSettings
from ftflow.plugin.manager import Plugins, load_plugins
from ftflow.sweep.batch import Sweep, SweepOptions, swept_overrides
from ftflow.sweep.points import parse_space
from ftflow.workspace import Workspace

__all__ = ["SweepOptions", "cmd_plan_sweep", "cmd_sweep"]  # SweepOptions lives in ftflow.sweep.batch


def _objective(options: SweepOptions) -> tuple[str | None, str]:
    if not options.optimize:
        if options.trials is not None:
            raise UserError("--trials needs --optimize METRIC max|min (the value the search maximises or minimises)")
        return None, "max"
    metric, direction = options.optimize
    if direction not in ("max", "min"):
        raise UserError(f"--optimize {metric} {direction}: the direction is max or min")
    if options.trials is not None and options.trials <= 0:
        raise UserError(f"--trials must be positive, got {options.trials}")
    return metric, direction


def _check_points(points: list[list[str]], recipes_dirs: list[str], plugins: Plugins) -> SweepSettings:
    """Compose and build every point's graph first: a bad value stops the sweep before anything runs.
    Returns the recipe's ``sweep`` settings, which every point must agree on (they say how all run)."""
    from ftflow.session import open_session

    settings: SweepSettings | None = None
    for point in points:
        try:
            mine = open_session(point, recipes_dirs, plugins).settings.sweep
        except UserError as exc:
            raise UserError(f"point {' '.join(point)}: {exc}") from None
        if settings is not None and mine != settings:
            differ = next(f.name for f in dataclasses.fields(mine) if getattr(mine, f.name) != getattr(settings, f.name))
            raise UserError(f"sweep.{differ}: the points' recipes disagree ({getattr(settings, differ)!r} and "
                            f"{getattr(mine, differ)!r}); a sweep runs all its points one way")
        settings = mine
    return settings or SweepSettings()


def cmd_sweep(overrides: list[str], recipes_dirs: list[str], options: SweepOptions) -> int:
    metric, direction = _objective(options)
    space = parse_space(overrides)
    swept_setting = next((d.key for d in space.dimensions if override_key(d.key).split(".")[0] == "sweep"), None)
    if swept_setting:
        raise UserError(f"{override_key(swept_setting)}: sweep settings say how the points run; they cannot be swept")
    plugins = load_plugins()
    if options.trials is not None:
        from ftflow.sweep.optimize import optimize, probe

        recipe = _check_points([probe(space)], recipes_dirs, plugins)
        return optimize(Sweep(space, options, recipes_dirs, plugins, recipe), metric or "", direction,
                        options.trials)
    points = space.grid()
    recipe = _check_points(points, recipes_dirs, plugins)
    sweep = Sweep(space, options, recipes_dirs, plugins, recipe)
    print(f"sweep {sweep.id}: {len(points)} points through the {sweep.options.launcher} launcher "
          f"(up to {sweep.options.jobs} at once); folder {sweep.folder}", flush=True)
    sweep.run(points)
    return sweep.finish(metric, direction, {"command": overrides, "kind": "grid"})


def _identity(stage: Any, by_name: dict[str, str], seed: int) -> str:
    """What makes two points' stages one cache entry, before any key can be computed: the provider, its
    config and components, and the identities of the stages it reads."""
    def plain(config: Any) -> Any:
        return dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config

    payload = {"plugin": [stage.kind, stage.plugin], "config": plain(stage.config), "seed": seed,
               "components": {n: [c.info.name, plain(c.config)] for n, c in stage.components.items()},
               "inputs": {n: by_name[up] for n, up in stage.inputs.items()}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def cmd_plan_sweep(overrides: list[str], recipes_dirs: list[str]) -> int:
    """Each point's stages, and how many of them it shares with other points (built once for all)."""
    from rich.table import Table

    from ftflow.console import make_console
    from ftflow.runner import Runner
    from ftflow.session import open_session

    space = parse_space(overrides)
    points = space.grid()
    plugins = load_plugins()
    workspace = Workspace()
    identities: list[dict[str, str]] = []
    cached: list[dict[str, bool]] = []
    for point in points:
        try:
            session = open_session(point, recipes_dirs, plugins)
        except UserError as exc:
            raise UserError(f"point {' '.join(point)}: {exc}") from None
        runner = Runner(session.graph, workspace.store, plugins, seed=session.settings.seed,
                        recipe_dirs=session.recipe.dirs)
        rows = runner.plan()
        by_name: dict[str, str] = {}
        for stage in session.graph:
            by_name[stage.name] = _identity(stage, by_name, session.settings.seed)
        identities.append(by_name)
        cached.append({r.stage.name: r.cached for r in rows})
    users: dict[str, int] = {}
    for ids in identities:
        for ident in ids.values():
            users[ident] = users.get(ident, 0) + 1
    table = Table(title=f"sweep plan: {len(points)} points")
    for column in ("point", "swept", "stages", "shared", "cached", "to build"):
        table.add_column(column)
    for i, (point, ids) in enumerate(zip(points, identities, strict=True)):
        shared = [name for name, ident in ids.items() if users[ident] > 1]
        hits = [name for name, hit in cached[i].items() if hit]
        table.add_row(str(i), " ".join(swept_overrides(space, point)), str(len(ids)),
                      f"{len(shared)} ({', '.join(shared) or '-'})", str(len(hits)),
                      str(len(ids) - len(hits)))
    console = make_console()
    console.print(table)
    distinct: dict[str, set[str]] = {}
    for ids in identities:
        for name, ident in ids.items():
            distinct.setdefault(name, set()).add(ident)
    console.print("builds for the whole sweep (at most; cached ones are skipped): "
                  + ", ".join(f"{name} {len(v)}" for name, v in distinct.items()), highlight=False)
    console.print(f"launcher (recipe's sweep section; --launcher and --jobs override): {session.settings.sweep.launcher}, "
                  f"up to {session.settings.sweep.jobs} at once", highlight=False)
    return 0


__all__ = ["SweepOptions", "cmd_plan_sweep", "cmd_sweep"]
