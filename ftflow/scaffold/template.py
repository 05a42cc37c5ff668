"""What a kind's scaffold is made of, and the generated test module every kind shares."""

from __future__ import annotations

import dataclasses
import sys


@dataclasses.dataclass(frozen=True)
class Template:
    """One kind's scaffold: ``module`` is plugin.py up to its registration hooks (imports included, in
    ruff's isort order), ``tests`` the kind's own test functions, ``files`` extra package files (recipe
    options under ``recipes/``, sample data), ``smoke`` the ``ftflow run`` arguments of the slow test."""

    kind: str
    module: str
    tests: str
    try_it: str
    test_imports: tuple[str, ...] = ()  # import lines the tests need (stdlib, third party, ftflow_{{name}})
    requires: tuple[str, ...] = ()  # distributions the plugin needs besides ftflow (pyproject dependencies)
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    smoke: tuple[str, ...] = ()


COMMON_TESTS = '''

def test_it_implements_the_public_contract():
    assert issubclass({{Class}}, CONTRACTS["{{kind}}"])
    assert {{Class}}.name == "{{name}}" and {{Class}}.kind == "{{kind}}"


def test_ftflow_plugins_lists_it(ftflow_cli):
    result = ftflow_cli("plugins")
    assert result.ok, result.stderr
    row = next((line for line in result.stdout.splitlines() if " {{name}} " in line), None)
    assert row is not None, result.stdout
    assert "{{kind}}" in row and "ftflow-{{name}}" in row
'''

SMOKE_TEST = '''

@pytest.mark.slow
def test_a_whole_run_uses_it(ftflow_run):
    result = ftflow_run({{args}})
    assert result.ok, result.stderr[-2000:]
'''

def _isort_key(name: str) -> tuple[int, str]:
    """ruff's order within one import: CONSTANTS, then Classes (``{{Class}}`` is one), then the rest."""
    if name.isupper():
        return 0, name
    return (1, name) if name[0].isupper() or name.startswith("{{") else (2, name)


def _sorted_block(lines: list[str]) -> str:
    """``import x`` lines, then ``from x import a, b`` lines with one line per module (ruff's isort)."""
    plain = sorted({line for line in lines if line.startswith("import ")})
    names: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("from "):
            module, _, imported = line[5:].partition(" import ")
            names.setdefault(module, set()).update(n.strip() for n in imported.split(","))
    froms = [f"from {m} import {', '.join(sorted(names[m], key=_isort_key))}"
             for m in sorted(names)]
    return "\n".join(plain + froms)


def test_module(template: Template) -> str:
    """The generated tests/test_NAME.py: imports grouped as ruff's isort wants them (stdlib, third party,
    the plugin itself), the shared tests, the kind's tests and the slow whole-run test when it has one."""
    imports = {*template.test_imports, "from ftflow.kinds import CONTRACTS"}
    if template.smoke:
        imports.add("import pytest")
    stdlib = [i for i in imports if i.split()[1].split(".")[0] in sys.stdlib_module_names]
    first = ["from ftflow_{{name}}.plugin import {{Class}}", *(i for i in imports if " ftflow_{{name}}" in i)]
    third = [i for i in imports if i not in stdlib and i not in first]
    blocks = [_sorted_block(b) for b in (stdlib, third, first) if b]
    text = ('"""Tests of ftflow-{{name}} ({{kind}}): the provider itself and its registration (fast);\n'
            '`pytest -m slow` also runs a whole recipe with it."""\n\n' + "\n\n".join(blocks) + "\n" + COMMON_TESTS
            + template.tests)
    if template.smoke:
        text += SMOKE_TEST.replace("{{args}}", ", ".join(f'"{a}"' for a in template.smoke))
    return text
