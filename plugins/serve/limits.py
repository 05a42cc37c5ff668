"""What a request may contain before it reaches a backend: a whitelist of fields per endpoint, a limit on
every fan-out or length field, a bound on JSON nesting.

Why a whitelist: backends accept many extension fields (llama.cpp's ``n_predict``/``ignore_eos``, vLLM's
``best_of``/``min_tokens``/guided decoding) that let one request cost unbounded work.  Only the fields of
the OpenAI API that ftflow can bound are forwarded; anything else is a 400 naming the field.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"
TOKEN_KEYS = ("max_tokens", "max_completion_tokens")
_COMMON = {"model", "max_tokens", "temperature", "top_p", "n", "stream", "stream_options", "stop", "presence_penalty",
           "frequency_penalty", "logit_bias", "seed", "user", "response_format"}
FIELDS = {
    CHAT: _COMMON | {"messages", "max_completion_tokens", "logprobs", "top_logprobs"},
    COMPLETIONS: _COMMON | {"prompt", "best_of", "echo", "logprobs", "suffix"},
}
_MESSAGE_FIELDS = {"role", "content", "name"}
_ROLES = {"system", "user", "assistant", "developer"}
# a JSON string (with escapes) or a bracket: the only bytes that change the nesting depth
_DEPTH_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclasses.dataclass
class Limits:
    max_tokens: int = 512
    max_prompts: int = 8  # /v1/completions prompt lists
    max_messages: int = 256
    max_stop: int = 4
    max_stop_chars: int = 64
    max_logit_bias: int = 300
    max_top_logprobs: int = 5
    max_json_depth: int = 32


class ApiError(Exception):
    """An OpenAI-style error: ``{"error": {"message", "type", "param", "code"}}`` with an HTTP status."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code
        self.headers = headers or {}

    def payload(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param,
                          "code": self.code or str(self.status)}}


def json_depth(data: bytes) -> int:
    """Deepest bracket nesting of a JSON text, without building it (strings are skipped whole)."""
    depth = deepest = 0
    for match in _DEPTH_TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def parse_body(data: bytes, limits: Limits) -> dict[str, Any]:
    """The request body as a JSON object, refusing empty, too deep, non-JSON or non-object bodies."""
    if not data.strip():
        raise ApiError(400, "the request body is empty: send a JSON object")
    if json_depth(data) > limits.max_json_depth:
        raise ApiError(400, f"the request body nests deeper than {limits.max_json_depth} levels")
    try:
        body = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"the request body is not JSON: {str(exc)[:200]}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    try:  # lone surrogates ("\\ud800") parse, but no backend, log or tokenizer can encode them
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise ApiError(400, "the request body holds an unpaired UTF-16 surrogate") from None
    return body


def _int(body: dict[str, Any], key: str, low: int, high: int) -> None:
    value = body.get(key)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ApiError(400, f"{key} must be an integer from {low} to {high} on this server", param=key)


def _number(body: dict[str, Any], key: str, low: float, high: float) -> None:
    value = body.get(key)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise ApiError(400, f"{key} must be a number from {low} to {high}", param=key)


def _text(value: Any, key: str) -> None:
    if not isinstance(value, str):
        raise ApiError(400, f"{key} must be a string", param=key)


def _messages(messages: Any, limits: Limits) -> None:
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "messages must be a non-empty list", param="messages")
    if len(messages) > limits.max_messages:
        raise ApiError(400, f"messages holds {len(messages)} messages; this server takes {limits.max_messages}",
                       param="messages")
    for i, message in enumerate(messages):
        key = f"messages[{i}]"
        if not isinstance(message, dict):
            raise ApiError(400, f"{key} must be an object", param=key)
        unknown = sorted(set(message) - _MESSAGE_FIELDS)
        if unknown:
            raise ApiError(400, f"{key}: unsupported field(s) {', '.join(unknown)}", param=key)
        if message.get("role") not in _ROLES:
            raise ApiError(400, f"{key}.role must be one of {', '.join(sorted(_ROLES))}", param=f"{key}.role")
        content = message.get("content")
        if isinstance(content, list):  # content parts: text only
            for j, part in enumerate(content):
                if not (isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
                        and set(part) <= {"type", "text"}):
                    raise ApiError(400, f"{key}.content[{j}] must be a text part", param=f"{key}.content")
        elif not isinstance(content, str):
            raise ApiError(400, f"{key}.content must be a string or a list of text parts", param=f"{key}.content")
        if "name" in message:
            _text(message["name"], f"{key}.name")


