"""``ftflow plugin new``: the generated package installs, registers, and passes its own tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ftflow.errors import UserError
from ftflow.scaffold import TEMPLATES, new_plugin
from ftflow.testing import run_ftflow


def _install(packages: list[Path], site: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), *map(str, packages)], check=True, capture_output=True)


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(site)
    return env


def test_generated_plugin_installs_passes_its_own_tests_and_ruff(tmp_path: Path) -> None:
    """As a user would: ``ftflow plugin new``, install, plain ``pytest`` (the slow run is opt-in), ruff."""
    made = run_ftflow(tmp_path / "home", "plugin", "new", "myplug", "--kind", "metric", "-o", str(tmp_path))
    assert made.ok, made.stderr
    package = tmp_path / "myplug"
    _install([package], tmp_path / "site")
    tests = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=package,
                           env=_env(tmp_path / "site"), capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "1 deselected" in tests.stdout  # pyproject: -m 'not slow'
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=package, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    listed = run_ftflow(tmp_path / "home", "plugins", env={"PYTHONPATH": str(tmp_path / "site")})
    row = next(line for line in listed.stdout.splitlines() if " myplug " in line)
    assert "metric" in row and "ftflow-myplug" in row and "0.1.0" in row


def test_every_kind_has_a_scaffold_that_installs_passes_its_tests_and_ruff(tmp_path: Path) -> None:
    """One package per kind with a template: ruff-clean, importing no ftflow_plugins module, and its own
    fast tests (the unit tests of the provider, its contract, ``ftflow plugins`` listing it) pass."""
    root = tmp_path / "gen"
    packages = [new_plugin(f"my_{kind}", kind, root) for kind in TEMPLATES]
    for package in packages:
        sources = "".join(p.read_text() for p in package.rglob("*.py"))
        assert not re.search(r"^\s*(from|import) ftflow_plugins", sources, re.M), f"{package.name} imports internals"
        lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=package, capture_output=True,
                              text=True)
        assert lint.returncode == 0, f"{package.name}: {lint.stdout}"
    _install(packages, tmp_path / "site")
    report = tmp_path / "junit.xml"
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "--noconftest", "-p", "ftflow.testing",
                            "-p", "no:cacheprovider", "-m", "not slow", f"--junitxml={report}",
                            *(str(p / "tests") for p in packages)],
                           cwd=root, env=_env(tmp_path / "site"), capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    passed: dict[str, int] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        if not list(case):  # no failure, error or skip child
            module = case.get("classname", "").rsplit(".", 1)[-1]
            passed[module] = passed.get(module, 0) + 1
    # the contract and registration tests plus at least one test of the provider itself, for every kind
    assert {f"test_{p.name}": n for p in packages if (n := passed.get(f"test_{p.name}", 0)) < 3} == {}


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
