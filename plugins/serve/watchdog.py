"""``python -m ftflow_plugins.serve.watchdog PIPE_FD PARENT_PID -- ARGV...``: run one backend so that it
dies with ``ftflow serve`` however that ends, ``kill -9`` included.

The watchdog is the leader of the backend's process group.  It stops the group (SIGTERM, then SIGKILL
after a grace period) when its pipe from ``ftflow serve`` reaches end-of-file (the only end of that pipe
is in the gateway process, so the kernel closes it when the gateway dies), when the kernel's
parent-death signal arrives (Linux ``PR_SET_PDEATHSIG``), or on SIGTERM/SIGINT.  vLLM's worker processes
share the group, so none survives.  ``--remove PATH`` names files (a backend's key file, its socket)
deleted when the backend ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading

from ftflow.signals import descendants

GRACE_S = 5.0


def _parent_death_signal(sig: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG


def main(argv: list[str]) -> int:
    fd, parent = int(argv[0]), int(argv[1])
    split = argv.index("--")
    options, command = argv[2:split], argv[split + 1:]
    remove = [options[i + 1] for i, o in enumerate(options) if o == "--remove"]
    stop = threading.Event()
    _parent_death_signal(signal.SIGTERM)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    if os.getppid() != parent:  # the gateway died before the signal was armed
        return 1

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 64):
                pass
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        while child.poll() is None and not stop.wait(0.2):
            pass
        if child.poll() is None:
            child.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(GRACE_S)
        return child.returncode if child.returncode is not None else 1
    finally:
        for path in remove:
            with contextlib.suppress(OSError):
                os.unlink(path)
        for pid in descendants():  # what the backend started (vLLM's workers)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if stop.is_set():  # and anything left in the group (orphaned workers), this process included
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.killpg(0, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
