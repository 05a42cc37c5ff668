"""Evaluation: run one suite over several variants (base, tuned, ...), score them with metric providers,
classify failures, and gate the run on regressions."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.evaluate.generate import GenerateEvaluator
from ftflow_plugins.evaluate.harness import LmEvalEvaluator
from ftflow_plugins.evaluate.metrics import Conciseness, ExactMatch, LcsF1, RougeL, TokenF1
from ftflow_plugins.evaluate.report import ftflow_report_sections  # noqa: F401  (a hook of this plugin)
from ftflow_plugins.evaluate.standard import Bleu, Chrf, Rouge1, Rouge2, RougeLStandard, RougeLsum
from ftflow_plugins.evaluate.task_metrics import (
    Citation,
    FactCoverage,
    FieldAccuracy,
    GuardrailPass,
    JsonSchemaValid,
    JsonValid,
    LabelAccuracy,
    RefusalCorrect,
)
from ftflow_plugins.evaluate.variants import BaseFewShotVariant, BaseVariant, TunedVariant

PROVIDERS = (GenerateEvaluator, LmEvalEvaluator, ExactMatch, TokenF1, LcsF1, RougeL, Rouge1, Rouge2, RougeLStandard, RougeLsum,
             Bleu, Chrf, Conciseness, LabelAccuracy, JsonValid,
             JsonSchemaValid, FieldAccuracy, GuardrailPass, FactCoverage, Citation, RefusalCorrect,
             BaseVariant, BaseFewShotVariant, TunedVariant)


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in PROVIDERS:
        registry.add(provider)


@hookimpl
def ftflow_stage_after(stage, result, run_id) -> None:
    """Stop the run (exit 1) when an eval stage's regression gate failed, cached or not."""
    from ftflow_plugins.evaluate.gate import GateFailed, failure_message

    gate = result.metadata.get("gate") if stage.kind == "evaluator" else None
    if gate and not gate.get("passed", True):
        raise GateFailed(failure_message(gate))
