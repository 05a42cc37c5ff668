"""The smoke recipe end to end: cold run, fully cached rerun, targeted reruns, crash safety, plugins."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warm_home(tmp_path_factory) -> Path:
    """One workspace in which the smoke recipe has run once (shared by this module's tests, in order)."""
    home = tmp_path_factory.mktemp("smoke") / "home"
    result = run_ftflow(home, "run", "recipe=smoke")
    assert result.ok, result.stderr[-3000:]
    return home


def test_cold_run_records_everything(warm_home):
    manifest = json.loads((warm_home / "runs" / (warm_home / "runs" / "last").read_text() / "manifest.json")
                          .read_text())
    assert manifest["status"] == "ok" and manifest["recipe"] == "smoke"
    assert [s["name"] for s in manifest["stages"]] == ["model", "data", "tokenize", "train", "export", "eval"]
    for stage in manifest["stages"]:
        assert {"name", "kind", "plugin", "key", "cached", "seconds", "artifact"} <= set(stage)
        assert Path(stage["artifact"]).is_dir()
    assert set(manifest["metrics"]) == {"base", "tuned"}
    assert set(manifest["metrics"]["tuned"]) == {"exact_match", "token_f1"}
    curve = manifest["stage_metadata"]["train"]["loss_curve"]
    assert curve[-1][1] < curve[0][1]
    run_dir = warm_home / "runs" / manifest["run_id"]
    assert (run_dir / "report.md").read_text().count("|") > 10
    assert (run_dir / "config.yaml").exists()


def test_rerun_is_fully_cached_and_imports_no_torch(warm_home):
    code = ("import sys; from ftflow.cli import main; rc = main(['run', 'recipe=smoke']); "
            "print('TORCH', 'torch' in sys.modules); sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "FTFLOW_HOME": str(warm_home)})
    assert proc.returncode == 0, proc.stderr
    assert "TORCH False" in proc.stdout
    assert "0 ran, 6 cached" in proc.stdout


def test_changing_one_knob_reruns_exactly_its_stage_and_descendants(warm_home):
    eval_only = run_ftflow(warm_home, "run", "recipe=smoke", "eval.max_new_tokens=8")
    assert eval_only.ok, eval_only.stderr[-2000:]
    assert eval_only.ran() == {"eval"}
    train_on = run_ftflow(warm_home, "run", "recipe=smoke", "method.learning_rate=0.002")
    assert train_on.ok, train_on.stderr[-2000:]
    assert train_on.ran() == {"train", "export", "eval"}


def test_show_and_cache_commands(warm_home):
    shown = run_ftflow(warm_home, "show", "last", "--json")
    assert shown.ok and json.loads(shown.stdout)["status"] == "ok"
    table = run_ftflow(warm_home, "show")
    assert "tuned" in table.stdout and "token_f1" in table.stdout
    listing = run_ftflow(warm_home, "cache", "ls")
    assert listing.ok and "train" in listing.stdout
    verified = run_ftflow(warm_home, "cache", "verify")
    assert verified.ok and "0 problems" in verified.stdout


def test_sigkill_during_a_stage_leaves_no_corrupt_entry(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "FTFLOW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "run", "recipe=smoke"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 240
    for line in proc.stdout:  # kill as soon as training has taken its first step
        if "step 2/" in line or time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((home / "cache" / "tmp").iterdir()), "the killed stage should have left debris in tmp/"
    stages_done = {json.loads(p.read_text())["stage"] for p in (home / "cache" / "entries").glob("*/*/meta.json")}
    assert "train" not in stages_done
    again = run_ftflow(home, "run", "recipe=smoke")
    assert again.ok, again.stderr[-2000:]
    assert again.stage("model")["cached"] and not again.stage("train")["cached"]
    assert run_ftflow(home, "cache", "verify").ok


def test_third_party_plugin_is_discovered_and_selectable(tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(REPO / "tests" / "example_plugin")], check=True)
    env = {"PYTHONPATH": str(site)}
    home = tmp_path / "home"
    listed = run_ftflow(home, "plugins", env=env)
    row = next(line for line in listed.stdout.splitlines() if " length_ratio " in line)
    assert "metric" in row and "ftflow-example-plugin" in row and "0.3.0" in row
    result = run_ftflow(home, "run", "recipe=smoke", "eval=example", env=env)
    assert result.ok, result.stderr[-2000:]
    assert "length_ratio" in result.manifest["metrics"]["tuned"]
    note = home / "runs" / result.manifest["run_id"] / "example-plugin.json"
    assert json.loads(note.read_text()) == {"status": "ok", "stages": 6}
