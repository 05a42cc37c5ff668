"""The exit-code contract for inputs a user hands in: one line, exit 2, no traceback (``--debug`` shows it).

Each case is a command as a user types it, run through ``ftflow.cli.main`` in a scratch directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ftflow.cli import main


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's scratch directory (the cwd) with its own workspace under it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "home"))
    return tmp_path


def _one_line(capsys: pytest.CaptureFixture, code: int, *expected: str) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ftflow: error: "), err
    assert "Traceback" not in err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


LOCKS = {
    "missing_keys": ({"ftflow_lock": 1}, "lock key 'recipe' is missing"),
    "config_not_a_mapping": ({"ftflow_lock": 1, "recipe": "smoke", "config": [1, 2]},
                             "lock key 'config' must be a mapping, got list"),
    "inputs_not_a_mapping": ({"ftflow_lock": 1, "recipe": "smoke", "config": {}, "inputs": "x"},
                             "lock key 'inputs' must be a mapping"),
    "not_a_lock": ([1, 2, 3], "is not an ftflow lock file"),
}


@pytest.mark.parametrize("case", sorted(LOCKS))
def test_malformed_lock_files(user, tmp_path, capsys, case):
    content, expected = LOCKS[case]
    (tmp_path / "x.lock").write_text(json.dumps(content))
    _one_line(capsys, main(["run", "--locked", "x.lock"]), "x.lock", expected)


def test_truncated_and_deeply_nested_lock_files(user, tmp_path, capsys):
    (tmp_path / "cut.lock").write_text('{"ftflow_lock": 1, "reci')
    _one_line(capsys, main(["run", "--locked", "cut.lock"]), "cut.lock", "not a valid lock file")
    (tmp_path / "deep.lock").write_text("[" * 100_000 + "]" * 100_000)
    _one_line(capsys, main(["run", "--locked", "deep.lock"]), "deep.lock", "not a valid lock file")


def test_lock_output_into_a_missing_directory_or_onto_a_directory(user, tmp_path, capsys):
    _one_line(capsys, main(["lock", "recipe=smoke", "-o", "/missing/dir/x"]), "/missing/dir does not exist")
    (tmp_path / "taken").mkdir()
    _one_line(capsys, main(["lock", "recipe=smoke", "-o", "taken"]), "cannot write taken")
    assert [p.name for p in (tmp_path).iterdir() if p.name.startswith(".")] == []  # no partial file left


def test_data_row_nested_100000_deep_names_file_and_line(user, tmp_path, capsys):
    path = tmp_path / "deep.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})
    path.write_text(good + '\n{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    _one_line(capsys, main(["data", "check", str(path)]), f"{path}:2:", "nested too deeply")


def test_csv_field_over_the_field_limit_names_file_and_line(user, tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text('instruction,output\na,b\n"' + "x" * 140_000 + '",y\n')
    _one_line(capsys, main(["data", "check", str(path), "--format", "alpaca"]), f"{path}:3:", "field limit")


def _truncated_run(tmp_path: Path) -> None:
    run = tmp_path / "home" / "runs" / "20260101-000000-abcd"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text('{"run_id": "20260101-000000-abcd", "stat')
    (tmp_path / "home" / "runs" / "last").write_text(run.name)


def test_truncated_manifest_in_show(user, tmp_path, capsys):
    _truncated_run(tmp_path)
    _one_line(capsys, main(["show", "last"]), "20260101-000000-abcd/manifest.json: not a readable run record")
    _one_line(capsys, main(["show", "last", "--json"]), "manifest.json: not a readable run record")
    (tmp_path / "home" / "runs" / "20260101-000000-abcd" / "manifest.json").write_text('{"stages": 3}')
    _one_line(capsys, main(["show", "last"]), "manifest.json: not a run record")


def test_truncated_manifest_in_cache_gc_prints_no_traceback(user, tmp_path, capsys):
    _truncated_run(tmp_path)
    code = main(["cache", "gc"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code:  # gc may also skip the damaged record; if it refuses, it is one line and exit 2
        _one_line_text(err, code)


def _one_line_text(err: str, code: int) -> None:
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_malformed_recipe_yaml_names_file_line_and_column(user, tmp_path, capsys):
    recipes = tmp_path / "mine" / "recipe"
    recipes.mkdir(parents=True)
    (recipes / "broken.yaml").write_text("# @package _global_\nmethod:\n  max_steps: [1\n  lr: 2\n")
    line = _one_line(capsys, main(["plan", "--recipes-dir", str(tmp_path / "mine"), "recipe=broken"]))
    assert f"{recipes / 'broken.yaml'}:4:" in line and "invalid YAML" in line


@pytest.mark.parametrize("override", ["hydra.searchpath=[pkg://this]", "+hydra.searchpath=[pkg://this]",
                                      "hydra/launcher=basic", "++hydra.job.env_set.X=1"])
def test_hydra_overrides_outside_the_whitelist_are_refused(user, capsys, override):
    _one_line(capsys, main(["plan", "recipe=smoke", override]), "hydra settings are not recipe data")


def test_whitelisted_hydra_override_is_accepted(user, capsys):
    assert main(["run", "recipe=smoke", "hydra.job.name=x", "--print-config"]) == 0


def test_serve_python_in_a_recipe_is_refused_before_anything_runs(user, capsys):
    _one_line(capsys, main(["plan", "recipe=smoke", "serve=vllm", "serve.python=/bin/sh"]),
              "serve.python", "ftflow serve --python")


def test_serve_never_runs_the_cwd_venv_vllm(tmp_path, monkeypatch):
    from ftflow_plugins.serve.vllm import VllmServeConfig, interpreter

    fake = tmp_path / ".venv-vllm" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FTFLOW_VLLM_PYTHON", raising=False)
    assert interpreter(VllmServeConfig()) != str(fake)
    assert interpreter(VllmServeConfig(python=str(fake))) == str(fake)  # given explicitly (--python)


def test_package_valued_keys_never_import(tmp_path):
    """``import this`` prints the Zen of Python: a recipe value must not reach the import system."""
    env = {**os.environ, "FTFLOW_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "ftflow", "plan", "recipe=smoke", "+model.tokenizer_package=this.x"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert "Zen of Python" not in proc.stdout + proc.stderr and "Beautiful is better" not in proc.stdout
    assert proc.returncode == 2, proc.stderr
    assert "no installed distribution 'this.x'" in proc.stderr and "Traceback" not in proc.stderr


def test_debug_raises_what_the_catch_all_would_report(user, monkeypatch, capsys):
    import ftflow.commands.info as info

    def broken(*args):
        raise OSError(5, "Input/output error", "/mnt/x")

    monkeypatch.setattr(info, "cmd_recipes", broken)
    _one_line(capsys, main(["recipes"]), "/mnt/x: Input/output error", "--debug shows where")
    with pytest.raises(OSError):
        main(["--debug", "recipes"])


def test_an_internal_error_outside_the_input_families_keeps_its_traceback(user, monkeypatch):
    import ftflow.commands.info as info

    monkeypatch.setattr(info, "cmd_recipes", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        main(["recipes"])


def test_an_invalid_combination_stops_at_the_graph_check_before_any_stage_runs(user, tmp_path, capsys):
    """dpo on preference data without an eval split, with eval=generate: found by requires/provides."""
    code = main(["run", "recipe=smoke", "method=dpo", "adapter=lora", "data=smoke_preference"])
    line = _one_line(capsys, code, "eval: needs eval.jsonl from the data stage (files)", "set data.eval")
    assert "invalid stage graph" in line
    assert not (tmp_path / "home" / "cache" / "entries").exists() or not any(
        (tmp_path / "home" / "cache" / "entries").iterdir())  # nothing was built
    assert main(["plan", "recipe=smoke", "method=dpo", "adapter=lora", "data=smoke_preference",
                 "eval=none"]) == 0


def test_requires_is_checked_against_provides_for_any_provider():
    """The rule is the contract's, not the evaluator's: a stage requiring a file its input will not hold."""
    from light import NOTE_PROVIDERS, light_config

    from ftflow.errors import GraphError
    from ftflow.pipeline import build_graph
    from ftflow.plugin import hookimpl
    from ftflow.plugin.manager import load_plugins

    data_note, eval_note = (next(p for p in NOTE_PROVIDERS if p.kind == k) for k in ("data", "evaluator"))

    class Scores(data_note):
        name = "scores"

        def provides(self, config):
            return ("note.json", "scores.csv") if config.value else ("note.json",)

    class NeedsScores(eval_note):
        name = "needs-scores"

        def requires(self, config):
            return {"data": {"*.csv": "set data.value"}}

    class Plugin:
        @hookimpl
        def ftflow_register_providers(self, registry):
            for provider in (*NOTE_PROVIDERS, Scores, NeedsScores):
                registry.add(provider)

    registry = load_plugins(extra=[Plugin()]).registry
    config = light_config()
    config["data"]["provider"], config["eval"]["provider"] = "scores", "needs-scores"
    with pytest.raises(GraphError, match=r"eval: needs \*.csv from the data stage \(scores\).*set data.value"):
        build_graph(config, registry)
    config["data"]["value"] = 1
    assert [s.name for s in build_graph(config, registry)][-1] == "eval"



def test_overrides_after_an_option_are_overrides(user, tmp_path, capsys):
    mine = str(tmp_path / "mine")
    (tmp_path / "mine" / "recipe").mkdir(parents=True)
    assert main(["run", "--print-config", "--recipes-dir", mine, "recipe=smoke", "method.max_steps=3",
                 "--recipes-dir", mine, "seed=11", "method.max_steps=4"]) == 0
    out = capsys.readouterr().out
    assert "max_steps: 4" in out and "seed: 11" in out  # in order: the later override wins


def test_unknown_option_is_one_line(user, capsys):
    _one_line(capsys, main(["plan", "recipe=smoke", "--recipes-dir", "x", "--bogus", "seed=1"]),
              "unrecognized arguments: --bogus seed=1", "ftflow plan --help")
