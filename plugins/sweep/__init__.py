"""Sweep launchers (``ftflow run -m --launcher local|ray|slurm``): where a sweep's points run.

Each point is an ordinary ``ftflow run`` in the sweep's workspace (``ftflow.sweep.execute.run_point``);
a launcher only decides where and how many at once.  Ray and submitit are imported when a sweep uses them.
"""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.sweep.launchers import LocalLauncher, RayLauncher, SlurmLauncher


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (LocalLauncher, RayLauncher, SlurmLauncher):
        registry.add(provider)
