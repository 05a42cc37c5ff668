"""Backend server processes: start in their own session, wait for the health check, stop cleanly.

Backends always bind 127.0.0.1 on a free port and require a random internal key, so only ftflow's
proxy (which holds the user-facing API key and limits) can reach them.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from ftflow.errors import FtflowError


class BackendFailed(FtflowError):
    """A backend server exited or never became healthy."""

    exit_code = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Backend:
    """One server process; ``models`` are the names it answers to (route -> backend model name)."""

    name: str
    argv: list[str]
    port: int
    key: str
    log_path: Path
    health_path: str = "/v1/models"
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        # A new session: a Ctrl-C in the terminal reaches ftflow only, which then stops the whole group.
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env={**os.environ, **self.env}, start_new_session=True)
        log.close()

    def healthy(self) -> bool:
        request = urllib.request.Request(self.url + self.health_path,
                                         headers={"Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout_s: float, cancel: threading.Event | None = None) -> bool:
        """True once healthy; False when ``cancel`` is set first (Ctrl-C while a slow backend starts)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if cancel is not None and cancel.is_set():
                return False
            if self.process is not None and self.process.poll() is not None:
                raise BackendFailed(f"{self.name} exited with code {self.process.returncode} while starting; "
                                    f"last lines of {self.log_path}:\n{self.tail()}")
            if self.healthy():
                return True
            time.sleep(0.25)
        raise BackendFailed(f"{self.name} not healthy after {timeout_s:.0f}s (serve.startup_timeout_s); "
                            f"log: {self.log_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the process group (vLLM spawns workers), SIGKILL after ``grace_s``."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
