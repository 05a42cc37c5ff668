"""``eval.engine``: the default and a bad value (one line naming the key, exit 2, before anything runs)."""

from __future__ import annotations

from ftflow.testing import run_ftflow
from ftflow_plugins.evaluate.generate import GenerateConfig


def test_default_engine_is_auto():
    assert GenerateConfig().engine == "auto"


def test_bad_engine_is_a_one_line_config_error(tmp_path):
    result = run_ftflow(tmp_path / "home", "plan", "recipe=smoke", "eval.engine=vllm")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "eval.engine: 'vllm' is not one of auto, llamacpp, hf" in lines[0]
    assert "Traceback" not in result.stderr
