"""``method=pretrain``: continued pretraining (domain-adaptive) on raw ``text`` documents.

No chat template and a causal-LM loss on every token: each document is tokenized as plain text with the
end-of-sequence token appended (so the model learns where documents end), cut into ``max_length`` pieces,
and the pieces are packed with ftflow's subset-sum packer like SFT rows — documents share a sequence but
never attend to each other (positions restart per piece).  The trainer is SFT's (``sft.train_tokenized``)
with the loss mask all ones.  Tokenizing text is cheap, so it happens here instead of in a tokenize stage:
the graph has no tokenize stage for this method, and the key covers the data stage's train split (and the
eval split with ``method.eval_steps``, whose held-out loss is the measure of domain adaptation).

Then SFT: export the result (``ftflow export RUN -o DIR --format hf``, or ``adapter=full``) and start a
second recipe from it with ``model=local model.path=DIR/model`` (docs/training.md, "Continued pretraining").
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from ftflow.kinds import Method
from ftflow.provider import Estimate, Part, part
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir
from ftflow_plugins.train.common import (
    TRAIN_CODE,
    TRAIN_LIBRARIES,
    TRAIN_MEASUREMENTS,
    TrainSettings,
    eval_requirement,
    format_problem,
    settings_problems,
)
from ftflow_plugins.train.rows import read_split

#: Documents per tokenizer call (the fast tokenizer encodes a batch in parallel).
BATCH = 256


@dataclasses.dataclass
class PretrainConfig(TrainSettings):
    #: Pack document pieces into max_length sequences (subset-sum, no attention across documents);
    #: false = one piece per row, padded.
    packing: bool = True
    #: Tokens per sequence; None = the data stage's ``max_length``.
    max_length: int | None = None
    #: Append the tokenizer's end-of-sequence token to every document.
    add_eos: bool = True
    #: Drop trailing pieces shorter than this many tokens (a document's last few tokens teach little).
    min_piece_tokens: int = 8
    # The SFT trainer's settings, with the same meaning (recipes/method/sft.yaml).
    fused_loss: bool | None = None
    static_shapes: bool | None = None
    packed_layout: Literal["flat", "rows"] | None = None


def document_pieces(ids: list[int], max_length: int, min_piece: int) -> list[list[int]]:
    """One document's token ids cut into pieces of at most ``max_length`` (the last may be shorter; kept
    when at least ``min_piece`` tokens long, or when it is the whole document)."""
    pieces = [ids[i:i + max_length] for i in range(0, len(ids), max_length)]
    return [p for j, p in enumerate(pieces) if len(p) >= min_piece or j == 0]


def tokenize_documents(tokenizer: Any, texts: list[str], max_length: int, add_eos: bool = True,
                       min_piece: int = 8) -> dict[str, Any]:
    """``{"input_ids", "assistant_masks"}`` columns (masks all 1: loss on every token) and statistics."""
    eos = [tokenizer.eos_token_id] if add_eos and tokenizer.eos_token_id is not None else []
    rows: list[list[int]] = []
    documents = split_documents = tokens = 0
    for start in range(0, len(texts), BATCH):
        encoded = tokenizer(texts[start:start + BATCH], add_special_tokens=False)["input_ids"]
        for ids in encoded:
            pieces = document_pieces(list(ids) + eos, max_length, min_piece)
            documents += 1
            split_documents += len(pieces) > 1
            tokens += sum(len(p) for p in pieces)
            rows.extend(pieces)
    stats = {"documents": documents, "pieces": len(rows), "split_documents": split_documents, "tokens": tokens}
    return {"input_ids": rows, "assistant_masks": [[1] * len(r) for r in rows]}, stats


class PretrainMethod(Method):
    name = "pretrain"
    kind = "method"
    version = "1"
    description = "continued pretraining on raw text (causal LM loss on every token, packed, no chat template)"
    Config = PretrainConfig
    libraries = TRAIN_LIBRARIES
    measurements = TRAIN_MEASUREMENTS
    code_modules = (*TRAIN_CODE, "ftflow_plugins.train.sft", "ftflow_plugins.train.rows",
                    "ftflow_plugins.data.packing", "ftflow_plugins.train.sft_loss",
                    "ftflow_plugins.train.packed_batches")

    def reads(self, config: PretrainConfig) -> dict[str, Part | None]:
        files = ("train.jsonl", "eval.jsonl") if config.eval_steps else ("train.jsonl",)
        return {"model": None, "data": part(*files, metadata=("format", "max_length"))}

    def requires(self, config: PretrainConfig) -> dict[str, dict[str, str]]:
        return eval_requirement(config)

    def check(self, stage, upstream) -> list[str]:
        cfg: PretrainConfig = stage.config
        problems = settings_problems(cfg) + format_problem("pretrain", upstream, ("text",))
        if cfg.max_length is not None and cfg.max_length < 2:
            problems.append(f"method.max_length must be at least 2 tokens, got {cfg.max_length}")
        if cfg.min_piece_tokens < 1:
            problems.append(f"method.min_piece_tokens must be positive, got {cfg.min_piece_tokens}")
        return problems

    def estimate(self, stage) -> Estimate | None:
        return None

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import Dataset

        from ftflow_plugins.train.sft import train_tokenized

        cfg: PretrainConfig = ctx.config
        data = ctx.inputs["data"]
        max_length = cfg.max_length or data.metadata.get("max_length", 1024)
        tokenizer = load_tokenizer(model_dir(ctx.inputs["model"].path))
        splits: dict[str, Any] = {}
        stats: dict[str, Any] = {"max_length": max_length}
        for split in ("train", "eval") if cfg.eval_steps else ("train",):
            texts = [r["text"] for r in read_split(data.path, split)]
            columns, stats[split] = tokenize_documents(tokenizer, texts, max_length, cfg.add_eos,
                                                       cfg.min_piece_tokens)
            splits[split] = Dataset.from_dict(columns)
        ctx.log(f"{stats['train']['documents']} documents, {stats['train']['tokens']} tokens in "
                f"{stats['train']['pieces']} pieces of <= {max_length}")
        if cfg.eval_steps and "eval_on_start" not in (cfg.trainer_args or {}):
            # The held-out loss before the first step too: the base model's, which the curve should fall from.
            cfg = dataclasses.replace(cfg, trainer_args={**(cfg.trainer_args or {}), "eval_on_start": True})
        summary = train_tokenized(ctx, cfg, splits["train"], splits.get("eval"), max_length)
        return {**summary, "pretrain_data": stats}
