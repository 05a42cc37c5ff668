"""A sweep's points from a command line in Hydra's override grammar, parsed and expanded by Hydra itself.

``key=a,b``, ``group=x,y``, ``key=range(1,4)`` and ``key=choice(a,b)`` expand into the grid through Hydra's
``BasicSweeper.split_arguments`` (the cartesian product, in Hydra's order).  ``interval(lo,hi)`` (and
``tag(log,interval(...))``, ``tag(int,interval(...))``) is a search range: only an Optuna search (``--optimize ... --trials N``) takes it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow.config.compose import override_key
from ftflow.errors import UserError


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One swept key: a discrete list of values (as override strings), or a float/int interval."""

    key: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False

    @property
    def discrete(self) -> bool:
        return self.low is None


@dataclasses.dataclass
class SweepSpace:
    """The fixed overrides (``recipe=smoke``) and the swept dimensions, in command-line order."""

    fixed: list[str]
    dimensions: list[Dimension]
    parsed: list[Any]  # Hydra's Override objects

    def grid(self) -> list[list[str]]:
        """Every point of the grid, each a list of plain overrides (Hydra's basic sweeper)."""
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

        ranges = [d.key for d in self.dimensions if not d.discrete]
        if ranges:
            raise UserError(f"{ranges[0]}: interval() is a search range; search it with --optimize METRIC "
                            f"max|min --trials N, or list values (a,b,c) or range(start,stop,step) for a grid")
        try:
            (batch,) = BasicSweeper.split_arguments(self.parsed, None)
        except Exception as exc:  # HydraException for sweep types the basic sweeper refuses
            raise UserError(f"sweep: {_first_line(exc)}") from None
        return batch

    def point(self, values: dict[str, Any]) -> list[str]:
        """A point from chosen values (``{key: value}``): the fixed overrides plus one per dimension."""
        return [*self.fixed, *(f"{d.key}={_override_text(values[d.key])}" for d in self.dimensions)]


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _override_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_space(overrides: list[str]) -> SweepSpace:
    """Parse with Hydra's override parser; a syntax error is one line naming the override."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep

    parser = OverridesParser.create()
    parsed = []
    for item in overrides:
        try:
            parsed.extend(parser.parse_overrides([item]))
        except Exception as exc:  # OverrideParseException: ANTLR's message, then a link
            raise UserError(f"override '{item}': {_first_line(exc)}") from None
    fixed, dimensions = [], []
    for item, override in zip(overrides, parsed, strict=True):
        if not override.is_sweep_override():
            fixed.append(item)
            continue
        key, value = override.get_key_element(), override.value()
        if isinstance(value, IntervalSweep):
            dimensions.append(Dimension(key, low=value.start, high=value.end, log="log" in value.tags,
                                        integer="int" in value.tags))
        elif isinstance(value, ChoiceSweep | RangeSweep):
            dimensions.append(Dimension(key, tuple(override.sweep_string_iterator())))
        else:  # pragma: no cover - Hydra has no other sweep types today
            raise UserError(f"{key}: unsupported sweep {type(value).__name__}")
    keys = [override_key(d.key) for d in dimensions]
    if not dimensions:
        raise UserError("-m/--multirun: no swept key; sweep one with key=a,b, group=x,y or key=range(...)")
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise UserError(f"{duplicate}: swept twice on the command line")
    return SweepSpace(fixed, dimensions, parsed)


def swept_values(space: SweepSpace, point: list[str]) -> dict[str, str]:
    """The swept keys' values of one point, as typed (``{"method.learning_rate": "0.001"}``)."""
    swept = {d.key for d in space.dimensions}
    out = {}
    for item in point:
        key, _, value = item.partition("=")
        if key in swept:
            out[override_key(key)] = value
    return out
