"""Fixtures for the export tests: a smoke workspace whose export stage wrote GGUF files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _helper():
    """``gguf_workspace.py`` as one module object, whichever conftest loads it first."""
    name = "ftflow_tests_gguf_workspace"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "export" / "gguf_workspace.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


gguf = _helper()


@pytest.fixture(scope="session")
def gguf_home(request, tmp_path_factory) -> Path:
    """Shared, read-only: copy it (``gguf.fresh``) before running anything that adds cache entries."""
    return gguf.built(id(request.session), tmp_path_factory)
