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

trl also finds the labelled positions on the GPU (``hidden[labels != -100]``): a boolean index has a
data-dependent size, so the forward syncs twice and the backward twice more (bench/RESULTS.md, the sync
census of ``method.profile_steps``).  ``label_positions`` finds them on the host when the batch is
collated, and in one process the lean loss runs the backbone and trl's chunked kernel on those rows itself
(``index_select``: no sync either way).  Models whose head trl scales or caps, MoE models, models split
across devices, and wrapped models (DDP, FSDP, compiled) keep trl's forward.
"""

from __future__ import annotations

from typing import Any

from ftflow_plugins.train.telemetry import TokenCounter

IGNORE = -100  # the label that trains nothing (transformers' and trl's ignore index)
LABEL_INDEX = "ftflow_label_index"  # flat positions (row * length + t) whose hidden state predicts a label
LABEL_TARGETS = "ftflow_label_targets"  # the labels at those positions
HEAD_SCALING = ("final_logit_softcapping", "logit_scale", "output_multiplier", "lm_head_multiplier", "logits_scaling")
CHUNK_ROWS = 32768  # trl's chunk size for the log-prob kernel


def label_stamps(labels: Any) -> dict[str, Any]:
    """The labelled positions of a (rows x length) numpy label array as batch entries (int64 tensors): the
    flat positions whose hidden state predicts a label (hidden[row, t] predicts labels[row, t + 1]), and
    those labels."""
    import numpy as np
    import torch

    row, position = np.nonzero(labels[:, 1:] != IGNORE)
    return {LABEL_INDEX: torch.from_numpy(row * labels.shape[1] + position),
            LABEL_TARGETS: torch.from_numpy(labels[row, position + 1])}


def label_positions(collate: Any) -> Any:
    """``collate`` that also stamps each batch with its labelled positions, found on the host."""

    def stamped(examples: list[dict[str, Any]]) -> Any:
        batch = collate(examples)
        labels = batch.get("labels")
        if labels is not None and "shift_labels" not in batch:
            batch.update(label_stamps(labels.numpy()))
        return batch

    return stamped


def rank_scaled(trainer: Any, loss: Any, num_items_in_batch: Any) -> Any:
    """As ``Trainer.compute_loss``: each rank divides by every rank's tokens and DDP/FSDP average the
    gradients, so scale back by the ranks (without it, loss and gradients are 1/ranks)."""
    if trainer.args.average_tokens_across_devices and num_items_in_batch is not None:
        return loss * (trainer.accelerator.num_processes // trainer.get_tp_size())
    return loss


def own_head(trainer: Any, model: Any) -> tuple[Any, Any] | None:
    """(backbone, LM head) when this process may run them directly, else None (the model's own forward)."""
    unwrapped = trainer.accelerator.unwrap_model(model, keep_torch_compile=False)
    if trainer.accelerator.num_processes != 1 or unwrapped is not model \
            or getattr(model, "_compiled_call_impl", None) is not None:  # Module.compile() in place
        return None
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    config = causal_lm.config.get_text_config()
    split = len(set(getattr(causal_lm, "hf_device_map", {}).values())) > 1  # head on another device
    if any(getattr(config, name, None) is not None for name in HEAD_SCALING) or split \
            or getattr(config, "output_router_logits", False) or causal_lm.base_model is causal_lm:
        return None
    return causal_lm.base_model, causal_lm.get_output_embeddings()


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
            index, targets = inputs.pop(LABEL_INDEX, None), inputs.pop(LABEL_TARGETS, None)
            if not self._lean_loss_applies(model, return_outputs):
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            import torch

            head = own_head(self, model) if index is not None else None
            if head is not None:
                labelled, log_probs, entropy, is_top1 = self._score_rows(*head, inputs, index, targets)
            else:
                outputs = model(**{**inputs, "use_cache": False}, fused_lm_head=True)
                labelled, log_probs, entropy, is_top1 = (outputs.label_mask.sum(), outputs.log_probs,
                                                         outputs.entropy, outputs.is_top1)
            num_tokens = labelled if num_items_in_batch is None else num_items_in_batch
            loss = rank_scaled(self, -log_probs.sum() / torch.as_tensor(num_tokens).clamp(min=1), num_items_in_batch)
            # an int from the host becomes a fill kernel's argument (a tensor copied from the host would sync)
            labelled = labelled.float() if torch.is_tensor(labelled) else loss.new_full((), labelled, dtype=torch.float)
            sums = torch.stack([labelled, entropy.detach().sum().float(), is_top1.sum().float()])
            self._metric_sums = sums if self._metric_sums is None else self._metric_sums + sums
            self._metrics["train"]["num_tokens"] = [counter.tokens]
            return loss

        def _score_rows(self, backbone: Any, head: Any, inputs: dict[str, Any], index: Any, targets: Any) -> tuple:
            """(labelled tokens, log-probs, entropy, top-1 hits) at the host-found positions; the model's
            forward would apply the trainer's autocast, so it is applied here."""
            from trl.kernels import ChunkedLogProbFunction

            with self.accelerator.autocast():
                batch = {k: v for k, v in inputs.items() if k != "labels"}
                hidden = backbone(**batch, use_cache=False).last_hidden_state
                rows = hidden.reshape(-1, hidden.shape[-1]).index_select(0, index)
                log_probs, entropy, _, _, is_top1 = ChunkedLogProbFunction.apply(
                    rows, head.weight, head.bias, targets, 1.0, CHUNK_ROWS, None, 1.0,
                    ("log_probs", "entropy", "is_top1"))
            return index.numel(), log_probs, entropy, is_top1

        def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
            if self._metric_sums is not None:
                valid, entropy, correct = self.accelerator.gather(self._metric_sums[None]).sum(0).tolist()
                self._metric_sums = None
                self._metrics["train"]["entropy"].append(entropy / valid if valid else 0.0)
                self._metrics["train"]["mean_token_accuracy"].append(correct / valid if valid else 0.0)
            super().log(logs, start_time)

    return LeanMetricsSFTTrainer


def plain_loss_trainer(base: type, counter: TokenCounter) -> type:
    """An SFTTrainer whose loss is plain autograd cross-entropy (fast on CPU): over the host-found labelled
    positions only when the batch carries them (``label_positions``, ``PackedBatchCollator(stamp_labels)``),
    else the model's own loss over full logits.

    Only the labelled rows of the hidden states go through the LM head: with assistant-only loss that is a
    fraction of the positions, and the head (vocab 49,152 for SmolLM2) with its softmax is the largest
    single cost of a small model's step on a CPU (bench/RESULTS.md, the CPU section)."""

    class PlainLossSFTTrainer(base):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            inputs = {**counter.take(inputs, model.training), "use_cache": False}
            index, targets = inputs.pop(LABEL_INDEX, None), inputs.pop(LABEL_TARGETS, None)
            head = own_head(self, model) if index is not None and model.training and not return_outputs \
                and self.compute_loss_func is None and self.label_smoother is None else None
            if head is not None:
                return rank_scaled(self, labelled_loss(self, *head, inputs, index, targets, num_items_in_batch),
                                   num_items_in_batch)
            outputs = model(**inputs, num_items_in_batch=num_items_in_batch) if num_items_in_batch is not None \
                else model(**inputs)
            loss = rank_scaled(self, outputs.loss, num_items_in_batch)
            return (loss, outputs) if return_outputs else loss

    return PlainLossSFTTrainer


def labelled_loss(trainer: Any, backbone: Any, head: Any, inputs: dict[str, Any], index: Any, targets: Any,
                  num_items_in_batch: Any) -> Any:
    """Mean cross-entropy of the labelled positions, the head applied to those rows only; the model's
    forward would apply the trainer's autocast, so it is applied here."""
    import torch

    with trainer.accelerator.autocast():
        batch = {k: v for k, v in inputs.items() if k != "labels"}
        hidden = backbone(**batch).last_hidden_state
        logits = head(hidden.reshape(-1, hidden.shape[-1]).index_select(0, index))
    total = torch.nn.functional.cross_entropy(logits.float(), targets, reduction="sum")
    return total / (index.numel() if num_items_in_batch is None else num_items_in_batch)
