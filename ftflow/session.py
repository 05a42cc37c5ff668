"""Load plugins, compose the recipe and build the graph: the shared first steps of run, plan and lock."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ftflow.config.compose import Recipe, compose_recipe
from ftflow.config.paths import user_recipe_dirs
from ftflow.graph import Graph
from ftflow.pipeline import RunSettings, build_graph, settings_of
from ftflow.plugin.manager import Plugins, load_plugins


@dataclasses.dataclass
class Session:
    plugins: Plugins
    recipe: Recipe
    graph: Graph
    settings: RunSettings


def recipe_dirs(plugins: Plugins, cli_dirs: list[str] | None) -> list[Path]:
    """User directories first (they are the user's intent), then those that plugins ship."""
    return [*user_recipe_dirs(cli_dirs), *plugins.recipe_dirs()]


def open_session(overrides: list[str], cli_dirs: list[str] | None = None,
                 plugins: Plugins | None = None) -> Session:
    plugins = plugins or load_plugins()
    recipe = compose_recipe(overrides, recipe_dirs(plugins, cli_dirs))
    graph = build_graph(recipe.config, plugins.registry)
    return Session(plugins, recipe, graph, settings_of(recipe.config))
