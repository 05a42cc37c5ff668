"""Training: objectives (``method=``: sft, ...) and adapters (``adapter=``: full, lora, qlora) on trl + peft."""

from __future__ import annotations

from ftflow_plugins.train.adapters import FullAdapter, LoraAdapter, QLoraAdapter
from ftflow_plugins.train.launchers import LocalLauncher
from ftflow_plugins.train.sft import SftMethod

from ftflow.plugin import hookimpl


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (SftMethod, FullAdapter, LoraAdapter, QLoraAdapter, LocalLauncher):
        registry.add(provider)
