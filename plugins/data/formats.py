"""Data formats as providers (kind ``format``): each turns one source row into a normalized row.

Normalized rows are what every trainer reads (the data stage's artifact contract):

* ``chat``: ``{"messages": [...], "meta"?}`` — chat, alpaca and prompt/completion rows all become this;
* ``preference``: ``{"prompt": [... ending with a user turn], "chosen": [assistant...], "rejected": [...]}``;
* ``unpaired_preference``: ``{"prompt": [...], "completion": [assistant...], "label": bool}``.

An ``id`` and a ``meta`` mapping pass through when present.  Errors name ``file:line`` and the field.
"""

from __future__ import annotations

from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import DataFormat
from ftflow.kinds.components import _maybe_json  # CSV/Parquet cells hold nested values as JSON text

ROLES = ("system", "user", "assistant", "tool")
Messages = list[dict[str, Any]]



def _check_tool_calls(calls: Any, where: str, field: str) -> None:
    if not isinstance(calls, list) or not calls:
        raise UserError(f"{where}: field '{field}' must be a non-empty list of tool calls")
    for j, call in enumerate(calls):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise UserError(f"{where}: field '{field}[{j}].function.name' is missing")
        if not isinstance(fn.get("arguments", {}), (dict, str)):
            raise UserError(f"{where}: field '{field}[{j}].function.arguments' must be an object or a string")


def check_messages(value: Any, where: str, field: str) -> Messages:
    """Validate a list of chat messages; return copies with only the keys templates understand."""
    value = _maybe_json(value)
    if not isinstance(value, list) or not value:
        raise UserError(f"{where}: field '{field}' is missing or not a non-empty list of messages")
    out = []
    for i, message in enumerate(value):
        f = f"{field}[{i}]"
        if not isinstance(message, dict):
            raise UserError(f"{where}: field '{f}' is not an object with role and content")
        role = message.get("role")
        if role not in ROLES:
            raise UserError(f"{where}: field '{f}.role' is {role!r} (expected one of {', '.join(ROLES)})")
        if role == "system" and i > 0:
            raise UserError(f"{where}: field '{f}.role' is 'system' but a system message may only come first")
        content = message.get("content")
        if content is None and message.get("tool_calls"):
            content = ""
        if not isinstance(content, str):
            raise UserError(f"{where}: field '{f}.content' is missing or not a string")
        clean: dict[str, Any] = {"role": role, "content": content}
        if message.get("tool_calls") is not None:
            if role != "assistant":
                raise UserError(f"{where}: field '{f}.tool_calls' is only allowed on assistant messages")
            _check_tool_calls(message["tool_calls"], where, f"{f}.tool_calls")
            clean["tool_calls"] = message["tool_calls"]
        elif not content.strip():
            raise UserError(f"{where}: field '{f}.content' is empty")
        if role == "tool":
            previous = out[-1] if out else {}
            if previous.get("role") != "tool" and not previous.get("tool_calls"):
                raise UserError(f"{where}: field '{f}.role' is 'tool' but no assistant tool call precedes it")
            for key in ("name", "tool_call_id"):
                if key in message:
                    clean[key] = message[key]
        out.append(clean)
    return out


def _turns(value: Any, role: str, where: str, field: str) -> Messages:
    """A plain string becomes one message of ``role``; a message list is validated as is."""
    value = _maybe_json(value)
    if isinstance(value, str):
        if not value.strip():
            raise UserError(f"{where}: field '{field}' is empty")
        return [{"role": role, "content": value}]
    if value is None:
        raise UserError(f"{where}: field '{field}' is missing")
    return check_messages(value, where, field)


def _only_assistant(messages: Messages, where: str, field: str) -> Messages:
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            raise UserError(f"{where}: field '{field}[{i}].role' is '{m['role']}' (expected 'assistant')")
    return messages


def _prompt(value: Any, where: str, field: str = "prompt") -> Messages:
    messages = _turns(value, "user", where, field)
    if messages[-1]["role"] != "user":
        raise UserError(f"{where}: field '{field}' must end with a user turn, ends with '{messages[-1]['role']}'")
    return messages


