"""Validate a plain config mapping against a provider's ``Config`` dataclass.

Errors name the full key path and the valid keys or choices, so a typo in a recipe is a one-line fix.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any

from ftflow.errors import ConfigError

_MISSING = dataclasses.MISSING


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(tp))
    if origin in (list, tuple):
        args = typing.get_args(tp)
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, key: str, problems: list[str]) -> Any:
    """Return ``value`` checked against ``tp``; append a message to ``problems`` when it does not fit."""
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            problems.append(f"{key}: {value!r} is not one of {', '.join(map(str, choices))}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        attempts: list[list[str]] = []
        for arg in args:
            if arg is type(None):
                continue
            trial: list[str] = []
            out = _coerce(value, arg, key, trial)
            if not trial:
                return out
            attempts.append(trial)
        nested = [a for a in attempts if a and not a[0].startswith(f"{key}: expected")]
        if isinstance(value, Mapping) and nested:  # a mapping meant for the nested schema: its own errors
            problems.extend(nested[0])
            return value
        problems.append(f"{key}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            problems.append(f"{key}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
            return value
        (item_tp, *_) = typing.get_args(tp) or (Any,)
        return [_coerce(v, item_tp, f"{key}[{i}]", problems) for i, v in enumerate(value)]
    if origin is dict or tp is dict:
        if not isinstance(value, Mapping):
            problems.append(f"{key}: expected a mapping, got {type(value).__name__} {value!r}")
            return value
        args = typing.get_args(tp)
        val_tp = args[1] if len(args) == 2 else Any
        return {k: _coerce(v, val_tp, f"{key}.{k}", problems) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            problems.append(f"{key}: expected a mapping, got {type(value).__name__} {value!r}")
            return value
        return _build(tp, value, key, problems)
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(f"{key}: expected true or false, got {type(value).__name__} {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{key}: expected float, got {type(value).__name__} {value!r}")
            return value
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{key}: expected int, got {type(value).__name__} {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            problems.append(f"{key}: expected str, got {type(value).__name__} {value!r}")
        return value
    if isinstance(tp, type) and not isinstance(value, tp):
        problems.append(f"{key}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
    return value


def _build(schema: type, data: Mapping[str, Any], prefix: str, problems: list[str]) -> Any:
    hints = typing.get_type_hints(schema)
    fields = {f.name: f for f in dataclasses.fields(schema) if f.init}
    valid = ", ".join(sorted(fields)) or "none"
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key not in fields:
            problems.append(f"{path}: unknown key (valid keys: {valid})")
            continue
        kwargs[key] = _coerce(value, hints[key], path, problems)
    for name, field in fields.items():
        if name not in kwargs and field.default is _MISSING and field.default_factory is _MISSING:
            problems.append(f"{prefix + '.' if prefix else ''}{name}: required key is missing")
    if problems:
        return None
    return schema(**kwargs)


def validate(schema: type, data: Mapping[str, Any], prefix: str = "") -> Any:
    """Build an instance of dataclass ``schema`` from ``data`` or raise one ConfigError listing every problem."""
    problems: list[str] = []
    instance = _build(schema, data, prefix, problems)
    if problems:
        raise ConfigError("", "; ".join(problems))
    return instance


def schema_keys(schema: type) -> list[str]:
    """The keys a schema accepts, for error messages and docs."""
    return sorted(f.name for f in dataclasses.fields(schema) if f.init)
