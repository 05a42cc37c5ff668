"""LoRA-layer speed-ups for training on GPUs (``method.lora_autocast``, ``method.fused_lora``; the groups of
``method.lora_groups`` are in ``lora_groups``).

peft computes a LoRA linear layer as ``base(x) + lora_B(lora_A(dropout(x))) * scaling``: three GEMMs, a
scale and an add in the forward, and in the backward the scale's gradient and the add of the two input
gradients again — about 450 elementwise kernels a step over activation-sized tensors for a 16-layer model
with LoRA on all seven projections (a fifth of the H200's kernel time, bench/RESULTS.md), each also a
Python dispatch.  ``LoraLinearFunction`` keeps the GEMMs and drops the rest: the scale is folded into A
(an r x in matrix), and the low-rank term is added in the epilogue of the big base GEMM (``addmm_`` with
beta 1), in both directions.  The numerics are peft's under bf16 autocast: the same GEMMs in bf16 with
fp32 accumulation, fp32 gradients for the fp32 adapter weights.

It replaces ``forward`` on individual layers only where that is exact (a plain ``nn.Linear`` base whose
weight and bias are frozen, one active adapter with dropout 0, no DoRA or other variant, no LoRA bias, and
bf16 autocast or inputs in the adapters' dtype); every other layer or adapter, and every layer while
adapters are merged or disabled, keeps peft's forward.  With ``method.fused_qlora`` (on wherever
``method.fused_lora`` is) the base may also be a bitsandbytes 4-bit ``Linear4bit`` (QLoRA): its weight is
dequantized in the forward and again in the backward, as bitsandbytes' own backward does (no dense copy is
kept).  Such a layer is fused only while the call runs in its compute dtype and its weight is in the layout
``dequantize_4bit`` reads (bitsandbytes may drop the quantization state, or repack the weight for its CPU
kernels); otherwise peft's path runs.  Off by default under torchrun (measured on one GPU; FSDP wrappings
that shard the LoRA modules separately would need their own hooks).  Saved adapters are unchanged.
"""

from __future__ import annotations

import types
import warnings
from typing import Any

import torch


class LoraLinearFunction(torch.autograd.Function):
    """``x @ W.T (+ bias) + (x @ (s*A).T) @ B.T`` with the frozen base ``W`` and adapters A, B."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                lora_a: torch.Tensor, lora_b: torch.Tensor, scaling: float,
                a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``a`` = ``scaling * lora_a`` and ``b`` = ``lora_b`` in the compute dtype (``low_rank_weights``);
        the fp32 ``lora_a``/``lora_b`` are passed for their gradients only."""
        dtype = a.dtype
        rows = x.reshape(-1, x.shape[-1]).to(dtype)
        base = dense_weight(weight, dtype)
        down = rows @ a.t()  # tokens x r
        out = down @ b.t()
        if bias is not None:
            out += bias.to(dtype)
        out.addmm_(rows, base.t())  # the low-rank term rides in the base GEMM's epilogue
        ctx.save_for_backward(rows, down, weight if is_4bit(weight) else base, a, b)
        ctx.scaling = scaling
        ctx.x_shape = x.shape
        ctx.param_dtypes = (lora_a.dtype, lora_b.dtype)
        return out.reshape(*x.shape[:-1], out.shape[-1])

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        rows, down, base, a, b = ctx.saved_tensors
        grad = grad_out.reshape(-1, grad_out.shape[-1]).to(rows.dtype)
        grad_down = grad @ b  # tokens x r
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_down @ a
            grad_x.addmm_(grad, dense_weight(base, rows.dtype))
            grad_x = grad_x.reshape(ctx.x_shape)
        grad_a = None
        if ctx.needs_input_grad[3]:  # scaled in fp32, then in the adapter's dtype (bf16 for trl's QLoRA adapters)
            grad_a = (grad_down.t() @ rows).float().mul_(ctx.scaling).to(ctx.param_dtypes[0])
        grad_b = (grad.t() @ down).to(ctx.param_dtypes[1]) if ctx.needs_input_grad[4] else None
        return grad_x, None, None, grad_a, grad_b, None, None, None


def is_4bit(weight: torch.Tensor) -> bool:
    """A bitsandbytes 4-bit weight (packed, with its quantization state)."""
    return getattr(weight, "quant_state", None) is not None


