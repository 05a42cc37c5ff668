"""Which exported GGUF a llama.cpp route serves by default (plugins/serve/llamacpp.py ``pick``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftflow.errors import ConfigError
from ftflow_plugins.llamacpp import engine
from ftflow_plugins.serve.llamacpp import pick
from ftflow_plugins.serve.targets import ModelFiles


def _files(*types: str) -> ModelFiles:
    return ModelFiles("run", "tuned", gguf={t: Path(f"model.{t}.gguf") for t in types})


@pytest.mark.parametrize("cpu", ["bf16", "q8_0"])
def test_batching_server_takes_bf16_only_on_a_bf16_cpu(monkeypatch, cpu):
    monkeypatch.setattr(engine, "engine_type", lambda: cpu)
    files = _files("q8_0", "q4_0", "bf16")
    assert pick(files, None, "serve.quant", batched=True).name == f"model.{'bf16' if cpu == 'bf16' else 'q8_0'}.gguf"
    assert pick(files, None, "serve.quant").name == "model.q8_0.gguf"  # one request at a time: q8_0
    assert pick(_files("q8_0", "q4_0"), None, "serve.quant", batched=True).name == "model.q8_0.gguf"
    assert pick(files, "q4_0", "serve.quant", batched=True).name == "model.q4_0.gguf"  # asked for: kept


def test_a_type_the_run_did_not_export_is_one_line():
    with pytest.raises(ConfigError, match="serve.quant"):
        pick(_files("q8_0"), "bf16", "serve.quant")
