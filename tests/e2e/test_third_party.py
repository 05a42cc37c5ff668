"""A third-party plugin package written from docs/plugins.md alone (``tests/third_party_plugin``: a ShareGPT
format, a json_keys metric with options, an Ollama Modelfile exporter that builds on ``export=gguf``)
installs, is listed, and runs in a recipe next to the built-ins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gguf_workspace

from ftflow.testing import run_ftflow

PACKAGE = Path(__file__).resolve().parents[1] / "third_party_plugin"
SAMPLE = PACKAGE / "ftflow_harbor" / "recipes" / "datasets" / "sharegpt_sample" / "train.jsonl"


def test_a_plugin_written_from_the_docs_runs_end_to_end(tmp_path, gguf_home):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(PACKAGE)], check=True, capture_output=True)
    env = {"PYTHONPATH": str(site)}
    home = gguf_workspace.fresh(gguf_home, tmp_path / "home")

    listed = run_ftflow(home, "plugins", env=env).stdout
    for name, kind in (("harbor_sharegpt", "format"), ("json_keys", "metric"), ("modelfile", "export")):
        row = next(line for line in listed.splitlines() if f" {name} " in line)
        assert kind in row and "ftflow-harbor-fixture" in row

    checked = run_ftflow(home, "data", "check", str(SAMPLE), "--format", "harbor_sharegpt", env=env)
    assert checked.ok, checked.stderr

    exports = "exports=[{provider: modelfile, quant: q8_0, system: Answer in JSON.}]"
    metrics = ("eval.metrics=[exact_match,json_keys]", "+eval.metric_options.json_keys.mode=all",
               "+eval.metric_options.json_keys.keys=[answer]")  # smoke references are not JSON
    wrong = run_ftflow(home, "plan", *gguf_workspace.RUN, *metrics,
                       "exports=[{provider: modelfile, quant: q4_k_m}]", env=env)
    assert wrong.returncode == 2 and "exports[0].quant" in wrong.stderr, wrong.stderr

    result = run_ftflow(home, "run", *gguf_workspace.RUN, *metrics, exports, env=env)
    assert result.ok, result.stderr[-3000:]
    assert result.ran() == {"eval", "export.modelfile"}  # the GGUF export is reused, not rebuilt
    artifact = Path(result.stage("export.modelfile")["artifact"])
    modelfile = (artifact / "Modelfile").read_text()
    assert modelfile.startswith("FROM ./model.q8_0.gguf\n") and 'SYSTEM """Answer in JSON."""' in modelfile
    assert str(home) not in modelfile  # no cache path as the handle
    exported = Path(result.stage("export")["artifact"]) / "gguf" / "model.q8_0.gguf"
    assert (artifact / "model.q8_0.gguf").read_bytes() == exported.read_bytes()
    assert result.manifest["metrics"]["tuned"]["json_keys"] == 0.0  # a random model writes no JSON
