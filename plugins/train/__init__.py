"""Training: objectives (``method=``: sft, pretrain, dpo, reward, grpo) and adapters (``adapter=``: full, lora,
qlora) on trl + peft; launchers (``launcher=``: local, torchrun)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.train.adapters import FullAdapter, LoraAdapter, QLoraAdapter
from ftflow_plugins.train.grpo import GrpoMethod
from ftflow_plugins.train.launchers import LocalLauncher, TorchrunLauncher
from ftflow_plugins.train.preference import PreferenceMethod
from ftflow_plugins.train.pretrain import PretrainMethod
from ftflow_plugins.train.report import ftflow_report_sections  # noqa: F401  (a hook of this plugin)
from ftflow_plugins.train.reward import RewardMethod
from ftflow_plugins.train.sft import SftMethod


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (SftMethod, PretrainMethod, PreferenceMethod, RewardMethod, GrpoMethod, FullAdapter, LoraAdapter,
                     QLoraAdapter, LocalLauncher, TorchrunLauncher):
        registry.add(provider)
