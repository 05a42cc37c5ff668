"""What every trl-based method shares: settings, model loading through the adapter, checkpoints and
resume, telemetry (loss curve, tokens/s, peak memory) and saving adapters or full weights."""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftflow_plugins.common.hf import count_parameters, load_tokenizer, model_dir, seed_everything

from ftflow.stage import StageContext


@dataclasses.dataclass
class TrainSettings:
    epochs: float = 1.0
    max_steps: int = -1
    learning_rate: float = 2e-4
    batch_size: int = 8
    gradient_accumulation: int = 1
    lr_scheduler: str = "linear"
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    save_steps: int = 50
    logging_steps: int = 1


def last_checkpoint(directory: Path) -> Path | None:
    checkpoints = [p for p in directory.glob("checkpoint-*") if (p / "trainer_state.json").exists()]
    return max(checkpoints, key=lambda p: int(p.name.split("-")[1])) if checkpoints else None


def common_args(ctx: StageContext, cfg: TrainSettings, backend: Any) -> dict[str, Any]:
    return dict(
        output_dir=str(ctx.work_dir / "checkpoints"), num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.gradient_accumulation,
        learning_rate=cfg.learning_rate, lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup_ratio,  # a float < 1 is a ratio in transformers 5

        weight_decay=cfg.weight_decay, logging_steps=cfg.logging_steps, save_strategy="steps",
        save_steps=cfg.save_steps, save_total_limit=2, report_to=[], seed=ctx.seed, data_seed=ctx.seed,
        use_cpu=backend.device() == "cpu", bf16=backend.use_bf16(), dataloader_num_workers=0,
        disable_tqdm=not sys.stderr.isatty(),
    )


def _peak_memory_gb(device: str) -> float:
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def train_with(ctx: StageContext, cfg: TrainSettings, make_trainer: Callable[..., Any],
               dataset_tokens: int) -> dict[str, Any]:
    """Load, train (resuming if a checkpoint exists), save and describe; ``make_trainer`` builds the trl trainer."""
    backend = ctx.components["backend"].provider
    adapter = ctx.components["adapter"]
    seed_everything(ctx.seed)
    base = model_dir(ctx.inputs["model"].path)
    tokenizer = load_tokenizer(base)
    model = adapter.provider.load_model(base, adapter.config, backend)
    if getattr(adapter.config, "gradient_checkpointing", False):
        model.gradient_checkpointing_enable()
    trainer = make_trainer(model, tokenizer, adapter.provider.peft_config(adapter.config),
                           common_args(ctx, cfg, backend))
    _report_progress(trainer, ctx, dataset_tokens)
    resume = last_checkpoint(ctx.work_dir / "checkpoints")
    if resume is not None:
        ctx.log(f"resuming from {resume.name} (found in {resume.parent})")
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    seconds = time.perf_counter() - started
    out = ctx.output_dir
    if adapter.provider.is_peft:
        trainer.model.save_pretrained(out / "adapter")
    else:
        trainer.model.save_pretrained(out / "model")
    tokenizer.save_pretrained(out / ("adapter" if adapter.provider.is_peft else "model"))
    history = trainer.state.log_history
    curve = [[h["step"], h["loss"]] for h in history if "loss" in h]
    steps_done = trainer.state.global_step - (int(resume.name.split("-")[1]) if resume else 0)
    tokens_seen = dataset_tokens * (trainer.state.epoch or 1.0)
    total, trainable = count_parameters(trainer.model)
    summary = {
        "adapter": adapter.info.name, "peft": adapter.provider.is_peft, "loss_curve": curve,
        "final_loss": curve[-1][1] if curve else None, "steps": trainer.state.global_step,
        "resumed_from": resume.name if resume else None, "train_seconds": round(seconds, 2),
        "tokens_seen": int(tokens_seen),
        "tokens_per_second": round(tokens_seen * steps_done / max(trainer.state.global_step, 1) / seconds, 1),
        "parameters": total, "trainable_parameters": trainable,
        "peak_memory_gb": round(_peak_memory_gb(backend.device()), 3), "device": backend.device(),
    }
    (out / "train_log.json").write_text(json.dumps({"summary": summary, "log_history": history}, indent=2))
    _plot_loss(curve, out / "loss.png")
    return summary


def _report_progress(trainer: Any, ctx: StageContext, dataset_tokens: int) -> None:
    """Replace the trainer's dict printing with one concise line per log step: step, loss, tokens/s."""
    from transformers import PrinterCallback, TrainerCallback

    trainer.remove_callback(PrinterCallback)
    started = time.perf_counter()

    class Progress(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs and not sys.stderr.isatty():
                done = dataset_tokens * (state.epoch or 0)
                rate = done / max(time.perf_counter() - started, 1e-9)
                ctx.log(f"step {state.global_step}/{state.max_steps}  loss {float(logs['loss']):.4f}  "
                        f"~{rate:,.0f} tok/s")

    trainer.add_callback(Progress())


def _plot_loss(curve: list[list[float]], path: Path) -> None:
    if not curve:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    ax.plot([c[0] for c in curve], [c[1] for c in curve])
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
