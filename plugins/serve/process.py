"""Backend server processes bound to ``ftflow serve``: started under a watchdog (they die with the gateway,
``kill -9`` included), reachable only through a Unix socket in a private 0700 directory (or, for servers
without socket support, a loopback port with every route behind the internal key), restarted with
back-off when they crash.

A backend's key file (llama.cpp's settings) is written 0600 before each start and deleted by the
backend once read, and by the watchdog when the backend ends; the runtime directory goes on stop.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ftflow.errors import FtflowError


class BackendFailed(FtflowError):
    """A backend server exited or never became healthy."""

    exit_code = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def runtime_dir() -> Path:
    """A private directory (0700) for the backends' sockets and key files; short, for socket paths."""
    return Path(tempfile.mkdtemp(prefix="ftflow-serve-"))


def write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


@dataclasses.dataclass
class Backend:
    """One server process behind the watchdog; ``socket`` (a Unix socket path) or ``port`` (loopback)."""

    name: str
    argv: list[str]
    port: int
    key: str
    log_path: Path
    health_path: str = "/v1/models"
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    socket: str | None = None
    secrets: dict[str, str] = dataclasses.field(default_factory=dict)  # file -> content, written per start
    process: subprocess.Popen | None = None
    restarts: int = 0
    _pipe: int | None = None

    @property
    def url(self) -> str:
        return "http://backend" if self.socket else f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        for path, text in self.secrets.items():
            write_secret(Path(path), text)
        if self.socket:
            Path(self.socket).unlink(missing_ok=True)
        read_end, self._pipe = os.pipe()
        remove = [a for p in [*self.secrets, *([self.socket] if self.socket else [])] for a in ("--remove", p)]
        argv = [sys.executable, "-m", "ftflow_plugins.serve.watchdog", str(read_end), str(os.getpid()), *remove,
                "--", *self.argv]
        with open(self.log_path, "ab") as log:
            # its own session: a Ctrl-C in the terminal reaches ftflow only, which then stops the group
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env={**os.environ, **self.env}, start_new_session=True,
                                            pass_fds=(read_end,))
        os.close(read_end)

    def healthy(self) -> bool:
        import httpx

        transport = httpx.HTTPTransport(uds=self.socket) if self.socket else None
        try:
            with httpx.Client(transport=transport, timeout=2) as client:
                reply = client.get(self.url + self.health_path, headers={"Authorization": f"Bearer {self.key}"})
                return reply.status_code == 200
        except httpx.HTTPError:
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
        """SIGTERM to the process group (watchdog, backend, vLLM's workers), SIGKILL after ``grace_s``."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self.process is not None and self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for path in self.secrets:
            Path(path).unlink(missing_ok=True)


class Supervisor:
    """Restarts crashed backends with exponential back-off (1 s doubling to 60 s; reset after 5 minutes up),
    telling the gateway which are down so their routes answer 503 meanwhile.  Called from the main thread
    (the parent-death signal is tied to the thread that started a child)."""

    def __init__(self, backends: list[Backend], down: set[str], log: object = print) -> None:
        self.backends, self.down, self.log = backends, down, log
        self._next: dict[str, float] = {}
        self._delay: dict[str, float] = {}
        self._since: dict[str, float] = {b.name: time.monotonic() for b in backends}

    def poll(self) -> None:
        now = time.monotonic()
        for backend in self.backends:
            name = backend.name
            if name not in self.down:
                if backend.alive():
                    if now - self._since[name] > 300:
                        self._delay.pop(name, None)
                    continue
                self._delay.setdefault(name, 1.0)
                self._next[name] = now + self._delay[name]
                self.down.add(name)
                code = backend.process.returncode if backend.process else None
                self.log(f"{name} exited (code {code}); restarting in {self._delay[name]:.0f}s "
                         f"(log: {backend.log_path})")
                backend.stop()
            elif backend.process is None or not backend.alive():
                if now >= self._next.get(name, 0):
                    self._delay[name] = min(self._delay.get(name, 1.0) * 2, 60.0)
                    self._next[name] = now + self._delay[name]  # the next try, if this one dies too
                    backend.restarts += 1
                    backend.start()
            elif backend.healthy():
                self.down.discard(name)
                self._since[name] = now
                self.log(f"{name} is back (restart {backend.restarts})")
