"""The command line's contract: listings, one-line errors with exit 2, no heavy imports for planning."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BAD_INPUT = [
    (["run", "recipe=does_not_exist"], "recipe: unknown recipe 'does_not_exist' (choices: "),
    (["run", "recipe=smoke", "adapter=lorra"], "adapter: unknown option 'lorra' for group 'adapter' (choices: "),
    (["run", "recipe=smoke", "method.lerning_rate=1"], "method.lerning_rate: unknown config key 'lerning_rate'"),
    (["run", "recipe=smoke", "method.learning_rate=fast"], "method.learning_rate: expected float, got str 'fast'"),
    (["run", "recipe=smoke", "+method.lerning_rate=1"], "method.lerning_rate: unknown key (valid keys: "),
    (["plan", "recipe=smoke", "eval.metrics=[exact_match,bleu9]"], "unknown metric provider 'bleu9' (available: "),
    (["show", "nope"], "unknown run id 'nope'"),
]


@pytest.mark.parametrize(("args", "expected"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_no_traceback(ftflow_cli, args, expected):
    result = ftflow_cli(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ftflow: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(ftflow_cli):
    result = ftflow_cli("--debug", "run", "recipe=does_not_exist")
    assert result.returncode != 0 and "Traceback" in result.stderr


@pytest.mark.parametrize("args", [["--verbose", "run"], ["run", "--verbose"], ["run"]])
def test_verbose_is_accepted_before_or_after_run_and_passed_on_through_the_environment(args, monkeypatch, capsys):
    from ftflow.cli import main

    environ = {k: v for k, v in os.environ.items() if k != "FTFLOW_VERBOSE"}
    monkeypatch.setattr(os, "environ", environ)  # what child processes inherit, kept out of other tests
    assert main([*args, "recipe=smoke", "--print-config"]) == 0
    assert environ.get("FTFLOW_VERBOSE") == ("1" if "--verbose" in args else None)


def test_recipes_lists_smoke_with_its_description(ftflow_cli):
    result = ftflow_cli("recipes")
    assert result.ok
    line = next(line for line in result.stdout.splitlines() if " smoke " in line)
    assert "tiny random" in line


def test_plugins_lists_every_builtin_with_kind_and_version(ftflow_cli):
    from ftflow.plugin.manager import load_plugins

    result = ftflow_cli("plugins")
    assert result.ok
    for info in load_plugins().registry:
        rows = [line for line in result.stdout.splitlines() if f" {info.name} " in line and f" {info.kind} " in line]
        assert rows and info.version in rows[0] and "ftflow" in rows[0], info


def test_print_config_shows_the_resolved_recipe(ftflow_cli):
    result = ftflow_cli("run", "recipe=smoke", "method.max_steps=3", "--print-config")
    assert result.ok
    assert "provider: random-init" in result.stdout and "max_steps: 3" in result.stdout


def test_plan_imports_no_heavy_library(ftflow_home):
    code = ("import sys; from ftflow.cli import main; rc = main(['plan', 'recipe=smoke']); "
            "heavy = [m for m in ('torch', 'transformers', 'datasets', 'trl', 'peft', 'llama_cpp', 'sentence_transformers', 'vllm', 'matplotlib') if m in sys.modules]; "
            "print('HEAVY', heavy); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"FTFLOW_HOME": str(ftflow_home), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert "random-init" in proc.stdout and "stale" in proc.stdout
