"""CPU fast path for trl's fused log-prob head.

trl 1.16 patches the policy (and reference) model with ``add_fused_lm_head``: a chunked autograd
function that never materializes the ``(batch, seq, vocab)`` logits.  That saves GPU memory, but its
hand-written backward is several times slower on CPU than autograd through ``log_softmax`` (measured
in docs/training.md).  ``plain_logprob_head`` swaps the patched forward for one with the same
contract (``fused_lm_head=True`` -> ``FusedCausalLMOutput``) computed from the full logits.
"""

from __future__ import annotations

import functools
import types
from typing import Any

#: Config attributes that change logits beyond ``lm_head(hidden)``; models with them keep trl's head.
_LOGIT_TRANSFORMS = ("final_logit_softcapping", "logit_scale", "output_multiplier", "lm_head_multiplier",
                     "logits_scaling")


def _target(model: Any) -> Any:
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def plain_logprob_head(*models: Any, temperature: float = 1.0) -> int:
    """Re-patch every model that trl gave a fused head; returns how many were patched."""
    patched = 0
    for model in models:
        if model is None:
            continue
        target = _target(model)
        fused = vars(target).get("forward")
        text_config = target.config.get_text_config()
        if fused is None or any(getattr(text_config, a, None) is not None for a in _LOGIT_TRANSFORMS):
            continue
        target.forward = types.MethodType(_plain_forward(type(target).forward, fused, temperature), target)
        patched += 1
    return patched


def _plain_forward(raw: Any, fused: Any, temperature: float) -> Any:
    @functools.wraps(raw)
    def forward(self, *args, fused_lm_head=False, labels=None, shift_labels=None, num_items_in_batch=None,
                **kwargs):
        if not fused_lm_head:  # generation and plain calls: trl's wrapper forwards to the original
            return fused(*args, labels=labels, shift_labels=shift_labels, num_items_in_batch=num_items_in_batch,
                         **kwargs)
        import torch
        from trl.trainer.utils import FusedCausalLMOutput

        kwargs["use_cache"] = False
        hidden = self.base_model(*args, **kwargs).last_hidden_state
        if shift_labels is None:
            hidden, labels = hidden[:, :-1], labels[:, 1:]
        else:
            labels = shift_labels
        lm_head = self.get_output_embeddings()
        labels = labels.to(lm_head.weight.device)
        mask = labels != -100
        # Like trl's head on GPUs: project only the scored positions (completions are a fraction of a row).
        logits = lm_head(hidden.to(lm_head.weight.device)[mask]).float() / temperature
        logp = logits.log_softmax(-1)
        token = labels[mask].unsqueeze(-1)
        picked = logp.gather(-1, token).squeeze(-1)
        with torch.no_grad():  # metrics only, as in trl's head
            entropy = -(logp.exp() * logp).sum(-1)
            mean_logits = logits.mean(-1)
            is_top1 = logits.argmax(-1) == token.squeeze(-1)
            log_sum_sq = torch.logsumexp(2 * logp, -1)

        def scatter(values: Any) -> Any:
            return values.new_zeros(mask.shape).masked_scatter(mask, values)

        log_probs = scatter(picked)
        denominator = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
        return FusedCausalLMOutput(loss=-picked.sum() / denominator, log_probs=log_probs, entropy=scatter(entropy),
                                   log_sum_sq_probs=scatter(log_sum_sq), mean_logits=scatter(mean_logits),
                                   is_top1=scatter(is_top1), label_mask=mask)

    return forward
