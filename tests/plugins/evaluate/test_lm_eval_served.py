"""eval=lm_eval's served variant: lm-eval's local-chat-completions model against a real ``ftflow serve``
(llama.cpp, the smoke run's GGUF) started on 127.0.0.1, side by side with the HF base model; results in
lm-eval's format.  A multiple-choice task against an endpoint is refused in one line."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import gguf_workspace
import pytest
from serve_process import serve_last

from ftflow.testing import run_ftflow

pytest.importorskip("fastapi", reason="llama-cpp-python's server extra (pip install 'ftflow[serve]')")

TASKS = Path(__file__).resolve().parents[3] / "recipes" / "datasets" / "lm_eval"


def test_lm_eval_against_ftflow_serve(gguf_home, tmp_path):
    home = gguf_workspace.fresh(gguf_home, tmp_path / "home")
    served = run_ftflow(home, "run", *gguf_workspace.RUN, "serve=llamacpp", "serve.n_ctx=1024", "serve.n_threads=1",
                        "serve.rate_limit_per_min=0")
    assert served.ok, served.stderr[-2000:]
    proc, url = serve_last(home)
    try:
        run = ("recipe=smoke", "method=none", "export=none", "eval=lm_eval", "eval.variants=[served,base]", f"eval.base_url={url}",
               f"eval.tasks=[{TASKS / 'harbor_lumen_gen.yaml'}]", "eval.max_examples=6", "eval.max_new_tokens=4")
        result = run_ftflow(home, "run", *run)
        refused = run_ftflow(home, "run", *run[:-3], f"eval.tasks=[{TASKS / 'harbor_lumen_mc.yaml'}]")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert result.ok, result.stderr[-3000:]
    metric = "harbor_lumen_gen_exact_match_letter"
    assert set(result.manifest["metrics"]) == {"served", "base"}
    assert metric in result.manifest["metrics"]["served"]
    eval_meta = result.manifest["stage_metadata"]["eval"]
    assert eval_meta["differences"]["base - served"][metric]["n"] == 6
    artifact = Path(result.stage("eval")["artifact"])
    results = json.loads((artifact / "lm_eval_served.json").read_text())  # lm-eval's own results format
    assert results["results"]["harbor_lumen_gen"]["exact_match,letter"] == result.manifest["metrics"]["served"][metric]
    assert results["n-samples"]["harbor_lumen_gen"]["effective"] == 6
    samples = [json.loads(line) for line in (artifact / "lm_eval_served_samples.jsonl").read_text().splitlines()]
    assert len(samples) == 6 and all(isinstance(s["resps"][0][0], str) for s in samples)
    requests = (next((home / "runs").glob("*/serve")) / "requests.jsonl").read_text().splitlines()
    assert sum(json.loads(r)["status"] == 200 for r in requests) >= 6  # the answers came from the server
    assert refused.returncode == 2 and "multiple_choice task; the served variant runs generation tasks only" \
        in refused.stderr
