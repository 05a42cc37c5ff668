"""Host time of a LoRA training step: peft's layers beside ftflow's fused and grouped layers, on the CPU.

    python3 bench/lora_host_time.py [--layers 16] [--rounds 7]

On the H200 ftflow's LoRA loop is bound by the host's Python and kernel launches (bench/RESULTS.md), so
what a layer costs the host matters as much as what it costs the GPU.  This bench makes the host cost
visible without a GPU: a Llama shape with ``--layers`` layers but tiny matrices (hidden 64, 16 tokens), LoRA
r8 on all linear layers, bf16 autocast, one thread — so a step's time is almost all dispatch: Python,
autograd and operator overhead.  It does not include CUDA launch latency (cuBLAS launches cost ~44 µs of host
time each on the H200, CPU GEMMs far less), so it understates what fewer GEMMs save on a GPU.

Rows: peft's forward (``method.fused_lora=false``), ``fuse_lora_layers`` (``method.fused_lora``), and
``group_lora_projections`` on top (``method.lora_groups``); milliseconds a step, median and fastest of the
rounds (alternating between rows; on a shared machine the fastest round is the steadier figure), and each
row's fastest round against peft's.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from typing import Any


def lora_model(layers: int) -> Any:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2)
    return get_peft_model(LlamaForCausalLM(config), LoraConfig(r=8, lora_alpha=16, target_modules="all-linear",
                                                               task_type="CAUSAL_LM"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10, help="steps a round")
    args = parser.parse_args()

    import torch

    from ftflow_plugins.train.lora_groups import group_lora_projections
    from ftflow_plugins.train.lora_speed import fuse_lora_layers

    torch.set_num_threads(1)
    peft_model = lora_model(args.layers)
    fused, grouped = copy.deepcopy(peft_model), copy.deepcopy(peft_model)
    fuse_lora_layers(fused)
    fuse_lora_layers(grouped)
    groups = group_lora_projections(grouped)
    models = {"peft": peft_model, "fused_lora": fused, f"fused_lora + lora_groups ({groups} groups)": grouped}
    ids = torch.randint(0, 64, (1, 16), generator=torch.Generator().manual_seed(1))

    def step(model: Any) -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        model.zero_grad(set_to_none=True)

    for model in models.values():  # warm up: caches, allocator
        for _ in range(3):
            step(model)
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step(model)
            times[name].append((time.perf_counter() - start) / args.steps * 1000)
    print(f"{args.layers} layers, hidden 64, 16 tokens, LoRA r8 on all linear layers, bf16 autocast, 1 thread")
    print(f"{'':40s} {'median':>8s} {'fastest':>8s}  (ms/step; ratio to peft's fastest round)")
    baseline = min(times["peft"])
    for name, values in times.items():
        print(f"{name:40s} {statistics.median(values):8.2f} {min(values):8.2f}  {baseline / min(values):5.2f}x")


if __name__ == "__main__":
    main()
