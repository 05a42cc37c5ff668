"""Training throughput on one GPU: plain transformers + peft beside ftflow's training path, same run.

    python3 bench/train_throughput.py [--adapters lora,full,qlora] [--steps 30] [--seq 2048] [--json F]

Model: a random-initialised 1.24B Llama shape (Llama-3.2-1B: hidden 2048, 16 layers, 32 query / 8 KV
heads, vocab 128256, tied embeddings), bf16, SDPA attention.

* Baseline (``--baseline ADAPTER``, run in its own process for a clean peak-memory figure): the model
  built directly in bf16 on the GPU, peft LoRA r16/alpha32 on all linear layers (or every weight for
  ``full``), ``transformers.Trainer`` with bf16, batch 8 (full: 4) x ``--seq`` random tokens, the model's
  own cross-entropy, a log every 10 steps (as ftflow on CUDA) — what a user writes from the
  transformers/peft docs.  Its clock is read (with a sync) after step 3 and after the last step only.
* ftflow: ``ftflow run recipe=wallet_support model=random-1b backend=cuda`` with the same adapter, batch
  and sequence length, chats packed padding-free into ``--seq``-token sequences, with ftflow's CUDA
  defaults (trl's chunked LM-head loss, Liger kernels when installed, fused AdamW).  ``--data wallet``:
  wallet_support's own 571 chats (107k tokens: an epoch is 7 steps of batch 8, and its last batch is
  5/8 full, so 6.5% of the positions are padding — a small-data effect, not the trainer's);
  ``--data synthetic`` (default): 6,000 generated chats with the same shape (system, user, assistant;
  ~160 tokens each), so that the measured steps are all full batches, like the baseline's.

ftflow's loop is partly bound by the host's Python, so its figure moves with host load: the same code gave
87.2k, 80.8k and 74.8k tokens/s while other runs used the host's second GPU (bench/RESULTS.md, fourth
session).  Prefer one bench per host for figures to compare.  On a cold machine the first ftflow run takes
~240 s (data stage, Triton autotuning, compilation) and the baseline ~65 s: give the whole command 330 s or
more.  ``bench/train_throughput_h200.sh`` runs issue 10's acceptance set with limits sized for that.

Figures are steady-state: tokens/s from the first log after step 3 to the last (load, autotuning
and compilation excluded; ftflow logs every 10 steps on CUDA, so use ``--steps`` 30 or more); peak
memory is ``torch.cuda.max_memory_allocated``.  MFU = tokens/s x F x N / 989e12 (H200
dense bf16), with N the parameter count (1.236e9) and F = 6 for full fine-tuning (forward 2N, backward
4N), 4 for LoRA and QLoRA (no weight gradients for the frozen base: forward 2N + input-gradient 2N);
attention FLOPs are not counted, so MFU is slightly understated at 2048 tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEAK_FLOPS = 989e12
SHAPE = dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
             num_key_value_heads=8, vocab_size=128256, tie_word_embeddings=True, max_position_embeddings=4096,
             rope_theta=500000.0)
BATCH = {"lora": 8, "qlora": 8, "full": 4}
WARMUP = 3


def dense_parameters() -> int:
    """SHAPE's parameter count in bf16 (1,235,814,400), counted on the meta device: the N of a QLoRA run's
    MFU, whose 4-bit model reports its packed count (two weights a byte)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    with torch.device("meta"):
        return sum(p.numel() for p in LlamaForCausalLM(LlamaConfig(**SHAPE)).parameters())


def mfu(tokens_per_second: float | None, adapter: str, params: float) -> float | None:
    if not tokens_per_second:
        return None
    return tokens_per_second * (6 if adapter == "full" else 4) * params / PEAK_FLOPS


