"""Training precision: the dtype the weights are kept in and whether the forward runs under bf16 autocast.

``method.precision``:
- ``fp32``: fp32 weights, fp32 math.
- ``bf16-mixed``: fp32 master weights (and optimizer state), matmuls under bf16 autocast.  On CPUs with
  AVX512-BF16 or AMX, oneDNN's bf16 GEMMs run several times faster than fp32 ones (this 2-core EPYC:
  69-87 GFLOP/s fp32 vs 340-430 GFLOP/s bf16 on SmolLM2's shapes), and the loss stays within 2% of fp32
  over 50 steps (tests/plugins/train/test_precision.py).
- ``bf16``: bf16 weights and autocast (CUDA's default: half the weight memory, tensor cores).
- ``null``: ``bf16`` on CUDA with bf16 support; on CPU ``bf16-mixed`` when the CPU has bf16 instructions
  and the adapter keeps a floating-point base (not QLoRA's 4-bit one), else ``fp32``.
  CPUs without AVX512-BF16/AMX would emulate bf16 (slower than fp32), so they stay fp32.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

PRECISIONS = ("fp32", "bf16-mixed", "bf16")
#: /proc/cpuinfo flags that mean native bf16 dot products (AVX512-BF16, AMX tiles).
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


@dataclasses.dataclass(frozen=True)
class Precision:
    name: str  # one of PRECISIONS
    why: str  # for the run's log: what chose it

    @property
    def autocast(self) -> bool:
        """The forward runs under bf16 autocast (TrainingArguments' ``bf16``)."""
        return self.name != "fp32"

    def weights_dtype(self) -> Any:
        import torch

        return torch.bfloat16 if self.name == "bf16" else torch.float32


@cache
def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU has native bf16 instructions (Linux: /proc/cpuinfo flags; elsewhere: no)."""
    try:
        flags = next((line for line in cpuinfo.read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        return False
    return any(flag in flags.split() for flag in BF16_CPU_FLAGS)


def resolve_precision(setting: str | None, backend: Any, four_bit: bool = False) -> Precision:
    """The precision a run trains in (``setting`` is ``method.precision``, already validated)."""
    if setting is not None:
        return Precision(setting, "method.precision")
    if backend.device() == "cuda":
        return Precision("bf16", "CUDA with bf16") if backend.use_bf16() else Precision("fp32", "CUDA without bf16")
    if four_bit:
        return Precision("fp32", "4-bit base on CPU")
    if cpu_has_bf16():
        return Precision("bf16-mixed", "CPU with native bf16 instructions")
    return Precision("fp32", "CPU without bf16 instructions")


def precision_problems(setting: str | None) -> list[str]:
    if setting is not None and setting not in PRECISIONS:
        return [f"method.precision: unknown value {setting!r} (valid: {', '.join(PRECISIONS)}, or null)"]
    return []
