"""ShareGPT rows, a JSON-keys metric and an Ollama Modelfile exporter that builds on export=gguf."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any, Literal

from ftflow.errors import UserError
from ftflow.kinds import DataFormat, Exporter, Metric
from ftflow.plugin import hookimpl
from ftflow.provider import part

ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}


class ShareGpt(DataFormat):
    """``{"conversations": [{"from": "human"|"gpt"|"system", "value": "..."}]}`` rows."""

    name = "harbor_sharegpt"
    version = "1"
    description = "ShareGPT conversations (from/value), normalized to chat"
    fields = ("conversations",)

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        turns = row.get("conversations")
        if not isinstance(turns, list) or not turns:
            raise UserError(f"{where}: field 'conversations' is missing or not a non-empty list")
        messages = []
        for i, turn in enumerate(turns):
            role = ROLES.get(turn.get("from")) if isinstance(turn, dict) else None
            if role is None:
                raise UserError(f"{where}: field 'conversations[{i}].from' must be one of {', '.join(ROLES)}")
            value = turn.get("value")
            if not isinstance(value, str) or not value.strip():
                raise UserError(f"{where}: field 'conversations[{i}].value' is missing or empty")
            messages.append({"role": role, "content": value})
        if messages[-1]["role"] != "assistant":
            raise UserError(f"{where}: field 'conversations' must end with a gpt turn")
        return {"messages": messages}


@dataclasses.dataclass
class JsonKeysConfig:
    keys: list[str] = dataclasses.field(default_factory=list)  # empty: the reference's own keys
    mode: Literal["fraction", "all"] = "fraction"


class JsonKeys(Metric):
    """How many of the expected keys the answer's JSON object has (None when nothing is expected)."""

    name = "json_keys"
    version = "1"
    description = "fraction of expected JSON keys present in the answer"
    Config = JsonKeysConfig

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        expected = list(self.config.keys)
        if not expected:
            try:
                ref = json.loads(reference)
            except ValueError:
                return None
            expected = list(ref) if isinstance(ref, dict) else []
        if not expected:
            return None
        try:
            answer = json.loads(prediction)
        except ValueError:
            answer = None
        found = sum(k in answer for k in expected) if isinstance(answer, dict) else 0
        if self.config.mode == "all":
            return float(found == len(expected))
        return found / len(expected)


@dataclasses.dataclass
class ModelfileConfig:
    quant: str = "q8_0"
    temperature: float = 0.7
    system: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 2.0:
            raise UserError(f"temperature: {self.temperature} is not in [0, 2]")


class Modelfile(Exporter):
    """An Ollama Modelfile next to (a hard link of) one GGUF file that export=gguf wrote."""

    name = "modelfile"
    version = "1"
    description = "Ollama Modelfile over one of export=gguf's files"
    Config = ModelfileConfig

    def reads(self, config: ModelfileConfig) -> dict[str, Any]:
        return {"export.gguf": part("gguf/*", metadata=["gguf"])}

    def check(self, stage: Any, upstream: Any) -> list[str]:
        if "export.gguf" not in upstream:
            return [f"{stage.section}: the modelfile exporter needs export=gguf before it"]
        quants = upstream["export.gguf"].config.quant
        if stage.config.quant not in quants:
            return [f"{stage.section}.quant: '{stage.config.quant}' is not exported by gguf ({', '.join(quants)})"]
        return []

    def run(self, ctx: Any) -> dict[str, Any]:
        gguf = ctx.inputs["export.gguf"]
        info = gguf.metadata["gguf"][ctx.config.quant]
        target = ctx.output_dir / Path(info["file"]).name
        try:
            os.link(gguf.path / info["file"], target)
        except OSError:
            shutil.copy2(gguf.path / info["file"], target)
        lines = [f"FROM ./{target.name}", f"PARAMETER temperature {ctx.config.temperature}"]
        if ctx.config.system:
            lines.append(f'SYSTEM """{ctx.config.system}"""')
        (ctx.output_dir / "Modelfile").write_text("\n".join(lines) + "\n")
        ctx.log(f"Modelfile over {target.name}: ollama create NAME -f Modelfile")
        return {"files": ["Modelfile", target.name], "gguf_sha256": info["sha256"], "quant": ctx.config.quant}


@hookimpl
def ftflow_register_providers(registry):
    for provider in (ShareGpt, JsonKeys, Modelfile):
        registry.add(provider)


@hookimpl
def ftflow_recipe_dirs():
    return [Path(__file__).parent / "recipes"]
