"""Launchers decide how many processes a training stage uses (``launcher=local|torchrun``).

``torchrun`` relaunches the training stage as ``torchrun --nproc-per-node N -m
ftflow_plugins.train.launch_entry SPEC``: each rank rebuilds the same stage from the composed recipe
(written to SPEC) and runs the method; accelerate (inside the trl trainer) sets up DDP or FSDP from
torchrun's environment.  Rank 0 saves the artifact and writes the metadata that the parent returns.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ftflow.errors import UserError
from ftflow.kinds import Launcher

if TYPE_CHECKING:
    from ftflow.stage import StageContext

ENTRY_MODULE = "ftflow_plugins.train.launch_entry"
RESULT_FILE = "launch_result.json"


class LocalLauncher(Launcher):
    """One process.  On a host with several GPUs the trainer would fall back to ``nn.DataParallel``
    (which trl refuses), so the stage is relaunched as a one-process torchrun job on one GPU."""

    name = "local"
    description = "one process on this machine (one GPU)"

    def should_relaunch(self, config: Any) -> bool:
        if in_distributed_child():
            return False
        import torch

        return torch.cuda.is_available() and torch.cuda.device_count() > 1

    def relaunch(self, ctx: StageContext, config: Any) -> dict[str, Any]:
        return TorchrunLauncher().relaunch(ctx, TorchrunConfig(nproc_per_node=1))


@dataclasses.dataclass
class TorchrunConfig:
    nproc_per_node: int | Literal["gpu"] = "gpu"  # "gpu": one process per visible GPU
    strategy: Literal["ddp", "fsdp"] = "ddp"
    #: transformers' ``fsdp`` option string (sharding + wrapping policy).
    fsdp: str = "full_shard auto_wrap"
    master_port: int | None = None  # None: torchrun --standalone picks a free port (one node), else 29500
    #: Nodes of the job (each runs ``ftflow run`` with the same recipe); None = ``$SLURM_JOB_NUM_NODES``, else 1.
    #: Which node this is and where the rendezvous is say where the job runs, not what it computes, so they
    #: come from the environment and stay out of the cache key: ``$FTFLOW_NODE_RANK`` (else ``$SLURM_NODEID``)
    #: and ``$MASTER_ADDR``/``$MASTER_PORT`` (else the first host of ``$SLURM_JOB_NODELIST``, ``master_port``).
    nnodes: int | None = None


@dataclasses.dataclass(frozen=True)
class Placement:
    """This node's place in a multi-node job."""

    nnodes: int
    node_rank: int
    master_addr: str
    master_port: int


def first_slurm_host(nodelist: str) -> str:
    """The first host of a Slurm node list (``gpu[03-05,07],cpu1`` -> ``gpu03``), as ``scontrol show
    hostnames`` would print it first."""
    import re

    head = re.match(r"([^,\[]+)(?:\[([^\]]+)\])?", nodelist.strip())
    if head is None:
        raise UserError(f"SLURM_JOB_NODELIST={nodelist!r}: cannot read its first host")
    prefix, ranges = head.group(1), head.group(2)
    return prefix + ranges.split(",")[0].split("-")[0] if ranges else prefix


def placement(config: TorchrunConfig, env: dict[str, str] | None = None) -> Placement:
    """nnodes from the recipe (else Slurm), node rank and rendezvous from the environment (else Slurm)."""
    env = dict(os.environ if env is None else env)
    nnodes = config.nnodes or int(env.get("SLURM_JOB_NUM_NODES") or env.get("SLURM_NNODES") or 1)
    rank = env.get("FTFLOW_NODE_RANK") or env.get("SLURM_NODEID") or "0"
    addr = env.get("MASTER_ADDR") or (first_slurm_host(env["SLURM_JOB_NODELIST"]) if env.get("SLURM_JOB_NODELIST")
                                       else "127.0.0.1")
    port = env.get("MASTER_PORT") or config.master_port or 29500
    try:
        where = Placement(nnodes, int(rank), addr, int(port))
    except ValueError:
        raise UserError(f"node rank {rank!r} and MASTER_PORT {port!r} must be integers") from None
    if nnodes < 1 or not 0 <= where.node_rank < nnodes:
        raise UserError(f"node rank {where.node_rank} is outside 0..{nnodes - 1} (launcher.nnodes={nnodes})")
    return where


def in_distributed_child() -> bool:
    return "LOCAL_RANK" in os.environ and "WORLD_SIZE" in os.environ


