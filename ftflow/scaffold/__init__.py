"""``ftflow plugin new NAME --kind KIND``: write a ready-to-install plugin package, so a new plugin starts
from code that already installs, registers through the ``ftflow`` entry-point group, subclasses the public
contract of its kind (``ftflow.kinds``, never ``ftflow_plugins``) and passes its own tests and ruff.

Templates are plain strings (``templates_*`` modules, no package data to ship); ``{{name}}``, ``{{Class}}``
and ``{{kind}}`` are replaced, nothing else is, so templates hold Python braces freely.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from ftflow.errors import UserError
from ftflow.scaffold.template import Template, test_module
from ftflow.scaffold.templates_components import COMPONENT_TEMPLATES
from ftflow.scaffold.templates_runtime import RUNTIME_TEMPLATES
from ftflow.scaffold.templates_serving import SERVING_TEMPLATES
from ftflow.scaffold.templates_stages import STAGE_TEMPLATES
from ftflow.scaffold.templates_training import TRAINING_TEMPLATES

_NAME = re.compile(r"[a-z][a-z0-9_]*")

#: kind -> its template: tests/test_kinds.py requires one for every kind of ``ftflow.provider.KINDS``.
TEMPLATES: dict[str, Template] = {t.kind: t for t in (*COMPONENT_TEMPLATES, *RUNTIME_TEMPLATES, *STAGE_TEMPLATES,
                                                      *TRAINING_TEMPLATES, *SERVING_TEMPLATES)}
KINDS = sorted(TEMPLATES)

PYPROJECT = '''\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "ftflow-{{name}}"
version = "0.1.0"
description = "An ftflow plugin: the '{{name}}' {{kind}} provider."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["ftflow"{{requires}}]

[project.optional-dependencies]
test = ["pytest>=8", "ruff"]

# The only discovery route ftflow has: this entry-point group.
[project.entry-points.ftflow]
{{name}} = "ftflow_{{name}}.plugin"

# recipes/ holds data, not code; discovering it as namespace packages ships its files without warnings.
[tool.setuptools.packages.find]
include = ["ftflow_{{name}}*"]
namespaces = true

[tool.setuptools.package-data]
"*" = ["*.yaml", "*.jsonl"]

[tool.pytest.ini_options]
testpaths = ["tests"]
# The whole-recipe run is slow (about a minute on 2 CPU cores): `pytest -m slow` runs it.
addopts = "-m 'not slow'"
markers = ["slow: runs a whole recipe (about a minute on 2 CPU cores)"]

[tool.ruff]
line-length = 120
src = ["."]

[tool.ruff.lint]
select = ["E", "F", "I"]

[tool.ruff.lint.isort]
known-first-party = ["ftflow_{{name}}"]
'''

INIT = '''\
"""ftflow-{{name}}: an ftflow plugin (registered through the ``ftflow`` entry-point group)."""
'''

CONFTEST = '''\
"""ftflow's pytest fixtures: ftflow_home, ftflow_run, ftflow_cli."""

pytest_plugins = ["ftflow.testing"]
'''

REGISTRATION = '''

@hookimpl
def ftflow_register_providers(registry):
    registry.add({{Class}})
'''

RECIPE_DIRS = '''

@hookimpl
def ftflow_recipe_dirs():
    return [Path(__file__).parent / "recipes"]
'''

README = '''\
# ftflow-{{name}}

An ftflow plugin: the `{{name}}` {{kind}} provider (contract `ftflow.kinds.{{contract}}`).

```bash
pip install -e '.[test]'              # registers the `{{name}}` entry point of the `ftflow` group
ftflow plugins                        # lists {{name}} ({{kind}}, ftflow-{{name}})
{{try_it}}
pytest                                # fast tests; `pytest -m slow` also runs a whole recipe
ruff check .
```

Edit `ftflow_{{name}}/plugin.py`: bump the provider's `version` whenever its output changes meaning
(it enters the cache key), keep heavy imports inside functions, and import only `ftflow.kinds`,
`ftflow.provider`, `ftflow.errors` and `ftflow.plugin` from ftflow (see its `docs/plugins.md`).
'''


def _class_name(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_") if p) or name


def _files(name: str, kind: str) -> dict[str, str]:
    from ftflow.kinds import CONTRACTS

    template = TEMPLATES[kind]
    pkg = f"ftflow_{name}"
    module = template.module + REGISTRATION + (RECIPE_DIRS if template.files else "")
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{pkg}/__init__.py": INIT,
        f"{pkg}/plugin.py": module,
        "tests/conftest.py": CONFTEST,
        f"tests/test_{name}.py": test_module(template),
        **{f"{pkg}/{rel}": text for rel, text in template.files.items()},
    }
    values = {"name": name, "Class": _class_name(name), "kind": kind, "contract": CONTRACTS[kind].__name__,
              "try_it": template.try_it, "requires": "".join(f', "{r}"' for r in template.requires)}
    out = {}
    for rel, text in files.items():
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
            rel = rel.replace("{{" + key + "}}", value)
        out[rel] = text
    return out


def check_name(name: str) -> None:
    """A plugin name becomes an entry point, a provider name and part of a module name."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise UserError(f"plugin name '{name}' must be a lower-case Python identifier "
                        f"(letters, digits, underscores; starting with a letter), e.g. first_word")


def new_plugin(name: str, kind: str = "metric", out_dir: Path | None = None) -> Path:
    """Write ``out_dir/name/`` and return it; refuses a bad name, an unknown kind or an existing path."""
    check_name(name)
    if kind not in TEMPLATES:
        raise UserError(f"--kind {kind}: no template for that kind (choices: {', '.join(KINDS)})")
    root = (out_dir or Path.cwd()) / name
    if root.exists():
        raise UserError(f"{root} already exists; choose another name or -o DIR")
    from ftflow.plugin.manager import load_plugins

    taken = {(i.kind, i.name): i.package for i in load_plugins().registry}
    if (kind, name) in taken:
        raise UserError(f"a {kind} provider named '{name}' is already registered by {taken[(kind, name)]}; "
                        f"choose another name")
    for rel, text in _files(name, kind).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def cmd_plugin_new(name: str, kind: str, out_dir: str | None) -> int:
    root = new_plugin(name, kind, Path(out_dir) if out_dir else None)
    try_it = TEMPLATES[kind].try_it.replace("{{name}}", name)
    print(f"created {root} ({kind} provider '{name}')\n"
          f"next: pip install -e '{root}[test]' && ftflow plugins && (cd {root} && pytest && ruff check .)\n"
          f"then: {try_it.split('  #')[0].strip()}")
    return 0
