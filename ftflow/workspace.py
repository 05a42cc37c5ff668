"""The workspace: ``.ftflow/`` in the current directory (or ``$FTFLOW_HOME``) with ``cache/`` and ``runs/``."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from ftflow.cache.store import CacheStore
from ftflow.errors import UserError

HOME_ENV = "FTFLOW_HOME"


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
        return CacheStore(self.cache_dir)

    def new_run_dir(self) -> tuple[str, Path]:
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
        path = self.runs_dir / run_id
        path.mkdir(parents=True)
        return run_id, path

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
