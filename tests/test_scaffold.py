"""``ftflow plugin new``: the generated package installs, registers, and passes its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftflow.errors import UserError
from ftflow.scaffold import new_plugin
from ftflow.testing import run_ftflow


@pytest.mark.parametrize(("name", "kind"), [("myplug", "metric"), ("qa_rows", "format")])
def test_generated_plugin_installs_and_passes_its_own_tests(tmp_path: Path, name: str, kind: str) -> None:
    made = run_ftflow(tmp_path / "home", "plugin", "new", name, "--kind", kind, "-o", str(tmp_path))
    assert made.ok, made.stderr
    package = tmp_path / name
    assert (package / f"ftflow_{name}" / "plugin.py").is_file()
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(package)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(site)
    tests = subprocess.run([sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-m", "not slow",
                            "-q"], cwd=package, env=env, capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "1 deselected" in tests.stdout  # the slow smoke run is opt-in
    listed = run_ftflow(tmp_path / "home", "plugins", env={"PYTHONPATH": str(site)})
    row = next(line for line in listed.stdout.splitlines() if f" {name} " in line)
    assert kind in row and f"ftflow-{name}" in row and "0.1.0" in row


@pytest.mark.parametrize("name", ["My-plug", "MyPlug", "1abc", "class", "with space", ""])
def test_refuses_names_that_are_not_lower_case_identifiers(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match="lower-case Python identifier"):
        new_plugin(name, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_refuses_an_existing_directory_an_unknown_kind_and_a_taken_name(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(UserError, match="already exists"):
        new_plugin("taken", out_dir=tmp_path)
    with pytest.raises(UserError, match="no template for that kind"):
        new_plugin("fresh", kind="exporter", out_dir=tmp_path)
    with pytest.raises(UserError, match="already registered by ftflow"):
        new_plugin("exact_match", out_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_cli_reports_a_bad_name_in_one_line_with_exit_2(tmp_path: Path) -> None:
    result = run_ftflow(tmp_path / "home", "plugin", "new", "Bad-Name", "-o", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Bad-Name" in result.stderr
