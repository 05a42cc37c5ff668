"""The llama.cpp eval engine on the smoke workspace's tiny model: engine choice, identities, memoised
conversions, parallel workers = one context, the adapter really applied, full fine-tuning, fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import gguf_workspace as gguf
import pytest

from ftflow.cache.digests import sha256_file
from ftflow.cache.memo import Memo
from ftflow.errors import UserError
from ftflow.stage import Artifact
from ftflow_plugins.evaluate.variants import BaseVariant, TunedVariant, resolve_engine
from ftflow_plugins.llamacpp.engine import engine_gguf
from ftflow_plugins.llamacpp.generator import LlamaCppGenerator
from ftflow_plugins.llamacpp.variant import GgufVariant

PROMPTS = [[{"role": "user", "content": "How do I switch networks?"}],
           [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is gas paid in ETH?"}],
           [{"role": "user", "content": "What is a seed phrase? " * 6}],
           [{"role": "user", "content": "Hi"}],
           [{"role": "user", "content": "Can I cancel a pending transaction?"}]]


@pytest.fixture(scope="module")
def shared_memo(tmp_path_factory) -> Memo:
    """One memo for the tests that do not count conversions: each model is converted once per module."""
    return Memo(tmp_path_factory.mktemp("memo"))


def _artifacts(home: Path) -> dict[str, Artifact]:
    manifest = gguf.manifest(home)
    return {s["name"]: Artifact(Path(s["artifact"]), s["key"], manifest["stage_metadata"][s["name"]])
            for s in manifest["stages"] if s["name"] in ("model", "train")}


def _ctx(home: Path, tmp_path: Path, engine: str = "auto", inputs: dict[str, Artifact] | None = None,
         memo: Memo | None = None):
    logs: list[str] = []
    ctx = SimpleNamespace(inputs=inputs or _artifacts(home), config=SimpleNamespace(engine=engine, json_schema=None),
                          seed=0,
                          memo=memo or Memo(tmp_path / "memo"), work_dir=tmp_path / "work", log=logs.append)
    return ctx, logs


def _logits(model_path: Path, text: str):
    """Next-token logits of llama.cpp on ``text`` (numpy)."""
    import llama_cpp
    import numpy as np

    from ftflow_plugins.llamacpp.generator import quiet_llama

    quiet_llama()
    llm = llama_cpp.Llama(model_path=str(model_path), n_ctx=256, logits_all=True, verbose=False)
    try:
        llm.eval(llm.tokenize(text.encode(), add_bos=False, special=True))
        return np.array(llm.scores[llm.n_tokens - 1])
    finally:
        llm.close()


def _hf_logits(path: Path, text: str, adapter: Path | None = None, tokenizer: Path | None = None):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(path))
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    ids = AutoTokenizer.from_pretrained(str(tokenizer or path))(text, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        return model(**ids).logits[0, -1].numpy()


def test_auto_is_llamacpp_on_this_cpu_and_explicit_values_stay():
    assert resolve_engine("auto") == "llamacpp"  # torch sees no CUDA device here
    assert resolve_engine("hf") == "hf" and resolve_engine("llamacpp") == "llamacpp"


def test_identities_differ_per_engine_and_conversions_are_memoised(gguf_home, tmp_path):
    ctx, logs = _ctx(gguf_home, tmp_path)
    llama = BaseVariant().load(ctx, "base", batch_size=4)
    try:
        assert isinstance(llama, LlamaCppGenerator) and llama.identity == f"gguf:{sha256_file(llama.path)}"
        assert llama.supports_json_schema is False  # unconstrained: raw-format metrics measure the model
    finally:
        llama.close()
    assert sum("converting the base model" in line for line in logs) == 1
    hf_ctx, _ = _ctx(gguf_home, tmp_path, engine="hf")
    hf = BaseVariant().load(hf_ctx, "base", batch_size=4)
    assert hf.identity == f"hf:{ctx.inputs['model'].digest}" != llama.identity
    again = BaseVariant().load(ctx, "base", batch_size=4)  # a rerun: from the memo, no conversion
    again.close()
    assert sum("converting" in line for line in logs) == 1 and again.path == llama.path


def _chat_tokens(llm, prompts) -> list[list[int]]:
    from llama_cpp import llama_chat_format

    text = llm._model.token_get_text
    formatter = llama_chat_format.Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"],
                                                      text(llm.token_eos()), text(llm.token_bos()))
    return [llm.tokenize(formatter(messages=p).prompt.encode(), add_bos=False, special=True) for p in prompts]


@pytest.mark.parametrize("n_seq", [2, 4])
def test_batched_decoding_is_greedy(gguf_home, tmp_path, shared_memo, monkeypatch, n_seq):
    """Every token the batch decoder picks (2 or 4 slots for 5 prompts: slots are reused, and with 4 the
    sequences move to lower ids in the tail; the system prompt is shared) is the argmax of the model's logits for
    that sequence, up to float noise, checked against a fresh one-sequence context fed the same tokens
    (teacher forcing)."""
    import llama_cpp
    import numpy as np

    from ftflow_plugins.llamacpp import batch
    from ftflow_plugins.llamacpp.batch import BatchDecoder, common_prefix
    from ftflow_plugins.llamacpp.generator import load_llama

    moves: list[int] = []
    compact = batch._compact

    def counting(ctx, active, free):
        before = sorted(s.seq_id for s in active)
        compact(ctx, active, free)
        moves.append(sum(a != b for a, b in zip(before, sorted(s.seq_id for s in active), strict=True)))

    monkeypatch.setattr(batch, "_compact", counting)

    ctx, _ = _ctx(gguf_home, tmp_path, memo=shared_memo)
    path, _ = engine_gguf(ctx, tuned=True)
    system = {"role": "system", "content": "You are a careful wallet support assistant. Be brief."}
    prompts = [[system, *p[-1:]] for p in PROMPTS]
    llm = load_llama(path, n_ctx=512, n_threads=1)
    checker = llama_cpp.Llama(model_path=str(path), n_ctx=512, logits_all=True, verbose=False)
    try:
        tokens = _chat_tokens(llm, prompts)
        assert common_prefix(tokens) > 10
        # 4 slots fed 16 prompt tokens a step start (and end) one after another: gaps to compact
        results = BatchDecoder(llm, n_seq=n_seq, n_batch=512 if n_seq == 2 else 16).generate(tokens, 10)
        assert [hit for _, hit in results] == [len(g) == 10 for g, _ in results]
        assert n_seq == 2 or sum(moves) > 0
        vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        for prompt, (generated, hit) in zip(tokens, results, strict=True):
            checker.reset()
            checker.eval(prompt + generated)
            rows = np.array(checker.scores[len(prompt) - 1:len(prompt) + len(generated)])
            near = [np.flatnonzero(row.max() - row <= 0.02 * (row.max() - row.min())) for row in rows]
            assert all(token in top for token, top in zip(generated, near, strict=False))
            if not hit:  # it stopped: an end-of-generation token was the top choice after its last token
                assert any(llama_cpp.llama_vocab_is_eog(vocab, int(t)) for t in near[len(generated)])
    finally:
        llm.close()
        checker.close()


def test_workers_decode_contiguous_shares_in_order(gguf_home, tmp_path, shared_memo):
    ctx, _ = _ctx(gguf_home, tmp_path, memo=shared_memo)
    path, _ = engine_gguf(ctx, tuned=True)
    one = LlamaCppGenerator(path, "one", n_threads=1, constrain=False)
    three = LlamaCppGenerator(path, "three", workers=3, constrain=False)  # shares of 1, 2 and 2 prompts
    try:
        assert len(three.workers) == 3
        shares = [one.generate(PROMPTS[a:b], 12) for a, b in ((0, 1), (1, 3), (3, 5))]
        assert three.generate(PROMPTS, 12) == [answer for share in shares for answer in share]
        assert len(three.last_truncated) == len(PROMPTS)
        assert three.generate(PROMPTS, 0) == [""] * len(PROMPTS)
    finally:
        one.close()
        three.close()


def test_tuned_reuses_the_exported_file_and_shares_its_generations(gguf_home, tmp_path, monkeypatch):
    """Where the engine's type is one the export wrote (here q8_0, the type on CPUs without bf16): same
    file, same greedy decoding, so tuned and gguf:q8_0 share a memo identity, unless a schema makes the
    gguf variant decode under a grammar the engine does not use."""
    from ftflow_plugins.llamacpp import engine

    monkeypatch.setattr(engine, "engine_type", lambda: "q8_0")
    inputs = _artifacts(gguf_home)
    artifact, meta = gguf.export_artifact(gguf_home)
    inputs["export"] = Artifact(artifact, "export", meta)
    ctx, logs = _ctx(gguf_home, tmp_path, inputs=inputs)
    tuned = TunedVariant().load(ctx, "tuned", batch_size=2)
    exported = GgufVariant().load(ctx, "gguf:q8_0", batch_size=2)
    tuned.close()
    exported.close()
    assert tuned.path == exported.path == artifact / meta["gguf"]["q8_0"]["file"]
    assert tuned.identity == exported.identity and not logs  # nothing converted
    ctx.config.json_schema = "schema.json"
    free = TunedVariant().load(ctx, "tuned", batch_size=2)
    free.close()
    assert free.identity == f"{exported.identity}:unconstrained"
    ctx.config.constrained = True  # every variant under the grammar: the engine's tuned is the export's file again
    bound = TunedVariant().load(ctx, "tuned", batch_size=2)
    bound.close()
    assert bound.identity == exported.identity and bound.decoding["constrained_by"] == "grammar"
    ctx.config.constrained = False  # none under it: the gguf variant decodes free too
    loose = GgufVariant().load(ctx, "gguf:q8_0", batch_size=2)
    loose.close()
    assert loose.identity == free.identity and loose.decoding["constrained_by"] is None


def test_tuned_gguf_applies_the_adapter(gguf_home, tmp_path, shared_memo):
    """llama.cpp's tuned logits track peft's, and are far from the base model's: the adapter is in."""
    import numpy as np

    ctx, _ = _ctx(gguf_home, tmp_path, memo=shared_memo)
    text = "<|im_start|>user\nHow do I switch networks?<|im_end|>\n<|im_start|>assistant\n"
    base_dir, adapter = ctx.inputs["model"].path / "model", ctx.inputs["train"].path / "adapter"
    tuned_cpp, base_cpp = _logits(engine_gguf(ctx, True)[0], text), _logits(engine_gguf(ctx, False)[0], text)
    tuned_hf = _hf_logits(base_dir, text, adapter)
    assert np.abs(tuned_cpp - tuned_hf).max() < 0.1 * np.abs(tuned_cpp - base_cpp).max()
    assert tuned_cpp.argmax() == tuned_hf.argmax()


