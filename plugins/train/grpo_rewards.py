"""Rule-based rewards for ``method=grpo``, chosen by name in the recipe (``method.rewards: [...]``).

Each entry of ``REWARDS`` builds a trl reward function from the method config: it receives the batch's
``completions`` (chat messages or text) and the data set's extra columns (``reference``) and returns one
float per completion.  Names are validated by the method's ``check()``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

RewardFn = Callable[..., list[float]]
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


def completion_text(completion: Any) -> str:
    """The text of one completion: trl passes a list of messages for conversational data."""
    if isinstance(completion, list):
        return "".join(m.get("content") or "" for m in completion if m.get("role") == "assistant")
    return str(completion)


def parse_json(text: str) -> Any:
    """The JSON value in a completion, tolerating a Markdown fence; raises ValueError otherwise."""
    return json.loads(_FENCE.sub("", text.strip()))


def json_schema_valid(schema: dict[str, Any]) -> RewardFn:
    """1.0 for JSON that validates against ``schema``, 0.25 for JSON that does not, 0.0 for no JSON."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)

    def json_schema_valid(completions: list[Any], **_: Any) -> list[float]:
        scores = []
        for completion in completions:
            try:
                value = parse_json(completion_text(completion))
            except ValueError:
                scores.append(0.0)
                continue
            scores.append(1.0 if validator.is_valid(value) else 0.25)
        return scores

    return json_schema_valid


def length_penalty(target_chars: int) -> RewardFn:
    """0 up to ``target_chars``, then linearly down to -1 at twice the target: favours concise answers."""

    def length_penalty(completions: list[Any], **_: Any) -> list[float]:
        return [-min(max(len(completion_text(c)) - target_chars, 0) / max(target_chars, 1), 1.0)
                for c in completions]

    return length_penalty


def contains_keywords(keywords: list[str]) -> RewardFn:
    """Fraction of ``keywords`` present (case-insensitive); with none listed, whether the reference
    answer's text (the data set's last assistant turn) appears in the completion."""
    wanted = [k.lower() for k in keywords]

    def contains_keywords(completions: list[Any], reference: list[str] | None = None, **_: Any) -> list[float]:
        scores = []
        for i, completion in enumerate(completions):
            text = completion_text(completion).lower()
            if wanted:
                scores.append(sum(k in text for k in wanted) / len(wanted))
            else:
                ref = (reference[i] if reference else "").lower().strip()
                scores.append(float(bool(ref) and ref in text))
        return scores

    return contains_keywords


def build_rewards(names: list[str], cfg: Any, schema_path: Path | None) -> list[RewardFn]:
    """The reward functions named in the recipe, configured from the method config."""
    out = []
    for name in names:
        if name == "json_schema_valid":
            out.append(json_schema_valid(json.loads(Path(schema_path).read_text(encoding="utf-8"))))
        elif name == "length_penalty":
            out.append(length_penalty(cfg.target_chars))
        elif name == "contains_keywords":
            out.append(contains_keywords(list(cfg.keywords)))
        else:
            raise KeyError(name)
    return out


#: Valid names (``check()`` reports others with this list).
REWARDS = ("json_schema_valid", "length_penalty", "contains_keywords")
