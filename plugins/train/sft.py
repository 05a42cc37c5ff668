"""``method=sft``: supervised fine-tuning (instruction tuning) with trl's SFTTrainer.

Reads the tokenize stage's ``input_ids`` + ``assistant_masks`` (loss on assistant tokens only), packs
sequences when asked, checkpoints into the stage's ``work_dir`` and resumes from the newest checkpoint
when the same stage runs again after a crash.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow_plugins.train.common import TrainSettings, train_with

from ftflow.provider import Estimate, Provider
from ftflow.stage import StageContext


@dataclasses.dataclass
class SftConfig(TrainSettings):
    packing: bool = True
    #: trl's chunked log-prob loss saves memory on GPUs but its backward is slow on CPU;
    #: None picks it on CUDA only.
    fused_loss: bool | None = None


def plain_loss_trainer(base: type) -> type:
    """An SFTTrainer whose loss is the model's own cross-entropy over full logits (fast on CPU)."""

    class PlainLossSFTTrainer(base):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            inputs = {**inputs, "use_cache": False}
            outputs = model(**inputs, num_items_in_batch=num_items_in_batch) if num_items_in_batch \
                else model(**inputs)
            return (outputs.loss, outputs) if return_outputs else outputs.loss

    return PlainLossSFTTrainer


class SftMethod(Provider):
    name = "sft"
    kind = "method"
    version = "1"
    description = "supervised fine-tuning on chat data (trl SFTTrainer), assistant-only loss"
    Config = SftConfig
    libraries = ("torch", "transformers", "trl", "peft", "datasets", "accelerate")
    code_modules = ("ftflow_plugins.common.hf", "ftflow_plugins.train.common")

    def check(self, stage, upstream) -> list[str]:
        if "tokenize" not in upstream:
            return ["method=sft needs the tokenize stage (tokenize=chat)"]
        return []

    def estimate(self, stage) -> Estimate | None:
        return None

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import load_from_disk
        from trl import SFTConfig, SFTTrainer

        cfg: SftConfig = ctx.config
        train_ds = load_from_disk(str(ctx.inputs["tokenize"].path / "train"))
        max_length = ctx.inputs["tokenize"].metadata.get("max_length", 1024)

        def make_trainer(model, tokenizer, peft_config, common_args):
            args = SFTConfig(**common_args, packing=cfg.packing, packing_strategy="bfd",
                             max_length=max_length, dataset_num_proc=None)
            fused = cfg.fused_loss if cfg.fused_loss is not None else not common_args["use_cpu"]
            trainer_cls = SFTTrainer if fused else plain_loss_trainer(SFTTrainer)
            return trainer_cls(model=model, args=args, train_dataset=train_ds, processing_class=tokenizer,
                               peft_config=peft_config)

        tokens = sum(len(x) for x in train_ds["input_ids"])
        return train_with(ctx, cfg, make_trainer, dataset_tokens=tokens)
