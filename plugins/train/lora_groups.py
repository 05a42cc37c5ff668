"""LoRA projections that read the same input share their small GEMMs (``method.lora_groups``).

In a Llama-style block q/k/v read one normalised input and gate/up another.  With ``method.fused_lora`` each
of them is one ``LoraLinearFunction``: per step and layer 7 autograd calls and 8 GEMMs each (3 forward, 5
backward), 5 of the 8 tiny rank-r GEMMs whose host-side launch (~44 µs of CPU time each in the H200 profile,
672 of them a step) costs more than their GPU time.  ``GroupedLoraFunction`` computes a group in one call:
one down-projection ``x @ [s1 A1; s2 A2; ...].T`` for all members, one input-gradient GEMM and one A-gradient
GEMM for all members in the backward; each member keeps its own base GEMM (no weight copies; a 4-bit
base is dequantized, as alone) with the low-rank term added in its epilogue, and its own B GEMMs.  Per
layer: 4 autograd calls and 47 GEMMs instead of 7 and 56.

The first member of a group (``q_proj``, ``gate_proj``) computes all members' outputs and hands them to the
others when they are called with the very same input tensor; a member called with another input, or while
any member cannot be fused (merged, disabled, another adapter), computes alone, so results never depend on
call order.  A group whose handed-over outputs are still untaken when its first member is called again
(a model that calls only some members, or gives them other inputs: KV sharing, say) is dissolved for good,
so the wasted pass runs once.
Models with cross-attention are skipped (it reads k/v from another input: the shared pass would be
wasted).  Applied after ``fuse_lora_layers``, only to its layers; not while compiling (the hand-over is
Python state).  On wherever ``method.fused_lora`` is: +1.9% tokens/s on the H200 (bench/RESULTS.md).
"""

from __future__ import annotations

import types
from typing import Any

import torch

from ftflow_plugins.train.lora_speed import dense_weight, fusable_adapter, fused_forward, low_rank_weights

