"""Mixing general instruction data into SFT against catastrophic forgetting (``method.mix``).

``fraction`` is the share of mixed-in rows in the final training set: with 900 task rows and
``fraction: 0.1``, 100 general rows are drawn (seeded; with replacement only if the file is smaller).
They are tokenized exactly like the task data (same chat template, same assistant-only masks).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from ftflow.errors import UserError
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir, read_jsonl

#: The tokenize stage's metadata the mixed-in rows are tokenized with (the same template and masks).
MIX_TOKENIZE_KEYS = ("chat_template", "completion_only")


@dataclasses.dataclass
class MixConfig:
    path: str = ""  # chat-format JSONL, resolved like data paths
    fraction: float = 0.1


def mix_problems(mix: MixConfig | None) -> list[str]:
    if mix is None:
        return []
    problems = [] if mix.path else ["method.mix.path is required (a chat-format JSONL file)"]
    if not 0 < mix.fraction < 1:
        problems.append(f"method.mix.fraction must be in (0, 1), got {mix.fraction}")
    return problems


def mix_count(task_rows: int, fraction: float) -> int:
    return max(1, round(task_rows * fraction / (1 - fraction)))


def mixed_dataset(ctx: StageContext, mix: MixConfig, train_ds: Any, max_length: int) -> tuple[Any, dict]:
    """``train_ds`` plus the drawn general rows (a datasets.Dataset) and a summary for the metadata."""
    from datasets import Dataset, concatenate_datasets

    from ftflow_plugins.data.chat_tokens import tokenize_conversation

    path = ctx.resolve_path(mix.path, "method.mix.path")
    rows = read_jsonl(path)
    bad = [i + 1 for i, r in enumerate(rows) if not isinstance(r.get("messages"), list)]
    if bad:
        raise UserError(f"{path}:{bad[0]}: method.mix needs chat rows with 'messages'")
    wanted = mix_count(len(train_ds), mix.fraction)
    rng = random.Random(ctx.seed)
    drawn = rng.sample(rows, wanted) if wanted <= len(rows) else rng.choices(rows, k=wanted)
    tokenize = ctx.inputs["tokenize"].metadata  # MIX_TOKENIZE_KEYS, declared in SftMethod.reads
    missing = [k for k in MIX_TOKENIZE_KEYS if k not in tokenize]
    if missing:
        raise UserError(f"method.mix: the tokenize stage returned no {' or '.join(missing)} to tokenize the "
                        f"mixed-in rows with (a tokenizer's metadata contract, docs/plugins.md)")
    tokenizer = load_tokenizer(model_dir(ctx.inputs["model"].path))
    if tokenize.get("chat_template"):
        tokenizer.chat_template = tokenize["chat_template"]
    encoded = [tokenize_conversation(tokenizer, r["messages"], tokenize["completion_only"], max_length)
               for r in drawn]
    extra = Dataset.from_list([{"input_ids": e["input_ids"], "assistant_masks": e["assistant_masks"]}
                               for e in encoded])
    extra = extra.cast(train_ds.features)
    combined = concatenate_datasets([train_ds, extra]).shuffle(seed=ctx.seed)
    return combined, {"path": str(path), "rows": wanted, "task_rows": len(train_ds), "fraction": mix.fraction}
