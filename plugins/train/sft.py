"""``method=sft``: supervised fine-tuning (instruction tuning) with trl's SFTTrainer.

Reads the tokenize stage's ``input_ids`` + ``assistant_masks`` (loss on assistant tokens only), packs
them with ftflow's subset-sum packer when asked (``ftflow_plugins.data.packing``: fuller sequences than
trl's greedy bfd; trl gets the packed rows padding-free, with ``seq_lengths``), checkpoints into the stage's ``work_dir`` and resumes from the newest checkpoint
when the same stage runs again after a crash.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from ftflow.kinds import Method
from ftflow.provider import Estimate, Part, part
from ftflow.stage import StageContext
from ftflow_plugins.train.common import (
    TRAIN_CODE,
    TRAIN_LIBRARIES,
    TRAIN_MEASUREMENTS,
    TrainSettings,
    eval_requirement,
    format_problem,
    settings_problems,
    train_with,
)
from ftflow_plugins.train.mix import MIX_TOKENIZE_KEYS, MixConfig, mix_problems, mixed_dataset
from ftflow_plugins.train.packed_batches import PackedBatchCollator
from ftflow_plugins.train.sft_loss import label_positions, lean_metrics_trainer, plain_loss_trainer
from ftflow_plugins.train.telemetry import TokenCounter


@dataclasses.dataclass
class SftConfig(TrainSettings):
    packing: bool = True
    #: trl's chunked log-prob loss saves memory on GPUs but its backward is slow on CPU;
    #: None picks it on CUDA only.
    fused_loss: bool | None = None
    #: Pad every packed batch to ``batch_size x max_length`` positions, so that compiled kernels
    #: (flex_attention, ``torch_compile``) see one shape instead of recompiling for each new total
    #: length; costs the packer's slack (~1%).  None = on for packed rows on GPUs.
    static_shapes: bool | None = None
    #: General instruction data mixed in against forgetting: ``{path: FILE.jsonl, fraction: 0.1}``.
    mix: MixConfig | None = None
    #: How packed rows form a batch: ``flat`` concatenates them into one row for varlen attention kernels
    #: (flash/flex on GPUs); ``rows`` keeps one batch row per packed row under a block-causal mask (CPU
    #: SDPA has no varlen kernel, so one flat row would attend over batch_size times the scores).
    #: None = rows on CPU, flat elsewhere.
    packed_layout: Literal["flat", "rows"] | None = None


def packed_dataset(train_ds: Any, max_length: int, seed: int) -> Any:
    """``train_ds`` packed into max_length sequences (shuffled first, so packs mix topics)."""
    from datasets import Dataset

    from ftflow_plugins.data.packing import pack_rows

    shuffled = train_ds.shuffle(seed=seed)
    return Dataset.from_dict(pack_rows({"input_ids": shuffled["input_ids"],
                                        "assistant_masks": shuffled["assistant_masks"]}, max_length))


class SftMethod(Method):
    name = "sft"
    kind = "method"
    version = "1"
    description = "supervised fine-tuning on chat data (trl SFTTrainer), assistant-only loss"
    Config = SftConfig
    libraries = TRAIN_LIBRARIES
    measurements = TRAIN_MEASUREMENTS
    code_modules = (*TRAIN_CODE, "ftflow_plugins.train.mix", "ftflow_plugins.data.chat_tokens",
                    "ftflow_plugins.data.packing", "ftflow_plugins.train.sft_loss",
                    "ftflow_plugins.train.packed_batches")

    def reads(self, config: SftConfig) -> dict[str, Part | None]:
        # The tokenized train split only: a new eval set or eval-split stats do not retrain.  The data
        # stage is an input for check() (its row format) and contributes nothing to the key.
        splits = ("train/*", "eval/*") if config.eval_steps else ("train/*",)  # eval_steps: the held-out loss
        # method.mix tokenizes its rows like the tokenize stage did: its template override and masking.
        keys = ("max_length", *(MIX_TOKENIZE_KEYS if config.mix else ()))
        return {"model": None, "data": part(), "tokenize": part(*splits, metadata=keys)}

    def requires(self, config: SftConfig) -> dict[str, dict[str, str]]:
        return eval_requirement(config)

    def external_inputs(self, config: SftConfig) -> dict[str, str]:
        return {"mix": config.mix.path} if config.mix else {}

    def check(self, stage, upstream) -> list[str]:
        problems = settings_problems(stage.config) + mix_problems(stage.config.mix)
        problems += format_problem("sft", upstream, ("chat",))
        if "tokenize" not in upstream:
            problems.append("method=sft needs the tokenize stage (tokenize=chat)")
        return problems

    def estimate(self, stage) -> Estimate | None:
        return None

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import load_from_disk

        cfg: SftConfig = ctx.config
        # In memory: trl's Dataset.map would otherwise write cache-*.arrow files *into the upstream
        # cache entry*, which `ftflow cache verify` rightly reports as damage.
        train_ds = load_from_disk(str(ctx.inputs["tokenize"].path / "train"), keep_in_memory=True)
        max_length = ctx.inputs["tokenize"].metadata.get("max_length", 1024)
        mixed = None
        if cfg.mix:
            train_ds, mixed = mixed_dataset(ctx, cfg.mix, train_ds, max_length)

        eval_ds = None
        if cfg.eval_steps:
            eval_ds = load_from_disk(str(ctx.inputs["tokenize"].path / "eval"), keep_in_memory=True)
            eval_ds = eval_ds.select_columns(["input_ids", "assistant_masks"])
        summary = train_tokenized(ctx, cfg, train_ds, eval_ds, max_length)
        return {**summary, "mix": mixed} if mixed else summary


def train_tokenized(ctx: StageContext, cfg: Any, train_ds: Any, eval_ds: Any, max_length: int) -> dict[str, Any]:
    """Train with trl's SFTTrainer on rows of ``input_ids`` + ``assistant_masks`` (loss where the mask is 1),
    packed when ``cfg.packing``; shared by ``method=sft`` and ``method=pretrain`` (masks all 1)."""
    from trl import SFTConfig, SFTTrainer

    if cfg.packing:
        train_ds = packed_dataset(train_ds, max_length, ctx.seed)
        eval_ds = packed_dataset(eval_ds, max_length, ctx.seed) if eval_ds is not None else None

    counter = TokenCounter()

    def make_trainer(model, tokenizer, peft_config, common_args):
        # Packed rows are already <= max_length and carry seq_lengths; unpacked ones are truncated by trl.
        cpu = common_args["use_cpu"]
        static = cfg.packing and (cfg.static_shapes if cfg.static_shapes is not None else not cpu)
        rows = cfg.packed_layout == "rows" if cfg.packed_layout is not None else cpu
        args = SFTConfig(**common_args, packing=False, padding_free=cfg.packing,
                         max_length=None if cfg.packing else max_length, dataset_num_proc=None,
                         pad_to_multiple_of=(max_length if rows else cfg.batch_size * max_length) if static else None)
        # trl's fused lm-head loss reads lm_head.weight without calling the module, which FSDP2 never
        # unshards ("invalid python storage"): FSDP uses the model's own loss.
        launcher = ctx.components.get("launcher")
        fsdp = launcher is not None and getattr(launcher.config, "strategy", "") == "fsdp"
        fused = cfg.fused_loss if cfg.fused_loss is not None else not (common_args["use_cpu"] or fsdp)
        trainer_cls = lean_metrics_trainer(SFTTrainer, counter) if fused else plain_loss_trainer(SFTTrainer, counter)
        trainer = trainer_cls(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                              processing_class=tokenizer, peft_config=peft_config)
        if cfg.packing:  # trl's padding-free batches, collated with numpy (packed_batches)
            # Both losses read the labelled positions found here: the lean one always, the plain one to run
            # the LM head on those rows only (sft_loss.plain_loss_trainer).
            trainer.data_collator = PackedBatchCollator(trainer.data_collator.pad_token_id,
                                                        args.pad_to_multiple_of, stamp_labels=True, rows=rows)
            trainer.train_dataset = trainer.train_dataset.with_format("numpy")  # arrays, not Python lists
            if trainer.eval_dataset is not None:
                trainer.eval_dataset = trainer.eval_dataset.with_format("numpy")
            return trainer
        trainer.data_collator = label_positions(counter.wrap(trainer.data_collator))  # trl would count padding
        return trainer

    tokens = sum(len(x) for x in train_ds["input_ids"])
    return train_with(ctx, cfg, make_trainer, dataset_tokens=tokens, counter=counter)
