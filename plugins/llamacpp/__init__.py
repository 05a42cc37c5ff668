"""llama.cpp on the CPU: an inference backend for GGUF files (eval variants ``gguf:<quant>``, ``ftflow chat``)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.llamacpp.variant import GgufVariant


@hookimpl
def ftflow_register_providers(registry) -> None:
    registry.add(GgufVariant)
