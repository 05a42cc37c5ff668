from __future__ import annotations

import dataclasses
from typing import Literal

import pytest

from ftflow.config.schema import validate
from ftflow.errors import ConfigError


@dataclasses.dataclass
class Inner:
    depth: int = 1


@dataclasses.dataclass
class Schema:
    rate: float = 0.1
    steps: int = 3
    name: str = "x"
    flag: bool = False
    mode: Literal["a", "b"] = "a"
    tags: list[str] = dataclasses.field(default_factory=list)
    limit: int | None = None
    targets: str | list[str] = "all"
    inner: Inner = dataclasses.field(default_factory=Inner)


def test_defaults_and_coercion():
    out = validate(Schema, {"rate": 1, "tags": ["p"], "inner": {"depth": 4}, "targets": ["q"]}, "method")
    assert out.rate == 1.0 and isinstance(out.rate, float)
    assert out.inner == Inner(4) and out.targets == ["q"] and out.limit is None


@pytest.mark.parametrize(("data", "message"), [
    ({"rte": 1}, "method.rte: unknown key (valid keys: flag, inner, limit, mode, name, rate, steps, tags, targets)"),
    ({"rate": "fast"}, "method.rate: expected float, got str 'fast'"),
    ({"steps": 2.5}, "method.steps: expected int, got float 2.5"),
    ({"steps": True}, "method.steps: expected int, got bool True"),
    ({"flag": "yes"}, "method.flag: expected true or false, got str 'yes'"),
    ({"mode": "c"}, "method.mode: 'c' is not one of a, b"),
    ({"tags": "p"}, "method.tags: expected list of str, got str 'p'"),
    ({"tags": [1]}, "method.tags[0]: expected str, got int 1"),
    ({"inner": {"deep": 2}}, "method.inner.deep: unknown key (valid keys: depth)"),
    ({"limit": "x"}, "method.limit: expected int | null, got str 'x'"),
])
def test_errors_name_the_key_and_the_valid_choices(data, message):
    with pytest.raises(ConfigError) as err:
        validate(Schema, data, "method")
    assert str(err.value) == message


def test_all_problems_are_reported_together():
    with pytest.raises(ConfigError) as err:
        validate(Schema, {"rate": "x", "steps": "y"}, "m")
    assert "m.rate" in str(err.value) and "m.steps" in str(err.value)


def test_required_key():
    @dataclasses.dataclass
    class Needs:
        path: str

    with pytest.raises(ConfigError, match="model.path: required key is missing"):
        validate(Needs, {}, "model")


def test_optional_nested_schema_reports_the_inner_key():
    @dataclasses.dataclass
    class Outer:
        inner: Inner | None = None

    with pytest.raises(ConfigError, match=r"eval.inner.deep: unknown key \(valid keys: depth\)"):
        validate(Outer, {"inner": {"deep": 1}}, "eval")
    assert validate(Outer, {"inner": {"depth": 2}}, "eval").inner == Inner(2)
