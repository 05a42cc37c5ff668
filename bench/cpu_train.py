"""CPU LoRA training tokens/s and peak RSS: a plain PyTorch + peft loop vs ftflow's train stage, one invocation.

Same model (the embedded SmolLM2-135M-Instruct, fp32 weights), adapter (LoRA r16, alpha 32, all linear
layers), optimizer (AdamW, the recipe's learning rate), batch (4 packed rows of up to 1,024 tokens of the
wallet_support train split, assistant-only labels) on both sides.  Each side runs in its own process, so
each peak RSS is its own.

    baseline  the loop a practitioner writes first: peft model, full-logit cross-entropy, no Trainer,
              no gradient checkpointing, rows padded to 1,024 (causal attention over each packed row)
    ftflow    `ftflow run recipe=wallet_support rag=none eval=none export=none method.max_steps=N` with
              the defaults (whatever ftflow picks for this CPU), in a fresh workspace

tokens/s counts real (non-pad) tokens and excludes the first ``--warmup`` steps on both sides (model
load, allocator and oneDNN warm-up); ftflow's figure is its stage's ``steady_tokens_per_second``.

    python bench/cpu_train.py [--steps 8] [--warmup 2] [--json FILE] [--skip-baseline] [-- ftflow overrides]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BATCH, SEQ, RANK, ALPHA = 4, 1024, 16, 32
LEARNING_RATE = 5e-4  # recipes/recipe/wallet_support.yaml
RECIPE = ["recipe=wallet_support", "rag=none", "eval=none", "export=none"]


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def artifacts(home: Path) -> dict[str, Path]:
    manifest = json.loads((home / "runs" / "last" / "manifest.json").read_text()) \
        if (home / "runs" / "last" / "manifest.json").exists() else latest_manifest(home)
    return {s["name"]: Path(s["artifact"]) for s in manifest["stages"]}


def latest_manifest(home: Path) -> dict:
    runs = sorted((home / "runs").glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(runs[-1].read_text())


def run_ftflow(home: Path, steps: int, warmup: int, extra: list[str]) -> dict:
    """ftflow's train stage in a subprocess; returns its stage summary (train_log.json)."""
    env = {**os.environ, "FTFLOW_HOME": str(home)}
    command = [sys.executable, "-m", "ftflow", "run", *RECIPE, f"method.max_steps={steps}",
               f"method.save_steps={steps + 100}", *extra]
    print("$ " + " ".join(command[2:]), flush=True)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    wall = time.perf_counter() - started
    train = artifacts(home)["train"]
    summary = json.loads((train / "train_log.json").read_text())["summary"]
    # steady_rate's warmup is 3 steps; recompute with this bench's warmup from the loss-curve timing if needed
    return {"tokens_per_second": summary.get("steady_tokens_per_second") or summary["tokens_per_second"],
            "peak_rss_gib": summary["peak_memory_gb"], "final_loss": summary["final_loss"],
            "steps": summary["steps"], "wall_seconds": round(wall, 1),
            "gradient_checkpointing": summary.get("gradient_checkpointing"),
            "precision": summary.get("precision"), "loss_curve": summary["loss_curve"]}


def baseline(home: Path, steps: int, warmup: int, seed: int = 42) -> dict:
    """The plain loop, in this process (called as a subprocess of the bench)."""
    import torch
    from datasets import load_from_disk
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from ftflow_plugins.data.packing import pack_rows

    torch.manual_seed(seed)
    found = artifacts(home)
    rows = load_from_disk(str(found["tokenize"] / "train")).shuffle(seed=seed)
    packed = pack_rows({"input_ids": rows["input_ids"], "assistant_masks": rows["assistant_masks"]}, SEQ)
    model = AutoModelForCausalLM.from_pretrained(str(found["model"] / "model"), dtype=torch.float32)
    model = get_peft_model(model, LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0,
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE)

    def batch(i: int) -> tuple[dict, int]:
        ids, labels, attention = [], [], []
        for r in range(BATCH):
            j = (i * BATCH + r) % len(packed["input_ids"])
            row, mask = packed["input_ids"][j], packed["assistant_masks"][j]
            pad = SEQ - len(row)
            ids.append(row + [0] * pad)
            labels.append([t if m else -100 for t, m in zip(row, mask, strict=True)] + [-100] * pad)
            attention.append([1] * len(row) + [0] * pad)
        real = sum(map(sum, attention))
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels),
                "attention_mask": torch.tensor(attention)}, real

    tokens, losses, started = 0, [], None
    for step in range(warmup + steps):
        if step == warmup:
            started = time.perf_counter()
        inputs, real = batch(step)
        loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(round(loss.item(), 4))
        if step >= warmup:
            tokens += real
        print(f"baseline step {step + 1}/{warmup + steps} loss {losses[-1]:.4f}", flush=True)
    seconds = time.perf_counter() - started
    return {"tokens_per_second": round(tokens / seconds, 1), "peak_rss_gib": round(peak_rss_gib(), 2),
            "final_loss": losses[-1], "steps": warmup + steps, "losses": losses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps after the warm-up")
    parser.add_argument("--warmup", type=int, default=3, help="untimed first steps (ftflow's steady rate skips 3)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("overrides", nargs="*", help="extra ftflow overrides (e.g. method.cpu_bf16=false)")
    args = parser.parse_args()
    if args.baseline_worker:
        result = baseline(Path(args.baseline_worker), args.steps, args.warmup)
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    home = Path(tempfile.mkdtemp(prefix="ftflow-bench-cpu-"))
    print(f"workspace {home}; {BATCH} x {SEQ} tokens, LoRA r{RANK} all-linear, AdamW lr {LEARNING_RATE}; "
          f"{args.warmup} warm-up + {args.steps} timed steps; {os.cpu_count()} CPUs", flush=True)
    ours = run_ftflow(home, args.warmup + args.steps, args.warmup, args.overrides)
    rows = {"ftflow": ours}
    if not args.skip_baseline:
        out = subprocess.run([sys.executable, __file__, "--baseline-worker", str(home), "--steps", str(args.steps),
                              "--warmup", str(args.warmup)], check=True, capture_output=True, text=True)
        rows["baseline"] = json.loads(next(line[7:] for line in out.stdout.splitlines() if line.startswith("RESULT ")))
    print(f"\n{'':10} {'tokens/s':>9} {'peak RSS GiB':>13} {'final loss':>11}")
    for name in ("baseline", "ftflow"):
        if name in rows:
            r = rows[name]
            print(f"{name:10} {r['tokens_per_second']:>9,.1f} {r['peak_rss_gib']:>13.2f} {r['final_loss']:>11.4f}")
    if "baseline" in rows:
        ratio = ours["tokens_per_second"] / rows["baseline"]["tokens_per_second"]
        memory = ours["peak_rss_gib"] / rows["baseline"]["peak_rss_gib"]
        print(f"ftflow / baseline: {ratio:.2f}x tokens/s at {memory:.2f}x peak RSS")
        rows["ratio"] = {"tokens_per_second": round(ratio, 3), "peak_rss": round(memory, 3)}
    print(f"ftflow: gradient checkpointing {ours['gradient_checkpointing']}, precision {ours['precision']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
