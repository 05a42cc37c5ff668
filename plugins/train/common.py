"""What every trl-based method shares: settings, model loading through the adapter, checkpoints and
resume, determinism, telemetry (``telemetry``: loss curve, tokens/s, peak memory; tensorboard) and saving
adapters or full weights.  A method builds its trl trainer in ``make_trainer``; everything else happens here."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Method
from ftflow.provider import Part, part
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir, seed_everything
from ftflow_plugins.train.memory import choose_checkpointing
from ftflow_plugins.train.precision import Precision, precision_problems, resolve_precision
from ftflow_plugins.train.telemetry import (
    TokenCount,
    TokenCounter,
    describe,
    plot_curves,
    report_progress,
    steady_rate,
)

#: The libraries every trl method depends on (their versions enter the cache key).
TRAIN_LIBRARIES = ("torch", "transformers", "trl", "peft", "datasets", "accelerate")
#: Helper modules whose source enters every method's code fingerprint.
TRAIN_CODE = ("ftflow_plugins.common.hf", "ftflow_plugins.train.common", "ftflow_plugins.train.adapters",
              "ftflow_plugins.train.launchers", "ftflow_plugins.train.memory", "ftflow_plugins.train.profile",
              "ftflow_plugins.train.lora_speed", "ftflow_plugins.train.lora_groups",
              "ftflow_plugins.train.telemetry", "ftflow_plugins.train.precision")
#: Telemetry that measures an execution, not the artifact: kept out of its digest (Provider.measurements).
TRAIN_MEASUREMENTS = ("train_seconds", "seconds_per_step", "tokens_per_second", "steady_tokens_per_second",
                      "peak_memory_gb", "resumed_from")
#: Timing fields of the trainer's log history, left out of train_log.json for the same reason.
HISTORY_TIMINGS = ("train_runtime", "train_samples_per_second", "train_steps_per_second")
#: ``method.report_to`` names (every integration transformers 5 ships) -> the module each needs.
REPORTERS = {"tensorboard": "tensorboard", "mlflow": "mlflow", "trackio": "trackio", "wandb": "wandb",
             "comet_ml": "comet_ml", "neptune": "neptune", "clearml": "clearml", "dvclive": "dvclive",
             "codecarbon": "codecarbon", "azure_ml": "azureml", "dagshub": "dagshub", "flyte": "flytekit",
             "swanlab": "swanlab", "kubeflow": "kubeflow"}
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


class RawRowsMethod(Method):
    """A trl method that tokenizes raw preference or prompt rows itself: it reads model and data only,
    so the chat tokenize stage is left out of its graph."""

    kind = "method"
    libraries = TRAIN_LIBRARIES
    measurements = TRAIN_MEASUREMENTS

    def reads(self, config: Any) -> dict[str, Part | None]:
        # The train split only (a new eval set does not retrain unless method.eval_steps evaluates on it),
        # with its row format and length limit.
        files = ("train.jsonl", "eval.jsonl") if config.eval_steps else ("train.jsonl",)
        return {"model": None, "data": part(*files, metadata=("format", "max_length"))}

    def requires(self, config: Any) -> dict[str, dict[str, str]]:
        return eval_requirement(config)


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
    #: Log (loss, tokens/s, metrics) every N steps; each log reads values back from the GPU, a sync that
    #: drains its queue.  None = every 10 steps on CUDA (trl's default; +4.6-10.6% tokens/s on the H200), every
    #: step elsewhere (short CPU runs want every point of the curve).
    logging_steps: int | None = None
    #: Extra loggers: any transformers integration (tensorboard, mlflow, trackio, wandb, ...); tensorboard
    #: events go to the artifact's ``tensorboard/`` directory, the others where their own settings say
    #: (MLFLOW_TRACKING_URI, WANDB_PROJECT, ...).  Whole-run tracking: docs/experiments.md.
    report_to: list[str] = dataclasses.field(default_factory=list)
    #: Deterministic kernels and seeded data order; None = on CPU only (it costs speed on GPUs).
    deterministic: bool | None = None
    #: fp32 | bf16-mixed (fp32 master weights, bf16 autocast) | bf16; None = bf16 on CUDA, bf16-mixed on CPUs
    #: with AVX512-BF16/AMX, fp32 on other CPUs and for 4-bit bases on CPU (plugins/train/precision.py).
    precision: str | None = None
    # Speed-ups, each switchable (docs/training.md, "Speed on GPUs"); None = the backend's best default.
    #: Liger's fused Triton kernels for RMSNorm, RoPE and SwiGLU; None = on CUDA when liger-kernel is installed.
    liger: bool | None = None
    #: transformers optimizer name; None = ``adamw_torch_fused`` on CUDA (one kernel per step), ``adamw_torch`` else.
    optimizer: str | None = None
    #: ``torch.compile`` the model (pays off on long runs; the first steps compile).
    torch_compile: bool = False
    #: ``torch.compile`` mode with ``torch_compile``: default, reduce-overhead (CUDA graphs: needs static
    #: shapes), max-autotune, max-autotune-no-cudagraphs.  None = torch's default.
    compile_mode: str | None = None
    #: Let the host queue work ahead of the GPU across steps: batches are copied to the GPU from pinned
    #: memory without blocking, and the per-step NaN/inf check of the loss (a host-device sync each step)
    #: is skipped, so a NaN shows in the logged loss instead of being replaced.  None = on for CUDA.
    overlap_host: bool | None = None
    #: Recompute activations in the backward pass; None = only when they would not fit (plugins/train/memory.py).
    gradient_checkpointing: bool | None = None
    #: transformers attention implementation (sdpa, flex_attention, eager, flash_attention_2); None =
    #: flex_attention for packed rows on CUDA (a block mask per conversation instead of SDPA's dense mask:
    #: 2.7x the LoRA throughput on the H200, after ~2 min of compilation) in one process, sdpa otherwise.
    attention: str | None = None
    #: LoRA matmuls in the autocast dtype (bf16) against fp32 master weights.  peft keeps adapters in
    #: fp32 and casts every LoRA layer's input to fp32 (a full copy of the activations, 7 per layer,
    #: forward and backward); under bf16 autocast that cast is pure overhead.  None = on for bf16 on CUDA.
    lora_autocast: bool | None = None
    #: One autograd function per LoRA linear layer: the scale folded into A and the low-rank term added in
    #: the base GEMM's epilogue, no elementwise kernels (plugins/train/lora_speed.py).  None = on for bf16 on
    #: CUDA in one process (measured there; not under torchrun).
    fused_lora: bool | None = None
    #: With ``fused_lora``: q/k/v and gate/up share one down-projection GEMM and one input- and A-gradient
    #: GEMM each (plugins/train/lora_groups.py).  None = on wherever ``fused_lora`` is on.
    lora_groups: bool | None = None
    #: With ``fused_lora``: LoRA layers on 4-bit (QLoRA) bases are fused (and grouped) too, dequantizing in
    #: the forward and again in the backward as bitsandbytes does.  None = on wherever ``fused_lora`` is on
    #: (+1-7% tokens/s for QLoRA at batch 6 in three paired runs on the H200, bench/RESULTS.md).
    fused_qlora: bool | None = None
    #: Processes that collate batches ahead of the training loop; 0 = in the training process.  Measured on
    #: the H200 (bench/RESULTS.md): 2 workers were slower for packed LoRA (74.3k vs 75.9k tokens/s) — the
    #: loop is bound by Python on the host, and the workers' pin-memory thread competes with it for the GIL.
    #: Worth it for collators that do real work per batch.
    dataloader_workers: int = 0
    #: ``[FIRST, LAST]``: profile those optimizer steps into the artifact's ``profile.txt`` (plugins/train/profile.py).
    profile_steps: list[int] | None = None
    #: Evaluate the loss on the held-out split (data.eval) every N optimizer steps: logged as eval_loss,
    #: plotted in the report.  None = no evaluation during training (the eval split then does not enter
    #: the train stage's key).
    eval_steps: int | None = None
    #: With eval_steps: stop after N evaluations without a lower eval loss, and keep the checkpoint with
    #: the lowest eval loss (checkpoints are then saved at every evaluation).  None = train to the end.
    early_stopping_patience: int | None = None
    #: Any other ``TrainingArguments`` field (max_grad_norm, neftune_noise_alpha, save_total_limit,
    #: adam_beta2, ...), passed as is; fields ftflow sets itself are refused with the setting to use.
    trainer_args: dict[str, Any] | None = None


#: TrainingArguments fields ftflow sets from its own settings (trainer_args may not override them).
OWN_ARGS = {"output_dir": None, "num_train_epochs": "epochs", "max_steps": "max_steps",
            "per_device_train_batch_size": "batch_size", "gradient_accumulation_steps": "gradient_accumulation",
            "learning_rate": "learning_rate", "lr_scheduler_type": "lr_scheduler", "warmup_steps": "warmup_ratio",
            "weight_decay": "weight_decay", "logging_steps": "logging_steps", "save_steps": "save_steps",
            "report_to": "report_to", "seed": "seed (top level)", "data_seed": "seed (top level)",
            "full_determinism": "deterministic", "use_cpu": "backend", "bf16": "precision", "fp16": "precision",
            "dataloader_num_workers": "dataloader_workers", "use_liger_kernel": "liger", "optim": "optimizer",
            "torch_compile": "torch_compile", "torch_compile_mode": "compile_mode",
            "gradient_checkpointing": "gradient_checkpointing", "eval_strategy": "eval_steps",
            "eval_steps": "eval_steps", "load_best_model_at_end": "early_stopping_patience",
            "metric_for_best_model": "early_stopping_patience", "greater_is_better": "early_stopping_patience"}


def trainer_args_problems(extra: dict[str, Any]) -> list[str]:
    """Unknown or ftflow-owned fields of ``method.trainer_args`` (transformers is imported only when some are set)."""
    if not extra:
        return []
    if os.environ.get("FTFLOW_VERBOSE") != "1":  # plan imports transformers only here: keep its import quiet
        from ftflow_plugins.common.quiet import quiet_third_party

        quiet_third_party()
    from transformers import TrainingArguments

    fields = {f.name for f in dataclasses.fields(TrainingArguments) if f.init}
    problems = []
    for name in extra:
        if name in OWN_ARGS:
            setting = OWN_ARGS[name]
            problems.append(f"method.trainer_args.{name}: ftflow sets this field"
                            + (f"; use method.{setting}" if setting and " " not in setting else
                               f" ({setting})" if setting else ""))
        elif name not in fields:
            import difflib

            close = difflib.get_close_matches(name, sorted(fields), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"method.trainer_args.{name}: not a TrainingArguments field{hint}")
    return problems


def eval_requirement(cfg: Any) -> dict[str, dict[str, str]]:
    """With eval_steps, the data stage must write the held-out split (checked before anything runs)."""
    return {"data": {"eval.jsonl": "set data.eval, or drop method.eval_steps"}} if cfg.eval_steps else {}


def settings_problems(cfg: TrainSettings) -> list[str]:
    """Config problems every method reports from ``check()`` (before anything loads)."""
    problems = precision_problems(cfg.precision)
    for name in cfg.report_to:
        if name not in REPORTERS:
            problems.append(f"method.report_to: unknown logger {name!r} (valid: {', '.join(REPORTERS)})")
        elif importlib.util.find_spec(REPORTERS[name]) is None:
            problems.append(f"method.report_to lists {name!r} but the '{REPORTERS[name]}' package is not "
                            f"installed (pip install {REPORTERS[name]})")
    if cfg.profile_steps is not None and (len(cfg.profile_steps) != 2 or not 0 < cfg.profile_steps[0]
                                          <= cfg.profile_steps[1]):
        problems.append(f"method.profile_steps must be [FIRST, LAST] with 0 < FIRST <= LAST, got {cfg.profile_steps}")
    if cfg.compile_mode is not None and cfg.compile_mode not in COMPILE_MODES:
        problems.append(f"method.compile_mode: unknown mode {cfg.compile_mode!r} (valid: {', '.join(COMPILE_MODES)})")
    elif cfg.compile_mode is not None and not cfg.torch_compile:
        problems.append("method.compile_mode is set but method.torch_compile is false (set both)")
    if cfg.dataloader_workers < 0:
        problems.append(f"method.dataloader_workers must be 0 or more, got {cfg.dataloader_workers}")
    if cfg.logging_steps is not None and cfg.logging_steps <= 0:
        problems.append(f"method.logging_steps must be positive, got {cfg.logging_steps}")
    if cfg.save_steps <= 0:
        problems.append(f"method.save_steps must be positive, got {cfg.save_steps}")
    if cfg.batch_size <= 0 or cfg.gradient_accumulation <= 0:
        problems.append("method.batch_size and method.gradient_accumulation must be positive")
    if cfg.eval_steps is not None and cfg.eval_steps <= 0:
        problems.append(f"method.eval_steps must be positive, got {cfg.eval_steps}")
    if cfg.early_stopping_patience is not None and (cfg.early_stopping_patience <= 0 or not cfg.eval_steps):
        problems.append("method.early_stopping_patience needs method.eval_steps and a positive patience, got "
                        f"patience={cfg.early_stopping_patience}, eval_steps={cfg.eval_steps}")
    return problems + trainer_args_problems(cfg.trainer_args or {})


def data_format(upstream: dict[str, Any]) -> str | None:
    data = upstream.get("data")
    if data is None:
        return None
    row_format = getattr(data.provider, "row_format", None)  # alpaca etc. normalize to chat rows
    return row_format(data) if row_format else getattr(data.config, "format", "chat")


def format_problem(method: str, upstream: dict[str, Any], accepted: tuple[str, ...]) -> list[str]:
    fmt = data_format(upstream)
    if fmt is not None and fmt not in accepted:
        return [f"method={method} needs data.format in ({', '.join(accepted)}), got data.format={fmt}"]
    return []


def last_checkpoint(directory: Path) -> Path | None:
    checkpoints = [p for p in directory.glob("checkpoint-*") if (p / "trainer_state.json").exists()]
    return max(checkpoints, key=lambda p: int(p.name.split("-")[1])) if checkpoints else None


def deterministic(cfg: TrainSettings, device: str) -> bool:
    return cfg.deterministic if cfg.deterministic is not None else device == "cpu"


def common_args(ctx: StageContext, cfg: TrainSettings, backend: Any, precision: Precision) -> dict[str, Any]:
    """Keyword arguments of every trl ``*Config`` (a ``TrainingArguments`` subclass)."""
    args = dict(
        output_dir=str(ctx.work_dir / "checkpoints"), num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.gradient_accumulation,
        learning_rate=cfg.learning_rate, lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,  # a float < 1 is a ratio in transformers 5
        weight_decay=cfg.weight_decay, logging_steps=logging_steps(cfg, backend.device()), save_strategy="steps",
        save_steps=cfg.save_steps, save_total_limit=2, report_to=list(cfg.report_to), seed=ctx.seed,
        data_seed=ctx.seed, full_determinism=deterministic(cfg, backend.device()),
        use_cpu=backend.device() == "cpu", bf16=precision.autocast, dataloader_num_workers=cfg.dataloader_workers,
        dataloader_persistent_workers=cfg.dataloader_workers > 0,
        disable_tqdm=True, **speed_args(cfg, backend.device()),  # telemetry.report_progress draws the bar
    )
    if cfg.eval_steps:
        args.update(eval_strategy="steps", eval_steps=cfg.eval_steps, per_device_eval_batch_size=cfg.batch_size)
    if cfg.eval_steps and cfg.early_stopping_patience:
        # The best checkpoint must exist when training stops: save at every evaluation.
        args.update(save_steps=cfg.eval_steps, load_best_model_at_end=True, metric_for_best_model="eval_loss",
                    greater_is_better=False)
    launcher = ctx.components.get("launcher")
    if launcher is not None:
        args.update(launcher.provider.training_args(launcher.config))
    args.update(cfg.trainer_args or {})
    return args


def logging_steps(cfg: TrainSettings, device: str) -> int:
    return cfg.logging_steps if cfg.logging_steps is not None else 10 if device == "cuda" else 1


def speed_args(cfg: TrainSettings, device: str) -> dict[str, Any]:
    """The GPU speed-ups as TrainingArguments; each one is off on CPU unless asked for."""
    cuda = device == "cuda"
    liger = cfg.liger if cfg.liger is not None else cuda and importlib.util.find_spec("liger_kernel") is not None
    if liger and importlib.util.find_spec("liger_kernel") is None:
        raise UserError("method.liger=true needs the 'liger-kernel' package: pip install 'ftflow[gpu]'")
    args = {"use_liger_kernel": liger, "optim": cfg.optimizer or ("adamw_torch_fused" if cuda else "adamw_torch"),
            "torch_compile": cfg.torch_compile}
    if cfg.compile_mode:
        args["torch_compile_mode"] = cfg.compile_mode
    if cfg.overlap_host if cfg.overlap_host is not None else cuda:
        args.update(logging_nan_inf_filter=False, dataloader_pin_memory=True,
                    accelerator_config={"non_blocking": True})
    return args


def train_with(ctx: StageContext, cfg: TrainSettings, make_trainer: Callable[..., Any],
               dataset_tokens: TokenCount, task: str = "causal-lm",
               extra_curves: tuple[str, ...] = (), counter: TokenCounter | None = None) -> dict[str, Any]:
    """Load, train (resuming if a checkpoint exists), save and describe.

    ``make_trainer(model, tokenizer, peft_config, common_args)`` builds the trl trainer; ``task`` is
    ``causal-lm`` or ``seq-cls`` (a reward model); ``dataset_tokens`` is a count or a function of the
    tokenizer; ``extra_curves`` are logged values recorded like the loss (e.g. GRPO's ``reward``);
    ``counter`` (when the method pads) replaces trl's token count in the telemetry.
    """
    launcher = ctx.components.get("launcher")
    if launcher is not None and launcher.provider.should_relaunch(launcher.config):
        return launcher.provider.relaunch(ctx, launcher.config)
    backend = ctx.components["backend"].provider
    adapter = ctx.components["adapter"]
    seed_everything(ctx.seed)
    base = model_dir(ctx.inputs["model"].path)
    tokenizer = load_tokenizer(base)
    if "tensorboard" in cfg.report_to:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(ctx.output_dir / "tensorboard")
    # flex_attention was measured on one GPU; under torchrun (DDP/FSDP) sdpa stays the default.
    one_process = launcher is None or getattr(launcher.config, "strategy", None) is None
    packed_on_gpu = backend.device() == "cuda" and getattr(cfg, "packing", False) and one_process
    attention = cfg.attention or ("flex_attention" if packed_on_gpu else "sdpa")
    precision = resolve_precision(cfg.precision, backend, adapter.provider.quantized_base)
    ctx.log(f"precision {precision.name} ({precision.why})")
    model = adapter.provider.load_model(base, adapter.config, backend, task=task, tokenizer=tokenizer,
                                        dtype=precision.weights_dtype(), attn_implementation=attention)
    args = common_args(ctx, cfg, backend, precision)
    seq = ctx.inputs["tokenize"].metadata.get("max_length", 1024) if "tokenize" in ctx.inputs else 1024
    checkpointing, why = choose_checkpointing(cfg.gradient_checkpointing, base, cfg.batch_size, seq,
                                              backend.device(), precision.autocast)
    ctx.log(f"gradient checkpointing {'on' if checkpointing else 'off'} ({why})")
    args["gradient_checkpointing"] = checkpointing
    trainer = make_trainer(model, tokenizer, adapter.provider.peft_config(adapter.config, task=task), args)
    if adapter.provider.is_peft:
        from ftflow_plugins.train.lora_speed import speed_up_lora

        speed_up_lora(ctx, cfg, backend, trainer.model, one_process, precision)
    if cfg.eval_steps and cfg.early_stopping_patience:
        from transformers import EarlyStoppingCallback

        trainer.add_callback(EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience))
    tokens = dataset_tokens if isinstance(dataset_tokens, int) else dataset_tokens(tokenizer)
    if counter is not None:
        counter.processes = trainer.accelerator.num_processes
    samples = report_progress(trainer, tokens, extra_curves, counter)
    if cfg.profile_steps:
        from ftflow_plugins.train.profile import profile_callback

        trainer.add_callback(profile_callback(list(cfg.profile_steps), ctx.output_dir / "profile.txt"))
    resume = last_checkpoint(ctx.work_dir / "checkpoints")
    if resume is not None:
        ctx.log(f"resuming from {resume.name} (found in {resume.parent})")
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    seconds = time.perf_counter() - started
    out = ctx.output_dir
    saved = out / ("adapter" if adapter.provider.is_peft else "model")
    if trainer.accelerator.num_processes > 1:
        # Collective: under FSDP the sharded weights must be gathered by every rank before rank 0
        # writes them (save_pretrained on a sharded module fails with "invalid python storage").
        trainer.save_model(str(saved))
    if not trainer.accelerator.is_main_process:
        return {}
    if trainer.accelerator.num_processes == 1:
        trainer.model.save_pretrained(saved)
    tokenizer.save_pretrained(saved)
    if adapter.provider.is_peft:
        deterministic_adapter(saved)
    history = trainer.state.log_history
    summary = describe(trainer, history, resume, seconds, tokens, backend.device(), extra_curves,
                       counter.tokens if counter else None)
    summary.update(steady_tokens_per_second=steady_rate(samples), gradient_checkpointing=checkpointing,
                   attention=attention, precision=precision.name)
    summary = {"objective": ctx.stage.plugin, "task": task, "adapter": adapter.info.name,
               "peft": adapter.provider.is_peft, "base_model_digest": ctx.inputs["model"].digest, **summary}
    # The artifact's files hold no timings (they would differ on every machine): those go to the record.
    log = {"summary": {k: v for k, v in summary.items() if k not in TRAIN_MEASUREMENTS},
           "log_history": [{k: v for k, v in h.items() if k not in HISTORY_TIMINGS} for h in history]}
    (out / "train_log.json").write_text(json.dumps(log, indent=2))
    plot_curves(summary, out / "loss.png", extra_curves)
    return summary


def deterministic_adapter(saved: Path) -> None:
    """peft's adapter_config.json names the base model by its host path and lists target_modules in set
    order, and its README repeats the path: identical weights would give a different artifact digest in
    every workspace.  The base model is the train stage's model input (its digest is in train_log.json)."""
    config_path = saved / "adapter_config.json"
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = None
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    (saved / "README.md").unlink(missing_ok=True)


def require(module: str, what: str, extra: str = "training") -> None:
    """A clear error before anything loads when an optional library is missing."""
    if importlib.util.find_spec(module) is None:
        raise UserError(f"{what} needs the '{module}' package: pip install 'ftflow[{extra}]'")
