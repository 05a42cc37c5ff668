"""The built-in sweep launchers: local processes, a Ray cluster, Slurm through submitit."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.sweep.execute import PointJob, SweepLauncher, run_point


@dataclasses.dataclass
class LocalConfig:
    """No options: ``--jobs N`` says how many points run at once."""


class LocalLauncher(SweepLauncher):
    """Points as child processes on this machine, in turn (``--jobs 1``) or N at once.  Concurrent points
    share the workspace: the per-key cache locks make a stage they share build once, the others wait."""

    name = "local"
    description = "points as local processes, in turn or --jobs N at once"
    Config = LocalConfig

    def launch(self, jobs: list[PointJob], config: Any, parallel: int) -> list[int]:
        if parallel <= 1:
            return [run_point(job) for job in jobs]
        with ThreadPoolExecutor(max_workers=parallel) as pool:  # threads wait on processes
            return list(pool.map(run_point, jobs))


@dataclasses.dataclass
class RayConfig:
    #: Cluster to join: ``auto`` (the one ``ray start`` runs here, or ``RAY_ADDRESS``), ``ray://host:10001``
    #: or ``host:port``; null starts a private local Ray for this sweep.
    address: str | None = "auto"
    #: CPUs (and GPUs) Ray reserves per point: how many points share a node.
    num_cpus: float = 1.0
    num_gpus: float = 0.0


class RayLauncher(SweepLauncher):
    """Points as Ray tasks on a local or remote cluster.  Workers must see the sweep's workspace and data
    at the same paths (a shared file system, or the cache remote for entries)."""

    name = "ray"
    description = "points as Ray tasks on a Ray cluster (address=auto|ray://host:10001)"
    Config = RayConfig
    libraries = ("ray",)

    def launch(self, jobs: list[PointJob], config: RayConfig, parallel: int) -> list[int]:
        try:
            import ray
        except ImportError:
            raise UserError("--launcher ray needs Ray: pip install 'ftflow[ray]'") from None
        if config.num_cpus <= 0 or config.num_gpus < 0:
            raise UserError("launcher ray: num_cpus must be positive and num_gpus not negative")
        started_here = not ray.is_initialized()
        if started_here:
            try:
                ray.init(address=config.address, log_to_driver=False, include_dashboard=False,
                         configure_logging=False)
            except ConnectionError as exc:
                raise UserError(f"launcher ray: cannot reach a Ray cluster at {config.address!r} ({exc}); start "
                                f"one with `ray start --head` or pass --launcher-arg address=...") from None
        try:
            task = ray.remote(num_cpus=config.num_cpus, num_gpus=config.num_gpus, max_retries=0)(run_point)
            refs = [task.remote(job) for job in jobs]
            codes = []
            for ref in refs:
                try:
                    codes.append(int(ray.get(ref)))
                except ray.exceptions.RayError:  # a worker died or the task could not be scheduled
                    codes.append(1)
            return codes
        finally:
            if started_here:
                ray.shutdown()


@dataclasses.dataclass
class SlurmConfig:
    #: ``slurm`` submits with sbatch (one array job per batch); ``local`` runs the same submission as local
    #: processes (submitit's LocalExecutor: for tests and laptops).
    cluster: str = "slurm"
    partition: str | None = None
    #: Minutes before Slurm stops a point (ftflow records it interrupted; rerunning resumes from checkpoints).
    timeout_min: int = 120
    cpus_per_task: int = 4
    gpus_per_node: int = 0
    mem_gb: float | None = None
    #: Extra sbatch options, e.g. {account: myproj, qos: high, constraint: h100}.
    additional: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: submitit's folder for job scripts and logs; null = the sweep folder's ``submitit/``.
    folder: str | None = None


class SlurmLauncher(SweepLauncher):
    """Points as Slurm jobs through submitit (an array per batch, ``--jobs`` as the array's parallelism)."""

    name = "slurm"
    description = "points as Slurm jobs through submitit (cluster=slurm|local)"
    Config = SlurmConfig
    libraries = ("submitit",)

    def launch(self, jobs: list[PointJob], config: SlurmConfig, parallel: int) -> list[int]:
        try:
            import submitit
        except ImportError:
            raise UserError("--launcher slurm needs submitit: pip install 'ftflow[slurm]'") from None
        if config.cluster not in ("slurm", "local"):
            raise UserError(f"launcher slurm: cluster must be slurm or local, got {config.cluster!r}")
        folder = Path(config.folder or Path(jobs[0].log).parent.parent / "submitit")
        executor = submitit.AutoExecutor(folder=str(folder / "%j"), cluster=config.cluster)
        params: dict[str, Any] = {"timeout_min": config.timeout_min, "cpus_per_task": config.cpus_per_task,
                                  "name": f"ftflow-{jobs[0].sweep_id}"}
        if config.cluster == "slurm":
            params.update(slurm_array_parallelism=parallel, gpus_per_node=config.gpus_per_node,
                          slurm_additional_parameters=dict(config.additional))
            if config.partition:
                params["slurm_partition"] = config.partition
            if config.mem_gb:
                params["mem_gb"] = config.mem_gb
        executor.update_parameters(**params)
        if config.cluster == "local":
            # The local executor starts every job at once; --jobs bounds it the way the array limit does.
            return [code for i in range(0, len(jobs), parallel)
                    for code in self._wait(executor.map_array(run_point, jobs[i:i + parallel]))]
        return self._wait(executor.map_array(run_point, jobs))

    @staticmethod
    def _wait(submitted: list[Any]) -> list[int]:
        codes = []
        for job in submitted:
            try:
                codes.append(int(job.result()))
            except Exception:  # submitit raises FailedJobError / UncompletedJobError with the job's stderr
                codes.append(1)
        return codes


__all__ = ["LocalLauncher", "RayLauncher", "SlurmLauncher"]
