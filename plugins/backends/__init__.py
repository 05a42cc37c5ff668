"""Backends: which device and precision stages use (``backend=auto|cpu|cuda``), and how quiet the runtime
libraries are (``common.quiet``, applied when a run starts)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.backends.devices import AutoBackend, CpuBackend, CudaBackend


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (AutoBackend, CpuBackend, CudaBackend):
        registry.add(provider)


@hookimpl
def ftflow_run_started(run_id: str, verbose: bool) -> None:
    """Before any stage imports a library: silence third-party noise unless ``--verbose``."""
    if not verbose:
        from ftflow_plugins.common.quiet import quiet_third_party

        quiet_third_party()
