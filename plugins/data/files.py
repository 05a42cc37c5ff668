"""The ``files`` data provider: read train/eval files, validate every row, write normalized JSONL."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from ftflow_plugins.common.hf import write_jsonl

from ftflow.errors import UserError
from ftflow.provider import Estimate, Provider
from ftflow.stage import StageContext

ROLES = ("system", "user", "assistant", "tool")


@dataclasses.dataclass
class FilesConfig:
    train: str = ""
    eval: str | None = None
    format: Literal["chat", "preference"] = "chat"
    max_length: int = 1024
    max_rows: int | None = None


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) pairs of a JSONL file; bad bytes or JSON are errors naming file:line."""
    rows = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UserError(f"{path}:{number}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{number}: invalid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise UserError(f"{path}:{number}: expected a JSON object per line")
            rows.append((number, row))
    if not rows:
        raise UserError(f"{path}: the data set is empty")
    return rows


def check_chat_row(row: dict[str, Any], where: str) -> None:
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        raise UserError(f"{where}: field 'messages' is missing or empty")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise UserError(f"{where}: messages[{i}] is not an object")
        role = message.get("role")
        if role not in ROLES:
            raise UserError(f"{where}: messages[{i}].role is {role!r} (expected one of {', '.join(ROLES)})")
        if not isinstance(message.get("content"), str) or (not message["content"].strip()
                                                            and not message.get("tool_calls")):
            raise UserError(f"{where}: messages[{i}].content is missing or empty")
    if not any(m["role"] == "assistant" for m in messages):
        raise UserError(f"{where}: no assistant turn to learn from")


def _as_messages(value: Any, role: str, where: str, field: str) -> list[dict[str, Any]]:
    if isinstance(value, str) and value.strip():
        return [{"role": role, "content": value}]
    if isinstance(value, list) and value:
        for i, message in enumerate(value):
            if not isinstance(message, dict) or message.get("role") not in ROLES \
                    or not isinstance(message.get("content"), str):
                raise UserError(f"{where}: {field}[{i}] needs a role in {', '.join(ROLES)} and a string content")
        return value
    raise UserError(f"{where}: field '{field}' is missing or empty")


def normalize_preference(row: dict[str, Any], where: str) -> dict[str, Any]:
    """prompt/chosen/rejected, as plain strings or chat messages -> chat messages for each."""
    out = {"prompt": _as_messages(row.get("prompt"), "user", where, "prompt"),
           "chosen": _as_messages(row.get("chosen"), "assistant", where, "chosen"),
           "rejected": _as_messages(row.get("rejected"), "assistant", where, "rejected")}
    if "meta" in row:
        out["meta"] = row["meta"]
    return out


class DataFiles(Provider):
    name = "files"
    kind = "data"
    version = "1"
    description = "train/eval JSONL files in chat format, validated row by row"
    Config = FilesConfig
    code_modules = ("ftflow_plugins.common.hf",)

    def external_inputs(self, config: FilesConfig) -> Mapping[str, Path | str]:
        return {"train": config.train, **({"eval": config.eval} if config.eval else {})}

    def check(self, stage, upstream) -> list[str]:
        return [] if stage.config.train else ["data.train is required"]

    def estimate(self, stage) -> Estimate | None:
        return Estimate(seconds=1)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        cfg: FilesConfig = ctx.config
        counts = {}
        for split, value in self.external_inputs(cfg).items():
            path = ctx.resolve_path(str(value), f"data.{split}")
            rows = []
            for number, row in read_rows(path):
                if cfg.format == "preference":
                    row = normalize_preference(row, f"{path}:{number}")
                else:
                    check_chat_row(row, f"{path}:{number}")
                rows.append(row)
            rows = rows[: cfg.max_rows] if cfg.max_rows else rows
            write_jsonl(ctx.output_dir / f"{split}.jsonl", rows)
            counts[split] = len(rows)
        return {"format": cfg.format, "rows": counts, "max_length": cfg.max_length}