def _prompt(prompt: Any, limits: Limits) -> None:
    if isinstance(prompt, str):
        return
    if not isinstance(prompt, list) or not prompt or not all(isinstance(p, str) for p in prompt):
        raise ApiError(400, "prompt must be a string or a non-empty list of strings", param="prompt")
    if len(prompt) > limits.max_prompts:
        raise ApiError(400, f"prompt holds {len(prompt)} prompts; this server takes at most {limits.max_prompts}",
                       param="prompt")


def check_request(path: str, body: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Validate ``body`` for ``path`` (raises ApiError); fills in a missing ``max_tokens``."""
    unknown = sorted(set(body) - FIELDS[path])
    if unknown:
        raise ApiError(400, f"unsupported field(s) for {path}: {', '.join(unknown)}", param=unknown[0])
    if "model" in body and body["model"] is not None:
        _text(body["model"], "model")
    if path == CHAT:
        _messages(body.get("messages"), limits)
    else:
        if "prompt" not in body:
            raise ApiError(400, "prompt is required", param="prompt")
        _prompt(body["prompt"], limits)
        if "suffix" in body and body["suffix"] is not None:
            _text(body["suffix"], "suffix")
        if body.get("echo") not in (None, False):
            raise ApiError(400, "echo is not supported on this server", param="echo")
    for key in TOKEN_KEYS:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > limits.max_tokens:
            raise ApiError(400, f"{key}={str(value)[:12]} exceeds this server's limit of {limits.max_tokens}", param=key)
        _int(body, key, 1, limits.max_tokens)
    if not any(body.get(k) for k in TOKEN_KEYS):
        body["max_tokens"] = limits.max_tokens
    _int(body, "n", 1, 1)
    _int(body, "best_of", 1, 1)
    _int(body, "seed", -(2**63), 2**63 - 1)
    _number(body, "temperature", 0, 2)
    _number(body, "top_p", 0, 1)
    _number(body, "presence_penalty", -2, 2)
    _number(body, "frequency_penalty", -2, 2)
    if path == CHAT:
        if body.get("logprobs") not in (None, True, False):
            raise ApiError(400, "logprobs must be true or false", param="logprobs")
        _int(body, "top_logprobs", 0, limits.max_top_logprobs)
    else:
        _int(body, "logprobs", 0, limits.max_top_logprobs)
    for key in ("stream",):
        if body.get(key) not in (None, True, False):
            raise ApiError(400, f"{key} must be true or false", param=key)
    options = body.get("stream_options")
    if options is not None and not (isinstance(options, dict) and set(options) <= {"include_usage"}
                                    and options.get("include_usage") in (None, True, False)):
        raise ApiError(400, "stream_options may only hold include_usage", param="stream_options")
    stop = body.get("stop")
    if stop is not None:
        stops = [stop] if isinstance(stop, str) else stop
        if (not isinstance(stops, list) or len(stops) > limits.max_stop
                or not all(isinstance(s, str) and 0 < len(s) <= limits.max_stop_chars for s in stops)):
            raise ApiError(400, f"stop must be at most {limits.max_stop} non-empty strings of at most "
                                f"{limits.max_stop_chars} characters", param="stop")
    bias = body.get("logit_bias")
    if bias is not None:
        if not isinstance(bias, dict) or len(bias) > limits.max_logit_bias:
            raise ApiError(400, f"logit_bias must map at most {limits.max_logit_bias} token ids to numbers",
                           param="logit_bias")
        for token, value in bias.items():
            if not re.fullmatch(r"[0-9]{1,9}", str(token)) or not isinstance(value, int | float) or isinstance(value, bool) \
                    or not -100 <= value <= 100:
                raise ApiError(400, "logit_bias maps token ids to numbers from -100 to 100", param="logit_bias")
    fmt = body.get("response_format")
    if fmt is not None and not (isinstance(fmt, dict) and fmt.get("type") in ("text", "json_object", "json_schema")):
        raise ApiError(400, "response_format.type must be text, json_object or json_schema", param="response_format")
    if "user" in body and body["user"] is not None:
        _text(body["user"], "user")
    return body