def test_full_fine_tuning_converts_the_trained_weights(gguf_home, tmp_path, shared_memo):
    """No adapter: the tuned variant converts the train stage's ``model/`` checkpoint."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM

    inputs = _artifacts(gguf_home)
    trained = tmp_path / "train"
    model = AutoModelForCausalLM.from_pretrained(str(inputs["model"].path / "model"))
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.05, alpha=1.0)
    model.save_pretrained(trained / "model")
    inputs["train"] = Artifact(trained, "full-ft", {"peft": False})
    ctx, _ = _ctx(gguf_home, tmp_path, inputs=inputs, memo=shared_memo)
    generator = TunedVariant().load(ctx, "tuned", batch_size=2)
    generator.close()
    text = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    tuned_cpp, want = _logits(generator.path, text), _hf_logits(trained / "model", text, tokenizer=inputs["model"].path / "model")
    base_path, base_sha = engine_gguf(ctx, False)
    assert generator.identity == f"gguf:{sha256_file(generator.path)}" != f"gguf:{base_sha}"
    assert np.abs(tuned_cpp - want).max() < 0.1 * np.abs(tuned_cpp - _logits(base_path, text)).max()


def test_unconvertible_model_falls_back_once_or_fails_clearly(gguf_home, tmp_path):
    """An architecture name the converter does not know (transformers still loads it by model_type)."""
    inputs = _artifacts(gguf_home)
    model = tmp_path / "model-stage"
    shutil.copytree(inputs["model"].path, model)
    config = json.loads((model / "model" / "config.json").read_text())
    (model / "model" / "config.json").write_text(json.dumps({**config, "architectures": ["FtflowOddForCausalLM"]}))
    inputs = {"model": Artifact(model, "odd-model", {})}
    ctx, logs = _ctx(gguf_home, tmp_path, inputs=inputs)
    first = BaseVariant().load(ctx, "base", batch_size=2)
    second = BaseVariant().load(ctx, "base", batch_size=2)
    assert first.identity == second.identity == "hf:odd-model"
    warnings = [line for line in logs if line.startswith("warning:")]
    assert len(warnings) == 1 and "FtflowOddForCausalLM is not supported" in warnings[0]
    assert sum("converting" in line for line in logs) == 1  # the verdict is memoised
    strict, _ = _ctx(gguf_home, tmp_path, engine="llamacpp", inputs=inputs)
    with pytest.raises(UserError, match=r"^eval.engine=llamacpp: .*FtflowOddForCausalLM is not supported"):
        BaseVariant().load(strict, "base", batch_size=2)


def test_the_exports_scratch_base_file_spares_the_engine_a_conversion(gguf_home, tmp_path, shared_memo):
    """``export=gguf`` quantizing from a scratch 16-bit file of the engine's type hands it to the memo:
    the tuned variant then loads it (same key, no merge, no conversion); another type is not taken."""
    from ftflow_plugins.llamacpp.engine import donate, engine_type

    source, _ = engine_gguf(_ctx(gguf_home, tmp_path, memo=shared_memo)[0], True)
    ctx, logs = _ctx(gguf_home, tmp_path)
    scratch = tmp_path / "export-work" / "model.gguf"
    scratch.parent.mkdir()
    shutil.copyfile(source, scratch)
    other = "f32" if engine_type() != "f32" else "f16"
    assert not donate(ctx, scratch, other) and scratch.exists()
    assert donate(ctx, scratch, engine_type()) and not scratch.exists()
    tuned = TunedVariant().load(ctx, "tuned", batch_size=2)
    tuned.close()
    assert not logs and tuned.identity == f"gguf:{sha256_file(source)}"
    assert not donate(ctx, source, engine_type())  # already there: the first file stays
