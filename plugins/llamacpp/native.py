"""llama.cpp's C library for stages that do not decode: its log routed to Python logging, the thread count,
quantization.  Kept apart from the decoding code (``generator``, ``batch``) so that a stage using only these
(the model stage writing a GGUF, the export) is not keyed on the eval decoder's source (ftflow/keys.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_LOG_CALLBACK: Any = None


def cpu_threads() -> int:
    """Threads for llama.cpp: the CPUs this process may run on (cgroup/affinity aware), at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    override = os.environ.get("FTFLOW_LLAMA_THREADS")
    return max(1, int(override) if override else count)


def quiet_llama() -> None:
    """Send llama.cpp's C-level log to the ``ftflow.llamacpp`` logger at DEBUG level.

    llama-cpp-python's own callback maps ggml's current level numbers one step off (warnings print
    as errors even with ``verbose=False``), so the loader's and quantizer's chatter would flood the
    console; failures still surface as Python exceptions.
    """
    global _LOG_CALLBACK
    import ctypes
    import logging

    import llama_cpp

    if _LOG_CALLBACK is None:
        logger = logging.getLogger("ftflow.llamacpp")

        @llama_cpp.llama_log_callback
        def callback(level: int, text: bytes, user_data: Any) -> None:
            logger.debug(text.decode("utf-8", errors="replace").rstrip("\n"))

        _LOG_CALLBACK = callback  # keep a reference: the C library calls it later
    llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))


def quantize(source: Path, target: Path, quant: str, threads: int, requantize: bool = False) -> None:
    """``llama_model_quantize`` from a 16-bit GGUF; llama.cpp picks fallbacks per tensor.

    ``requantize``: the source may itself be quantized (llama.cpp dequantizes each tensor to f32 first),
    e.g. a shipped Q4_1 file to bf16, which holds its values as the dequantized HF checkpoint does."""
    import llama_cpp

    quiet_llama()
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quant.upper()}")
    params.nthread = threads
    params.allow_requantize = requantize
    code = llama_cpp.llama_model_quantize(str(source).encode(), str(target).encode(), params)
    if code != 0 or not target.exists():
        raise RuntimeError(f"llama_model_quantize to {quant} failed (code {code})")
