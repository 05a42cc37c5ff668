"""``method=dpo``: preference tuning on chosen/rejected pairs with trl (DPO and its loss variants,
ORPO, KTO), LoRA or full weights.

``loss`` picks the objective: ``dpo`` (sigmoid) or any other ``DPOTrainer`` loss type (ipo, hinge,
robust, apo_zero, ...) runs trl's DPOTrainer against the frozen base as reference; ``orpo`` runs trl's
ORPOTrainer (no reference model: odds-ratio penalty on top of SFT); ``kto`` runs KTOTrainer on
unpaired data, splitting each preference pair into a desirable and an undesirable completion.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow.stage import StageContext
from ftflow_plugins.train.common import (
    TRAIN_CODE,
    RawRowsMethod,
    TrainSettings,
    format_problem,
    settings_problems,
    train_with,
)
from ftflow_plugins.train.cpu import plain_logprob_head
from ftflow_plugins.train.rows import chat_tokens, preference_rows, read_split, unpaired_rows

#: trl 1.16 DPOTrainer loss types; ``dpo`` is an alias of its default ``sigmoid``.
DPO_LOSSES = ("sigmoid", "ipo", "hinge", "robust", "exo_pair", "nca_pair", "bco_pair", "sppo_hard", "aot",
              "aot_unpaired", "apo_zero", "apo_down", "discopop", "sigmoid_norm")
LOSSES = ("dpo", *DPO_LOSSES, "orpo", "kto")


@dataclasses.dataclass
class PreferenceConfig(TrainSettings):
    loss: str = "dpo"
    #: Strength of the pull towards the reference (DPO/KTO) or of the odds-ratio term (ORPO).
    beta: float = 0.1
    label_smoothing: float = 0.0
    #: DPO only: weight of an added NLL term on the chosen answers (RPO), against likelihood drift.
    sft_weight: float = 0.0
    #: KTO only: weights of desirable and undesirable examples (balance them when the counts differ).
    desirable_weight: float = 1.0
    undesirable_weight: float = 1.0
    #: DPO/KTO: score the reference once before training (saves a forward per step, costs memory).
    precompute_ref: bool = False
    #: trl's chunked log-prob head (memory-lean on GPUs, slow on CPU); None picks it on CUDA only.
    fused_loss: bool | None = None


class PreferenceMethod(RawRowsMethod):
    name = "dpo"
    version = "1"
    description = "preference tuning on chosen/rejected pairs: DPO (+ variants), ORPO or KTO (trl)"
    Config = PreferenceConfig
    code_modules = (*TRAIN_CODE, "ftflow_plugins.train.rows", "ftflow_plugins.train.cpu")

    def check(self, stage, upstream) -> list[str]:
        cfg: PreferenceConfig = stage.config
        problems = settings_problems(cfg)
        if cfg.loss not in LOSSES:
            problems.append(f"method.loss: {cfg.loss!r} is not one of {', '.join(LOSSES)}")
        accepted = ("preference", "unpaired_preference") if cfg.loss == "kto" else ("preference",)
        problems += format_problem(f"dpo (loss={cfg.loss})", upstream, accepted)
        if cfg.loss == "kto" and cfg.batch_size < 2:
            problems.append("method.loss=kto needs method.batch_size >= 2 (its KL estimate pairs examples "
                            "within a batch)")
        if cfg.sft_weight and cfg.loss in ("orpo", "kto"):
            problems.append(f"method.sft_weight applies to DPO losses, not loss={cfg.loss}")
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import Dataset

        cfg: PreferenceConfig = ctx.config
        data = ctx.inputs["data"]
        fmt = data.metadata.get("format", "preference")
        max_length = data.metadata.get("max_length", 1024)
        raw = read_split(data.path)
        if cfg.loss == "kto":
            rows = unpaired_rows(raw, fmt)
            convs = [r["prompt"] + r["completion"] for r in rows]
        else:
            rows = preference_rows(raw)
            convs = [r["prompt"] + r[k] for r in rows for k in ("chosen", "rejected")]
        train_ds = Dataset.from_list(rows)
        eval_ds = None
        if cfg.eval_steps:  # the held-out loss on the eval split, in the same row shape
            held_out = read_split(data.path, "eval")
            eval_ds = Dataset.from_list(unpaired_rows(held_out, fmt) if cfg.loss == "kto" else preference_rows(held_out))

        def make_trainer(model, tokenizer, peft_config, common_args):
            fused = cfg.fused_loss if cfg.fused_loss is not None else not common_args["use_cpu"]
            trainer = build_trainer(cfg, model, tokenizer, peft_config, common_args, train_ds, max_length, eval_ds)
            if not fused and cfg.loss != "orpo":  # ORPO computes plain logits already
                plain_logprob_head(trainer.model, getattr(trainer, "ref_model", None))
            return trainer

        return train_with(ctx, cfg, make_trainer, dataset_tokens=lambda tok: chat_tokens(tok, convs))


def build_trainer(cfg: PreferenceConfig, model: Any, tokenizer: Any, peft_config: Any,
                  common_args: dict[str, Any], train_ds: Any, max_length: int, eval_ds: Any = None) -> Any:
    if cfg.loss == "orpo":
        from trl.experimental.orpo import ORPOConfig, ORPOTrainer

        args = ORPOConfig(**common_args, beta=cfg.beta, max_length=max_length, dataset_num_proc=None)
        return ORPOTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tokenizer,
                           peft_config=peft_config)
    if cfg.loss == "kto":
        from trl import KTOConfig, KTOTrainer

        args = KTOConfig(**common_args, beta=cfg.beta, desirable_weight=cfg.desirable_weight,
                         undesirable_weight=cfg.undesirable_weight, max_length=max_length,
                         precompute_ref_log_probs=cfg.precompute_ref, dataset_num_proc=None)
        return KTOTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tokenizer,
                          peft_config=peft_config)
    from trl import DPOConfig, DPOTrainer

    loss_type = ["sigmoid" if cfg.loss == "dpo" else cfg.loss]
    weights = None
    if cfg.sft_weight:
        loss_type, weights = [*loss_type, "sft"], [1.0, cfg.sft_weight]
    args = DPOConfig(**common_args, beta=cfg.beta, loss_type=loss_type, loss_weights=weights,
                     label_smoothing=cfg.label_smoothing, max_length=max_length,
                     precompute_ref_log_probs=cfg.precompute_ref, dataset_num_proc=None)
    return DPOTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tokenizer,
                      peft_config=peft_config)
