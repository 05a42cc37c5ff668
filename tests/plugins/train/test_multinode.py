"""Two torchrun agents forming a 2-node job on 127.0.0.1 (gloo, CPU), each started by its own ``ftflow run``
in its own workspace as on two machines: node 0's losses equal a one-node 2-process job's."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest

from .conftest import SMOKE, run_smoke

DDP = ["method=sft", "adapter=lora", "launcher=torchrun", "launcher.nproc_per_node=1", "method.max_steps=3"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_nodes_match_two_processes(home, tmp_path):
    other = tmp_path / "node1"
    shutil.copytree(home, other)
    port = _free_port()
    procs = []
    for rank, workspace in enumerate((home, other)):
        env = {**os.environ, "FTFLOW_HOME": str(workspace), "FTFLOW_NODE_RANK": str(rank),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "PYTHONUNBUFFERED": "1"}
        procs.append(subprocess.Popen([sys.executable, "-m", "ftflow", "run", *SMOKE, *DDP, "launcher.nnodes=2"],
                                      cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True))
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert procs[0].returncode == 0, outputs[0][-3000:]
    assert "--nnodes 2 --node-rank 0 --master-addr 127.0.0.1" in outputs[0]
    assert procs[1].returncode == 1 and "node 1 of 2 finished its share of training" in outputs[1], outputs[1][-3000:]
    from .conftest import train_metadata

    two_nodes = train_metadata(home)
    one_node = run_smoke(other, *[o for o in DDP if not o.startswith("launcher.nproc")], "launcher.nproc_per_node=2",
                         timeout=600)
    assert [s for s, _ in two_nodes["loss_curve"]] == [1, 2, 3]
    for (_, a), (_, b) in zip(two_nodes["loss_curve"], one_node["loss_curve"], strict=True):
        assert a == pytest.approx(b, rel=1e-5)


def test_placement_from_slurm_environment():
    from ftflow_plugins.train.launchers import TorchrunConfig, placement

    slurm = {"SLURM_JOB_NUM_NODES": "4", "SLURM_NODEID": "2", "SLURM_JOB_NODELIST": "gpu[03-05,07]"}
    where = placement(TorchrunConfig(), slurm)
    assert (where.nnodes, where.node_rank, where.master_addr, where.master_port) == (4, 2, "gpu03", 29500)
    where = placement(TorchrunConfig(nnodes=2, master_port=6000), {"FTFLOW_NODE_RANK": "1", "MASTER_ADDR": "10.0.0.1"})
    assert (where.nnodes, where.node_rank, where.master_addr, where.master_port) == (2, 1, "10.0.0.1", 6000)
    assert placement(TorchrunConfig(), {}).nnodes == 1
    from ftflow.errors import UserError

    with pytest.raises(UserError, match="outside 0..1"):
        placement(TorchrunConfig(nnodes=2), {"FTFLOW_NODE_RANK": "2"})
