"""The Python API, for notebooks and scripts: the same runs, plans, records and exports as the command line.

    from ftflow.api import run, show, runs, plan, export

    r = run("smoke", overrides={"method.max_steps": 8}, home="/tmp/ws")
    r.metrics["tuned"]["token_f1"], r.artifacts["train"], r.stages[0].cached
    export(r.run_id, "out/model", home="/tmp/ws")

Each function takes ``home`` (the workspace, like ``$FTFLOW_HOME``; default: ``$FTFLOW_HOME`` or ``.ftflow/``
in the current directory).  Bad input raises ``ftflow.errors.UserError`` (the CLI's exit 2) with the same one
line; a failed stage raises ``ftflow.errors.StageFailed`` after the run record is written (``check=False``
returns the failed run instead).  Nothing heavy is imported until a stage needs it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ftflow.commands.export import ExportResult, export_run, list_models
from ftflow.errors import StageFailed, UserError
from ftflow.workspace import HOME_ENV, Workspace

Overrides = Sequence[str] | Mapping[str, Any]
__all__ = ["ExportResult", "PlannedStage", "RunResult", "StageRecord", "export", "models", "plan", "run", "runs",
           "show"]


@dataclasses.dataclass
class StageRecord:
    """One stage of a run: what ran it, its cache key, whether it came from the cache, its artifact folder."""

    name: str
    kind: str
    plugin: str
    key: str
    cached: bool
    seconds: float
    artifact: Path


@dataclasses.dataclass
class RunResult:
    """A run's record: ``metrics`` and ``intervals`` are the manifest's ({variant: {metric: value}});
    ``artifacts`` maps stage names to their folders; ``manifest`` is the whole ``manifest.json``."""

    run_id: str
    recipe: str
    status: str
    stages: list[StageRecord]
    metrics: dict[str, dict[str, Any]]
    intervals: dict[str, dict[str, Any]]
    artifacts: dict[str, Path]
    run_dir: Path
    config: dict[str, Any]
    error: str | None
    manifest: dict[str, Any] = dataclasses.field(repr=False)

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any], run_dir: Path) -> RunResult:
        stages = [StageRecord(s["name"], s["kind"], s["plugin"], s["key"], bool(s["cached"]), float(s["seconds"]),
                              Path(s["artifact"])) for s in manifest.get("stages", [])]
        return cls(manifest["run_id"], manifest["recipe"], manifest["status"], stages, manifest.get("metrics") or {},
                   manifest.get("intervals") or {}, {s.name: s.artifact for s in stages}, run_dir,
                   manifest.get("config") or {}, manifest.get("error"), manifest)

    @property
    def report(self) -> Path:
        """``report.md`` of the run (``report.html`` beside it has the plots)."""
        return self.run_dir / "report.md"


@dataclasses.dataclass
class PlannedStage:
    """One row of ``ftflow plan``: the stage's key (None until upstream stages ran), cached or not, and why not."""

    name: str
    kind: str
    plugin: str
    inputs: list[str]
    key: str | None
    cached: bool
    reasons: list[str]
    estimate: dict[str, float | None]


@contextlib.contextmanager
def _home(home: str | Path | None) -> Iterator[Workspace]:
    """The workspace ``home`` names, also as ``$FTFLOW_HOME`` while the call lasts (the command code reads it)."""
    if home is None:
        yield Workspace()
        return
    previous = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(Path(home).expanduser().absolute())
    try:
        yield Workspace()
    finally:
        if previous is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def override_list(recipe: str | None, overrides: Overrides | None = None) -> list[str]:
    """``recipe`` and ``overrides`` (``["key=value", ...]`` or ``{"key": value}``) as command-line overrides."""
    if isinstance(overrides, str):
        raise UserError(f"overrides: pass a list of 'key=value' strings or a mapping, not the string {overrides!r}")
    items = ([f"{k}={_value(v)}" for k, v in overrides.items()] if isinstance(overrides, Mapping)
             else [str(o) for o in overrides or ()])
    if recipe is not None:
        if any(o.split("=", 1)[0].lstrip("+~") == "recipe" for o in items):
            raise UserError("overrides: name the recipe once (the first argument), not also as recipe=...")
        items.insert(0, recipe if "=" in recipe else f"recipe={recipe}")
    return items


