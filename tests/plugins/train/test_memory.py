"""Gradient checkpointing by memory budget: the estimate against hand-computed values, and the choice."""

from __future__ import annotations

import json

from ftflow_plugins.train import memory
from ftflow_plugins.train.memory import activation_bytes, choose_checkpointing

SHAPE = {"hidden_size": 2048, "num_hidden_layers": 16, "num_attention_heads": 32}


def test_activation_estimate_matches_the_formula():
    # 34 * s * b * h per layer in 16-bit: 34 * 2048 * 8 * 2048 * 16 layers = 18.25e9 bytes.
    assert activation_bytes(SHAPE, 8, 2048, 2, scores=False) == 34 * 2048 * 8 * 2048 * 16
    # 32-bit doubles it; materialised scores add 5 * a * s^2 * b per layer.
    with_scores = activation_bytes(SHAPE, 1, 128, 4, scores=True)
    assert with_scores == (34 * 128 * 2048 + 5 * 32 * 128 * 128) * 16 * 2


def test_checkpointing_only_when_activations_exceed_the_budget(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text(json.dumps(SHAPE))
    monkeypatch.setattr(memory, "memory_budget", lambda device: 10 * 2**30)
    assert choose_checkpointing(None, tmp_path, 1, 512, "cpu", False)[0] is False      # ~1.3 GiB
    on, why = choose_checkpointing(None, tmp_path, 8, 2048, "cpu", False)            # ~88 GiB with fp32 scores
    assert on and "vs budget 10.0 GiB" in why
    assert choose_checkpointing(False, tmp_path, 8, 2048, "cpu", False) == (False, "method.gradient_checkpointing")
    assert choose_checkpointing(None, tmp_path / "missing", 1, 8, "cpu", False)[0] is True


def test_bf16_autocast_halves_the_estimate_and_skips_checkpointing_that_fp32_needs(tmp_path, monkeypatch):
    """SmolLM2-135M LoRA at 4 x 1024 on a 24 GiB machine: bf16-mixed (~7.5 GiB, measured 8.6 GiB peak for the
    whole process) fits 70% of ~16 GiB available; fp32 (~15 GiB, measured 14.1 GiB) does not."""
    smollm2 = {"hidden_size": 576, "num_hidden_layers": 30, "num_attention_heads": 9}
    (tmp_path / "config.json").write_text(json.dumps(smollm2))
    monkeypatch.setattr(memory, "available_ram", lambda: 16 * 2**30)
    assert choose_checkpointing(None, tmp_path, 4, 1024, "cpu", True)[0] is False
    assert choose_checkpointing(None, tmp_path, 4, 1024, "cpu", False)[0] is True


def test_cpu_budget_reads_available_memory():
    assert 0 < memory.memory_budget("cpu") <= 0.7 * memory.available_ram()
