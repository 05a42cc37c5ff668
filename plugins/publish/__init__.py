"""Publish: ``ftflow export RUN -o DIR`` for built-in runs — the run's adapter, merged checkpoint and GGUF
files in a plain folder with a Hugging Face model card, an Ollama ``Modelfile`` and a ``serve.yaml``.

A package of its own (not ``export/``): the model card is no part of any stage's output, so editing it
must not re-key the export stages, whose cache keys cover their package's source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftflow.plugin import hookimpl


@hookimpl
def ftflow_export_model(manifest: dict[str, Any], lock: dict[str, Any] | None, out_dir: Path,
                        formats: list[str], quant: list[str]) -> dict[str, Any]:
    from ftflow_plugins.publish.folder import export_model

    return export_model(manifest, lock, out_dir, formats, quant)