def run(recipe: str, overrides: Overrides | None = None, home: str | Path | None = None, *,
        recipes_dirs: Sequence[str] = (), check: bool = True) -> RunResult:
    """Run a recipe like ``ftflow run recipe=NAME OVERRIDES``: cached stages are reused, the record written.

    :param recipe: a recipe name (``"smoke"``) or ``"recipe=NAME"``.
    :param overrides: ``["method.max_steps=8", "adapter=qlora"]`` or ``{"method.max_steps": 8}``.
    :param home: the workspace (default ``$FTFLOW_HOME`` or ``./.ftflow``).
    :param recipes_dirs: extra recipe directories (``--recipes-dir``).
    :param check: raise ``StageFailed`` when a stage fails (else return the failed run's record).
    """
    from ftflow.commands.run import cmd_run

    args = override_list(recipe, overrides)
    dirs = [str(d) for d in recipes_dirs]
    argv = ["run", *args, *[x for d in dirs for x in ("--recipes-dir", d)]]
    with _home(home) as workspace:
        before = set(workspace.run_ids())
        try:
            cmd_run(args, dirs, False, argv)
        except StageFailed:
            if check:
                raise
        new = [r for r in workspace.run_ids() if r not in before]
        mine = [r for r in new if json.loads((workspace.runs_dir / r / "manifest.json").read_text())
                .get("command") == argv]
        if not mine:
            raise UserError(f"the run wrote no record in {workspace.runs_dir}")
        return _result(workspace, mine[-1])


def _result(workspace: Workspace, ref: str) -> RunResult:
    run_dir = workspace.resolve_run(ref)
    path = run_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, RecursionError) as exc:  # a truncated or hand-edited record
        raise UserError(f"{path}: not a readable run record ({type(exc).__name__}: {exc}); "
                        f"repair or delete that run folder") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("stages", []), list):
        raise UserError(f"{path}: not a run record (no list of stages)")
    try:
        return RunResult.from_manifest(manifest, run_dir)
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{path}: not a run record ({type(exc).__name__}: {exc})") from None


def show(run_id: str = "last", home: str | Path | None = None) -> RunResult:
    """A finished (or failed) run's record, like ``ftflow show RUN``: an id, a unique prefix, or ``last``."""
    with _home(home) as workspace:
        return _result(workspace, run_id)


def runs(home: str | Path | None = None) -> list[RunResult]:
    """Every run of the workspace with a readable record, oldest first."""
    out = []
    with _home(home) as workspace:
        for run_id in workspace.run_ids():
            try:
                out.append(_result(workspace, run_id))
            except (UserError, KeyError, TypeError, ValueError):
                continue  # a damaged record: `ftflow show` names it
    return out


def plan(recipe: str, overrides: Overrides | None = None, home: str | Path | None = None, *,
         recipes_dirs: Sequence[str] = ()) -> list[PlannedStage]:
    """The stage graph with keys, cache state and why each stale stage would run, like ``ftflow plan``."""
    from ftflow.commands.run import previous_keys
    from ftflow.runner import Runner
    from ftflow.session import open_session

    with _home(home) as workspace:
        session = open_session(override_list(recipe, overrides), [str(d) for d in recipes_dirs])
        runner = Runner(session.graph, workspace.store, session.plugins, seed=session.settings.seed,
                        recipe_dirs=session.recipe.dirs)
        _, previous = previous_keys(workspace, session.recipe.name)
        rows = []
        for row in runner.plan(previous):
            estimate = row.stage.provider.estimate(row.stage)
            rows.append(PlannedStage(row.stage.name, row.stage.kind, row.stage.plugin, list(row.stage.inputs),
                                     row.key, row.cached, list(row.reasons),
                                     dataclasses.asdict(estimate) if estimate else {}))
        return rows


def export(run_id: str = "last", output: str | Path = "", formats: Sequence[str] = (), quant: Sequence[str] = (),
           force: bool = False, home: str | Path | None = None) -> ExportResult:
    """Write a run's model into a plain folder with its model card, like ``ftflow export RUN -o OUTPUT``."""
    if not str(output):
        raise UserError("export: name the output folder (output=...)")
    with _home(home) as workspace:
        return export_run(run_id, str(output), list(formats), list(quant), force, workspace)


def models(home: str | Path | None = None) -> list[dict[str, Any]]:
    """The folders this workspace exported, like ``ftflow models --json``."""
    with _home(home) as workspace:
        return list_models(workspace)
