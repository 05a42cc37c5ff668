"""Base-model providers: the embedded SmolLM2 default, a tiny random model for tests, any local HF dir."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.models.providers import HfModel, RandomInit, SmolLM2Gguf


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (SmolLM2Gguf, RandomInit, HfModel):
        registry.add(provider)
