"""Contracts of the evaluation components: ``metric`` and ``variant`` (called by an ``evaluator`` stage)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ftflow.provider import Provider

if TYPE_CHECKING:
    from ftflow.stage import StageContext


def mean(values: list[float | None]) -> float | None:
    """The mean of the applicable (non-None) scores, or None when none applies."""
    applicable = [v for v in values if v is not None]
    return sum(applicable) / len(applicable) if applicable else None


class Metric(Provider):
    """Scores one example; the evaluator averages the applicable scores (``aggregate`` may do more).

    ``score(prediction, reference, example)`` returns a number in [0, 1], higher is better (so a gate
    needs no direction), or None when the metric does not apply to the example.  ``example`` is the eval
    row (``id``, ``messages``, ``meta``) plus ``example["eval"]``: ``truncated`` (the answer hit
    max_new_tokens), and with a JSON schema ``guarded`` (the answer after the guardrail) and
    ``guard_status``.  Options: ``Config`` fields, set from a recipe as
    ``eval.metric_options.<name>.<option>`` and validated before anything runs; the instance sees them as
    ``self.config``.
    """

    kind = "metric"
    #: Extra numbers ``aggregate`` may report, as ``{name}_{extra}`` metrics (declared so a gate can name them).
    extras: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: Any = None) -> None:
        self.config = config if config is not None else self.Config()

    def prepare(self, ctx: StageContext) -> None:
        """Read stage-level settings once before scoring (optional)."""

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        raise NotImplementedError(f"metric {self.name} does not implement score()")

    def aggregate(self, scores: list[float | None], predictions: list[str], references: list[str],
                  rows: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"value": mean or None, "n": applicable examples, "extras": {name: number}, "details": {...}}``."""
        return {"value": mean(scores), "n": sum(s is not None for s in scores), "extras": {}, "details": {}}


class Generator(Protocol):
    """Answers chat prompts for one variant.  ``identity`` is a content digest of what generates:
    generations are memoised under it, so an unchanged variant is not regenerated when the eval stage
    reruns.  ``generate`` may set ``last_truncated`` (per prompt: hit max_new_tokens) and
    ``last_retrieved`` (doc ids per prompt), and calls ``ftflow.progress.advance(n)`` as answers finish."""

    identity: str

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]: ...

    def close(self) -> None: ...


class Variant(Provider):
    """A model the evaluator compares (``eval.variants``): turns the eval stage's inputs into a ``Generator``.

    ``needs`` names the upstream stages it reads (``("train",)``, ``("export",)``); a missing one is
    reported before anything runs.  One provider may stand for several variants through ``expand``
    (``gguf`` -> ``gguf:q8_0``, ``gguf:q4_k_m``).
    """

    kind = "variant"
    needs: ClassVar[tuple[str, ...]] = ()

    def expand(self, ctx: StageContext) -> list[str]:
        """Concrete variant names for this provider (most providers: just their own name)."""
        return [self.name]

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        raise NotImplementedError(f"variant {self.name} does not implement load()")


def component_options(stage: Any, kind: str, names: list[str], options: Mapping[str, Any], key: str
                      ) -> tuple[dict[str, Any], list[str]]:
    """The stage's ``kind`` components ``names`` (declared in ``uses``), each built with its options from
    the recipe (``options[name]``, validated against its ``Config``), and the problems found.

    ``key`` is the recipe key that holds ``options`` (``eval.metric_options``): an unknown component, an
    unknown option or a wrong type is reported as ``eval.metric_options.rouge1.stemmer: ...``.  Call it
    from ``check`` (problems stop the run before anything executes) and from ``run`` (the instances)."""
    from ftflow.config.schema import validate
    from ftflow.errors import UserError

    problems = [f"{key}.{name}: '{name}' is not one of the {kind}s used here ({', '.join(names)})"
                for name in options if name not in names]
    built: dict[str, Any] = {}
    for name in names:
        comp = stage.components.get(f"{kind}.{name}")
        if comp is None:
            continue
        given = options.get(name)
        if given is None:
            built[name] = comp.provider
            continue
        if not isinstance(given, Mapping):
            problems.append(f"{key}.{name}: expected a mapping of options, got {given!r}")
            continue
        cls = comp.info.cls
        try:
            config = validate(cls.Config, given, prefix=f"{key}.{name}")
        except UserError as exc:
            problems.append(str(exc))
            continue
        if "config" not in inspect.signature(cls).parameters:
            problems.append(f"{key}.{name}: {kind} '{name}' takes no options (its class has no config argument)")
            continue
        built[name] = cls(config)
    return built, problems
