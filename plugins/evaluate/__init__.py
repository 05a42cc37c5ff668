"""Evaluation: run one suite over several variants (base, tuned, ...) and score them with metric providers."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.evaluate.generate import GenerateEvaluator
from ftflow_plugins.evaluate.metrics import ExactMatch, TokenF1
from ftflow_plugins.evaluate.variants import BaseVariant, TunedVariant


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (GenerateEvaluator, ExactMatch, TokenF1, BaseVariant, TunedVariant):
        registry.add(provider)
