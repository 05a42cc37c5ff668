"""Evaluation: run one suite over several variants (base, tuned, ...) and score them with metric providers."""

from __future__ import annotations

from ftflow_plugins.evaluate.generate import GenerateEvaluator
from ftflow_plugins.evaluate.metrics import ExactMatch, TokenF1

from ftflow.plugin import hookimpl


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (GenerateEvaluator, ExactMatch, TokenF1):
        registry.add(provider)
