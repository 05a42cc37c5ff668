"""Fast checks without training: config validation, rewards, the torchrun command, the CPU log-prob head."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ftflow.errors import GraphError, UserError
from ftflow.session import open_session

SMOKE = ["recipe=smoke", "eval=none", "export=none"]


def graph_error(*overrides: str) -> str:
    with pytest.raises(GraphError) as info:
        open_session([*SMOKE, *overrides])
    return str(info.value)


def test_preference_methods_reject_chat_data():
    assert "method=dpo (loss=dpo) needs data.format in (preference), got data.format=chat" in \
        graph_error("method=dpo", "tokenize=none")
    assert "method=reward needs data.format in (preference)" in graph_error("method=reward", "tokenize=none")


def test_sft_rejects_preference_data():
    assert "method=sft needs data.format in (chat)" in graph_error("data=smoke_preference", "tokenize=none")


def test_method_option_errors_are_named():
    text = graph_error("method=grpo", "data=smoke_preference", "tokenize=none", "method.rewards=[nope]")
    assert "unknown nope (valid: json_schema_valid, length_penalty, contains_keywords)" in text
    text = graph_error("method=kto", "data=smoke_preference", "tokenize=none", "method.batch_size=1")
    assert "loss=kto needs method.batch_size >= 2" in text
    assert "method.loss: 'simpo' is not one of" in graph_error("method=dpo", "data=smoke_preference",
                                                                 "tokenize=none", "method.loss=simpo")
    assert "method.dataloader_workers must be 0 or more, got -1" in graph_error("method.dataloader_workers=-1")
    assert "method.compile_mode: unknown mode 'fast'" in graph_error("method.torch_compile=true",
                                                                     "method.compile_mode=fast")
    assert "method.compile_mode is set but method.torch_compile is false" in graph_error(
        "method.compile_mode=reduce-overhead")
    assert "method.logging_steps must be positive, got 0" in graph_error("method.logging_steps=0")


def test_steady_rate_starts_after_the_warmup_steps_and_needs_two_logs():
    from ftflow_plugins.train.telemetry import steady_rate

    # logs every 10 steps: the rate runs from step 10's log to the last, whatever step 1-3 cost
    samples = [(10, 100.0, 1000.0), (20, 101.0, 3000.0), (30, 102.0, 5000.0)]
    assert steady_rate(samples) == 2000.0
    assert steady_rate([(1, 0.0, 0.0), (2, 50.0, 10.0), (3, 51.0, 20.0), (4, 52.0, 30.0)]) is None  # one log after
    assert steady_rate([(s, float(s), 100.0 * s) for s in range(1, 9)]) == 100.0


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is not None, reason="tensorboard is installed")
def test_tensorboard_without_package_is_a_clear_error():
    text = graph_error("method.report_to=[tensorboard]")
    assert "'tensorboard' package is not installed" in text


def test_preference_recipes_compose():
    for method in ("dpo", "orpo", "kto", "reward", "grpo"):
        session = open_session([*SMOKE, f"method={method}", "data=smoke_preference", "tokenize=none"])
        assert session.graph.stages["train"].plugin == ("dpo" if method in ("orpo", "kto") else method)


def test_torchrun_command(tmp_path):
    from ftflow_plugins.train.launchers import TorchrunConfig, TorchrunLauncher

    launcher = TorchrunLauncher()
    cmd = launcher.command(TorchrunConfig(nproc_per_node=4), tmp_path / "spec.json", 4)
    assert cmd == [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1",
                   "--nproc-per-node", "4", "-m", "ftflow_plugins.train.launch_entry", str(tmp_path / "spec.json")]
    cmd = launcher.command(TorchrunConfig(master_port=29511), tmp_path / "s.json", 2)
    assert cmd[3:7] == ["--master-addr", "127.0.0.1", "--master-port", "29511"]
    assert launcher.nproc(TorchrunConfig(nproc_per_node=3)) == 3
    session = open_session([*SMOKE, "launcher=torchrun_fsdp", "adapter=full"])
    assert session.graph.stages["train"].components["launcher"].config.strategy == "fsdp"
    assert "fsdp with adapter=qlora" in graph_error("launcher=torchrun_fsdp", "adapter=qlora")


def test_rule_rewards(tmp_path):
    from ftflow_plugins.train.grpo import GrpoConfig
    from ftflow_plugins.train.grpo_rewards import build_rewards

    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "required": ["severity"],
                                  "properties": {"severity": {"enum": ["low", "high"]}}}))
    cfg = GrpoConfig(target_chars=10, keywords=["opposite", "cold"])
    valid, length, keywords = build_rewards(["json_schema_valid", "length_penalty", "contains_keywords"], cfg,
                                            schema)
    answers = [[{"role": "assistant", "content": text}] for text in
               ('```json\n{"severity": "high"}\n```', '{"severity": "medium"}', "not json")]
    assert valid(completions=answers) == [1.0, 0.25, 0.0]
    assert length(completions=["short", "x" * 15, "x" * 40]) == [0.0, -0.5, -1.0]
    assert keywords(completions=["The opposite of hot is cold.", "cold", "warm"]) == [1.0, 0.5, 0.0]
    by_reference = build_rewards(["contains_keywords"], GrpoConfig(), None)[0]
    assert by_reference(completions=["it is cold", "it is warm"], reference=["Cold", "cold"]) == [1.0, 0.0]


def test_qlora_on_unusable_device_is_a_user_error():
    pytest.importorskip("bitsandbytes")
    import torch

    from ftflow_plugins.train.adapters import probe_4bit

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    probe_4bit("cpu", "nf4")  # works on this CPU (bitsandbytes >= 0.49)
    with pytest.raises(UserError, match="bitsandbytes cannot run 4-bit nf4 on device 'cuda'"):
        probe_4bit("cuda", "nf4")


def test_plain_head_matches_trl_fused_head():
    """The CPU head gives trl's log-probs and gradients (it only trades memory for speed)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    from trl.trainer.utils import add_fused_lm_head

    from ftflow_plugins.train.cpu import plain_logprob_head

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2)
    ids = torch.randint(0, 300, (2, 12))
    labels = ids.masked_fill(torch.arange(12) < 5, -100)

    def run(plain: bool):
        torch.manual_seed(1)
        model = LlamaForCausalLM(config)
        add_fused_lm_head(model, temperature=0.7, outputs=("log_probs", "entropy", "mean_logits", "is_top1"))
        if plain:
            assert plain_logprob_head(model, temperature=0.7) == 1
        out = model(input_ids=ids, labels=labels, fused_lm_head=True)
        out.log_probs.sum().backward()
        return out, model.lm_head.weight.grad.clone()

    (fused, fused_grad), (plain, plain_grad) = run(False), run(True)
    for field in ("log_probs", "entropy", "mean_logits", "loss"):
        torch.testing.assert_close(getattr(plain, field), getattr(fused, field), rtol=1e-4, atol=1e-4)
    assert torch.equal(plain.is_top1.bool(), fused.is_top1.bool())
    torch.testing.assert_close(plain_grad, fused_grad, rtol=1e-4, atol=1e-5)


