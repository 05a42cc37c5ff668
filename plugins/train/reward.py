"""``method=reward``: a reward model (sequence classification, one score) trained on preference pairs
with trl's RewardTrainer (Bradley-Terry loss: chosen should score above rejected).

Its artifact is a reward model, not a chat model: ``method=grpo`` reads it through
``method.reward_model: <artifact path>``; evaluators and exporters for chat models do not apply.
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
from ftflow_plugins.train.rows import chat_tokens, preference_rows, read_split


@dataclasses.dataclass
class RewardConfig(TrainSettings):
    #: Pulls the mean score towards 0 (trl's center_rewards_coefficient), e.g. 0.01; None = off.
    center_rewards: float | None = None


class RewardMethod(RawRowsMethod):
    name = "reward"
    version = "1"
    description = "reward model (one-score head) on preference pairs (trl RewardTrainer)"
    Config = RewardConfig
    code_modules = (*TRAIN_CODE, "ftflow_plugins.train.rows")

    def check(self, stage, upstream) -> list[str]:
        return settings_problems(stage.config) + format_problem("reward", upstream, ("preference",))

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import Dataset

        cfg: RewardConfig = ctx.config
        data = ctx.inputs["data"]
        rows = preference_rows(read_split(data.path))
        max_length = data.metadata.get("max_length", 1024)
        train_ds = Dataset.from_list(rows)
        eval_ds = Dataset.from_list(preference_rows(read_split(data.path, "eval"))) if cfg.eval_steps else None

        def make_trainer(model, tokenizer, peft_config, common_args):
            from trl import RewardConfig as TrlRewardConfig
            from trl import RewardTrainer

            args = TrlRewardConfig(**common_args, max_length=max_length, dataset_num_proc=None,
                                   center_rewards_coefficient=cfg.center_rewards)
            return RewardTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                                 processing_class=tokenizer, peft_config=peft_config)

        convs = [r["prompt"] + r[k] for r in rows for k in ("chosen", "rejected")]
        summary = train_with(ctx, cfg, make_trainer, dataset_tokens=lambda tok: chat_tokens(tok, convs),
                             task="seq-cls", extra_curves=("accuracy",))
        return summary
