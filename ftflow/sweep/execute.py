"""How one point of a sweep runs, wherever a launcher puts it: ``ftflow run`` in a child process.

A point is an ordinary run (the same command a user would type, recorded as its resume command) in the
same workspace, so points share every cache entry they can and the per-key locks make concurrent points
build a shared stage once.  The sweep chooses each point's run id up front (``FTFLOW_RUN_ID``) and tags
its record with the sweep id (``FTFLOW_SWEEP_ID``), so the summary finds the records however the points
ran.  ``run_point`` is a plain module-level function of picklable arguments: Ray and submitit ship it
to their workers as it is.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from typing import Any, ClassVar

from ftflow.provider import Provider

RUN_ID_ENV = "FTFLOW_RUN_ID"
SWEEP_ID_ENV = "FTFLOW_SWEEP_ID"


@dataclasses.dataclass(frozen=True)
class PointJob:
    """Everything a worker needs to run one point (picklable)."""

    index: int
    overrides: tuple[str, ...]
    run_id: str
    sweep_id: str
    workspace: str  # the workspace root (FTFLOW_HOME of the point)
    cwd: str  # where relative data paths resolve
    log: str  # stdout and stderr of the point
    extra_args: tuple[str, ...] = ()  # --recipes-dir DIR, --verbose, --debug

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "ftflow", "run", *self.overrides, *self.extra_args]


def run_point(job: PointJob) -> int:
    """Run one point to completion; its exit status (0 ok, 1 a stage failed, 2 bad input, 130/143)."""
    env = {**os.environ, "FTFLOW_HOME": job.workspace, RUN_ID_ENV: job.run_id, SWEEP_ID_ENV: job.sweep_id}
    env.pop("FTFLOW_SWEEP_WORKER", None)
    with open(job.log, "ab") as log:
        log.write(("$ ftflow run " + " ".join(job.overrides) + "\n").encode())
        log.flush()
        proc = subprocess.run(job.argv(), cwd=job.cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False)
    return proc.returncode


class SweepLauncher(Provider):
    """Base of the ``sweep_launcher`` provider kind: runs a batch of points somewhere.

    ``launch`` receives the batch and returns one exit status per job, in order; a point that could not
    be started or was lost counts as failed (return 1).  ``jobs`` is ``--jobs N``: how many points may
    run at once (a launcher with its own scheduler may ignore it).  Providers register through the
    ``ftflow`` entry-point group like any other kind; ``Config`` holds the launcher's options
    (``--launcher-arg KEY=VALUE``).
    """

    kind: ClassVar[str] = "sweep_launcher"

    def launch(self, jobs: list[PointJob], config: Any, parallel: int) -> list[int]:
        raise NotImplementedError(f"sweep launcher {self.name} does not implement launch()")
