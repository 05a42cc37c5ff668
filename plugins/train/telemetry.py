"""Training telemetry: the real-token count, the progress bar (``ftflow.progress``), the steady tokens/s, the
summary that enters the stage metadata (loss curve, tokens/s, peak memory) and the loss plot.  Used by
``common.train_with``; ``TokenCounter`` also by the collators and loss trainers that count real tokens."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftflow_plugins.common.hf import count_parameters


def peak_memory_gb(device: str) -> float:
    """The process's peak: the allocator's on CUDA, resident memory (what the machine must hold) elsewhere."""
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # peak RSS, KiB on Linux


TokenCount = int | Callable[[Any], int]


class TokenCounter:
    """Counts the real tokens of the batches the trainer trains on.

    trl counts the positions it feeds, padding included; with static shapes (packed rows padded to one
    fixed size for the compiled kernels) that overstates throughput, so methods that pad count here.
    The collator (in the training process, or a worker with ``method.dataloader_workers``) stamps each
    batch with its examples' token count under ``KEY``; the trainer's ``compute_loss`` takes it off
    with ``take`` before the forward, so only batches that were trained on count (not the ones the
    loader has prefetched).  Under DDP each rank counts its own batches; ``processes`` scales that to
    all ranks (equal packed batches).
    """

    KEY = "ftflow_real_tokens"

    def __init__(self) -> None:
        self.seen = 0
        self.processes = 1

    @property
    def tokens(self) -> int:
        return self.seen * self.processes

    def wrap(self, collate: Callable[[list[dict[str, Any]]], Any]) -> Callable[[list[dict[str, Any]]], Any]:
        key = self.KEY  # the closure must not hold self: workers get a pickled copy of the collator

        def counting(examples: list[dict[str, Any]]) -> Any:
            batch = collate(examples)
            batch[key] = sum(len(example["input_ids"]) for example in examples)
            return batch

        return counting

    def take(self, inputs: dict[str, Any], training: bool) -> dict[str, Any]:
        """``inputs`` without the stamp, counted when they are trained on."""
        inputs = dict(inputs)
        count = inputs.pop(self.KEY, 0)
        if training:
            self.seen += int(count)
        return inputs


def describe(trainer: Any, history: list[dict[str, Any]], resume: Path | None, seconds: float,
             dataset_tokens: int, device: str, extra_curves: tuple[str, ...],
             counted: int | None = None) -> dict[str, Any]:
    """The telemetry that enters the stage metadata (and the manifest); ``counted`` is this run's
    token count from a TokenCounter (padding excluded), when the method keeps one."""
    curve = [[h["step"], h["loss"]] for h in history if "loss" in h]
    state = trainer.state
    resumed_at = int(resume.name.split("-")[1]) if resume else 0
    logged = [h["num_tokens"] for h in history if "num_tokens" in h]
    # trl counts the tokens it actually fed (padding excluded, generations included); else estimate.
    tokens_seen = int(logged[-1]) if logged else int(dataset_tokens * (state.epoch or 1.0))
    tokens_this_run = tokens_seen * (state.global_step - resumed_at) / max(state.global_step, 1)
    if counted:
        tokens_this_run = counted
        tokens_seen = counted if resume is None else tokens_seen
    total, trainable = count_parameters(trainer.model)
    summary: dict[str, Any] = {
        "loss_curve": curve, "final_loss": curve[-1][1] if curve else None, "steps": state.global_step,
        "resumed_from": resume.name if resume else None, "train_seconds": round(seconds, 2),
        "seconds_per_step": round(seconds / max(state.global_step - resumed_at, 1), 3),
        "tokens_seen": tokens_seen, "tokens_per_second": round(tokens_this_run / max(seconds, 1e-9), 1),
        "parameters": total, "trainable_parameters": trainable,
        "peak_memory_gb": round(peak_memory_gb(device), 3), "device": device,
    }
    for name in extra_curves:
        summary[f"{name}_curve"] = [[h["step"], h[name]] for h in history if name in h]
    evals = [[h["step"], h["eval_loss"]] for h in history if "eval_loss" in h]
    if evals:  # method.eval_steps: the held-out loss, and with early stopping the checkpoint kept
        best = min(evals, key=lambda point: point[1])
        summary.update(eval_loss_curve=evals, final_eval_loss=evals[-1][1], best_eval_loss=best[1],
                       best_step=best[0], stopped_early=state.global_step < state.max_steps)
        if state.best_model_checkpoint:
            summary["best_step"] = int(Path(state.best_model_checkpoint).name.split("-")[-1])
    return summary


def steady_rate(samples: list[tuple[int, float, float]], warmup: int = 3) -> float | None:
    """Tokens/s between the first log after step ``warmup`` (model load, kernel autotuning and compilation
    excluded) and the last log: the figure to compare with other trainers.  ``samples`` are (step, time,
    tokens so far) at each log; None with fewer than two logs after the warmup."""
    steady = [(t, n) for step, t, n in samples if step > warmup]
    if len(steady) < 2:
        return None
    (t0, n0), (t1, n1) = steady[0], steady[-1]
    return round((n1 - n0) / (t1 - t0), 1) if t1 > t0 else None


def report_progress(trainer: Any, dataset_tokens: int, extra: tuple[str, ...],
                    counter: TokenCounter | None = None) -> list[tuple[int, float, float]]:
    """Replace the trainer's tqdm bar and dict printing with ftflow's progress: in a terminal one bar
    (step, loss, tokens/s, ETA) redrawn in place, in a pipe one line per log step.  Returns the (step,
    time, tokens so far) samples it collects, one per log with trl's token count."""
    from transformers import PrinterCallback, ProgressCallback, TrainerCallback

    from ftflow.progress import progress

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    started = time.perf_counter()
    counted = [0.0]  # trl's own token count, when it logs one (not on every step for GRPO)
    bar: list[Any] = []

    class Progress(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                bar.append(progress(state.max_steps, "step", completed=state.global_step, every=1))

        def on_log(self, args, state, control, logs=None, **kwargs):
            counted[0] = float(logs.get("num_tokens", counted[0])) if logs else counted[0]
            if counter is not None and counter.tokens:
                counted[0] = float(counter.tokens)
            if logs and "num_tokens" in logs and "loss" in logs:  # not the summary log after the final save
                samples.append((state.global_step, time.perf_counter(), counted[0]))
            if logs and "loss" in logs and bar:
                done = counted[0] or dataset_tokens * (state.epoch or 0)
                rate = done / max(time.perf_counter() - started, 1e-9)
                more = {k: float(logs[k]) for k in extra if k in logs}
                bar[0].update(state.global_step, loss=float(logs["loss"]), **more, **{"tok/s": round(rate)})

        def on_train_end(self, args, state, control, **kwargs):
            while bar:
                bar.pop().close()

    samples: list[tuple[int, float, float]] = []
    trainer.add_callback(Progress())
    return samples


def plot_curves(summary: dict[str, Any], path: Path, extra: tuple[str, ...]) -> None:
    curves = [("training loss", summary["loss_curve"])] + [(k, summary[f"{k}_curve"]) for k in extra]
    curves = [(label, c) for label, c in curves if c]
    if not curves:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 3.2), dpi=100, squeeze=False)
    for ax, (label, curve) in zip(axes[0], curves, strict=True):
        ax.plot([c[0] for c in curve], [c[1] for c in curve], label=label)
        if label == "training loss" and summary.get("eval_loss_curve"):
            held_out = summary["eval_loss_curve"]
            ax.plot([c[0] for c in held_out], [c[1] for c in held_out], marker="o", label="eval loss")
            ax.legend()
        ax.set_xlabel("step")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
