"""``method=grpo``: online RL (GRPO, trl GRPOTrainer): the policy samples ``num_generations`` answers per
prompt, rewards score them, and the policy moves towards the better-than-average ones.

Rewards are rule-based functions named in the recipe (``rewards: [json_schema_valid, ...]``, see
``grpo_rewards.py``) and/or a reward model trained earlier with ``method=reward`` (``reward_model: PATH`` to
that run's train artifact).  Prompts come from chat data (the turns before the last assistant turn;
its text is the ``reference`` column rewards may use) or from preference data (``prompt``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import model_dir
from ftflow_plugins.train.adapters import auto_model
from ftflow_plugins.train.common import (
    TRAIN_CODE,
    TRAIN_LIBRARIES,
    RawRowsMethod,
    TrainSettings,
    format_problem,
    settings_problems,
    train_with,
)
from ftflow_plugins.train.cpu import plain_logprob_head
from ftflow_plugins.train.grpo_rewards import REWARDS, build_rewards
from ftflow_plugins.train.rows import chat_tokens, prompt_rows, read_split


@dataclasses.dataclass
class GrpoConfig(TrainSettings):
    rewards: list[str] = dataclasses.field(default_factory=lambda: ["length_penalty"])
    #: One weight per reward (rule-based first, then the reward model); None = all 1.
    reward_weights: list[float] | None = None
    #: Artifact directory of a ``method=reward`` run (``ftflow show RUN --json``: the train artifact).
    reward_model: str | None = None
    schema: str | None = None  # JSON schema file for json_schema_valid
    keywords: list[str] = dataclasses.field(default_factory=list)  # for contains_keywords
    target_chars: int = 120  # for length_penalty
    num_generations: int = 4
    #: Off: trl generates outside the trainer's autocast, where fp32 adapters need peft's input cast.
    lora_autocast: bool | None = False
    fused_lora: bool | None = False  # likewise: generation outside autocast would run them in bf16
    max_completion_length: int = 64
    temperature: float = 1.0
    beta: float = 0.0  # KL weight to the reference (0: no reference model, trl's default)
    #: trl's chunked log-prob head (memory-lean on GPUs, slow on CPU); None picks it on CUDA only.
    fused_loss: bool | None = None


class GrpoMethod(RawRowsMethod):
    name = "grpo"
    version = "1"
    description = "online RL with GRPO (trl): rule-based rewards by name and/or a trained reward model"
    Config = GrpoConfig
    libraries = (*TRAIN_LIBRARIES, "jsonschema")
    code_modules = (*TRAIN_CODE, "ftflow_plugins.train.rows", "ftflow_plugins.train.cpu",
                    "ftflow_plugins.train.grpo_rewards")

    def external_inputs(self, config: GrpoConfig) -> Mapping[str, Path | str]:
        files: dict[str, Path | str] = {}
        if config.schema:
            files["schema"] = config.schema
        if config.reward_model:
            files["reward_model"] = config.reward_model
        return files

    def check(self, stage, upstream) -> list[str]:
        cfg: GrpoConfig = stage.config
        problems = settings_problems(cfg)
        if cfg.eval_steps:
            problems.append("method.eval_steps: grpo has no held-out loss (it samples completions); evaluate "
                            "with the eval stage")
        problems += format_problem("grpo", upstream, ("chat", "preference", "unpaired_preference"))
        unknown = [r for r in cfg.rewards if r not in REWARDS]
        if unknown:
            problems.append(f"method.rewards: unknown {', '.join(unknown)} (valid: {', '.join(REWARDS)})")
        if not cfg.rewards and not cfg.reward_model:
            problems.append("method=grpo needs method.rewards and/or method.reward_model")
        if "json_schema_valid" in cfg.rewards and not cfg.schema:
            problems.append("method.rewards has json_schema_valid but method.schema (a JSON schema file) is unset")
        if "json_schema_valid" in cfg.rewards and importlib.util.find_spec("jsonschema") is None:
            problems.append("method.rewards has json_schema_valid, which needs jsonschema: pip install jsonschema")
        count = len(cfg.rewards) + bool(cfg.reward_model)
        if cfg.reward_weights is not None and len(cfg.reward_weights) != count:
            problems.append(f"method.reward_weights has {len(cfg.reward_weights)} weights for {count} rewards")
        if cfg.num_generations < 2:
            problems.append("method.num_generations must be >= 2 (GRPO compares answers to the same prompt)")
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import Dataset

        cfg: GrpoConfig = ctx.config
        data = ctx.inputs["data"]
        rows = prompt_rows(read_split(data.path), data.metadata.get("format", "chat"))
        schema = ctx.resolve_path(cfg.schema, "method.schema") if cfg.schema else None
        funcs: list[Any] = build_rewards(cfg.rewards, cfg, schema)
        extra_processing = []
        if cfg.reward_model:
            model, tokenizer = load_reward_model(ctx.resolve_path(cfg.reward_model, "method.reward_model"),
                                                 ctx.inputs["model"])
            funcs.append(model)
            extra_processing.append(tokenizer)
        train_ds = Dataset.from_list(rows)

        def make_trainer(model, tokenizer, peft_config, common_args):
            from trl import GRPOConfig, GRPOTrainer

            world = int(os.environ.get("WORLD_SIZE", "1"))
            per_step = common_args["per_device_train_batch_size"] * world
            args = GRPOConfig(**common_args, num_generations=cfg.num_generations,
                              generation_batch_size=math.lcm(per_step, cfg.num_generations),
                              max_completion_length=cfg.max_completion_length, temperature=cfg.temperature,
                              beta=cfg.beta, reward_weights=cfg.reward_weights)
            processing = [None] * len(cfg.rewards) + extra_processing
            trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=args, train_dataset=train_ds,
                                  processing_class=tokenizer, peft_config=peft_config,
                                  reward_processing_classes=processing if extra_processing else None)
            fused = cfg.fused_loss if cfg.fused_loss is not None else not common_args["use_cpu"]
            if not fused:
                plain_logprob_head(trainer.model, getattr(trainer, "ref_model", None), temperature=cfg.temperature)
            return trainer

        prompts = [r["prompt"] for r in rows]
        return train_with(ctx, cfg, make_trainer, dataset_tokens=lambda tok: chat_tokens(tok, prompts),
                          extra_curves=("reward", "reward_std"))


def load_reward_model(artifact: Path, base_model: Any = None) -> tuple[Any, Any]:
    """A ``method=reward`` artifact as a ready sequence-classification model and its tokenizer."""
    from transformers import AutoTokenizer

    log = artifact / "train_log.json"
    summary = json.loads(log.read_text())["summary"] if log.exists() else {}
    if summary.get("task") != "seq-cls":
        raise UserError(f"method.reward_model: {artifact} is not a method=reward artifact (no reward model "
                        f"summary in train_log.json)")
    if summary.get("peft"):
        from peft import PeftConfig, PeftModel

        tokenizer = AutoTokenizer.from_pretrained(str(artifact / "adapter"))
        base = PeftConfig.from_pretrained(str(artifact / "adapter")).base_model_name_or_path
        if not base:  # adapters name no host path: the base is this stage's model, if it is the same one
            if base_model is None or summary.get("base_model_digest") != base_model.digest:
                raise UserError(f"method.reward_model: {artifact} is a LoRA reward model trained on another base "
                                f"model; train it (method=reward) on the same model as this grpo run")
            base = str(model_dir(base_model.path))
        model = auto_model(Path(base), "seq-cls", tokenizer)
        model = PeftModel.from_pretrained(model, str(artifact / "adapter")).merge_and_unload()
    else:
        tokenizer = AutoTokenizer.from_pretrained(str(artifact / "model"))
        model = auto_model(artifact / "model", "seq-cls", tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    return model, tokenizer
