"""Tokenize conversations once, as a cached stage, with loss masks on assistant turns only.

trl's ``assistant_only_loss`` needs ``{% generation %}`` markers that most chat templates (SmolLM2's
ChatML included) lack, so ftflow computes the masks itself: it renders each conversation prefix with
the tokenizer's own template and marks the characters that belong to assistant turns (their content and
end-of-turn token).  The stage's key covers the tokenizer files and the template by content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from ftflow.errors import UserError
from ftflow.kinds import Tokenizer
from ftflow.provider import Part, part
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir, read_jsonl
from ftflow_plugins.data.chat_tokens import tokenize_batch
from ftflow_plugins.data.files import SOURCES_FILE, normalized_format
from ftflow_plugins.data.packing import packing_report
from ftflow_plugins.rag.retrieve import RAG_INDEX


@dataclasses.dataclass
class TokenizeConfig:
    completion_only: bool = True
    chat_template: str | None = None  # override the tokenizer's template (Jinja text)
    max_length: int | None = None  # default: the data stage's max_length
    #: Rows longer than max_length tokens: an error naming file:line, truncated (trl does the same
    #: when packing), or dropped.  The rate is reported either way.
    overlength: Literal["error", "truncate", "drop"] = "error"
    #: Share of train conversations whose last user turn carries passages retrieved from the rag stage, in
    #: the prompt the rag / tuned_rag eval variants use (``ftflow_plugins.rag.prompting``): the tuned model
    #: learns to answer from sources it is shown (retrieval-augmented fine-tuning, as in RAFT) instead of
    #: meeting that prompt for the first time at eval.  0 = plain rows; the rag stage is read only when > 0.
    rag_context: float = 0.0


BATCH = 256


def template_digest(tokenizer: Any) -> str:
    return hashlib.sha256((tokenizer.chat_template or "").encode()).hexdigest()[:16]


def _location(data_path: Path, split: str, index: int) -> str:
    """The source file:line of a normalized row (the data stage records them in sources.json)."""
    sources = data_path / SOURCES_FILE
    if sources.exists():
        where = json.loads(sources.read_text()).get(split, [])
        if index < len(where):
            return where[index]
    return f"{data_path / (split + '.jsonl')}:{index + 1}"


def split_stats(rows: list[dict[str, Any]], max_length: int) -> dict[str, Any]:
    lengths = sorted(r["length"] for r in rows)
    truncated = sum(r["truncated"] for r in rows)
    return {
        "rows": len(rows),
        "tokens": sum(min(n, max_length) for n in lengths),
        "loss_tokens": sum(sum(r["assistant_masks"]) for r in rows),
        "truncated": truncated,
        "truncated_fraction": round(truncated / len(rows), 4) if rows else 0.0,
        "length_tokens": {"p50": lengths[len(lengths) // 2], "p90": lengths[int(0.9 * len(lengths))],
                          "max": lengths[-1]} if lengths else {},
    }


def render_markdown(stats: dict[str, Any]) -> str:
    lines = [f"Template {stats['template']}, max_length {stats['max_length']} tokens, "
             f"over-length rows: {stats['overlength']}.", "",
             "| split | rows | tokens | loss tokens | tokens p50 / p90 / max | truncated |", "|---|---|---|---|---|---|"]
    for split in ("train", "eval"):
        if split in stats:
            s, n = stats[split], stats[split]["length_tokens"]
            lines.append(f"| {split} | {s['rows']} | {s['tokens']} | {s['loss_tokens']} | "
                         f"{n['p50']} / {n['p90']} / {n['max']} | {s['truncated']} ({s['truncated_fraction']:.1%}) |")
    p = stats["packing"]
    lines += ["", f"Packing (subset-sum) of train: {p['sequences']} rows into {p['bins']} sequences of "
                  f"{p['max_length']} tokens, efficiency {p['efficiency']:.1%}."]
    return "\n".join(lines)


def with_passages(ctx: StageContext, conversations: list[list[dict[str, Any]]], share: float
                  ) -> tuple[list[list[dict[str, Any]]], dict[str, Any]]:
    """``conversations`` with a seeded ``share`` of them given retrieved passages (the rag stage's k and
    context_words), and a note for the stage metadata."""
    import random

    from ftflow_plugins.rag.prompting import augment, question_of
    from ftflow_plugins.rag.retrieve import Retriever

    retriever = Retriever(ctx.inputs["rag"].path)
    k, words = ctx.inputs["rag"].settings["k"], ctx.inputs["rag"].settings["context_words"]
    chosen = sorted(random.Random(ctx.seed).sample(range(len(conversations)), round(share * len(conversations))))
    ranked = retriever.documents([question_of(conversations[i]) for i in chosen], k) if chosen else []
    out = list(conversations)
    for i, docs in zip(chosen, ranked, strict=True):
        out[i] = augment(conversations[i], docs, words)
    return out, {"share": share, "rows": len(chosen), "k": k, "context_words": words}


class ChatTemplateTokenizer(Tokenizer):
    name = "chat-template"
    kind = "tokenize"
    version = "4"
    description = "chat-template tokenization with assistant-only loss masks and packing report (cached)"
    Config = TokenizeConfig
    libraries = ("transformers", "tokenizers", "datasets")
    code_modules = ("ftflow_plugins.common.hf", "ftflow_plugins.rag.prompting", "ftflow_plugins.rag.retrieve")
    def reads(self, config: TokenizeConfig) -> dict[str, Part | None]:
        # Tokenization depends on the tokenizer files and template, not on the weights next to them; on
        # both splits (and their file:line sources); on the retrieval index only to add passages.
        parts: dict[str, Part | None] = {
            "model": part("model/tokenizer*", "model/chat_template.jinja", "model/special_tokens_map.json",
                          "model/added_tokens.json", "model/*.model"),
            "data": part("train.jsonl", "eval.jsonl", SOURCES_FILE, metadata=("max_length", "quality_limits")),
        }
        if config.rag_context > 0:
            parts["rag"] = RAG_INDEX
        return parts

    def check(self, stage, upstream) -> list[str]:
        cfg: TokenizeConfig = stage.config
        if not 0.0 <= cfg.rag_context <= 1.0:
            return [f"tokenize.rag_context must be between 0 and 1, got {cfg.rag_context}"]
        if cfg.rag_context > 0 and "rag" not in upstream:
            return ["tokenize.rag_context > 0 puts retrieved passages into train rows: it needs a rag stage "
                    "(e.g. rag=hybrid), or set tokenize.rag_context=0"]
        data = upstream.get("data")
        if data is None:
            return []
        output = normalized_format(data)
        if output != "chat":
            return [f"tokenize=chat-template needs chat rows, but data.format={data.config.format} gives {output} rows "
                    f"(use tokenize=none; preference trainers tokenize pairs themselves)"]
        return []

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import Dataset

        cfg: TokenizeConfig = ctx.config
        data = ctx.inputs["data"]
        tokenizer = load_tokenizer(model_dir(ctx.inputs["model"].path))
        if cfg.chat_template:
            tokenizer.chat_template = cfg.chat_template
        max_length = cfg.max_length or data.metadata.get("max_length", 1024)
        # completion_only and chat_template (the override, None for the tokenizer's own) are for readers
        # that tokenize more rows the same way (method.mix), declared in their reads().
        stats: dict[str, Any] = {"template": template_digest(tokenizer), "max_length": max_length,
                                 "overlength": cfg.overlength, "completion_only": cfg.completion_only,
                                 "chat_template": cfg.chat_template}
        for split in ("train", "eval"):
            path: Path = data.path / f"{split}.jsonl"
            if not path.exists():
                continue
            conversations = [r["messages"] for r in read_jsonl(path)]
            if split == "train" and cfg.rag_context > 0:
                conversations, stats["rag_context"] = with_passages(ctx, conversations, cfg.rag_context)
            rows = []
            for start in range(0, len(conversations), BATCH):
                rows += tokenize_batch(tokenizer, conversations[start:start + BATCH], cfg.completion_only,
                                       max_length)
            over = [i for i, r in enumerate(rows) if r["truncated"]]
            if over and cfg.overlength == "error":
                first = rows[over[0]]
                raise UserError(f"{_location(data.path, split, over[0])}: field 'messages' is {first['length']} "
                                f"tokens, over max_length {max_length} ({len(over)} {split} rows are); raise "
                                f"data.max_length, shorten them, or set tokenize.overlength=truncate|drop")
            if cfg.overlength == "drop":
                rows = [r for r in rows if not r["truncated"]]
            stats[split] = split_stats(rows, max_length)
            if cfg.overlength == "drop":
                stats[split]["dropped"] = len(over)
            Dataset.from_list([{"input_ids": r["input_ids"], "assistant_masks": r["assistant_masks"]}
                               for r in rows]).save_to_disk(str(ctx.output_dir / split))
            if split == "train":
                stats["packing"] = packing_report([r["length"] for r in rows], max_length)
        limit = data.metadata.get("quality_limits", {}).get("max_truncated_fraction")
        share = stats["train"]["truncated_fraction"]
        if limit is not None and share > limit:
            raise UserError(f"data.quality.max_truncated_fraction: {share:.3f} of train rows exceed max_length "
                            f"{max_length} tokens and would be truncated, above {limit}")
        stats["report_md"] = render_markdown(stats)
        return stats
