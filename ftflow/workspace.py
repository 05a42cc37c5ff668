"""The workspace: ``.ftflow/`` in the current directory (or ``$FTFLOW_HOME``) with ``cache/`` and ``runs/``.

``config.yaml`` in the workspace holds settings of this workspace (not of a recipe): ``remote:``, a cache
remote for read-through/write-back (``FTFLOW_REMOTE`` overrides its URL); see docs/caching.md.
A live run holds an exclusive flock on ``runs/<id>/running.lock``: a run folder without a manifest
whose lock is free belongs to a killed process, and ``ftflow cache gc`` records it as ``interrupted``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import IO, Any

from ftflow.cache.store import CacheStore
from ftflow.errors import UserError

HOME_ENV = "FTFLOW_HOME"
REMOTE_ENV = "FTFLOW_REMOTE"
RUN_ID_ENV = "FTFLOW_RUN_ID"
_LIVE: dict[str, IO[str]] = {}  # run id -> its held running.lock (released by the kernel at exit)


def new_run_id() -> str:
    """Sortable by time, unique by a random tail."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


class Workspace:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or Path(os.environ.get(HOME_ENV) or Path.cwd() / ".ftflow")).resolve()

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def store(self) -> CacheStore:
        return CacheStore(self.cache_dir, remote=self.remote())

    def settings(self) -> dict[str, Any]:
        """The workspace's ``config.yaml`` (empty when absent)."""
        path = self.root / "config.yaml"
        if not path.exists():
            return {}
        import yaml

        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise UserError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise UserError(f"{path}: expected a mapping of workspace settings")
        return data

    def remote(self, url: str | None = None) -> Any:
        """The cache remote: ``url`` (``--remote``), else ``$FTFLOW_REMOTE``, else ``config.yaml``'s
        ``remote:``; None when there is none.  Building it imports no remote library."""
        from ftflow.cache.remote import Remote, remote_from_config

        configured = remote_from_config(self.settings().get("remote"), str(self.root / "config.yaml"))
        url = url or os.environ.get(REMOTE_ENV)
        if url:
            options = configured.options if configured and configured.url == url.rstrip("/") else {}
            return Remote(url, options)
        return configured

    def new_run_dir(self) -> tuple[str, Path]:
        """A new run folder, its lock held.  ``$FTFLOW_RUN_ID`` names it when a sweep chose the id up front."""
        run_id = os.environ.get(RUN_ID_ENV) or new_run_id()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", run_id):
            raise UserError(f"{RUN_ID_ENV}={run_id!r}: a run id is letters, digits, '.', '_' and '-'")
        path = self.runs_dir / run_id
        path.mkdir(parents=True)
        handle = open(path / "running.lock", "w")  # noqa: SIM115 - held until the process ends
        fcntl.flock(handle, fcntl.LOCK_EX)
        _LIVE[run_id] = handle
        return run_id, path

    def interrupted_runs(self) -> list[str]:
        """Run folders without a manifest whose process is gone (killed before it could write one)."""
        if not self.runs_dir.exists():
            return []
        out = []
        for path in sorted(p for p in self.runs_dir.iterdir() if p.is_dir()):
            if (path / "manifest.json").exists():
                continue
            lock = path / "running.lock"
            if lock.exists():
                with open(lock, "a") as handle:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # still running
                    fcntl.flock(handle, fcntl.LOCK_UN)
            out.append(path.name)
        return out

    def mark_last(self, run_id: str) -> None:
        tmp = self.runs_dir / f".last.{os.getpid()}"
        tmp.write_text(run_id)
        os.replace(tmp, self.runs_dir / "last")

    def run_ids(self) -> list[str]:
        if not self.runs_dir.exists():
            return []
        return sorted(p.name for p in self.runs_dir.iterdir() if (p / "manifest.json").exists())

    def resolve_run(self, ref: str = "last") -> Path:
        """A run directory from its id, a unique prefix of it, or ``last``."""
        if ref == "last":
            marker = self.runs_dir / "last"
            if not marker.exists():
                raise UserError(f"no runs yet in {self.runs_dir}: start one with `ftflow run recipe=NAME`")
            ref = marker.read_text().strip()
        matches = [r for r in self.run_ids() if r.startswith(ref)]
        if len(matches) != 1:
            known = ", ".join(self.run_ids()[-5:]) or "none"
            what = "ambiguous" if matches else "unknown"
            raise UserError(f"{what} run id '{ref}' (recent runs: {known})")
        return self.runs_dir / matches[0]

    def manifest(self, ref: str = "last") -> dict[str, Any]:
        return json.loads((self.resolve_run(ref) / "manifest.json").read_text())
