"""llama.cpp on the CPU: inference on GGUF files (eval variants ``gguf:<quant>``, ``ftflow chat``)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.llamacpp.variant import GgufVariant


@hookimpl
def ftflow_register_providers(registry) -> None:
    registry.add(GgufVariant)


@hookimpl
def ftflow_add_commands(subparsers, parents) -> None:
    """``ftflow chat``: the command lives with the plugin whose code it runs."""
    from ftflow_plugins.llamacpp.chat import add_command

    add_command(subparsers, parents)
