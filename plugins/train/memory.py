"""Gradient checkpointing chosen by memory budget.

trl turns checkpointing on for every trainer, which re-runs each layer's forward in the backward
pass: about a third more compute, paid even when the activations would fit.  ftflow estimates the
activation memory of one step and checkpoints only when it would not fit the device's budget
(``method.gradient_checkpointing: null``); ``true``/``false`` force it.

Estimate (Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models"):
per layer, ``34 * s * b * h`` bytes in 16-bit, plus ``5 * a * s^2 * b`` when attention materialises
its score matrix (CPU math kernels; GPU SDPA/flex kernels do not); scaled for 32-bit activations
(fp32 training).  Checked against measured peak RSS on this 2-core CPU for SmolLM2-135M, LoRA r16, 4 x 1024
tokens (bench/cpu_train.py prints both): 7.5 GiB estimated vs 8.6 GiB peak for the whole bf16-mixed process
(weights, optimizer and the LM head's logits included), 15.0 GiB vs 14.1 GiB in fp32.
Budget: half the free GPU memory, or 70% of the RAM available when the stage starts on CPU.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def activation_bytes(model_config: dict, batch: int, seq: int, bytes_per_value: int, scores: bool) -> float:
    """Activations one training step keeps for the backward pass, without checkpointing."""
    h = model_config.get("hidden_size", 0)
    layers = model_config.get("num_hidden_layers", 0)
    heads = model_config.get("num_attention_heads", 0)
    per_layer = 34 * seq * batch * h + (5 * heads * seq * seq * batch if scores else 0)
    return per_layer * layers * bytes_per_value / 2


def memory_budget(device: str) -> float:
    if device == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info()
        return 0.5 * free
    return 0.7 * available_ram()


def available_ram() -> float:
    """MemAvailable (free plus reclaimable page cache), else free pages: what a new allocation can get."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def choose_checkpointing(setting: bool | None, model_path: Path, batch: int, seq: int,
                         device: str, half_activations: bool) -> tuple[bool, str]:
    """(checkpointing on?, why) — the why goes in the run's log and manifest; ``half_activations``: the
    forward runs in a 16-bit dtype (bf16 weights or autocast)."""
    if setting is not None:
        return setting, "method.gradient_checkpointing"
    config_file = model_path / "config.json"
    if not config_file.exists():
        return True, "no config.json to estimate activations from"
    model_config = json.loads(config_file.read_text())
    model_config = model_config.get("text_config", model_config)
    need = activation_bytes(model_config, batch, seq, 2 if half_activations else 4, scores=device != "cuda")
    budget = memory_budget(device)
    return need > budget, f"activations ~{need / 2**30:.1f} GiB vs budget {budget / 2**30:.1f} GiB"
