"""serve=vllm end to end (slow; needs vLLM: `make vllm-env` on a CPU machine): a smoke run's base model
and its LoRA adapter as named models, answered through the router with the ``openai`` client.

The smoke model is widened to head_dim 64: vLLM's CPU attention has no kernel for the default head_dim 16."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow
from ftflow_plugins.serve.vllm import VllmServeConfig, has_vllm, interpreter

openai = pytest.importorskip("openai")
REPO = Path(__file__).resolve().parents[3]
PYTHON = os.environ.get("FTFLOW_VLLM_PYTHON") or str(REPO / ".venv-vllm" / "bin" / "python")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not has_vllm(interpreter(VllmServeConfig(python=PYTHON))),
                                 reason="vLLM not installed (make vllm-env)")]


def test_base_and_lora_adapter_through_the_router(ftflow_home):
    home = ftflow_home
    result = run_ftflow(home, "run", "recipe=smoke", "model.hidden_size=128", "model.num_heads=2",
                        "model.num_kv_heads=1", "eval=none", "export=none", "serve=vllm", f"serve.python={PYTHON}",
                        "serve.dtype=float32", "serve.max_model_len=512",
                        "serve.routes=[{name:base,target:base},{name:tuned,keywords:[wallet]}]")
    assert result.ok, result.stderr[-2000:]
    env = {**os.environ, "FTFLOW_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "serve", "last", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=home.parent)
    try:
        url, deadline = None, time.monotonic() + 900
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            url = line.split()[1] if line.startswith("ready: ") else None
        assert url, proc.stderr.read()[-3000:]
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        for model, question, route in (("auto", "my wallet is locked", "tuned"), ("base", "hello", "base")):
            raw = client.chat.completions.with_raw_response.create(
                model=model, max_tokens=8, messages=[{"role": "user", "content": question}])
            assert raw.headers["x-ftflow-route"] == route and raw.parse().usage.completion_tokens > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
    assert proc.returncode == 0
