"""Pytest fixtures for plugin authors (and ftflow's own tests): run a recipe in a temporary workspace.

Use them from a ``conftest.py``::

    pytest_plugins = ["ftflow.testing"]

    def test_my_metric(ftflow_run):
        result = ftflow_run("recipe=smoke", "eval.metrics=[exact_match,my_metric]")
        assert result.ok
        assert "my_metric" in result.manifest["metrics"]["tuned"]

Each test gets its own workspace (``FTFLOW_HOME``), so runs never share a cache unless the test says so.
The ``smoke`` recipe runs the whole graph on a tiny random model in well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@dataclasses.dataclass
class RunResult:
    """What one ``ftflow`` command did: exit code, output and, for runs, the manifest it wrote."""

    returncode: int
    stdout: str
    stderr: str
    manifest: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def stage(self, name: str) -> dict[str, Any]:
        """The manifest row of one stage (name, plugin, key, cached, seconds, artifact)."""
        assert self.manifest is not None, self.stderr
        return next(s for s in self.manifest["stages"] if s["name"] == name)

    def ran(self) -> set[str]:
        """Names of the stages that executed (were not served from the cache)."""
        assert self.manifest is not None, self.stderr
        return {s["name"] for s in self.manifest["stages"] if not s["cached"]}


def run_ftflow(home: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               timeout: float = 600) -> RunResult:
    """Run ``python -m ftflow ARGS`` with ``FTFLOW_HOME=home``; read the manifest of the run it made."""
    environment = {**os.environ, "FTFLOW_HOME": str(home), **(env or {})}
    before = set(_run_ids(home))
    proc = subprocess.run([sys.executable, "-m", "ftflow", *args], capture_output=True, text=True,
                          env=environment, cwd=cwd or home.parent, timeout=timeout)
    new = sorted(set(_run_ids(home)) - before)
    manifest = json.loads((home / "runs" / new[-1] / "manifest.json").read_text()) if new else None
    return RunResult(proc.returncode, proc.stdout, proc.stderr, manifest)


def _run_ids(home: Path) -> list[str]:
    runs = home / "runs"
    return [p.name for p in runs.iterdir() if (p / "manifest.json").exists()] if runs.exists() else []


@pytest.fixture
def ftflow_home(tmp_path: Path) -> Path:
    """A fresh, empty ftflow workspace for this test."""
    home = tmp_path / "ftflow-home"
    home.mkdir()
    return home


@pytest.fixture
def ftflow_run(ftflow_home: Path) -> Callable[..., RunResult]:
    """``ftflow_run("recipe=smoke", "method.max_steps=4")`` runs ``ftflow run`` in this test's workspace."""

    def run(*overrides: str, env: dict[str, str] | None = None) -> RunResult:
        return run_ftflow(ftflow_home, "run", *overrides, env=env)

    return run


@pytest.fixture
def ftflow_cli(ftflow_home: Path) -> Callable[..., RunResult]:
    """Any ``ftflow`` command (``ftflow_cli("plan", "recipe=smoke")``) in this test's workspace."""

    def cli(*args: str, env: dict[str, str] | None = None) -> RunResult:
        return run_ftflow(ftflow_home, *args, env=env)

    return cli
