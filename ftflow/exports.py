"""Several exporters per run: ``exports: [{provider: NAME, ...}, ...]`` adds exporters after ``export``.

Each entry becomes a stage ``export.<provider>`` that reads ``model``, ``train`` (when enabled) and every
exporter before it under the input name ``export.<its provider>`` — the ``export`` slot's stage included
(``export=gguf`` is ``export.gguf`` to them) — so a Modelfile exporter can declare
``reads = {"export.gguf": part("gguf/*", metadata=["gguf"])}`` and build on the GGUF files without
knowing where the cache keeps them.  Entries run in order; each is validated against its provider's
``Config`` (errors name ``exports[i].key``) and cached like any stage.  Evaluators and servers keep
reading the ``export`` slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ftflow.config.schema import validate
from ftflow.errors import UserError
from ftflow.graph import Component, Stage
from ftflow.provider import read_parts

#: The top-level recipe key holding the extra exporters.
KEY = "exports"


def export_stages(config: dict[str, Any], registry: Any, stages: list[Stage],
                  resolve: Callable[[str, str], tuple[Any, Any] | None], problems: list[str]) -> list[Stage]:
    """The stages of ``config["exports"]``, chained after the ``export`` slot's stage (if any) in ``stages``."""
    entries = config.get(KEY) or []
    if not isinstance(entries, list):
        problems.append(f"{KEY}: expected a list of {{provider: NAME, ...}} mappings, got {entries!r}")
        return []
    enabled = {s.name for s in stages}
    earlier = {f"export.{s.plugin}": s.name for s in stages if s.name == "export"}
    backend = resolve("backend", "backend") if entries else None
    out: list[Stage] = []
    for i, entry in enumerate(entries):
        key = f"{KEY}[{i}]"
        if not isinstance(entry, dict) or not entry.get("provider"):
            problems.append(f"{key}: expected a mapping with a 'provider' key, got {entry!r}")
            continue
        options = dict(entry)
        name = str(options.pop("provider"))
        try:
            info = registry.get("export", name, key=f"{key}.provider")
            stage_config = validate(info.cls.Config, options, prefix=key)
        except UserError as exc:
            problems.append(str(exc))
            continue
        stage_name = f"export.{name}"
        if stage_name in earlier:
            problems.append(f"{key}.provider: exporter '{name}' already runs in this recipe; list it once")
            continue
        if "model" not in enabled:
            problems.append(f"{key}: exporter '{name}' needs stage 'model', which is disabled")
        consumes, _ = read_parts(info.cls(), stage_config)
        offered = {up: up for up in ("model", "train") if up in enabled} | earlier
        inputs = {n: s for n, s in offered.items() if consumes is None or n in consumes}
        components = {"backend": Component("backend", *backend)} if backend else {}
        out.append(Stage(stage_name, "export", info, stage_config, inputs, components, group=key))
        earlier[stage_name] = stage_name
    return out