def test_reward_model_path_must_be_a_reward_artifact(tmp_path: Path):
    from ftflow_plugins.train.grpo import load_reward_model

    (tmp_path / "train_log.json").write_text(json.dumps({"summary": {"task": "causal-lm"}}))
    with pytest.raises(UserError, match="is not a method=reward artifact"):
        load_reward_model(tmp_path)


def test_lora_inputs_stay_bf16_under_autocast():
    """method.lora_autocast: peft's fp32 copy of each LoRA input is skipped, the matmuls run in bf16
    under autocast against the fp32 adapter weights, and the adapters still get fp32 gradients."""
    torch = pytest.importorskip("torch")
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from ftflow_plugins.train.lora_speed import skip_input_casts

    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2)
    model = get_peft_model(LlamaForCausalLM(config).to(torch.bfloat16),
                           LoraConfig(r=4, target_modules="all-linear", task_type="CAUSAL_LM"))
    lora_weights = [p for n, p in model.named_parameters() if "lora_" in n]
    assert lora_weights and all(p.dtype == torch.float32 for p in lora_weights)  # peft's autocast_adapter_dtype
    assert skip_input_casts(model) == 2 * 7  # q, k, v, o, gate, up, down per layer
    seen = []
    layer = model.base_model.model.model.layers[0].self_attn.q_proj
    layer.lora_A["default"].register_forward_pre_hook(lambda module, args: seen.append(args[0].dtype))
    ids = torch.randint(0, 64, (2, 8))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    assert seen == [torch.bfloat16]
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in lora_weights)


def test_label_positions_are_the_rows_trl_would_select_on_the_gpu():
    """The host-found positions pick the same hidden rows and targets as trl's ``hidden[:, :-1][mask]``."""
    import torch

    from ftflow_plugins.train.sft_loss import LABEL_INDEX, LABEL_TARGETS, label_positions

    labels = torch.tensor([[-100, 5, 6, -100, 7], [-100, -100, 8, 9, -100]])
    batch = label_positions(lambda examples: {"labels": labels})([{}])
    hidden = torch.arange(2 * 5 * 3, dtype=torch.float).reshape(2, 5, 3)
    mask = labels[:, 1:] != -100
    assert torch.equal(hidden.reshape(-1, 3).index_select(0, batch[LABEL_INDEX]), hidden[:, :-1][mask])
    assert torch.equal(batch[LABEL_TARGETS], labels[:, 1:][mask])
    assert LABEL_INDEX not in label_positions(lambda examples: {"labels": labels, "shift_labels": labels})([{}])
