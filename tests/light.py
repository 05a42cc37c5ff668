"""Light providers that exercise the engine without torch (fast, in-process)."""

from __future__ import annotations

import dataclasses
import json

from ftflow.plugin import hookimpl
from ftflow.provider import Provider


@dataclasses.dataclass
class NoteConfig:
    value: int = 0
    fail: bool = False


class _Note(Provider):
    """Writes its config and its inputs' notes: output content depends on exactly what it was given."""

    Config = NoteConfig

    def run(self, ctx):
        if ctx.config.fail:
            raise RuntimeError("planned failure")
        upstream = {n: (a.path / "note.json").read_text() for n, a in sorted(ctx.inputs.items())}
        (ctx.output_dir / "note.json").write_text(json.dumps({"value": ctx.config.value, "in": upstream}))
        return {"metrics": {"variant": {"value": ctx.config.value}}} if self.kind == "evaluator" else {}


def _note(kind: str) -> type[Provider]:
    return type(f"Note_{kind}", (_Note,), {"name": "note", "kind": kind})


NOTE_PROVIDERS = [_note(k) for k in ("model", "data", "method", "evaluator", "export")]


class LightPlugin:
    @hookimpl
    def ftflow_register_providers(self, registry):
        for provider in NOTE_PROVIDERS:
            registry.add(provider)


def light_config(**values: int) -> dict:
    sections = {"model": "model", "data": "data", "method": "train", "eval": "eval"}
    return {group: {"provider": "note", "value": values.get(stage, 0)} for group, stage in sections.items()}
