"""How ``method=sft`` computes its loss: trl's fused LM head without per-step host syncs (GPUs), or the
model's own cross-entropy over full logits (CPU, where the chunked head's backward is slow).

trl's ``SFTTrainer.compute_loss`` reads numbers back from the GPU on every step, right after the forward:
token accuracy and entropy (``.item()`` and ``if tensor > 0``) and the token count.  Each read is a
host-device sync that drains the GPU's queue, so the backward and the next step start from an empty
queue and the GPU waits on Python.  ``lean_metrics_trainer`` computes the same loss and keeps the metric
sums on the device until a log step reads them (one sync per log, token-weighted over the interval
instead of a mean of per-step means); the token count comes from ftflow's ``TokenCounter`` (host side,
padding excluded, stamped on each batch by the collator).  Configurations it does not cover (label
smoothing, a custom loss function, MoE aux loss, DFT loss, sequence parallelism, evaluation) go to
trl's own ``compute_loss``.
"""

from __future__ import annotations

from typing import Any

from ftflow_plugins.train.common import TokenCounter


def rank_scaled(trainer: Any, loss: Any, num_items_in_batch: Any) -> Any:
    """As ``Trainer.compute_loss``: each rank divides by every rank's tokens and DDP/FSDP average the
    gradients, so scale back by the ranks (without it, loss and gradients are 1/ranks)."""
    if trainer.args.average_tokens_across_devices and num_items_in_batch is not None:
        return loss * (trainer.accelerator.num_processes // trainer.get_tp_size())
    return loss


def lean_metrics_trainer(base: type, counter: TokenCounter) -> type:
    """An SFTTrainer (``base``) with trl's fused-head loss and no per-step syncs for its metrics."""

    class LeanMetricsSFTTrainer(base):
        _metric_sums: Any = None  # device tensor [label tokens, entropy sum, top-1 hits] since the last log

        def _lean_loss_applies(self, model: Any, return_outputs: bool) -> bool:
            parallelism = getattr(self.accelerator, "parallelism_config", None)
            return (model.training and not return_outputs and self.compute_loss_func is None
                    and self.label_smoother is None and self.args.loss_type == "nll" and not self.aux_loss_enabled
                    and not getattr(parallelism, "sp_enabled", False))

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            inputs = counter.take(inputs, model.training)
            if not self._lean_loss_applies(model, return_outputs):
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            import torch

            outputs = model(**{**inputs, "use_cache": False}, fused_lm_head=True)
            num_tokens = outputs.label_mask.sum() if num_items_in_batch is None else num_items_in_batch
            loss = rank_scaled(self, -outputs.log_probs.sum() / torch.as_tensor(num_tokens).clamp(min=1),
                               num_items_in_batch)
            sums = torch.stack([outputs.label_mask.sum().float(), outputs.entropy.detach().sum().float(),
                                outputs.is_top1.sum().float()])
            self._metric_sums = sums if self._metric_sums is None else self._metric_sums + sums
            self._metrics["train"]["num_tokens"] = [counter.tokens]
            return loss

        def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
            if self._metric_sums is not None:
                valid, entropy, correct = self.accelerator.gather(self._metric_sums[None]).sum(0).tolist()
                self._metric_sums = None
                self._metrics["train"]["entropy"].append(entropy / valid if valid else 0.0)
                self._metrics["train"]["mean_token_accuracy"].append(correct / valid if valid else 0.0)
            super().log(logs, start_time)

    return LeanMetricsSFTTrainer


def plain_loss_trainer(base: type, counter: TokenCounter) -> type:
    """An SFTTrainer whose loss is the model's own cross-entropy over full logits (fast on CPU)."""

    class PlainLossSFTTrainer(base):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            inputs = {**counter.take(inputs, model.training), "use_cache": False}
            outputs = model(**inputs, num_items_in_batch=num_items_in_batch) if num_items_in_batch is not None \
                else model(**inputs)
            loss = rank_scaled(self, outputs.loss, num_items_in_batch)
            return (loss, outputs) if return_outputs else loss

    return PlainLossSFTTrainer
