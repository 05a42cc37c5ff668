"""SIGTERM is Ctrl-C: what Slurm, Kubernetes and systemd send must leave the same clean state.

While a command runs, SIGTERM is forwarded to every process ftflow started (torchrun and its ranks, the
GGUF converter) and then raised in the main thread as ``Terminated``, a ``KeyboardInterrupt``: the
runner discards the half-built entry, ``ftflow run`` records the run as ``interrupted`` and prints the
command that resumes.  A second SIGTERM during that clean-up is forwarded but does not interrupt it.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftflow.errors import Terminated


def descendants(pid: int | None = None) -> list[int]:
    """Process ids of every descendant of ``pid`` (default: this process), children first."""
    pid = os.getpid() if pid is None else pid
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return [p.pid for p in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return []
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the command name (2nd field) may hold spaces and parentheses: split after its last ')'
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def forward(sig: int) -> None:
    """Send ``sig`` to every descendant; one that already exited is skipped."""
    for child in descendants():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(child, sig)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM forwards itself to the children and raises ``Terminated`` once."""
    raised = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal raised
        forward(signum)
        if not raised:
            raised = True
            raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding application): leave signals to it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
