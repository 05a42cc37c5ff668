"""``ftflow recipes``, ``ftflow plugins`` and ``ftflow show``: read-only views, no heavy imports."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ftflow.config.compose import group_options
from ftflow.config.paths import builtin_recipes_dir
from ftflow.plugin.manager import load_plugins
from ftflow.report.markdown import metrics_table
from ftflow.session import recipe_dirs
from ftflow.workspace import Workspace


def _description(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError:
        return "(unreadable YAML)"
    return str(data.get("description", "")).strip().splitlines()[0] if data.get("description") else ""


def cmd_recipes(cli_dirs: list[str]) -> int:
    from rich.table import Table

    from ftflow.console import make_console

    dirs = [builtin_recipes_dir(), *recipe_dirs(load_plugins(), cli_dirs)]
    table = Table("recipe", "description", "from")
    for name in group_options(dirs, "recipe"):
        path = next(d / "recipe" / f"{name}.yaml" for d in dirs if (d / "recipe" / f"{name}.yaml").exists())
        origin = "built-in" if path.is_relative_to(dirs[0]) else str(path.parent.parent)
        table.add_row(name, _description(path), origin)
    make_console().print(table)
    return 0


def cmd_plugins() -> int:
    from rich.table import Table

    from ftflow.console import make_console

    plugins = load_plugins()
    table = Table("provider", "kind", "version", "package", "package version")
    for info in plugins.registry:
        table.add_row(info.name, info.kind, info.version, info.package, info.package_version)
    make_console().print(table)
    return 0


def cmd_show(ref: str, as_json: bool) -> int:
    from ftflow.api import show

    manifest = show(ref).manifest  # a damaged record is one line naming its manifest.json
    if as_json:
        print(json.dumps(manifest, indent=2, default=str))
        return 0
    from rich.table import Table

    from ftflow.console import make_console

    console = make_console()
    from rich.markup import escape

    # recorded text is not markup: a resume command's 'eval.variants=[a,b]' must print as is
    console.print(f"[bold]run[/] {escape(str(manifest['run_id']))}  recipe={escape(str(manifest['recipe']))}  "
                  f"status={escape(str(manifest['status']))}")
    if manifest.get("error"):
        console.print(f"[red]{escape(str(manifest['error']))}[/]")
    stages = Table("stage", "kind", "plugin", "key", "cached", "seconds", "artifact")
    for s in manifest["stages"]:
        stages.add_row(s["name"], s["kind"], s["plugin"], s["key"][:10], str(s["cached"]),
                       f"{s['seconds']:.2f}", s["artifact"])
    console.print(stages)
    if manifest["metrics"]:
        headers, rows = metrics_table(manifest["metrics"], manifest.get("intervals"))
        title = "metrics [95% bootstrap interval]" if manifest.get("intervals") else "metrics"
        table = Table(*headers, title=title)
        for row in rows:
            table.add_row(*map(str, row))
        console.print(table)
    for name, meta in manifest.get("stage_metadata", {}).items():
        gate = meta.get("gate")
        if gate:
            failed = sum(not c["passed"] for c in gate["checks"])
            verdict = "[green]passed[/]" if gate["passed"] else f"[red]FAILED[/] ({failed} of {len(gate['checks'])})"
            console.print(f"{name}: regression gate {verdict}")
        taxonomy = meta.get("taxonomy")
        if taxonomy and taxonomy.get("recommendation"):
            console.print(f"{name}: {escape(taxonomy['recommendation'])}", highlight=False)
        for note in meta.get("notes") or []:  # lines a stage wants shown with the run (the eval's comparisons)
            console.print(f"{name}: {escape(str(note))}", highlight=False)
    run_dir = Workspace().resolve_run(ref)
    html = run_dir / "report.html"
    console.print(f"report: {run_dir / 'report.md'}" + (f"  {html}" if html.exists() else ""))
    return 0
