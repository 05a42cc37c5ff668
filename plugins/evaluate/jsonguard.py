"""JSON guardrails for schema-bound tasks: parse strictly, repair leniently, validate against a schema.

Small models often wrap a correct object in prose or a code fence, or stop mid-object.  The repair
policy is deliberately narrow so that it never invents content: take the first balanced ``{...}``
object in the text (dropping fences and trailing text) and, if the text ends inside an object, close
its open strings and brackets.  Anything else is a failure and may be retried once by the evaluator.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

#: Guard outcomes, best first.
STATUSES = ("valid", "repaired", "retried", "failed")


@dataclasses.dataclass
class GuardResult:
    status: str  # one of STATUSES
    text: str  # the answer after the guard (the repaired JSON, or the raw text when it failed)
    errors: list[str]


def strict_json(text: str) -> Any | None:
    """The value when the whole answer is JSON (surrounding whitespace allowed), else None."""
    try:
        return json.loads(text.strip())
    except ValueError:
        return None


def first_object(text: str) -> str | None:
    """The first balanced ``{...}`` in ``text`` (string-aware), or a closed-off prefix if it is cut short."""
    start = text.find("{")
    if start < 0:
        return None
    stack: list[str] = []
    in_string = escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
            if not stack:
                return text[start:i + 1]
    # Cut short (max_new_tokens): close what is open.  A dangling key or comma cannot be closed safely.
    tail = text[start:].rstrip()
    if in_string:
        tail += '"'
    if tail.endswith((",", ":")):
        return None
    return tail + "".join(reversed(stack))


def lenient_json(text: str) -> Any | None:
    """Strict JSON, else the repaired first object; None when neither parses."""
    value = strict_json(text)
    if value is not None:
        return value
    candidate = first_object(text)
    if candidate is None:
        return None
    try:
        return json.loads(candidate)
    except ValueError:
        return None


def schema_errors(value: Any, schema: dict[str, Any] | None) -> list[str]:
    """Human-readable schema violations (empty when valid); without a schema only 'is an object' is checked."""
    if schema is None:
        return [] if isinstance(value, dict) else ["not a JSON object"]
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path)))]


def guard(text: str, schema: dict[str, Any] | None) -> GuardResult:
    """Apply the repair policy: valid as is, repaired (extracted/closed and then valid), or failed."""
    value = strict_json(text)
    if value is not None and not schema_errors(value, schema):
        return GuardResult("valid", text.strip(), [])
    candidate = first_object(text)
    if candidate is not None:
        try:
            repaired = json.loads(candidate)
        except ValueError:
            repaired = None
        if repaired is not None and not (errors := schema_errors(repaired, schema)):
            return GuardResult("repaired", json.dumps(repaired, separators=(",", ":")), [])
        if repaired is not None:
            return GuardResult("failed", text, errors)
    errors = schema_errors(value, schema) if value is not None else ["no JSON object found"]
    return GuardResult("failed", text, errors)


RETRY_INSTRUCTION = ("Your previous answer was not valid: {errors}. Reply again with only one JSON object "
                     "that follows the required schema, with no other text.")
