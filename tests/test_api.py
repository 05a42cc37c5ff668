"""``ftflow.api``: run, show, runs, plan, export and models from Python, equal to what the CLI records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gguf_workspace
import pytest

from ftflow import api
from ftflow.errors import UserError


@pytest.fixture(scope="module")
def home(gguf_home, tmp_path_factory) -> Path:
    """A copy of the shared GGUF smoke workspace: a plain smoke run reuses its model, data and training."""
    return gguf_workspace.fresh(gguf_home, tmp_path_factory.mktemp("api") / "home")


@pytest.fixture(scope="module")
def smoke(home) -> dict:
    """``from ftflow.api import run; r = run("smoke")`` in a plain Python session (FTFLOW_HOME set)."""
    code = ("import json; from ftflow.api import run; r = run('smoke'); "
            "print('RESULT', json.dumps({'run_id': r.run_id, 'metrics': r.metrics, 'status': r.status, "
            "'stages': [[s.name, s.cached, str(s.artifact)] for s in r.stages], "
            "'artifacts': {k: str(v) for k, v in r.artifacts.items()}}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=home.parent,
                          env={**os.environ, "FTFLOW_HOME": str(home)}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.split("RESULT ", 1)[1])


def test_run_returns_the_manifest_metrics_stages_and_artifacts(home, smoke):
    manifest = json.loads((home / "runs" / smoke["run_id"] / "manifest.json").read_text())
    assert smoke["status"] == "ok" and smoke["metrics"] == manifest["metrics"]
    assert set(smoke["metrics"]) == {"base", "tuned"}
    assert smoke["stages"] == [[s["name"], s["cached"], s["artifact"]] for s in manifest["stages"]]
    cached = {name for name, was_cached, _ in smoke["stages"] if was_cached}
    assert {"model", "data", "tokenize", "train"} <= cached  # shared with the GGUF run's stages
    assert smoke["artifacts"]["export"] == manifest["stages"][4]["artifact"]


def test_show_and_runs_read_the_same_records(home, smoke):
    shown = api.show(home=home)
    assert shown.run_id == smoke["run_id"] and shown.metrics == smoke["metrics"]
    assert shown.report.is_file() and shown.artifacts["train"].is_dir()
    assert api.show(smoke["run_id"][:17], home=home).run_id == smoke["run_id"]  # a unique prefix
    listed = api.runs(home=home)
    assert [r.recipe for r in listed] == ["smoke", "smoke"] and listed[-1].run_id == smoke["run_id"]
    with pytest.raises(UserError, match="unknown run id 'nope'"):
        api.show("nope", home=home)


def test_in_process_rerun_is_cached_and_plan_agrees(home, smoke):
    rows = api.plan("smoke", home=home)
    assert [r.name for r in rows] == ["model", "data", "tokenize", "train", "export", "eval"]
    assert all(r.cached for r in rows)
    assert [r.key for r in rows] == [s.key for s in api.show(smoke["run_id"], home=home).stages]
    stale = api.plan("smoke", {"eval.max_new_tokens": 8}, home=home)
    assert [r.name for r in stale if not r.cached] == ["eval"]
    assert any("max_new_tokens" in reason for reason in stale[-1].reasons)
    again = api.run("smoke", home=home)
    assert all(s.cached for s in again.stages) and again.metrics == smoke["metrics"]


def test_export_and_models(home, smoke, tmp_path):
    result = api.export(smoke["run_id"], tmp_path / "m", formats=["hf"], home=home)
    assert result.summary["formats"] == ["hf"] and (tmp_path / "m" / "model" / "config.json").is_file()
    assert [m["path"] for m in api.models(home=home)] == [str(tmp_path / "m")]


def test_overrides_and_bad_input():
    assert api.override_list("smoke", {"method.max_steps": 4, "eval.variants": ["tuned", "gguf"],
                                       "method.packing": False, "x": None}) == [
        "recipe=smoke", "method.max_steps=4", "eval.variants=[tuned,gguf]", "method.packing=false", "x=null"]
    assert api.override_list("recipe=smoke", ["a=1"]) == ["recipe=smoke", "a=1"]
    with pytest.raises(UserError, match="name the recipe once"):
        api.override_list("smoke", ["recipe=other"])
    with pytest.raises(UserError, match="not the string"):
        api.override_list("smoke", "a=1")


def test_a_bad_recipe_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="recipe"):
        api.run("no_such_recipe", home=tmp_path / "h")
    assert os.environ.get("FTFLOW_HOME") != str(tmp_path / "h")  # restored after the call
