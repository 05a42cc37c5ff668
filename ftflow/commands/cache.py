"""``ftflow cache ls|verify|gc``."""

from __future__ import annotations

import json
import time

from ftflow.workspace import Workspace


def _size(path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cmd_cache(action: str, keep_runs: int, dry_run: bool) -> int:
    workspace = Workspace()
    store = workspace.store
    if action == "ls":
        for entry in store.entries():
            meta = entry.meta
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(meta.get("created", 0)))
            print(f"{entry.key[:12]}  {meta.get('stage', '?'):<7} {meta.get('provider', '?'):<16} "
                  f"{_size(entry.artifact) / 1e6:9.2f} MB  {when}")
        return 0
    if action == "verify":
        problems = store.verify()
        for line in problems:
            print(line)
        count = len(store.entries())
        print(f"{count} entries checked, {len(problems)} problems")
        return 1 if problems else 0
    # gc: keep what the most recent runs used
    keep: set[str] = set()
    for run_id in workspace.run_ids()[-keep_runs:] if keep_runs > 0 else []:
        manifest = json.loads((workspace.runs_dir / run_id / "manifest.json").read_text())
        keep |= {s["key"] for s in manifest["stages"]}
    removed = store.gc(keep, dry_run=dry_run)
    if not dry_run:
        from ftflow.cache.memo import Memo

        removed += Memo(store.root / "memo").prune(older_than_days=30)
    for path in removed:
        print(("would remove " if dry_run else "removed ") + path)
    print(f"{len(removed)} removed, kept entries of the last {keep_runs} runs")
    return 0
