"""Export: the tuned model as deployable files (``export=merged``: one HF checkpoint with LoRA merged;
``export=gguf``: GGUF files for llama.cpp, one per quantization type, chat-template parity checked)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.export.gguf import GgufExport
from ftflow_plugins.export.merged import MergedExport


@hookimpl
def ftflow_register_providers(registry) -> None:
    registry.add(MergedExport)
    registry.add(GgufExport)
