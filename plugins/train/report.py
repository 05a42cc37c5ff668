"""The training section of a run's report (``ftflow_report_sections``): what the train stage did and its
loss curve, drawn by the engine from the stage's metadata (``loss_curve``, ``eval_loss_curve``)."""

from __future__ import annotations

from typing import Any

from ftflow.plugin import hookimpl
from ftflow.report.markdown import fmt_value
from ftflow.report.sections import Chart, ReportSection

#: Metadata keys listed, in this order, under the summary line.
FACTS = ("objective", "adapter", "steps", "final_loss", "final_eval_loss", "best_eval_loss", "best_step",
         "stopped_early", "tokens_per_second", "train_seconds")


def _summary(meta: dict[str, Any]) -> str:
    curve = meta.get("loss_curve") or []
    text = ""
    if curve:
        text = (f"{meta.get('objective', 'training')} with {meta.get('adapter', '?')}: {len(curve)} logged steps, "
                f"loss {curve[0][1]:.4g} → {curve[-1][1]:.4g}")
    held_out = meta.get("eval_loss_curve")
    if held_out:  # method.eval_steps, with early stopping's outcome
        text += f"; eval loss {held_out[0][1]:.4g} → {held_out[-1][1]:.4g} over {len(held_out)} evaluations"
        if meta.get("best_eval_loss") is not None:
            text += f", best {meta['best_eval_loss']:.4g} at step {meta.get('best_step')}"
        text += ", stopped early" if meta.get("stopped_early") else ""
    facts = ", ".join(f"{k.replace('_', ' ')} {fmt_value(meta[k])}" for k in FACTS if meta.get(k) is not None)
    return "\n\n".join(part for part in (text, facts) if part)


def training_sections(manifest: dict[str, Any]) -> list[ReportSection]:
    sections = []
    for name, meta in manifest.get("stage_metadata", {}).items():
        if meta.get("loss_curve") is None and meta.get("final_loss") is None:
            continue
        curves = {"training loss": meta.get("loss_curve") or []}
        if meta.get("eval_loss_curve"):
            curves["eval loss"] = meta["eval_loss_curve"]
        title = "Training and eval loss" if len(curves) > 1 else "Training loss"
        sections.append(ReportSection(f"Training ({name})", _summary(meta),
                                      (Chart(title, "lines", curves, "step", "loss"),)))
    return sections


@hookimpl
def ftflow_report_sections(manifest: dict[str, Any]) -> list[ReportSection]:
    """The training section: summary line, facts and the loss curve(s) of every train stage."""
    return training_sections(manifest)
