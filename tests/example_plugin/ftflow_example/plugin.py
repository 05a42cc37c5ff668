"""Registers a ``length_ratio`` metric, ships ``eval/example.yaml``, and notes finished runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ftflow.plugin import hookimpl
from ftflow.provider import Provider


class LengthRatio(Provider):
    """min/max of prediction and reference lengths in words: 1.0 when they are equally long."""

    name = "length_ratio"
    kind = "metric"
    version = "2"
    description = "length of the answer relative to the reference (conciseness)"

    def score(self, prediction: str, reference: str, example: dict) -> float:
        a, b = len(prediction.split()), len(reference.split())
        return min(a, b) / max(a, b) if max(a, b) else 1.0


@hookimpl
def ftflow_register_providers(registry):
    registry.add(LengthRatio)


@hookimpl
def ftflow_recipe_dirs():
    return [Path(__file__).parent / "recipes"]


@hookimpl
def ftflow_run_finished(manifest):
    home = Path(os.environ.get("FTFLOW_HOME", ".ftflow"))
    note = home / "runs" / manifest["run_id"] / "example-plugin.json"
    note.write_text(json.dumps({"status": manifest["status"], "stages": len(manifest["stages"])}))
