"""The llama.cpp backend and the ``gguf`` eval variant on the smoke export's GGUF files."""

from __future__ import annotations

import json
from types import SimpleNamespace

import gguf_workspace as gguf

from ftflow.stage import Artifact
from ftflow_plugins.llamacpp.generator import LlamaCppGenerator, cpu_threads
from ftflow_plugins.llamacpp.variant import GgufVariant

PROMPTS = [[{"role": "user", "content": "How do I switch networks?"}],
           [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is gas paid in ETH?"}]]


def _ctx(gguf_home):
    artifact, meta = gguf.export_artifact(gguf_home)
    return SimpleNamespace(inputs={"export": Artifact(artifact, "digest", meta)}, seed=0, config=SimpleNamespace()), meta


def test_variant_expands_per_file_and_generates(gguf_home):
    ctx, meta = _ctx(gguf_home)
    variant = GgufVariant()
    assert variant.expand(ctx) == [f"gguf:{q}" for q in gguf.QUANTS]
    generator = variant.load(ctx, "gguf:q4_0", batch_size=4)
    try:
        assert generator.identity == f"gguf:{meta['gguf']['q4_0']['sha256']}"
        outputs = generator.generate(PROMPTS, max_new_tokens=8)
        assert len(outputs) == 2 and all(isinstance(o, str) and o for o in outputs)
        assert generator.last_truncated == [True, True] or len(generator.last_truncated) == 2
        again = generator.generate(PROMPTS[:1], max_new_tokens=8)
        assert again == outputs[:1]  # greedy: deterministic
    finally:
        generator.close()


def test_json_schema_constrains_output(gguf_home):
    ctx, meta = _ctx(gguf_home)
    schema = {"type": "object", "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}},
              "required": ["answer"]}
    generator = LlamaCppGenerator(ctx.inputs["export"].path / meta["gguf"]["q8_0"]["file"], "test")
    try:
        (output,) = generator.generate(PROMPTS[1:], max_new_tokens=200, json_schema=schema)
    finally:
        generator.close()
    assert json.loads(output)["answer"] in ("yes", "no")


def test_eval_reports_every_gguf_variant(gguf_home):
    metrics = gguf.manifest(gguf_home)["metrics"]
    assert {"tuned", *(f"gguf:{q}" for q in gguf.QUANTS)} <= set(metrics)
    assert set(metrics["gguf:q8_0"]) >= {"exact_match", "token_f1"}


def test_thread_count_comes_from_the_machine(monkeypatch):
    assert cpu_threads() >= 1
    monkeypatch.setenv("FTFLOW_LLAMA_THREADS", "3")
    assert cpu_threads() == 3