def baseline(adapter: str, steps: int, seq: int) -> dict:
    """Plain transformers + peft, in this process."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainerCallback, TrainingArguments

    torch.manual_seed(0)
    config = LlamaConfig(**SHAPE)
    config._attn_implementation = "sdpa"
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    params = sum(p.numel() for p in model.parameters())
    if adapter == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear",
                                                 task_type="CAUSAL_LM"))
    batch = BATCH[adapter]
    generator = torch.Generator().manual_seed(0)
    rows = [{"input_ids": ids, "labels": ids} for ids in
            torch.randint(0, SHAPE["vocab_size"], (batch * (steps + 1), seq), generator=generator)]
    stamps: dict[int, float] = {}

    class Clock(TrainerCallback):
        """Two clock reads, after step WARMUP and after the last: a sync every step would stall the loop."""

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step in (WARMUP, steps):
                torch.cuda.synchronize()
                stamps[state.global_step] = time.perf_counter()

    with tempfile.TemporaryDirectory() as out:
        # logging every 10 steps, as ftflow does on CUDA (each log reads the loss back: a sync)
        args = TrainingArguments(output_dir=out, per_device_train_batch_size=batch, max_steps=steps, bf16=True,
                                 learning_rate=1e-4, logging_steps=10, save_strategy="no", report_to=[],
                                 dataloader_num_workers=2, disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=rows, callbacks=[Clock()])
        torch.cuda.reset_peak_memory_stats()
        trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    rate = batch * seq * (steps - WARMUP) / (stamps[steps] - stamps[WARMUP])
    return {"path": "hf+peft", "adapter": adapter, "batch": batch, "seq": seq, "steps": steps,
            "tokens_per_second": round(rate, 1), "peak_memory_gb": round(torch.cuda.max_memory_allocated() / 2**30, 2),
            "parameters": params, "first_loss": losses[0] if losses else None,
            "final_loss": losses[-1] if losses else None,
            "versions": versions()}


def versions() -> dict:
    import torch
    import transformers

    out = {"torch": torch.__version__, "transformers": transformers.__version__,
           "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    for name in ("peft", "trl", "liger_kernel"):
        try:
            from importlib.metadata import version

            out[name] = version(name.replace("_", "-"))
        except Exception:  # noqa: BLE001 - a missing optional package is recorded as such
            out[name] = None
    return out


WORD_TEXT = ("wallet seed phrase account balance transfer network fee gas token swap bridge address confirm "
         "pending failed restore backup device ledger signature approve contract chain support please check "
         "your the a to and of in is it you we can not will this that with for on be have from")
WORDS = WORD_TEXT.split()


def synthetic_chats(path: Path, count: int = 6000, seed: int = 0) -> Path:
    """``count`` distinct chats shaped like wallet_support's (system, user, assistant), written once."""
    import random

    if path.exists():
        return path
    rng = random.Random(seed)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."

    with path.open("w") as out:
        for index in range(count):
            messages = [{"role": "system", "content": "You are a wallet support agent."},
                        {"role": "user", "content": text(15, 60)}, {"role": "assistant", "content": text(40, 150)}]
            out.write(json.dumps({"id": f"bench-{index}", "messages": messages}) + "\n")
    return path


def ftflow_path(adapter: str, steps: int, seq: int, home: Path, extra: list[str], data: str = "synthetic") -> dict:
    """``ftflow run`` as a user runs it; the figures come from the run's manifest."""
    env = {**os.environ, "FTFLOW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    overrides = ["recipe=wallet_support", "model=random-1b", f"+model.tokenizer_dir={REPO}/.whl/smollm2-tokenizer",
                 "backend=cuda", "rag=none", "eval=none", "export=none", f"adapter={adapter}", f"data.max_length={seq}",
                 f"method.batch_size={BATCH[adapter]}", f"method.max_steps={steps}", "method.save_steps=100000"]
    if data == "synthetic":
        overrides += [f"data.train={synthetic_chats(home / 'bench_chats.jsonl')}", "data.label_field=null"]
    given = {item.split("=", 1)[0] for item in extra}
    overrides = [item for item in overrides if item.split("=", 1)[0] not in given] + extra  # extra wins
    started = time.perf_counter()
    # the run's output goes straight to ours, so a run stopped by a time limit still leaves its log
    proc = subprocess.run([sys.executable, "-m", "ftflow", "run", *overrides], cwd=home, env=env,
                          stdout=sys.stderr)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return {"path": "ftflow", "adapter": adapter, "error": f"ftflow run exited {proc.returncode} (output above)"}
    shown = subprocess.run([sys.executable, "-m", "ftflow", "show", "last", "--json"], cwd=home, env=env,
                           capture_output=True, text=True, check=True)
    record = json.loads(shown.stdout)
    train = record["stage_metadata"]["train"]
    curve = train["loss_curve"]
    artifact = next((Path(st["artifact"]) for st in record["stages"] if st["name"] == "train"), None)
    profile = artifact / "profile.txt" if artifact else None
    batch = next((int(item.split("=")[1]) for item in extra if item.startswith("method.batch_size=")), BATCH[adapter])
    return {"path": "ftflow", "adapter": adapter, "batch": batch, "seq": seq, "steps": train["steps"], "data": data,
            "overrides": extra, "tokens_per_second": train.get("steady_tokens_per_second"),
            "peak_memory_gb": train["peak_memory_gb"], "parameters": train["parameters"],
            "first_loss": curve[0][1], "final_loss": curve[-1][1], "run_seconds": round(wall, 1),
            # method.profile_steps: the profiler's table travels with the figures (the workspace may not)
            **({"profile": profile.read_text()} if profile and profile.exists() else {})}