def _dequantizable(weight: torch.Tensor) -> bool:
    """A 4-bit weight ``dequantize_4bit`` can read: with its state, not repacked for bitsandbytes' CPU kernels
    (that layout would dequantize to wrong numbers without an error)."""
    state = getattr(weight, "quant_state", None)
    return state is not None and not getattr(state, "packing_format_for_cpu", False)


def dense_weight(weight: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The base weight in ``dtype``: a 4-bit one dequantized, as its own layer does on every call."""
    if not is_4bit(weight):
        return weight.to(dtype)
    from bitsandbytes.functional import dequantize_4bit

    return dequantize_4bit(weight, weight.quant_state).to(dtype)


class _OptimizerSteps:
    """Counts optimizer steps in this process.  Fused optimizers (``adamw_torch_fused``, the CUDA default)
    update parameters in place without bumping their version counters, so the counter is what tells a
    cached cast it is stale."""

    count = 0
    hook: Any = None

    @classmethod
    def start(cls) -> None:
        if cls.hook is None:  # once per process, when the first model is fused (not at import)
            from torch.optim.optimizer import register_optimizer_step_post_hook

            cls.hook = register_optimizer_step_post_hook(cls._stepped)

    @classmethod
    def _stepped(cls, *_: Any) -> None:
        cls.count += 1


def low_rank_weights(layer: Any, name: str, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Adapter ``name``'s ``scaling * A`` and ``B`` in ``dtype``, cast once per optimizer step instead of on
    every call (a scale and two casts: 336 small kernels and their dispatch a step for 16 layers x 7
    projections).  Stale after any optimizer step, or any other in-place change (``load_state_dict``
    bumps the version counters), or new storage; a write through ``param.data`` outside an optimizer step
    is not seen."""
    lora_a, lora_b = layer.lora_A[name].weight, layer.lora_B[name].weight
    scaling = layer.scaling[name]
    if torch.compiler.is_compiling():  # traced into the graph: a Python-side cache would only break it
        return _cast(lora_a, lora_b, scaling, dtype)
    key = (name, dtype, scaling, _OptimizerSteps.count, lora_a._version, lora_b._version, lora_a.data_ptr(),
           lora_b.data_ptr())
    cached = layer.__dict__.get("_ftflow_low_rank")
    if cached is None or cached[0] != key:
        with torch.no_grad():
            cached = (key, *_cast(lora_a, lora_b, scaling, dtype))
        layer.__dict__["_ftflow_low_rank"] = cached  # a plain attribute: not a buffer, never saved
    return cached[1], cached[2]


def _cast(lora_a: torch.Tensor, lora_b: torch.Tensor, scaling: float, dtype: torch.dtype) -> tuple:
    return (lora_a * scaling).to(dtype), lora_b.to(dtype, copy=True)


def _lora_4bit(layer: Any) -> bool:
    """peft's LoRA layer on a bitsandbytes 4-bit ``Linear4bit`` base (QLoRA)."""
    if type(layer).__module__ != "peft.tuners.lora.bnb" or type(layer).__name__ != "Linear4bit":
        return False
    from bitsandbytes.nn import Linear4bit

    return type(layer.base_layer) is Linear4bit and _dequantizable(layer.base_layer.weight)


def _exact_adapters(layer: Any, four_bit: bool = False) -> set[str]:
    """The adapters of ``layer`` for which ``LoraLinearFunction`` computes exactly what peft's forward does
    (empty when the layer itself does not qualify); ``four_bit``: 4-bit bases qualify too."""
    from peft.tuners.lora.layer import Linear as LoraLinear

    base = getattr(layer, "base_layer", None)
    plain = type(layer) is LoraLinear and type(base) is torch.nn.Linear and base.weight.is_floating_point()
    if not (plain or four_bit and _lora_4bit(layer)) or layer.fan_in_fan_out or base.weight.requires_grad:
        return set()
    if base.bias is not None and base.bias.requires_grad:  # adapter.bias=all/lora_only trains it
        return set()
    return {name for name in layer.lora_A
            if isinstance(layer.lora_dropout[name], torch.nn.Identity)
            and name not in getattr(layer, "lora_variant", {}) and not layer.use_dora.get(name, False)
            and not getattr(layer, "lora_bias", {}).get(name, False)}


def fusable_adapter(layer: Any, x: torch.Tensor, autocast: bool) -> str | None:
    """The adapter ``LoraLinearFunction`` may run for this call of ``layer`` on ``x``, or None (peft's path)."""
    name = layer.active_adapters[0] if len(layer.active_adapters) == 1 else None
    # Outside autocast peft runs the LoRA branch in the adapters' dtype (fp32): fuse only when x has it.
    if (name not in layer._ftflow_exact_adapters or layer.merged or layer.disable_adapters
            or not (autocast or x.dtype == layer.lora_A[name].weight.dtype)):
        return None
    if layer._ftflow_4bit:  # it computes in its compute dtype and returns the input's: fuse when both are ours
        compute, readable = layer.base_layer.compute_dtype or x.dtype, _dequantizable(layer.base_layer.weight)
        if not readable or x.dtype != compute or autocast and torch.get_autocast_dtype(x.device.type) != compute:
            # once per process (the warnings filter): a run that asked for fused_qlora sees it did not get it
            warnings.warn(f"method.fused_qlora: a 4-bit LoRA layer runs peft's path (input {x.dtype}, "
                          f"compute {compute}, autocast {autocast}, weight readable {readable})", stacklevel=2)
            return None
    return name


def fused_forward(self: Any, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    autocast = torch.is_autocast_enabled(x.device.type)
    name = None if args or kwargs else fusable_adapter(self, x, autocast)
    if name is None:
        return type(self).forward(self, x, *args, **kwargs)  # peft's own path
    base = self.base_layer
    a, b = low_rank_weights(self, name, torch.get_autocast_dtype(x.device.type) if autocast else x.dtype)
    return LoraLinearFunction.apply(x, base.weight, base.bias, self.lora_A[name].weight,
                                    self.lora_B[name].weight, self.scaling[name], a, b)


def fuse_lora_layers(model: Any, four_bit: bool = False) -> int:
    """Route every fusable LoRA layer of ``model`` through ``LoraLinearFunction`` (with ``four_bit``, those
    on 4-bit bases too); returns how many."""
    layers = [(m, _exact_adapters(m, four_bit)) for m in model.modules()]
    layers = [(layer, exact) for layer, exact in layers if exact]
    _OptimizerSteps.start()
    for layer, exact in layers:
        layer._ftflow_exact_adapters = exact  # checked on every call: adapters can be switched later
        layer._ftflow_4bit = is_4bit(layer.base_layer.weight)  # _exact_adapters admitted it as QLoRA
        layer.forward = types.MethodType(fused_forward, layer)
    return len(layers)


def skip_input_casts(model: Any) -> int:
    """Turn off peft's per-layer input cast (``cast_input_dtype_enabled``); returns the layers changed.
    Only valid where the forward runs under autocast, which the trainer's bf16 mode guarantees."""
    layers = [m for m in model.modules() if hasattr(m, "lora_A") and hasattr(m, "_cast_input_dtype")]
    for layer in layers:
        layer.cast_input_dtype_enabled = False
    return len(layers)


def speed_up_lora(ctx: Any, cfg: Any, backend: Any, model: Any, one_process: bool, precision: Any) -> None:
    """Apply ``method.lora_autocast``, ``method.fused_lora`` (``fused_qlora``) and ``method.lora_groups``."""
    gpu_bf16 = backend.device() == "cuda" and precision.autocast
    if cfg.lora_autocast if cfg.lora_autocast is not None else precision.autocast:
        ctx.log(f"LoRA inputs are not cast to the adapters' dtype under bf16 autocast ({skip_input_casts(model)} layers)")
    fused = cfg.fused_lora if cfg.fused_lora is not None else gpu_bf16 and one_process
    if fused:
        fused_layers = fuse_lora_layers(model, four_bit=cfg.fused_qlora is not False)
        ctx.log(f"fused LoRA forward/backward on {fused_layers} layers")
    elif cfg.fused_qlora:
        ctx.log("method.fused_qlora skipped: it needs method.fused_lora (off here)")
    if cfg.lora_groups and not fused:
        ctx.log("method.lora_groups skipped: it needs fused LoRA layers (method.fused_lora is off here)")
    elif fused and cfg.lora_groups is not False:
        from ftflow_plugins.train.lora_groups import group_lora_projections

        ctx.log(f"LoRA projection groups sharing their small GEMMs: {group_lora_projections(model)}")
