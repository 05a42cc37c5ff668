"""Shared fixtures for ftflow's own tests (plugin authors use ``ftflow.testing``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from light import LightPlugin

from ftflow.cache.store import CacheStore
from ftflow.pipeline import build_graph
from ftflow.plugin.manager import Plugins, load_plugins
from ftflow.runner import Runner


@pytest.fixture
def light_plugins() -> Plugins:
    return load_plugins(extra=[LightPlugin()])


@pytest.fixture
def light_runner(tmp_path: Path, light_plugins: Plugins):
    """``light_runner(config)`` -> Runner over a cache in tmp_path (shared between calls of one test)."""
    store = CacheStore(tmp_path / "cache")

    def make(config: dict, plugins: Plugins | None = None) -> Runner:
        plugins = plugins or light_plugins
        graph = build_graph(config, plugins.registry)
        return Runner(graph, store, plugins, seed=1, recipe_dirs=[])

    return make


@pytest.fixture(scope="session")
def gguf_home(request, tmp_path_factory) -> Path:
    """A smoke workspace whose export stage wrote GGUF files, built once for the export and llama.cpp
    tests.  Shared and read-only: copy it (``gguf_workspace.fresh``) before adding cache entries."""
    import gguf_workspace

    return gguf_workspace.built(id(request.session), tmp_path_factory)
