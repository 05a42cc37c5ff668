"""Read the data stage's JSONL into the row shapes trl's trainers take (preference, unpaired, prompts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow_plugins.common.hf import read_jsonl


def read_split(artifact: Path, split: str = "train") -> list[dict[str, Any]]:
    path = artifact / f"{split}.jsonl"
    if not path.exists():
        raise UserError(f"the data stage wrote no {split}.jsonl (in {artifact})")
    return read_jsonl(path)


def preference_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """{prompt, chosen, rejected} as chat messages (trl applies the chat template itself)."""
    return [{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"]} for r in rows]


def unpaired_rows(rows: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    """KTO's {prompt, completion, label}: a preference pair becomes one desirable and one undesirable row."""
    if fmt == "unpaired_preference":
        return [{"prompt": r["prompt"], "completion": r["completion"], "label": bool(r["label"])} for r in rows]
    out = []
    for r in rows:
        out.append({"prompt": r["prompt"], "completion": r["chosen"], "label": True})
        out.append({"prompt": r["prompt"], "completion": r["rejected"], "label": False})
    return out


def prompt_rows(rows: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    """GRPO's {prompt, reference}: the conversation up to its last assistant turn, and that turn's text
    (reward functions may compare against it)."""
    out = []
    for r in rows:
        if fmt == "chat":
            messages = r["messages"]
            last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
            out.append({"prompt": messages[:last], "reference": messages[last]["content"]})
        else:
            answer = r.get("chosen") or (r.get("completion") if r.get("label", True) else None) or []
            out.append({"prompt": r["prompt"], "reference": answer[0]["content"] if answer else ""})
    return out


def chat_tokens(tokenizer: Any, conversations: list[list[dict[str, Any]]]) -> int:
    """Tokens of conversations rendered with the chat template (an estimate for telemetry)."""
    texts = [tokenizer.apply_chat_template(c, tokenize=False) for c in conversations]
    return sum(len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])
