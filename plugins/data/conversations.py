"""More source formats: ShareGPT conversations, OpenAI chat-completions messages (tool calls kept) and raw
``text`` documents.  The first two normalize to the ``chat`` rows every trainer reads; ``text`` rows
(``{"text": ...}``) are documents for continued pretraining.

ShareGPT's keys and role names differ between data sets, so ``data.columns`` also sets them, as
LLaMA-Factory's ``dataset_info`` does with ``columns`` and ``tags``: ``conversations``/``system``/``tools``
name columns, and ``role_tag``, ``content_tag``, ``user_tag``, ``assistant_tag``, ``system_tag``,
``function_tag`` and ``observation_tag`` name the keys and role values inside a conversation.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from ftflow.errors import UserError
from ftflow_plugins.data.formats import ChatFormat, DataFormat, Messages, _maybe_json, check_messages

#: ShareGPT tag -> default; set any of them with ``data.columns.<tag>=<name in your data>``.
SHAREGPT_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "system_tag": "system", "function_tag": "function_call", "observation_tag": "observation"}
#: Role names accepted besides the configured tags (ShareGPT exports mix both spellings).
_ALIASES = {"user": "user", "assistant": "assistant", "tool": "tool"}


def _tools(value: Any, where: str, field: str = "tools") -> list[dict[str, Any]]:
    """Tool (function) definitions, kept in the row for templates that render them."""
    tools = _maybe_json(value)
    if not isinstance(tools, list):
        raise UserError(f"{where}: field '{field}' must be a list of tool definitions")
    for i, tool in enumerate(tools):
        fn = tool.get("function", tool) if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise UserError(f"{where}: field '{field}[{i}]' needs a function name")
    return tools


def _chat_order(messages: Messages, where: str, field: str, first_index: int = 0) -> None:
    """A user turn first (after an optional system), the assistant's last: the chat rows' contract."""
    roles = [m["role"] for m in messages]
    first = 1 if roles[0] == "system" else 0
    if first >= len(roles) or roles[first] != "user":
        raise UserError(f"{where}: field '{field}[{first + first_index}]' must be the user's turn "
                        f"(the first non-system turn)")
    if roles[-1] != "assistant":
        raise UserError(f"{where}: field '{field}[{len(roles) - 1 + first_index}]' is a {roles[-1]} turn: the "
                        f"last turn must be the assistant's (there is nothing to learn from otherwise)")


class ShareGptFormat(DataFormat):
    name = "sharegpt"
    description = "ShareGPT 'conversations' of from/value turns (keys and role names set by data.columns)"
    fields = ("conversations", "system", "tools", *SHAREGPT_TAGS)
    tags: ClassVar[dict[str, str]] = SHAREGPT_TAGS

    def convert(self, row: dict[str, Any], where: str, columns: dict[str, str]) -> dict[str, Any]:
        self.tags = {**SHAREGPT_TAGS, **{k: v for k, v in columns.items() if k in SHAREGPT_TAGS}}
        return super().convert(row, where, {k: v for k, v in columns.items() if k not in SHAREGPT_TAGS})

    def _roles(self) -> dict[str, str]:
        t = self.tags
        roles = {k: v for k, v in _ALIASES.items() if k not in t.values()}
        roles.update({t["user_tag"]: "user", t["assistant_tag"]: "assistant", t["system_tag"]: "system",
                      t["function_tag"]: "function_call", t["observation_tag"]: "tool"})
        return roles

    def _call(self, value: str, where: str, field: str) -> list[dict[str, Any]]:
        """A function_call turn's value: JSON ``{"name", "arguments"}`` or a list of them."""
        try:
            calls = json.loads(value)
        except json.JSONDecodeError as exc:
            raise UserError(f"{where}: field '{field}' is a function call but not JSON ({exc.msg})") from None
        calls = calls if isinstance(calls, list) else [calls]
        return [{"type": "function", "function": c} for c in calls]

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        turns = _maybe_json(row.get("conversations"))
        if not isinstance(turns, list) or not turns:
            raise UserError(f"{where}: field 'conversations' is missing or not a non-empty list of turns")
        role_key, content_key = self.tags["role_tag"], self.tags["content_tag"]
        roles = self._roles()
        messages: Messages = []
        for i, turn in enumerate(turns):
            field = f"conversations[{i}]"
            if not isinstance(turn, dict):
                raise UserError(f"{where}: field '{field}' is not an object with '{role_key}' and '{content_key}'")
            role = roles.get(turn.get(role_key)) if isinstance(turn.get(role_key), str) else None
            if role is None:
                raise UserError(f"{where}: field '{field}.{role_key}' is {turn.get(role_key)!r} (expected one of "
                                f"{', '.join(roles)}; map other names with data.columns.user_tag=... etc.)")
            value = turn.get(content_key)
            if not isinstance(value, str):
                raise UserError(f"{where}: field '{field}.{content_key}' is missing or not a string")
            if role == "function_call":
                messages.append({"role": "assistant", "content": "",
                                 "tool_calls": self._call(value, where, f"{field}.{content_key}")})
            else:
                messages.append({"role": role, "content": value})
        messages = check_messages(messages, where, "conversations")
        _chat_order(messages, where, "conversations")
        system = row.get("system")
        if system is not None:
            if not isinstance(system, str) or not system.strip():
                raise UserError(f"{where}: field 'system' must be a non-empty string")
            if messages[0]["role"] == "system":
                raise UserError(f"{where}: field 'system' is set and 'conversations[0]' is a system turn too")
            messages.insert(0, {"role": "system", "content": system})
        out: dict[str, Any] = {"messages": messages}
        if row.get("tools") not in (None, "", []):
            out["tools"] = _tools(row["tools"], where)
        return out


