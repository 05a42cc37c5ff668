"""Crash safety and reproducibility of training on CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from .conftest import SMOKE, ftflow, run_smoke, train_metadata

RESUME = ["method=sft", "adapter=lora", "method.max_steps=16", "method.save_steps=4"]


def test_sigkill_then_rerun_resumes_and_matches_uninterrupted(home, tmp_path):
    import shutil

    clean = tmp_path / "clean"
    shutil.copytree(home, clean)
    reference = run_smoke(clean, *RESUME)

    env = {**os.environ, "FTFLOW_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "run", *SMOKE, *RESUME], cwd=home, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while not list(home.glob("cache/work/*/checkpoints/checkpoint-*/trainer_state.json")):
            assert proc.poll() is None, "training finished before a checkpoint was seen"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    rerun = ftflow(home, "run", *SMOKE, *RESUME)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert "resuming from checkpoint-" in rerun.stdout
    meta = train_metadata(home)
    assert meta["resumed_from"].startswith("checkpoint-") and meta["steps"] == 16
    assert abs(meta["final_loss"] - reference["final_loss"]) < 1e-3, (meta["loss_curve"], reference["loss_curve"])


def test_two_fresh_runs_give_identical_loss_curves(home, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(home, other)
    args = ["method=sft", "adapter=lora", "method.max_steps=8"]
    first, second = run_smoke(home, *args), run_smoke(other, *args)
    assert first["loss_curve"] == second["loss_curve"]
    assert not first["resumed_from"] and not second["resumed_from"]