def run_baseline_process(adapter: str, steps: int, seq: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--baseline", adapter, "--steps", str(steps), "--seq", str(seq)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"path": "hf+peft", "adapter": adapter, "error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    lines = [f"{'path':<8} {'adapter':<6} {'batch':>5} {'tokens/s':>10} {'peak GiB':>9} {'MFU':>6}  vs baseline "
             "(tok/s, memory)"]
    base = {r["adapter"]: r for r in rows if r["path"] == "hf+peft" and "error" not in r}
    for r in rows:
        if "error" in r:
            lines.append(f"{r['path']:<8} {r['adapter']:<6} FAILED: {r['error'].strip().splitlines()[-1]}")
            continue
        m = mfu(r["tokens_per_second"], r["adapter"], dense_parameters() if r["adapter"] == "qlora"
                else r["parameters"])
        ref = base.get("lora" if r["adapter"] == "qlora" else r["adapter"])
        ratio = ""
        if ref and r is not ref and r["tokens_per_second"]:
            ratio = (f"{r['tokens_per_second'] / ref['tokens_per_second']:.2f}x, "
                     f"{r['peak_memory_gb'] / ref['peak_memory_gb']:.2f}x  (vs hf+peft {ref['adapter']})")
        tps = f"{r['tokens_per_second']:,.0f}" if r["tokens_per_second"] else "n/a"
        note = f"  [{' '.join(r['overrides'])}]" if r.get("overrides") else ""
        lines.append(f"{r['path']:<8} {r['adapter']:<6} {r['batch']:>5} {tps:>10} {r['peak_memory_gb']:>9.2f} "
                     f"{(m or 0):>6.1%}  {ratio}{note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapters", default="lora,full,qlora")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seq", type=int, default=2048)
    parser.add_argument("--baseline", help="internal: run one baseline in this process and print JSON")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--ftflow-extra", default="", help="extra overrides for the ftflow runs, space-separated")
    parser.add_argument("--also", action="append", default=[], metavar="ADAPTER:OVERRIDES",
                        help="one more ftflow run, e.g. 'lora:method.attention=flex_attention' (repeatable)")
    parser.add_argument("--data", choices=("synthetic", "wallet"), default="synthetic",
                        help="the ftflow runs' chats (module docstring)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--home", type=Path, help="keep the ftflow workspace here (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.baseline:
        print(json.dumps(baseline(args.baseline, args.steps, args.seq)))
        return 0
    adapters = args.adapters.split(",")
    rows: list[dict] = []

    def record(row: dict) -> None:
        """Print the row and rewrite --json, so a run cut short by a time limit keeps what it measured."""
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "profile"}), flush=True)
        if args.json:
            args.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "versions": versions(),
                                             "rows": rows}, indent=2))

    with tempfile.TemporaryDirectory() as temporary:
        home = args.home or temporary
        Path(home).mkdir(parents=True, exist_ok=True)
        for adapter in adapters:
            reference = "lora" if adapter == "qlora" else adapter  # QLoRA is judged against the bf16 LoRA baseline
            if not args.skip_baseline and not any(r["path"] == "hf+peft" and r["adapter"] == reference for r in rows):
                record(run_baseline_process(reference, args.steps, args.seq))
            record(ftflow_path(adapter, args.steps, args.seq, Path(home), args.ftflow_extra.split(), args.data))
        for extra in args.also:
            adapter, _, overrides = extra.partition(":")
            record(ftflow_path(adapter, args.steps, args.seq, Path(home), overrides.split(), args.data))
    print(table(rows))
    for row in rows:
        if "profile" in row:
            print(f"\nprofile [{' '.join(row['overrides'])}]:\n{row['profile']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
