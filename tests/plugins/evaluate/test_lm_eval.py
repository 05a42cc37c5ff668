"""eval=lm_eval on the smoke recipe: lm-eval-harness's own API runs the shipped local task offline on base and
tuned (peft adapter); metrics, intervals, paired comparisons and lm-eval's results format come out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ftflow_plugins.evaluate.harness import as_lm_eval_results, task_config

TASK = Path(__file__).resolve().parents[3] / "recipes" / "datasets" / "lm_eval" / "harbor_lumen_mc.yaml"


def test_task_files_resolve_next_to_the_yaml(tmp_path):
    config = task_config(TASK, tmp_path / "cache")
    data = Path(config["dataset_kwargs"]["data_files"]["test"])
    assert data.is_absolute() and data.exists() and config["output_type"] == "multiple_choice"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    assert len(rows) >= 90 and all(r["choices"][r["answer"]] and len(r["choices"]) == 4 for r in rows)


def test_lm_eval_runs_offline_on_base_and_tuned(tmp_path):
    env = {**os.environ, "FTFLOW_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "ftflow", "run", "recipe=smoke", "eval=lm_eval", "eval.max_examples=12"],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = tmp_path / "runs" / (tmp_path / "runs" / "last").read_text()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert set(manifest["metrics"]) == {"base", "tuned"}
    for variant in ("base", "tuned"):
        assert set(manifest["metrics"][variant]) == {"harbor_lumen_mc_acc", "harbor_lumen_mc_acc_norm"}
        low, high = manifest["intervals"][variant]["harbor_lumen_mc_acc"]
        assert low <= manifest["metrics"][variant]["harbor_lumen_mc_acc"] <= high
    eval_meta = manifest["stage_metadata"]["eval"]
    assert eval_meta["differences"]["tuned - base"]["harbor_lumen_mc_acc"]["n"] == 12
    artifact = Path(next(s["artifact"] for s in manifest["stages"] if s["name"] == "eval"))
    results = json.loads((artifact / "lm_eval_tuned.json").read_text())  # lm-eval's own results format
    assert results["results"]["harbor_lumen_mc"]["acc,none"] == manifest["metrics"]["tuned"]["harbor_lumen_mc_acc"]
    assert results["n-samples"]["harbor_lumen_mc"]["effective"] == 12
    assert str(tmp_path) not in (artifact / "lm_eval_tuned.json").read_text()  # no host paths in the artifact
    samples = (artifact / "lm_eval_base_samples.jsonl").read_text().splitlines()
    assert len(samples) == 12 and json.loads(samples[0])["task"] == "harbor_lumen_mc"
    assert "lm-eval-harness tasks: harbor_lumen_mc" in (run_dir / "report.md").read_text()


def test_generate_numbers_in_lm_eval_layout():
    out = as_lm_eval_results("ftflow_generate", {"token_f1": 0.5, "bleu": 0.2}, {"token_f1": [0.0, 1.0, None, 0.5]},
                             {"task": "ftflow_generate"})
    values = out["results"]["ftflow_generate"]
    assert values["token_f1,none"] == 0.5 and values["token_f1_stderr,none"] == 0.5 / 3 ** 0.5 * 1.0
    assert values["bleu_stderr,none"] == "N/A" and out["n-samples"]["ftflow_generate"]["effective"] == 3
