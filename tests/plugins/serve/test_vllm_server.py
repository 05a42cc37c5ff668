"""serve=vllm end to end (needs vLLM: `make vllm-env` on a CPU machine; `make test` builds it and sets
FTFLOW_REQUIRE_VLLM=1, so there a missing vLLM fails instead of skipping): a smoke run served with the
default routes — ``base``, the LoRA adapter by name (``tuned``) and the merged model (``merged``, written
by the serve stage because the run exports none) in a second vLLM process — queried with the ``openai``
client through ftflow's router.

The smoke model is widened to head_dim 64: vLLM's CPU attention has no kernel for the default head_dim 16."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from serve_process import serve_last

from ftflow.testing import run_ftflow
from ftflow_plugins.serve.vllm import VllmServeConfig, has_vllm, interpreter

REPO = Path(__file__).resolve().parents[3]
PYTHON = os.environ.get("FTFLOW_VLLM_PYTHON") or str(REPO / ".venv-vllm" / "bin" / "python")
REQUIRE_ENV = "FTFLOW_REQUIRE_VLLM"
ROUTES = "serve.routes=[{name:base,target:base},{name:tuned,keywords:[wallet]},{name:merged,target:merged}]"


def _missing(reason: str) -> None:
    """Skip, unless the caller (make test) said vLLM must be there."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}; ${REQUIRE_ENV} is set, so this is a failure (make test builds .venv-vllm)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def openai():
    try:
        import openai
    except ImportError:
        _missing("the openai client is not installed (pip install 'ftflow[serve]')")
    return openai


@pytest.fixture(scope="module")
def vllm_python() -> str:
    if not has_vllm(interpreter(VllmServeConfig(python=PYTHON))):
        _missing(f"vLLM is not installed for {PYTHON} (make vllm-env)")
    return PYTHON


def test_merged_model_and_named_lora_adapter(ftflow_home, vllm_python, openai):
    home = ftflow_home
    result = run_ftflow(home, "run", "recipe=smoke", "model.hidden_size=128", "model.num_heads=2",
                        "model.num_kv_heads=1", "eval=none", "export=none", "serve=vllm",
                        "serve.dtype=float32", "serve.max_model_len=512", ROUTES)
    assert result.ok, result.stderr[-2000:]
    assert "merging the LoRA adapter into the base" in result.stdout + result.stderr
    proc, url = serve_last(home, "--python", vllm_python, timeout=900)
    try:
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
        assert [m.id for m in client.models.list()] == ["auto", "base", "tuned", "merged"]
        answers = {}
        for model, question, route in (("auto", "my wallet is locked", "tuned"), ("tuned", "hello", "tuned"),
                                       ("merged", "hello", "merged"), ("base", "hello", "base")):
            raw = client.chat.completions.with_raw_response.create(
                model=model, max_tokens=8, temperature=0.0, logprobs=True,
                messages=[{"role": "user", "content": question}])
            answer = raw.parse()
            assert raw.headers["x-ftflow-route"] == route and answer.model == route
            assert answer.usage.completion_tokens > 0
            answers[model] = answer.choices[0]
        # greedy: the adapter applied by vLLM and the merged weights give the same tokens, unlike the base
        tuned, merged = answers["tuned"], answers["merged"]
        assert merged.message.content == tuned.message.content != answers["base"].message.content
        pairs = zip(tuned.logprobs.content, merged.logprobs.content, strict=True)
        assert max(abs(a.logprob - b.logprob) for a, b in pairs) < 1e-3
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    assert "route=merged (explicit)" in err and "route=tuned (keyword:wallet)" in err