def _label(value: Any, where: str, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise UserError(f"{where}: field '{field}' must be a boolean label, got {value!r}")


class ChatFormat(DataFormat):
    name = "chat"
    description = "chat 'messages' (system/user/assistant/tool, optional tool_calls)"
    fields = ("messages",)

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        messages = check_messages(row.get("messages"), where, "messages")
        roles = [m["role"] for m in messages]
        first = 1 if roles[0] == "system" else 0
        if first >= len(roles) or roles[first] != "user":
            raise UserError(f"{where}: field 'messages[{first}].role' must be 'user' (the first non-system turn)")
        if roles[-1] != "assistant":
            raise UserError(f"{where}: field 'messages[{len(roles) - 1}].role' is '{roles[-1]}': the last turn "
                            f"must be the assistant's (there is nothing to learn from otherwise)")
        return {"messages": messages}


class AlpacaFormat(DataFormat):
    name = "alpaca"
    description = "instruction/input/output rows (optional system), normalized to user/assistant chat"
    fields = ("instruction", "input", "output", "system")

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        instruction, extra, output = row.get("instruction"), row.get("input") or "", row.get("output")
        for field, value in (("instruction", instruction), ("output", output)):
            if not isinstance(value, str) or not value.strip():
                raise UserError(f"{where}: field '{field}' is missing or empty")
        if not isinstance(extra, str):
            raise UserError(f"{where}: field 'input' must be a string")
        user = f"{instruction}\n\n{extra}" if extra.strip() else instruction
        messages = [{"role": "user", "content": user}, {"role": "assistant", "content": output}]
        if isinstance(row.get("system"), str) and row["system"].strip():
            messages.insert(0, {"role": "system", "content": row["system"]})
        return {"messages": messages}


class PromptCompletionFormat(DataFormat):
    name = "prompt_completion"
    description = "prompt/completion rows (strings or chat messages), normalized to chat"
    fields = ("prompt", "completion")

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        prompt = _prompt(row.get("prompt"), where)
        completion = _only_assistant(_turns(row.get("completion"), "assistant", where, "completion"),
                                     where, "completion")
        return {"messages": prompt + completion}


class PreferenceFormat(DataFormat):
    name = "preference"
    output = "preference"
    description = "prompt/chosen/rejected pairs (strings or chat); without a prompt, the shared prefix"
    fields = ("prompt", "chosen", "rejected")

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        if row.get("prompt") is None and isinstance(_maybe_json(row.get("chosen")), list):
            return self._implicit(row, where)
        prompt = _prompt(row.get("prompt"), where)
        chosen = _only_assistant(_turns(row.get("chosen"), "assistant", where, "chosen"), where, "chosen")
        rejected = _only_assistant(_turns(row.get("rejected"), "assistant", where, "rejected"), where, "rejected")
        return {"prompt": prompt, "chosen": chosen, "rejected": rejected}

    def _implicit(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        """Full conversations in chosen/rejected (HH style): the prompt is their common prefix."""
        chosen = check_messages(row.get("chosen"), where, "chosen")
        rejected = check_messages(row.get("rejected"), where, "rejected")
        n = 0
        while n < min(len(chosen), len(rejected)) and chosen[n] == rejected[n]:
            n += 1
        while n and chosen[n - 1]["role"] != "user":
            n -= 1
        if n == 0:
            raise UserError(f"{where}: field 'prompt' is missing and chosen/rejected share no prompt turns")
        return {"prompt": chosen[:n], "chosen": _only_assistant(chosen[n:] or [], where, "chosen") or
                _missing(where, "chosen"), "rejected": _only_assistant(rejected[n:], where, "rejected") or
                _missing(where, "rejected")}


def _missing(where: str, field: str) -> Messages:
    raise UserError(f"{where}: field '{field}' has no assistant turn after the shared prompt")


class UnpairedPreferenceFormat(DataFormat):
    name = "unpaired_preference"
    output = "unpaired_preference"
    description = "prompt/completion/label rows (KTO style: label true = desirable)"
    fields = ("prompt", "completion", "label")

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        prompt = _prompt(row.get("prompt"), where)
        completion = _only_assistant(_turns(row.get("completion"), "assistant", where, "completion"),
                                     where, "completion")
        if row.get("label") is None:
            raise UserError(f"{where}: field 'label' is missing")
        return {"prompt": prompt, "completion": completion, "label": _label(row["label"], where, "label")}


FORMATS: tuple[type[DataFormat], ...] = (ChatFormat, AlpacaFormat, PromptCompletionFormat, PreferenceFormat,
                                         UnpairedPreferenceFormat)
