"""Device and dtype selection.  ``cuda`` fails with a clear error before any model loads when absent."""

from __future__ import annotations

from typing import Any

from ftflow import kinds
from ftflow.errors import UserError


class Backend(kinds.Backend):
    """The built-ins' base: bf16 where the GPU supports it."""

    libraries = ("torch",)

    def device(self) -> str:
        raise NotImplementedError

    def use_bf16(self) -> bool:
        """bf16 where the hardware supports it natively; fp32 on CPU (bf16 matmuls are slow there)."""
        import torch

        return self.device() == "cuda" and torch.cuda.is_bf16_supported()

    def torch_dtype(self) -> Any:
        import torch

        return torch.bfloat16 if self.use_bf16() else torch.float32


class CpuBackend(Backend):
    name = "cpu"
    description = "CPU, float32, deterministic"

    def device(self) -> str:
        return "cpu"


class CudaBackend(Backend):
    name = "cuda"
    description = "NVIDIA GPU, bf16 where supported"

    def device(self) -> str:
        import torch

        if not torch.cuda.is_available():
            raise UserError("backend=cuda but torch sees no CUDA device (use backend=auto or backend=cpu)")
        return "cuda"


class AutoBackend(Backend):
    name = "auto"
    description = "CUDA when available, else CPU"

    def device(self) -> str:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
