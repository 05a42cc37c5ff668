"""Every hook must be documented for plugin authors and exercised by a test (datasette's rule)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ftflow.plugin import spec

HOOKS = [(name, fn) for name, fn in inspect.getmembers(spec, inspect.isfunction) if name.startswith("ftflow_")]
TESTS = Path(__file__).resolve().parents[1]


def test_there_are_hooks():
    assert len(HOOKS) >= 5


@pytest.mark.parametrize(("name", "hook"), HOOKS, ids=[n for n, _ in HOOKS])
def test_hook_has_docstring_naming_every_parameter(name, hook):
    doc = inspect.getdoc(hook) or ""
    assert len(doc) > 40, f"{name} needs a docstring for plugin authors"
    for parameter in inspect.signature(hook).parameters:
        assert f":param {parameter}:" in doc, f"{name}: document parameter '{parameter}'"


@pytest.mark.parametrize(("name", "hook"), HOOKS, ids=[n for n, _ in HOOKS])
def test_hook_is_exercised_by_a_test(name, hook):
    users = [p for p in TESTS.rglob("*.py") if p.resolve() != Path(__file__).resolve()
             and f"def {name}(" in p.read_text()]
    assert users, f"no test implements {name}; add one that checks it is called"


@pytest.mark.parametrize(("name", "hook"), HOOKS, ids=[n for n, _ in HOOKS])
def test_hook_is_in_the_plugin_guide(name, hook):
    guide = (TESTS.parent / "docs" / "plugins.md").read_text()
    assert f"`{name}" in guide, f"docs/plugins.md must document {name}"
