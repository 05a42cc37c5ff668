"""``ftflow serve``'s command-line errors: one line, exit 2, naming what to change."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from ftflow.testing import run_ftflow


def _one_line(result) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_serve_a_run_without_serve_section(gguf_home):
    line = _one_line(run_ftflow(gguf_home, "serve", "last"))
    assert "was made with serve=none: rerun its recipe with serve=llamacpp" in line and "--provider" in line
    assert "unknown run id 'nope'" in _one_line(run_ftflow(gguf_home, "serve", "nope"))
    assert "--provider: unknown server provider 'tgi'" in _one_line(run_ftflow(gguf_home, "serve", "--provider", "tgi"))


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_vllm_missing_is_explained(gguf_home):
    # point the plugin at this interpreter (no vLLM), even where `make vllm-env` made .venv-vllm
    line = _one_line(run_ftflow(gguf_home, "serve", "--provider", "vllm", env={"FTFLOW_VLLM_PYTHON": sys.executable}))
    assert "serve.python: vLLM is not installed for" in line and "make vllm-env" in line


def test_llamacpp_needs_a_gguf_export(ftflow_home):
    line = _one_line(run_ftflow(ftflow_home, "plan", "recipe=smoke", "serve=llamacpp", "export=merged"))
    assert "serve=llamacpp serves GGUF files" in line and "add export=gguf" in line
    line = _one_line(run_ftflow(ftflow_home, "plan", "recipe=smoke", "serve=llamacpp", "export=gguf",
                                "serve.routes=[{name:auto}]", "serve.max_tokens=0"))
    assert "serve.routes[0].name: 'auto'" in line and "serve.max_tokens: must be positive" in line
