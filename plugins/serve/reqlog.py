"""Request logs (JSONL, one line per request: time, key id, route, status, tokens, latency; the prompt
only with ``serve.log_prompts``) and the counters ``ftflow serve --status`` shows."""

from __future__ import annotations

import collections
import datetime
import json
import threading
from pathlib import Path
from typing import Any


class Stats:
    """Counts by status, refusal reason and policy violation; read from another thread (status file)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.status: collections.Counter[str] = collections.Counter()
        self.reasons: collections.Counter[str] = collections.Counter()
        self.violations: collections.Counter[str] = collections.Counter()

    def count(self, status: int, reason: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            self.status[str(status)] += 1
            if reason:
                self.reasons[reason] += 1

    def violation(self, policy: str, n: int = 1) -> None:
        if n:
            with self.lock:
                self.violations[policy] += n

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": self.requests, "status": dict(self.status), "refusals": dict(self.reasons),
                    "violations": dict(self.violations)}


class RequestLog:
    """Appends one JSON object per request to ``path`` (None: no file)."""

    def __init__(self, path: Path | None, prompts: bool = False) -> None:
        self.path, self.prompts = path, prompts
        self.lock = threading.Lock()
        self._file = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open while serving

    def write(self, *, prompt: str | None = None, **fields: Any) -> None:
        if self._file is None:
            return
        row = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"), **fields}
        if "latency_s" in row:
            row["latency_s"] = round(row["latency_s"], 4)
        if self.prompts and prompt is not None:
            row["prompt"] = prompt
        with self.lock:
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
