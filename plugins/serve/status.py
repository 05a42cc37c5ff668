"""``serve/status.json``: what a running ``ftflow serve`` is doing (requests by status, refusals, policy
violations, backends and their restarts), rewritten every half second; ``ftflow serve RUN --status``
prints it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

STATUS_FILE = "status.json"


class Status:
    def __init__(self, path: Path, run_id: str, gateway: Any, backends: list[Any]) -> None:
        self.path, self.run_id, self.gateway, self.backends = path, run_id, gateway, backends
        self.started = time.time()

    def write(self, stopped: bool = False) -> None:
        from ftflow_plugins.serve.gateway import snapshot

        data = {"run_id": self.run_id, "pid": os.getpid(), "started": self.started, "updated": time.time(),
                "state": "stopped" if stopped else "serving", **snapshot(self.gateway),
                "backends": {b.name: {"up": b.alive() and b.name not in self.gateway.down, "restarts": b.restarts}
                             for b in self.backends}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)


def describe(path: Path) -> list[str]:
    """Lines for ``ftflow serve --status``."""
    data = json.loads(path.read_text())
    alive = data.get("state") == "serving"
    if alive:
        try:
            os.kill(int(data["pid"]), 0)
        except (OSError, ValueError, KeyError):
            alive = False
    state = "serving" if alive else ("stopped" if data.get("state") == "stopped" else "not running (killed)")
    lines = [f"run {data.get('run_id')}: {state} (pid {data.get('pid')}); "
             f"{data.get('requests', 0)} requests, {data.get('active', 0)} active, {data.get('waiting', 0)} waiting"]
    status = data.get("status") or {}
    lines.append("  by status: " + (", ".join(f"{k}: {v}" for k, v in sorted(status.items())) or "none"))
    refusals = data.get("refusals") or {}
    lines.append("  refusals: " + (", ".join(f"{k}: {v}" for k, v in sorted(refusals.items())) or "none"))
    violations = data.get("violations") or {}
    lines.append("  policy violations: " + (", ".join(f"{k}: {v}" for k, v in sorted(violations.items())) or "none"))
    for name, info in (data.get("backends") or {}).items():
        lines.append(f"  backend {name}: {'up' if info.get('up') else 'down'}, {info.get('restarts', 0)} restarts")
    return lines
