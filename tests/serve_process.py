"""Starting ``ftflow serve last`` the way a user does, for the server tests (llama.cpp and vLLM)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


def serve_last(home: Path, *args: str, key: str | None = None,
               timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """``ftflow serve last ARGS`` on a free port; returns the process and the URL of its ``ready:`` line.
    ``$FTFLOW_API_KEY`` is exactly ``key`` (the caller's environment never leaks one in)."""
    env = {k: v for k, v in os.environ.items() if k != "FTFLOW_API_KEY"}
    env.update(FTFLOW_HOME=str(home), **({"FTFLOW_API_KEY": key} if key else {}))
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "serve", "last", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=home.parent)
    deadline, banner = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner.append(line)
        if line.startswith("ready: "):
            return proc, line.split()[1]
    proc.kill()
    pytest.fail("ftflow serve did not start:\n" + "".join(banner) + proc.communicate()[1][-3000:])
