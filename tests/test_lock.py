"""Lock files: replaying a lock reproduces metrics; drift in inputs is refused with the digest that changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ftflow.config.paths import builtin_recipes_dir
from ftflow.testing import run_ftflow


def _lock(tmp_path: Path, cwd: Path) -> Path:
    lock = tmp_path / "smoke.lock"
    result = run_ftflow(tmp_path / "lock-home", "lock", "recipe=smoke", "-o", str(lock), cwd=cwd)
    assert result.ok, result.stderr
    return lock


def test_lock_records_what_replay_needs(tmp_path):
    lock = json.loads(_lock(tmp_path, tmp_path).read_text())
    assert lock["recipe"] == "smoke" and lock["seed"] == 42
    assert {"torch", "transformers", "trl", "peft"} <= set(lock["libraries"])
    assert lock["inputs"]["data.train"]["path"] == "datasets/smoke/train.jsonl"
    assert len(lock["inputs"]["data.train"]["sha256"]) == 64
    assert lock["providers"]["train"]["provider"] == "method:sft"
    assert lock["config"]["model"]["provider"] == "random-init"


def test_edited_data_file_is_refused_with_the_changed_digest(tmp_path):
    data = tmp_path / "datasets" / "smoke"
    shutil.copytree(builtin_recipes_dir() / "datasets" / "smoke", data)
    lock = _lock(tmp_path, tmp_path)  # resolves datasets/smoke/... to the copy in the cwd
    before = json.loads(lock.read_text())["inputs"]["data.train"]["sha256"]
    with open(data / "train.jsonl", "a") as handle:
        handle.write(json.dumps({"messages": [{"role": "user", "content": "What is the opposite of in?"},
                                              {"role": "assistant", "content": "The opposite of in is out."}]})
                     + "\n")
    refused = run_ftflow(tmp_path / "home", "run", "--locked", str(lock), cwd=tmp_path)
    assert refused.returncode == 2
    line = refused.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert f"input data.train: {{sha256={before[:12]}}} -> {{sha256=" in line
    assert "--allow-drift" in line


def test_overrides_cannot_be_combined_with_locked(tmp_path):
    lock = _lock(tmp_path, tmp_path)
    result = run_ftflow(tmp_path / "home", "run", "--locked", str(lock), "method.max_steps=3")
    assert result.returncode == 2 and "drop the overrides" in result.stderr


def test_locked_replay_from_clean_workspaces_gives_identical_metrics(tmp_path):
    lock = _lock(tmp_path, tmp_path)
    first = run_ftflow(tmp_path / "one", "run", "--locked", str(lock))
    second = run_ftflow(tmp_path / "two", "run", "--locked", str(lock))
    assert first.ok and second.ok, (first.stderr[-2000:], second.stderr[-2000:])
    assert first.manifest["metrics"] == second.manifest["metrics"]
    assert first.manifest["stage_metadata"]["train"]["loss_curve"] == \
        second.manifest["stage_metadata"]["train"]["loss_curve"]
