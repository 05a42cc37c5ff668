"""``ftflow run`` and ``ftflow plan``."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

import yaml

from ftflow.errors import StageFailed, Terminated, UserError
from ftflow.report.manifest import build_manifest, write_run_record
from ftflow.runner import Runner
from ftflow.session import open_session
from ftflow.workspace import Workspace


def _console() -> Any:
    from ftflow.console import make_console

    return make_console()


def resume_command(argv: list[str]) -> str:
    return "ftflow " + shlex.join(argv)


def _locked_session(path: str, overrides: list[str], recipes_dirs: list[str], allow_drift: bool,
                    allow: list[str] | None = None) -> Any:
    """A lock file someone hands over is data like a bundle: its values may not name endpoints,
    executables, packages or Hub models unless ``--allow`` says so (its data paths are the replaying
    machine's own files, checked by digest)."""
    from ftflow.bundle_rules import check_capabilities, parse_allow
    from ftflow.lock import check_lock, read_lock, session_from_lock
    from ftflow.plugin.manager import load_plugins

    if overrides:
        raise UserError(f"--locked runs the locked config as is; drop the overrides ({' '.join(overrides)})")
    allowed = parse_allow(allow)
    lock = read_lock(path)
    session = session_from_lock(lock, load_plugins(), recipes_dirs)
    check_capabilities(session, None, allowed, path)
    drift = check_lock(lock, session, Workspace().cache_dir)
    if drift and not allow_drift:
        raise UserError(f"{path}: this environment differs from the lock (--allow-drift runs anyway): "
                        + "; ".join(drift))
    for line in drift:
        print(f"drift accepted: {line}")
    return session


def cmd_lock(overrides: list[str], recipes_dirs: list[str], output: str) -> int:
    import json

    from ftflow.lock import build_lock, write_text_file

    session = open_session(overrides, recipes_dirs)
    if not Path(output).expanduser().parent.is_dir():  # before hashing inputs: fail fast
        raise UserError(f"lock -o: directory {Path(output).expanduser().parent} does not exist")
    lock = build_lock(session, Workspace().cache_dir)
    write_text_file(output, json.dumps(lock, indent=2, sort_keys=False) + "\n", "lock -o")
    print(f"locked recipe={session.recipe.name}: {len(lock['inputs'])} input digests, "
          f"{len(lock['libraries'])} library versions, {len(lock['providers'])} providers -> {output}")
    return 0


def cmd_run(overrides: list[str], recipes_dirs: list[str], print_config: bool, argv: list[str],
            locked: str | None = None, allow_drift: bool = False, bundle: str | None = None,
            allow: list[str] | None = None, track: list[str] | None = None) -> int:
    console = _console()
    if locked and bundle:
        raise UserError("--locked and --bundle both choose what to run; pass one (a bundle carries its lock)")
    if locked:
        session = _locked_session(locked, overrides, recipes_dirs, allow_drift, allow)
    elif bundle:
        from ftflow.bundle import bundle_session

        session = bundle_session(bundle, overrides, recipes_dirs, allow_drift, allow)
    else:
        session = open_session(overrides, recipes_dirs)
    if allow and not (bundle or locked):
        raise UserError("--allow applies to --bundle and --locked: your own recipes may name what they need")
    if print_config:
        print(yaml.safe_dump(session.recipe.config, sort_keys=False), end="")
        return 0
    workspace = Workspace()
    from ftflow.tracking import resolve_trackers

    trackers = resolve_trackers(session.plugins.registry, track, workspace.settings())
    run_id, run_dir = workspace.new_run_dir()
    console.print(f"[bold]ftflow run[/] {run_id}  recipe={session.recipe.name}  "
                  f"({len(session.graph)} stages, workspace {workspace.root})")
    runner = Runner(session.graph, workspace.store, session.plugins, seed=session.settings.seed,
                    recipe_dirs=session.recipe.dirs, console=console)
    results: list = []
    started = time.time()
    status, error = "failed", None
    try:
        for result in runner.run(run_id, resume_command(argv)):
            results.append(result)  # kept for the manifest when a later stage fails
        status = "ok"
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (ftflow.signals): finished stages stay cached
        status = "interrupted"
        error = ("terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted (Ctrl-C)") + \
            f"; resume with: {resume_command(argv)}"
        raise
    except BaseException as exc:
        error = str(exc) or type(exc).__name__
        raise
    finally:
        manifest = build_manifest(run_id, session.recipe.name, status, results, session.recipe.config,
                                  argv, error, started, sweep=os.environ.get("FTFLOW_SWEEP_ID"))
        from ftflow.cache.memo import Memo
        from ftflow.report.sections import collect_sections

        sections = collect_sections(session.plugins.hook.ftflow_report_sections(manifest=manifest))
        write_run_record(run_dir, manifest, Memo(workspace.cache_dir / "memo"), sections)
        workspace.mark_last(run_id)
        if trackers:
            from ftflow.tracking import track as track_run

            track_run(trackers, manifest, run_dir)
        session.plugins.hook.ftflow_run_finished(manifest=manifest)
        ran = sum(not r.cached for r in results)
        console.print(f"{status}: {ran} ran, {len(results) - ran} cached; record in {run_dir}")
    return 0


def cmd_plan(overrides: list[str], recipes_dirs: list[str]) -> int:
    console = _console()
    session = open_session(overrides, recipes_dirs)
    workspace = Workspace()
    runner = Runner(session.graph, workspace.store, session.plugins, seed=session.settings.seed,
                    recipe_dirs=session.recipe.dirs)
    from rich.markup import escape
    from rich.table import Table

    since, previous = previous_keys(workspace, session.recipe.name)
    table = Table(title=f"recipe={session.recipe.name}")
    for column in ("stage", "kind", "plugin", "inputs", "key", "state", "tokens", "memory", "time"):
        table.add_column(column)
    rows = runner.plan(previous)
    for row in rows:
        estimate = row.stage.provider.estimate(row.stage)
        state = "cached" if row.cached else ("stale" if row.key else "stale (after upstream)")
        table.add_row(
            row.stage.name, row.stage.kind, row.stage.plugin, ",".join(row.stage.inputs) or "-",
            row.key[:10] if row.key else "?", state,
            _num(estimate and estimate.tokens), _num(estimate and estimate.memory_gb, " GB"),
            _num(estimate and estimate.seconds, " s"),
        )
    console.print(table)
    stale = [r for r in rows if not r.cached]
    if stale:
        console.print("why stale" + (f" (compared with run {since}):" if since else " (no earlier run of this recipe):"))
        for row in stale:
            for i, reason in enumerate(row.reasons):
                console.print(f"  {row.stage.name if i == 0 else '':<9} {escape(reason)}", highlight=False)
    return 0


def previous_keys(workspace: Workspace, recipe: str, look_back: int = 50) -> tuple[str | None, dict[str, str]]:
    """Each stage's key in the newest run of ``recipe`` that ran it (what ``plan`` compares with), and the
    newest such run's id; a failed run lends the stages it finished, older runs the rest."""
    import json

    newest, keys = None, {}
    for run_id in list(reversed(workspace.run_ids()))[:look_back]:
        try:
            manifest = json.loads((workspace.runs_dir / run_id / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("recipe") == recipe:
            newest = newest or run_id
            for stage in manifest.get("stages", []):
                if stage.get("key"):
                    keys.setdefault(stage["name"], stage["key"])
    return newest, keys


def _num(value: float | None, unit: str = "") -> str:
    if not value:
        return "-"
    if value >= 1e6:
        return f"{value / 1e6:.1f}M{unit}"
    if value >= 1e4:
        return f"{value / 1e3:.0f}k{unit}"
    return f"{value:.3g}{unit}"


__all__ = ["StageFailed", "cmd_plan", "cmd_run"]
