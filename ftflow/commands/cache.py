"""``ftflow cache ls|verify|gc|push|pull``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.workspace import Workspace


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cmd_cache(action: str, keep_runs: int, dry_run: bool, *, fix: bool = False, remote: str | None = None) -> int:
    workspace = Workspace()
    if action == "ls":
        return _ls(workspace)
    if action == "verify":
        return _verify(workspace, fix)
    if action in ("push", "pull"):
        return _share(workspace, action, remote)
    return _gc(workspace, keep_runs, dry_run)


def _ls(workspace: Workspace) -> int:
    for entry in workspace.store.entries():
        meta = entry.meta
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(meta.get("created", 0)))
        stage = "DAMAGED" if meta.get("damaged") else meta.get("stage", "?")
        print(f"{entry.key[:12]}  {stage:<7} {meta.get('provider', '?'):<16} "
              f"{_size(entry.artifact) / 1e6:9.2f} MB  {when}")
    return 0


def _verify(workspace: Workspace, fix: bool) -> int:
    store = workspace.store
    count = len(store.entries())
    problems = store.verify(fix=fix)
    for line in problems:
        print(line)
    damaged = len({line.split(":", 1)[0] for line in problems})
    print(f"{count} entries checked, {len(problems)} problems in {damaged} entries"
          + (" (moved to quarantine; the next run rebuilds them)" if fix and problems else ""))
    return 1 if problems and not fix else 0


def _manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); repair or delete that run folder") from None
    if not isinstance(data, dict) or not isinstance(data.get("stages"), list):
        raise UserError(f"{path}: not a run manifest (no 'stages' list); repair or delete that run folder")
    return data


def _record_interrupted(workspace: Workspace, dry_run: bool) -> list[str]:
    """Write an ``interrupted`` manifest into each run folder a killed process left without one."""
    from ftflow.report.manifest import write_json_atomic

    lines = []
    for run_id in workspace.interrupted_runs():
        run_dir = workspace.runs_dir / run_id
        lines.append(f"recorded run {run_id} as interrupted (its process ended without a record)")
        if dry_run:
            continue
        lock = run_dir / "running.lock"
        started = lock.stat().st_mtime if lock.exists() else run_dir.stat().st_mtime
        write_json_atomic(run_dir / "manifest.json", {
            "run_id": run_id, "recipe": None, "status": "interrupted",
            "error": "the process ended without writing its record (killed); recorded by ftflow cache gc",
            "command": None, "started": started, "finished": None, "stages": [], "metrics": {},
            "intervals": {}, "stage_metadata": {}, "config": {},
        })
    return lines


def _gc(workspace: Workspace, keep_runs: int, dry_run: bool) -> int:
    """Keep what the most recent runs used and what live runs lease; remove the rest and crash debris."""
    store = workspace.store
    lines = _record_interrupted(workspace, dry_run)
    finished = [r for r in workspace.run_ids()
                if _manifest(workspace.runs_dir / r / "manifest.json").get("status") != "interrupted"]
    keep: set[str] = set()
    for run_id in finished[-keep_runs:] if keep_runs > 0 else []:
        keep |= {s["key"] for s in _manifest(workspace.runs_dir / run_id / "manifest.json")["stages"]
                 if isinstance(s, dict) and "key" in s}
    removed = store.gc(keep, dry_run=dry_run)
    if not dry_run:
        from ftflow.cache.memo import Memo

        removed += Memo(store.root / "memo").prune(older_than_days=30)
    for line in lines:
        print(line)
    kept = [line for line in removed if line.startswith("kept ")]
    for path in removed:
        print(path if path.startswith("kept ") else ("would remove " if dry_run else "removed ") + path)
    print(f"{len(removed) - len(kept)} removed, kept entries of the last {keep_runs} runs"
          + (f" and {len(kept)} in use by running runs" if kept else ""))
    return 0


def _share(workspace: Workspace, action: str, url: str | None) -> int:
    """push: every undamaged local entry the remote lacks; pull: every remote entry missing here."""
    remote = workspace.remote(url)
    if remote is None:
        raise UserError(f"cache {action}: no remote; pass --remote URL, set FTFLOW_REMOTE or add 'remote: URL' "
                        f"to {workspace.root / 'config.yaml'}")
    remote.fs  # noqa: B018 - an unknown protocol or a missing library is an error before anything moves
    store = workspace.store
    store.remote = None  # the transfer is explicit here; no write-back of what a pull commits
    store.log = print
    moved = skipped = failed = 0
    if action == "push":
        for entry in store.entries():
            loaded = store.lookup(entry.key, deep=True)  # damaged entries are quarantined, never shared
            if loaded is None:
                failed += 1
                continue
            if remote.push(loaded):
                moved += 1
            else:
                skipped += 1
    else:
        from ftflow.cache.remote import RemoteDamaged

        for key in remote.entry_keys():
            with store.lock(key):
                if store.lookup(key, deep=True) is not None:
                    skipped += 1
                    continue
                try:
                    remote.pull(store, key)
                    moved += 1
                except RemoteDamaged as exc:
                    print(f"refused {key[:12]}: {exc}")
                    failed += 1
    verb = "pushed" if action == "push" else "pulled"
    print(f"{verb} {moved} entries, {skipped} already {'there' if action == 'push' else 'here'}"
          + (f", {failed} damaged (not {verb})" if failed else "") + f" ({remote.url})")
    return 1 if failed else 0