class TorchrunLauncher(Launcher):
    name = "torchrun"
    description = "DDP or FSDP over the GPUs of one host (relaunches training under torchrun)"
    Config = TorchrunConfig

    def check(self, stage, upstream) -> list[str]:
        cfg: TorchrunConfig = stage.components["launcher"].config
        problems = []
        if isinstance(cfg.nproc_per_node, int) and cfg.nproc_per_node < 1:
            problems.append(f"launcher.nproc_per_node must be >= 1, got {cfg.nproc_per_node}")
        if cfg.nnodes is not None and cfg.nnodes < 1:
            problems.append(f"launcher.nnodes must be >= 1, got {cfg.nnodes}")
        adapter = stage.components.get("adapter")
        if cfg.strategy == "fsdp" and adapter is not None and adapter.info.name == "qlora":
            problems.append("launcher.strategy=fsdp with adapter=qlora is not supported here; use ddp")
        return problems

    def nproc(self, config: TorchrunConfig) -> int:
        if config.nproc_per_node != "gpu":
            return int(config.nproc_per_node)
        import torch

        count = torch.cuda.device_count()
        if count == 0:
            raise UserError("launcher=torchrun with nproc_per_node=gpu but torch sees no GPU "
                            "(set launcher.nproc_per_node, or use launcher=local)")
        return count

    def command(self, config: TorchrunConfig, spec: Path, nproc: int, where: Placement | None = None) -> list[str]:
        """The torchrun command line (python -m torch.distributed.run: no reliance on PATH).  Several nodes
        meet at a static rendezvous: MASTER_ADDR:MASTER_PORT, ranks ordered by node rank."""
        where = where or Placement(1, 0, "127.0.0.1", config.master_port or 0)
        if where.nnodes > 1:
            return [sys.executable, "-m", "torch.distributed.run", "--nnodes", str(where.nnodes), "--node-rank",
                    str(where.node_rank), "--master-addr", where.master_addr, "--master-port", str(where.master_port),
                    "--nproc-per-node", str(nproc), "-m", ENTRY_MODULE, str(spec)]
        rendezvous = ["--standalone"] if config.master_port is None else \
            ["--master-addr", "127.0.0.1", "--master-port", str(config.master_port)]
        return [sys.executable, "-m", "torch.distributed.run", *rendezvous, "--nnodes", "1",
                "--nproc-per-node", str(nproc), "-m", ENTRY_MODULE, str(spec)]

    def should_relaunch(self, config: TorchrunConfig) -> bool:
        return not in_distributed_child()

    def training_args(self, config: TorchrunConfig) -> dict[str, Any]:
        if config.strategy == "fsdp" and in_distributed_child():
            return {"fsdp": config.fsdp}
        return {"ddp_find_unused_parameters": False} if in_distributed_child() else {}

    def relaunch(self, ctx: StageContext, config: TorchrunConfig) -> dict[str, Any]:
        spec = write_spec(ctx)
        result = ctx.work_dir / RESULT_FILE
        result.unlink(missing_ok=True)
        where = placement(config)
        cmd = self.command(config, spec, self.nproc(config), where)
        ctx.log("launching: " + " ".join(cmd))
        code = subprocess.call(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        if code == 0 and where.node_rank > 0:
            # Rank 0 (on node 0) saved the weights; this node holds no artifact, so nothing is committed here.
            raise WorkerNodeDone(f"node {where.node_rank} of {where.nnodes} finished its share of training; node 0 "
                                 f"writes the artifact and runs the rest of the recipe")
        if code != 0 or not result.exists():
            raise RuntimeError(f"torchrun exited with status {code}; rerun the same command to resume "
                               f"from the last checkpoint")
        return json.loads(result.read_text())


class WorkerNodeDone(RuntimeError):
    """Raised on nodes other than 0 of a multi-node job once their ranks finished: the run there stops
    without a train artifact (exit 1, with this message); node 0's run carries on."""


def write_spec(ctx: StageContext) -> Path:
    """Everything a rank needs to rebuild the stage: the stage itself as data (``stage_record``: its
    provider, validated config, components and key; no other recipe section), paths, input artifacts."""
    from ftflow.pipeline import stage_record

    spec = ctx.work_dir / "launch_spec.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({
        "stage": stage_record(ctx.stage), "seed": ctx.seed,
        "recipe_dirs": [str(d) for d in ctx.recipe_dirs], "output_dir": str(ctx.output_dir),
        "work_dir": str(ctx.work_dir),
        "inputs": {n: {"path": str(a.path), "digest": a.digest, "metadata": a.metadata, "settings": a.settings}
                   for n, a in ctx.inputs.items()},
    }, default=str))
    return spec

