"""Each objective x adapter trains the tiny smoke model on CPU and its recorded loss goes down."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .conftest import PREFERENCE, SMOKE, falls, ftflow, run_smoke, train_metadata


@pytest.mark.parametrize(("method", "adapter", "data"), [
    ("sft", "full", []),
    ("sft", "lora", []),
    ("sft", "qlora", []),
    ("dpo", "lora", PREFERENCE),
    ("reward", "lora", PREFERENCE),
])
def test_method_adapter_trains(home, method, adapter, data):
    meta = run_smoke(home, f"method={method}", f"adapter={adapter}", *data)
    assert meta["objective"] == method and meta["adapter"] == adapter
    assert meta["steps"] == 16 and len(meta["loss_curve"]) == 16
    assert falls(meta["loss_curve"]), meta["loss_curve"]
    assert 0 < meta["trainable_parameters"] <= meta["parameters"]
    if adapter == "full":
        assert meta["trainable_parameters"] == meta["parameters"] and not meta["peft"]
    else:
        assert meta["trainable_parameters"] < meta["parameters"] / 10 and meta["peft"]
    assert meta["tokens_seen"] > 0 and meta["tokens_per_second"] > 0 and meta["peak_memory_gb"] > 0
    if method == "reward":
        assert meta["task"] == "seq-cls" and meta["accuracy_curve"]


def test_grpo_lora_records_rewards(home):
    """GRPO on a random model: rewards are computed per generation and the policy loss stays finite.

    length_penalty with a target near the random model's typical answer length (24 random tokens are
    ~100-150 characters) gives different rewards to the answers to one prompt (reward_std > 0), so the
    advantages are not all zero.  The loss itself is ~0 on-policy (advantages are centred per group),
    and 8 steps on a random model are too few to promise a rising reward, so neither is asserted.
    """
    meta = run_smoke(home, "method=grpo", "adapter=lora", *PREFERENCE, "method.max_steps=8",
                     "method.max_completion_length=24", "method.target_chars=100", "method.rewards=[length_penalty]")
    rewards = [r for _, r in meta["reward_curve"]]
    assert len(rewards) >= 4 and all(-1 <= r <= 0 for r in rewards)
    assert all(math.isfinite(v) for _, v in meta["loss_curve"]) and meta["steps"] == 8
    assert any(s > 0 for _, s in meta["reward_std_curve"]), meta["reward_std_curve"]


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["orpo", "kto"])
def test_orpo_kto_train(home, loss):
    meta = run_smoke(home, f"method={loss}", "adapter=lora", *PREFERENCE)
    assert falls(meta["loss_curve"]), meta["loss_curve"]


def test_sft_mix_adds_general_rows(home):
    meta = run_smoke(home, "method=sft", "method.mix={path: datasets/smoke/eval.jsonl, fraction: 0.25}",
                     "method.max_steps=2")
    assert meta["mix"]["task_rows"] == 30 and meta["mix"]["rows"] == 10  # 10 / (30 + 10) = 0.25


@pytest.mark.slow
def test_grpo_with_reward_model_from_previous_run(home):
    """method=reward, then method=grpo scored by that reward model (path of its train artifact)."""
    import json

    from .conftest import ftflow

    run_smoke(home, "method=reward", *PREFERENCE)
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    artifact = next(s["artifact"] for s in shown["stages"] if s["name"] == "train")
    meta = run_smoke(home, "method=grpo", *PREFERENCE, "method.max_steps=4", "method.max_completion_length=16",
                     "method.rewards=[]", f"method.reward_model={artifact}")
    assert len(meta["reward_curve"]) >= 2 and all(math.isfinite(r) for _, r in meta["reward_curve"])


def test_static_shapes_pad_batches_but_count_only_real_tokens(home):
    """method.static_shapes pads each packed batch to batch_size x max_length positions (one shape for
    compiled kernels); the telemetry still counts the conversations' tokens, as without padding, also when
    data-loader workers collate the batches."""
    plain = run_smoke(home, "method=sft", "adapter=lora", "method.max_steps=4", "method.static_shapes=false")
    # Collated in two worker processes (as on GPUs): each batch carries its count to the training step.
    static = run_smoke(home, "method=sft", "adapter=lora", "method.max_steps=4", "method.static_shapes=true",
                       "method.dataloader_workers=2")
    assert static["tokens_seen"] == plain["tokens_seen"] > 0
    assert static["loss_curve"][0][1] == pytest.approx(plain["loss_curve"][0][1], rel=1e-4)


def test_profile_steps_write_a_profile_into_the_artifact(home):
    run_smoke(home, "method=sft", "adapter=lora", "method.max_steps=3", "method.profile_steps=[2,3]")
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    artifact = Path(next(s["artifact"] for s in shown["stages"] if s["name"] == "train"))
    report = (artifact / "profile.txt").read_text()
    assert report.startswith("2 steps in ") and "ms/step of host operator time" in report and "Self CPU" in report


def test_bad_profile_steps_is_a_named_config_error(home):
    proc = ftflow(home, "run", *SMOKE, "method.profile_steps=[3,1]")
    assert proc.returncode != 0 and "method.profile_steps" in proc.stderr and "Traceback" not in proc.stderr


def test_lean_fused_loss_matches_the_plain_loss_and_logs_metrics(home):
    """method.fused_loss (trl's chunked head, metrics summed on the device until a log step) trains on
    the same loss as the model's own cross-entropy and still logs token accuracy and entropy.  The lean run
    also trains through fused LoRA layers (method.fused_lora), grouped by default (method.lora_groups=null):
    steps 2 and 3 match only if their gradients were right."""
    plain = run_smoke(home, "method=sft", "adapter=lora", "method.max_steps=3", "method.fused_loss=false")
    run = ftflow(home, "run", *SMOKE, "method=sft", "adapter=lora", "method.max_steps=3", "method.fused_loss=true",
                 "method.fused_lora=true")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "LoRA projection groups sharing their small GEMMs: 4" in run.stdout  # q/k/v, gate/up x 2 layers
    lean = train_metadata(home)
    assert [s for s, _ in lean["loss_curve"]] == [1, 2, 3]
    for (_, lean_loss), (_, plain_loss) in zip(lean["loss_curve"], plain["loss_curve"], strict=True):
        assert lean_loss == pytest.approx(plain_loss, rel=1e-3)
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    artifact = Path(next(s["artifact"] for s in shown["stages"] if s["name"] == "train"))
    logged = [h for h in json.loads((artifact / "train_log.json").read_text())["log_history"] if "loss" in h]
    assert len(logged) == 3
    assert all(0.0 <= h["mean_token_accuracy"] <= 1.0 and h["entropy"] > 0 for h in logged)
    assert logged[-1]["num_tokens"] == lean["tokens_seen"]


def test_two_process_ddp_logs_the_same_loss_with_either_sft_head(home):
    """Under torchrun (2 CPU processes, gloo) each rank divides its loss by all ranks' tokens and DDP
    averages the gradients, so both loss paths scale back by the ranks; the plain head once logged (and
    trained on) half the loss.  Also runs the lean metrics' gather and fused LoRA layers under DDP."""
    ddp = ["method=sft", "adapter=lora", "launcher=torchrun", "launcher.nproc_per_node=2", "method.max_steps=2"]
    plain = run_smoke(home, *ddp, "method.fused_loss=false", timeout=600)
    lean = run_smoke(home, *ddp, "method.fused_loss=true", "method.fused_lora=true", timeout=600)
    for (_, lean_loss), (_, plain_loss) in zip(lean["loss_curve"], plain["loss_curve"], strict=True):
        assert lean_loss == pytest.approx(plain_loss, rel=1e-3)
    single = run_smoke(home, "method=sft", "adapter=lora", "method.max_steps=1")
    assert lean["loss_curve"][0][1] == pytest.approx(single["loss_curve"][0][1], rel=0.05)
