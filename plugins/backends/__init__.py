"""Backends: which device and precision stages use (``backend=auto|cpu|cuda``)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.backends.devices import AutoBackend, CpuBackend, CudaBackend


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (AutoBackend, CpuBackend, CudaBackend):
        registry.add(provider)
