"""Where recipes and shipped data files are found."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from ftflow.errors import UserError

RECIPES_ENV = "FTFLOW_RECIPES_PATH"


def builtin_recipes_dir() -> Path:
    """The recipes shipped with ftflow (the repo's ``recipes/`` folder, installed as ``ftflow_recipes``)."""
    return Path(str(files("ftflow_recipes")))


def user_recipe_dirs(cli_dirs: list[str] | None = None) -> list[Path]:
    """Extra recipe directories: ``--recipes-dir`` flags first, then ``FTFLOW_RECIPES_PATH`` entries."""
    raw = list(cli_dirs or []) + [p for p in os.environ.get(RECIPES_ENV, "").split(os.pathsep) if p]
    dirs = []
    for item in raw:
        path = Path(item).expanduser().resolve()
        if not path.is_dir():
            source = "--recipes-dir" if item in (cli_dirs or []) else RECIPES_ENV
            raise UserError(f"{source}: recipe directory {item} does not exist")
        dirs.append(path)
    return dirs


def resolve_data_path(value: str, recipe_dirs: list[Path], key: str) -> Path:
    """Resolve a data path from a recipe: absolute, else relative to the current directory, else to a recipe dir.

    Shipped data sets live under the built-in recipe root (``datasets/...``), so recipes can name them
    without knowing where ftflow is installed.
    """
    path = Path(value).expanduser()
    candidates = [path] if path.is_absolute() else [Path.cwd() / path] + [d / path for d in recipe_dirs]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    raise UserError(f"{key}: file {value} not found (looked in the current directory and the recipe dirs)")