GROUPS = (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"))


class GroupedLoraFunction(torch.autograd.Function):
    """Each member's ``x @ W_i.T (+ bias_i) + (x @ (s_i A_i).T) @ B_i.T``, one shared down-projection."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, ranks: tuple[int, ...], scales: torch.Tensor, a_cat: torch.Tensor,
                *members: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
        """``members`` = per member (weight, bias, b, lora_a, lora_b); ``a_cat`` the members' ``s_i * A_i``
        stacked in the compute dtype, ``b`` = ``B_i`` in it; ``scales`` = each stacked row's ``s_i`` (fp32)."""
        dtype = a_cat.dtype
        weights, biases, bs = members[0::5], members[1::5], members[2::5]
        rows = x.reshape(-1, x.shape[-1]).to(dtype)
        down = rows @ a_cat.t()  # tokens x sum(ranks)
        outputs, start = [], 0
        for weight, bias, b, rank in zip(weights, biases, bs, ranks, strict=True):
            out = down[:, start:start + rank] @ b.t()
            if bias is not None:
                out += bias.to(dtype)
            out.addmm_(rows, dense_weight(weight, dtype).t())
            outputs.append(out.reshape(*x.shape[:-1], out.shape[-1]))
            start += rank
        ctx.save_for_backward(rows, down, a_cat, scales, *weights, *bs)
        ctx.ranks, ctx.x_shape = ranks, x.shape
        ctx.param_dtypes = [(a.dtype, b.dtype) for a, b in zip(members[3::5], members[4::5], strict=True)]
        return tuple(outputs)

    @staticmethod
    def backward(ctx: Any, *grad_outputs: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        rows, down, a_cat, scales, *saved = ctx.saved_tensors
        count = len(ctx.ranks)
        weights, bs = saved[:count], saved[count:]
        grads = [g.reshape(-1, g.shape[-1]).to(rows.dtype) for g in grad_outputs]
        grad_down = torch.cat([g @ b for g, b in zip(grads, bs, strict=True)], dim=1)  # tokens x sum(ranks)
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_down @ a_cat
            for g, weight in zip(grads, weights, strict=True):
                grad_x.addmm_(g, dense_weight(weight, rows.dtype))
            grad_x = grad_x.reshape(ctx.x_shape)
        # all members' A gradients stacked, scaled in fp32 (as LoraLinearFunction does), in the adapters' dtype
        grad_a = (grad_down.t() @ rows).float().mul_(scales[:, None]).to(ctx.param_dtypes[0][0])
        member_grads: list[torch.Tensor | None] = []
        start = 0
        for index, (g, rank) in enumerate(zip(grads, ctx.ranks, strict=True)):
            wants_a, wants_b = ctx.needs_input_grad[4 + 5 * index + 3], ctx.needs_input_grad[4 + 5 * index + 4]
            grad_b = (g.t() @ down[:, start:start + rank]).to(ctx.param_dtypes[index][1]) if wants_b else None
            member_grads += [None, None, None, grad_a[start:start + rank] if wants_a else None, grad_b]
            start += rank
        return (grad_x, None, None, None, *member_grads)  # A's gradients: views of one tensor (no overlap)


class ProjectionGroup:
    """Sibling LoRA layers that read the same input, and the outputs computed for the ones not called yet."""

    def __init__(self, layers: list[Any]) -> None:
        self.layers = layers
        self.source: torch.Tensor | None = None  # the input the pending outputs were computed from
        self.pending: dict[int, torch.Tensor] = {}  # id(layer) -> its output
        self._stacked: tuple[tuple[torch.Tensor, ...], torch.Tensor, torch.Tensor] | None = None
        self.dissolved = False  # its members do not share their input in this model: each computes alone

    def take(self, layer: Any, x: torch.Tensor) -> torch.Tensor | None:
        """``layer``'s output if the first member computed it from this very ``x``."""
        if self.source is not x or id(layer) not in self.pending:
            return None
        output = self.pending.pop(id(layer))
        if not self.pending:
            self.source = None
        return output

    def run(self, x: torch.Tensor) -> torch.Tensor | None:
        """Every member's output from ``x`` (the others kept for their calls); None when any member cannot be
        fused right now, so each computes alone."""
        if self.pending:  # the last pass's outputs were never taken
            self.dissolved = True
        self.source, self.pending = None, {}
        if self.dissolved:
            return None
        autocast = torch.is_autocast_enabled(x.device.type)
        dtype = torch.get_autocast_dtype(x.device.type) if autocast else x.dtype
        members, ranks, lows = [], [], []
        for layer in self.layers:
            name = fusable_adapter(layer, x, autocast)
            if name is None:
                return None
            a, b = low_rank_weights(layer, name, dtype)
            base = layer.base_layer
            members += [base.weight, base.bias, b, layer.lora_A[name].weight, layer.lora_B[name].weight]
            ranks.append(a.shape[0])
            lows.append((a, layer.scaling[name]))
        if len({member.dtype for member in members[3::5]}) != 1:  # A's gradients are cast together
            return None
        scales, a_cat = self._stack(lows)
        outputs = GroupedLoraFunction.apply(x, tuple(ranks), scales, a_cat, *members)
        self.source = x
        self.pending = {id(layer): out for layer, out in zip(self.layers[1:], outputs[1:], strict=True)}
        return outputs[0]

    def _stack(self, lows: list[tuple[torch.Tensor, float]]) -> tuple[torch.Tensor, torch.Tensor]:
        """The members' cached ``s_i * A_i`` stacked (rebuilt when any member's cache was), and the scale of
        each stacked row."""
        parts = tuple(a for a, _ in lows)
        if self._stacked is None or len(self._stacked[0]) != len(parts) \
                or any(old is not new for old, new in zip(self._stacked[0], parts, strict=True)):
            scales = torch.cat([torch.full((a.shape[0],), scaling, dtype=torch.float32, device=a.device)
                                for a, scaling in lows])  # fp32, as the single layers scale their gradients
            self._stacked = (parts, scales, torch.cat(parts))
        return self._stacked[1], self._stacked[2]


def _grouped_forward(self: Any, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    group: ProjectionGroup = self._ftflow_group
    if args or kwargs or group.dissolved or torch.compiler.is_compiling():
        return fused_forward(self, x, *args, **kwargs)
    output = group.take(self, x)
    if output is None and self is group.layers[0]:
        output = group.run(x)
    return output if output is not None else fused_forward(self, x)


def group_lora_projections(model: Any) -> int:
    """Group the fused LoRA layers of ``model`` that read the same input (``GROUPS``); returns how many groups."""
    config = getattr(model, "config", None)
    configs = [config, config.get_text_config()] if hasattr(config, "get_text_config") else [config]
    if any(getattr(c, "is_encoder_decoder", False) or getattr(c, "add_cross_attention", False)
           or getattr(c, "cross_attention_layers", None) for c in configs):
        return 0
    count = 0
    for parent in model.modules():
        for names in GROUPS:
            layers = [getattr(parent, name, None) for name in names]
            if not all(hasattr(layer, "_ftflow_exact_adapters") for layer in layers):
                continue  # missing, not LoRA, or not fused (dropout, DoRA, trained bias...)
            if len({layer.base_layer.in_features for layer in layers}) != 1:
                continue
            group = ProjectionGroup(layers)
            for layer in layers:
                layer._ftflow_group = group
                layer.forward = types.MethodType(_grouped_forward, layer)
            count += 1
    return count
