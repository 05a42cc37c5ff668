"""Fixtures for the training tests: a workspace whose model and data stages are already cached
(built once per session), copied fresh into each test so runs never share a train cache entry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SMOKE = ["recipe=smoke", "eval=none", "export=none"]
PREFERENCE = ["data=smoke_preference", "tokenize=none"]


def ftflow(home: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """``ftflow ARGS`` in ``home`` (its workspace), as a user would run it."""
    env = {**os.environ, "FTFLOW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "ftflow", *args], cwd=home, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_smoke(home: Path, *overrides: str, timeout: int = 300) -> dict:
    """Run the smoke recipe without eval/export; return the train stage's metadata."""
    proc = ftflow(home, "run", *SMOKE, *overrides, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return train_metadata(home)


def train_metadata(home: Path) -> dict:
    proc = ftflow(home, "show", "last", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["stage_metadata"]["train"]


def falls(curve: list[list[float]]) -> bool:
    """Mean of the last third below the mean of the first third."""
    values = [v for _, v in curve]
    third = max(len(values) // 3, 1)
    return sum(values[-third:]) / third < sum(values[:third]) / third


@pytest.fixture(scope="session")
def cached_base(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("train-base")
    for data in ([], PREFERENCE):
        proc = ftflow(home, "run", *SMOKE, "method=none", "tokenize=none", *data)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return home


@pytest.fixture
def home(cached_base: Path, tmp_path: Path) -> Path:
    """A fresh workspace with the model and data stages cached."""
    target = tmp_path / "ws"
    shutil.copytree(cached_base, target, ignore=shutil.ignore_patterns("runs"))
    return target
