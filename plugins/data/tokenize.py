"""Tokenize conversations once, as a cached stage, with loss masks on assistant turns only.

trl's ``assistant_only_loss`` needs ``{% generation %}`` markers that most chat templates (SmolLM2's
ChatML included) lack, so ftflow computes the masks itself: it renders each conversation prefix with
the tokenizer's own template and marks the characters that belong to assistant turns (their content and
end-of-turn token).  The stage's key covers the tokenizer files and the template by content.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from ftflow_plugins.common.hf import load_tokenizer, model_dir, read_jsonl

from ftflow.provider import Provider
from ftflow.stage import StageContext


@dataclasses.dataclass
class TokenizeConfig:
    completion_only: bool = True
    chat_template: str | None = None  # override the tokenizer's template (Jinja text)
    max_length: int | None = None  # default: the data stage's max_length


def assistant_char_spans(tokenizer: Any, messages: list[dict[str, Any]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the [start, end) character spans of every assistant turn."""
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prefix = tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True)
        upto = tokenizer.apply_chat_template(messages[: i + 1], tokenize=False)
        if not text.startswith(prefix) or not text.startswith(upto):
            raise ValueError("the chat template does not render conversations prefix-consistently; "
                             "set tokenize.chat_template to a training variant")
        end = len(upto.rstrip("\n"))  # keep the end-of-turn token, drop the trailing newline
        spans.append((len(prefix), end))
    return text, spans


def tokenize_conversation(tokenizer: Any, messages: list[dict[str, Any]], completion_only: bool,
                          max_length: int) -> dict[str, Any]:
    text, spans = assistant_char_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
    if completion_only:
        mask = [int(any(s <= start < e for s, e in spans)) for start, _ in offsets]
    else:
        mask = [1] * len(ids)
    return {"input_ids": ids[:max_length], "assistant_masks": mask[:max_length],
            "truncated": len(ids) > max_length, "length": len(ids)}


def template_digest(tokenizer: Any) -> str:
    return hashlib.sha256((tokenizer.chat_template or "").encode()).hexdigest()[:16]


class ChatTemplateTokenizer(Provider):
    name = "chat-template"
    kind = "tokenize"
    version = "1"
    description = "chat-template tokenization with assistant-only loss masks (cached)"
    Config = TokenizeConfig
    libraries = ("transformers", "tokenizers", "datasets")
    code_modules = ("ftflow_plugins.common.hf",)
    # Tokenization depends on the tokenizer files and template, not on the weights next to them.
    input_files = {"model": ("model/tokenizer*", "model/chat_template.jinja", "model/special_tokens_map.json",
                             "model/added_tokens.json", "model/*.model")}

    def check(self, stage, upstream) -> list[str]:
        data = upstream.get("data")
        fmt = getattr(data.config, "format", "chat") if data else None
        if data is not None and fmt not in ("chat",) and stage.config.completion_only:
            return [f"tokenize=chat-template needs chat data, got data.format={fmt}"]
        return []

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from datasets import Dataset

        cfg: TokenizeConfig = ctx.config
        tokenizer = load_tokenizer(model_dir(ctx.inputs["model"].path))
        if cfg.chat_template:
            tokenizer.chat_template = cfg.chat_template
        max_length = cfg.max_length or ctx.inputs["data"].metadata.get("max_length", 1024)
        stats: dict[str, Any] = {"template": template_digest(tokenizer), "max_length": max_length}
        for split in ("train", "eval"):
            path: Path = ctx.inputs["data"].path / f"{split}.jsonl"
            if not path.exists():
                continue
            rows = [tokenize_conversation(tokenizer, r["messages"], cfg.completion_only, max_length)
                    for r in read_jsonl(path)]
            Dataset.from_list([{"input_ids": r["input_ids"], "assistant_masks": r["assistant_masks"]}
                               for r in rows]).save_to_disk(str(ctx.output_dir / split))
            stats[split] = {
                "rows": len(rows),
                "tokens": sum(min(r["length"], max_length) for r in rows),
                "loss_tokens": sum(sum(r["assistant_masks"]) for r in rows),
                "truncated": sum(r["truncated"] for r in rows),
            }
        return stats
