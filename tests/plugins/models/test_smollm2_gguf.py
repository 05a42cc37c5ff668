"""smollm2-gguf writes llama.cpp's base model too: the shipped GGUF requantized to bf16, tensor for tensor what
llama.cpp's converter writes from the dequantized HF checkpoint, and the eval engine uses it instead of
converting."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from ftflow.cache.digests import sha256_file
from ftflow.cache.memo import Memo
from ftflow.provider import Artifact
from ftflow_plugins.models.providers import SmolLM2Config, SmolLM2Gguf

pytest.importorskip("llama_cpp")


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("smollm2")
    logs: list[str] = []
    ctx = SimpleNamespace(config=SmolLM2Config(), output_dir=out, log=logs.append)
    return out, SmolLM2Gguf().run(ctx)


def test_the_bf16_file_holds_the_converters_tensors(smollm2, tmp_path):
    import gguf
    import numpy as np

    from ftflow_plugins.export.gguf import convert

    out, meta = smollm2
    info = meta["gguf"]["bf16"]
    ours = out / info["file"]
    assert info["sha256"] == sha256_file(ours)
    converted = tmp_path / "converted.gguf"
    convert(out / "model", {"bf16": converted}, "model", tmp_path / "convert.log")
    a, b = gguf.GGUFReader(str(ours)), gguf.GGUFReader(str(converted))
    theirs = {t.name: t for t in b.tensors}
    assert {t.name for t in a.tensors} == set(theirs)
    for tensor in a.tensors:
        other = theirs[tensor.name]
        assert tensor.tensor_type == other.tensor_type, tensor.name
        assert np.array_equal(np.asarray(tensor.data), np.asarray(other.data)), tensor.name
    for key in ("tokenizer.chat_template", "tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.pre",
                "tokenizer.ggml.eos_token_id"):
        assert a.fields[key].parts[a.fields[key].data[0]].tobytes() == \
            b.fields[key].parts[b.fields[key].data[0]].tobytes(), key


def test_the_engine_decodes_the_base_from_it_without_converting(smollm2, tmp_path, monkeypatch):
    from ftflow_plugins.llamacpp import engine

    out, meta = smollm2
    monkeypatch.setattr(engine, "engine_type", lambda: "bf16")
    logs: list[str] = []
    ctx = SimpleNamespace(inputs={"model": Artifact(out, "model-key", meta)}, config=SimpleNamespace(),
                          memo=Memo(tmp_path / "memo"), work_dir=tmp_path / "work", log=logs.append)
    assert engine.engine_gguf(ctx, tuned=False) == (out / "gguf" / "model.bf16.gguf", meta["gguf"]["bf16"]["sha256"])
    assert not logs  # nothing converted
    monkeypatch.setattr(engine, "engine_type", lambda: "q8_0")  # a CPU without bf16: no file of its type
    assert engine._ready_made(ctx, tuned=False) is None