class OpenAIFormat(DataFormat):
    name = "openai"
    description = "OpenAI chat fine-tuning rows: 'messages' (text content parts, tool_calls, legacy " \
                  "function_call) and 'tools', tool calls kept"
    fields = ("messages", "tools", "functions")

    def _message(self, message: Any, where: str, field: str) -> Any:
        if not isinstance(message, dict):
            return message  # check_messages names it
        message = dict(message)
        content = message.get("content")
        if isinstance(content, list):
            texts = []
            for j, part in enumerate(content):
                kind = part.get("type") if isinstance(part, dict) else None
                if kind != "text" or not isinstance(part.get("text"), str):
                    raise UserError(f"{where}: field '{field}.content[{j}]' is a {kind or type(part).__name__} "
                                    f"part; only text parts can be trained on here")
                texts.append(part["text"])
            message["content"] = "\n".join(texts)
        if message.get("function_call") is not None and message.get("tool_calls") is None:
            message["tool_calls"] = [{"type": "function", "function": message.pop("function_call")}]
        if message.get("role") == "function":  # the legacy name of tool results
            message["role"] = "tool"
        return message

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        raw = _maybe_json(row.get("messages"))
        if isinstance(raw, list):
            raw = [self._message(m, where, f"messages[{i}]") for i, m in enumerate(raw)]
        out = ChatFormat().normalize({"messages": raw}, where)
        tools = row.get("tools") if row.get("tools") not in (None, "", []) else None
        if tools is None and row.get("functions") not in (None, "", []):
            tools = [{"type": "function", "function": f} for f in _tools(row["functions"], where, "functions")]
        if tools is not None:
            out["tools"] = _tools(tools, where)
        return out


class TextFormat(DataFormat):
    name = "text"
    output = "text"
    description = "raw documents ('text' column; .txt/.md files: one document per non-empty line)"
    fields = ("text",)

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"{where}: field 'text' is missing or not a non-empty string")
        return {"text": text}


FORMATS: tuple[type[DataFormat], ...] = (ShareGptFormat, OpenAIFormat, TextFormat)
