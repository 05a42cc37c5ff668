"""The stage slots of an ftflow run and how a composed recipe becomes a validated ``Graph``.

Each slot is filled by the provider that its config group names (``method: {provider: sft, ...}``);
``provider: none`` leaves it out.  Components (adapter, backend, launcher) configure the stage that
lists them and enter its cache key.  Edges are fixed here so that a recipe stays plain data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow.config.schema import validate
from ftflow.errors import ConfigError, GraphError, UserError
from ftflow.exports import KEY as EXPORTS_KEY
from ftflow.exports import export_stages
from ftflow.graph import Component, Graph, Stage
from ftflow.plugin.registry import ProviderRegistry
from ftflow.provider import read_parts, unmet_requirements


@dataclasses.dataclass(frozen=True)
class Slot:
    name: str
    group: str
    kind: str
    components: tuple[str, ...] = ()
    inputs: tuple[tuple[str, bool], ...] = ()  # (upstream slot, required)
    #: Dropped from the graph when stages that could read it are enabled but none does (tokenize with a
    #: method that reads raw preference rows).  Kept when no such stage is enabled: a data-only run
    #: still reports truncation and packing.
    only_if_consumed: bool = False


SLOTS: tuple[Slot, ...] = (
    Slot("model", "model", "model", ("backend",)),
    Slot("data", "data", "data"),
    Slot("rag", "rag", "rag", (), (("data", False), ("model", False))),
    Slot("tokenize", "tokenize", "tokenize", (), (("model", True), ("data", True), ("rag", False)),
         only_if_consumed=True),
    Slot("train", "method", "method", ("adapter", "backend", "launcher"),
         (("model", True), ("data", True), ("tokenize", False))),
    Slot("export", "export", "export", ("backend",), (("model", True), ("train", False))),
    Slot("eval", "eval", "evaluator", ("backend",),
         (("model", True), ("data", True), ("train", False), ("export", False), ("rag", False))),
    Slot("serve", "serve", "server", (),
         (("model", True), ("train", False), ("export", False), ("rag", False))),
)

#: Component groups and the provider kind each selects.
COMPONENT_KINDS = {"adapter": "adapter", "backend": "backend", "launcher": "launcher"}


@dataclasses.dataclass
class SweepSettings:
    """How ``ftflow run -m`` runs this recipe's points (a single run ignores it; the command line's
    ``--launcher``, ``--jobs`` and ``--launcher-arg`` win).  Not in any cache key: it says where points
    run, not what they compute."""

    launcher: str = "local"
    jobs: int = 1
    #: The launcher's options (``--launcher-arg KEY=VALUE``); used only with this launcher.
    launcher_args: dict[str, Any] | None = None


@dataclasses.dataclass
class RunSettings:
    """Top-level recipe keys that are not config groups."""

    seed: int = 42
    description: str = ""
    sweep: SweepSettings = dataclasses.field(default_factory=SweepSettings)


def _section(config: dict[str, Any], group: str) -> tuple[str | None, dict[str, Any]]:
    section = config.get(group)
    if section is None:
        return None, {}
    if not isinstance(section, dict):
        raise ConfigError(group, f"expected a mapping with a 'provider' key, got {section!r}")
    section = dict(section)
    provider = section.pop("provider", None)
    if provider is None:
        raise ConfigError(f"{group}.provider", "missing: name the provider of this group")
    return (None if provider in ("none", False) else str(provider)), section


def _unconsumed(name: str, stages: list[Stage]) -> bool:
    """True for an only-if-consumed stage that enabled readers could use but all decline."""
    slots = {s.name for s in SLOTS}  # exporters of `exports` are stages without a slot
    if name not in slots or not _slot(name).only_if_consumed:
        return False
    readers = [s for s in stages if s.name in slots and any(up == name for up, _ in _slot(s.name).inputs)]
    return bool(readers) and not any(name in s.inputs.values() for s in readers)


def _slot(name: str) -> Slot:
    return next(s for s in SLOTS if s.name == name)


def settings_of(config: dict[str, Any]) -> RunSettings:
    groups = {s.group for s in SLOTS} | set(COMPONENT_KINDS) | {EXPORTS_KEY}
    top = {k: v for k, v in config.items() if k not in groups}
    return validate(RunSettings, top)


def build_graph(config: dict[str, Any], registry: ProviderRegistry) -> Graph:
    """Turn a composed recipe into a graph, reporting every problem at once."""
    problems: list[str] = []
    try:
        settings_of(config)
    except ConfigError as exc:
        valid = sorted({s.group for s in SLOTS} | set(COMPONENT_KINDS) | {EXPORTS_KEY, "seed", "description", "sweep"})
        problems.append(f"{exc} (top-level keys: {', '.join(valid)})")

    def resolve(group: str, kind: str) -> tuple[Any, Any] | None:
        try:
            name, options = _section(config, group)
            if name is None:
                return None
            info = registry.get(kind, name, key=f"{group}.provider")
            return info, validate(info.cls.Config, options, prefix=group)
        except UserError as exc:
            problems.append(str(exc))
            return None

    stages: list[Stage] = []
    enabled: set[str] = set()
    for slot in SLOTS:
        resolved = resolve(slot.group, slot.kind)
        if resolved is None:
            continue
        info, stage_config = resolved
        components = {}
        for group in slot.components:
            comp = resolve(group, COMPONENT_KINDS[group])
            if comp is not None:
                components[group] = Component(COMPONENT_KINDS[group], comp[0], comp[1])
        for kind, name, *named_by in info.cls().uses(stage_config):
            try:
                used = registry.get(kind, name, key=named_by[0] if named_by else slot.group)
                components[f"{kind}.{name}"] = Component(kind, used, used.cls.Config())
            except UserError as exc:
                problems.append(str(exc))
        inputs = {}
        consumes, _ = read_parts(info.cls(), stage_config)
        for upstream, required in slot.inputs:
            if consumes is not None and upstream not in consumes:
                continue
            if upstream in enabled:
                inputs[upstream] = upstream
            elif required:
                problems.append(f"stage '{slot.name}' ({slot.group}={info.name}) needs stage '{upstream}', "
                                f"which is disabled")
        stages.append(Stage(slot.name, slot.kind, info, stage_config, inputs, components, group=slot.group))
        enabled.add(slot.name)
    stages += export_stages(config, registry, stages, resolve, problems)
    if problems:
        raise GraphError(problems)
    graph = Graph([s for s in stages if not _unconsumed(s.name, stages)])
    for stage in graph:
        problems.extend(f"{stage.name}: {p}" for p in stage.provider.check(stage, graph.upstream(stage)))
        problems.extend(f"{stage.name}: {p}" for p in unmet_requirements(stage, graph.upstream(stage)))
        for name, comp in stage.components.items():
            problems.extend(f"{stage.name}.{name}: {p}" for p in comp.provider.check(stage, graph.upstream(stage)))
    if problems:
        raise GraphError(problems)
    return graph


def stage_record(stage: Stage) -> dict[str, Any]:
    """One stage as JSON-able data — its provider, validated config, components, inputs and key — from which
    ``stage_from_record`` rebuilds it in another process (a torchrun rank) without the rest of the recipe."""

    def provider(kind: str, info: Any, config: Any) -> dict[str, Any]:
        return {"kind": kind, "provider": info.name, "config": dataclasses.asdict(config)}

    return {"name": stage.name, "group": stage.group, "inputs": dict(stage.inputs), "key": stage.key,
            **provider(stage.kind, stage.info, stage.config),
            "components": {n: provider(c.kind, c.info, c.config) for n, c in stage.components.items()}}


def stage_from_record(record: dict[str, Any], registry: ProviderRegistry) -> Stage:
    """The stage ``stage_record`` described, its configs validated again against the installed providers."""

    def load(item: dict[str, Any], where: str) -> tuple[Any, Any]:
        info = registry.get(item["kind"], item["provider"], key=where)
        return info, validate(info.cls.Config, item["config"], prefix=where)

    info, config = load(record, record["group"] or record["name"])
    components = {n: Component(c["kind"], *load(c, f"{record['name']}.{n}")) for n, c in record["components"].items()}
    return Stage(record["name"], record["kind"], info, config, dict(record["inputs"]), components,
                 key=record["key"], group=record["group"])
