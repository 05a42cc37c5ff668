"""``ftflow plugin new NAME``: write a ready-to-install plugin package, so a new plugin starts from code
that already installs, registers through the ``ftflow`` entry-point group and passes its own tests.

Templates are plain strings in this module (no package data to ship); ``{{name}}``, ``{{Class}}`` and
``{{kind}}`` are replaced, nothing else is, so the templates can hold Python braces freely.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from ftflow.errors import UserError

_NAME = re.compile(r"[a-z][a-z0-9_]*")

PYPROJECT = '''\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "ftflow-{{name}}"
version = "0.1.0"
description = "An ftflow plugin: the '{{name}}' {{kind}} provider and a recipe option that uses it."
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["ftflow"]

[project.optional-dependencies]
test = ["pytest>=8"]

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
markers = ["slow: runs a whole recipe (about a minute on 2 CPU cores)"]
'''

INIT = '''\
"""ftflow-{{name}}: an ftflow plugin (registered through the ``ftflow`` entry-point group)."""
'''

CONFTEST = '''\
"""ftflow's pytest fixtures: ftflow_home, ftflow_run, ftflow_cli."""

pytest_plugins = ["ftflow.testing"]
'''

# The end of every generated plugin module: the two hooks that register its provider and recipes.
REGISTRATION = '''
@hookimpl
def ftflow_register_providers(registry):
    registry.add({{Class}})


@hookimpl
def ftflow_recipe_dirs():
    return [Path(__file__).parent / "recipes"]
'''

METRIC_PLUGIN = '''\
"""The '{{name}}' metric: does the answer start with the reference's first word?

Useful for classification-style answers ("Refund: ...", "yes, ...") where the first word carries the
decision.  Registered through ``ftflow_register_providers``; ``ftflow_recipe_dirs`` ships
``eval/{{name}}.yaml`` so ``ftflow run recipe=... eval={{name}}`` selects it.
"""

from __future__ import annotations

import dataclasses
import string
from pathlib import Path
from typing import Any

from ftflow.plugin import hookimpl
from ftflow.provider import Provider


@dataclasses.dataclass
class {{Class}}Config:
    """Schema of the provider's options: an unknown key or a wrong type is an error naming the key."""

    ignore_case: bool = True
    strip_punctuation: bool = True


class {{Class}}(Provider):
    """1.0 when the prediction's first word equals the reference's first word, else 0.0."""

    name = "{{name}}"
    kind = "metric"
    version = "1"  # enters the cache key of every eval stage using it: bump it when scores change meaning
    description = "1 if the answer starts with the reference's first word"
    Config = {{Class}}Config

    def __init__(self, config: {{Class}}Config | None = None) -> None:
        # Evaluators create metric components with their schema's defaults.
        self.config = config or {{Class}}Config()

    def _first_word(self, text: str) -> str:
        words = text.split()
        word = words[0] if words else ""
        if self.config.strip_punctuation:
            word = word.strip(string.punctuation)
        return word.lower() if self.config.ignore_case else word

    def score(self, prediction: str, reference: str, example: dict[str, Any]) -> float | None:
        """None (not applicable) when the reference is empty; the evaluator averages the rest."""
        expected = self._first_word(reference)
        if not expected:
            return None
        return float(self._first_word(prediction) == expected)

''' + REGISTRATION

METRIC_RECIPE = '''\
# Shipped by ftflow-{{name}}: the default evaluation plus the {{name}} metric.
provider: generate
variants: [base, tuned]
metrics: [exact_match, token_f1, {{name}}]
max_new_tokens: 16
max_examples: 4
'''

METRIC_TESTS = '''\
"""Tests of ftflow-{{name}}: the metric itself (fast), its registration, and a whole run (slow)."""

import pytest

from ftflow_{{name}}.plugin import {{Class}}, {{Class}}Config


def test_score_compares_first_words():
    metric = {{Class}}()
    assert metric.score("Refund: the fee is returned.", "refund approved", {}) == 1.0
    assert metric.score("No refund.", "Refund approved", {}) == 0.0
    assert metric.score("anything", "   ", {}) is None


def test_options_change_the_score():
    strict = {{Class}}({{Class}}Config(ignore_case=False, strip_punctuation=False))
    assert strict.score("refund approved", "Refund approved", {}) == 0.0
    assert strict.score("Refund, approved", "Refund approved", {}) == 0.0


def test_ftflow_plugins_lists_it(ftflow_cli):
    result = ftflow_cli("plugins")
    assert result.ok, result.stderr
    row = next((line for line in result.stdout.splitlines() if " {{name}} " in line), None)
    assert row is not None, result.stdout
    assert "metric" in row and "ftflow-{{name}}" in row


@pytest.mark.slow
def test_smoke_run_reports_the_metric(ftflow_run):
    result = ftflow_run("recipe=smoke", "eval={{name}}")
    assert result.ok, result.stderr[-2000:]
    assert 0.0 <= result.manifest["metrics"]["tuned"]["{{name}}"] <= 1.0
'''

FORMAT_PLUGIN = '''\
"""The '{{name}}' data format: question/answer rows (optional system), normalized to chat.

Registered through ``ftflow_register_providers``; ``ftflow_recipe_dirs`` ships ``data/{{name}}.yaml``
and a small sample set, so ``ftflow run recipe=... data={{name}}`` selects it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.plugin import hookimpl
from ftflow_plugins.data.formats import DataFormat


class {{Class}}(DataFormat):
    """``{"question": ..., "answer": ..., "system": ...}`` rows; ``data.columns`` can rename sources."""

    name = "{{name}}"
    version = "1"  # enters the cache key of the data stage: bump it when the normalized rows change
    description = "question/answer rows (optional system), normalized to chat"
    fields = ("question", "answer", "system")

    def normalize(self, row: dict[str, Any], where: str) -> dict[str, Any]:
        """Raise a one-line UserError naming the row (``where``) and the field when a row is bad."""
        for field in ("question", "answer"):
            value = row.get(field)
            if not isinstance(value, str) or not value.strip():
                raise UserError(f"{where}: field '{field}' is missing or empty")
        messages = [{"role": "user", "content": row["question"]},
                    {"role": "assistant", "content": row["answer"]}]
        system = row.get("system")
        if isinstance(system, str) and system.strip():
            messages.insert(0, {"role": "system", "content": system})
        return {"messages": messages}

''' + REGISTRATION

FORMAT_RECIPE = '''\
# Shipped by ftflow-{{name}}: its sample question/answer set, read through the {{name}} format.
provider: files
format: {{name}}
train: datasets/{{name}}/train.jsonl
eval: datasets/{{name}}/eval.jsonl
max_length: 128
quality:
  max_duplicate_fraction: null
  max_conflicts: null
  max_leakage: null
  max_truncated_fraction: null
'''

_QA = [("What is a seed phrase?", "The words that restore your wallet; never share them."),
       ("Can support see my private key?", "No. Support never asks for your private key."),
       ("Why is my transfer pending?", "The network is busy; it confirms once a block includes it."),
       ("How do I add a token?", "Open Assets, choose Add token and paste its contract address."),
       ("Is a gas fee refundable?", "No, a gas fee is paid to the network even if a transaction fails."),
       ("What is a testnet?", "A practice network whose coins have no value."),
       ("How do I export my history?", "Settings, then History, then Export as CSV."),
       ("Can I cancel a sent transfer?", "Only while it is pending, by replacing it with a higher fee."),
       ("What does slippage mean?", "How far the price may move before a swap is refused."),
       ("How do I lock the app?", "Settings, then Security, then enable the app lock.")]

FORMAT_TESTS = '''\
"""Tests of ftflow-{{name}}: the format itself (fast), its registration, and a whole run (slow)."""

from pathlib import Path

import pytest

from ftflow.errors import UserError
from ftflow_{{name}} import plugin
from ftflow_{{name}}.plugin import {{Class}}

SAMPLE = Path(plugin.__file__).parent / "recipes" / "datasets" / "{{name}}" / "train.jsonl"


def test_normalize_makes_chat():
    row = {{Class}}().normalize({"question": "Hi?", "answer": "Hello.", "system": "Be brief."}, "row 1")
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]


def test_bad_row_names_the_field():
    with pytest.raises(UserError, match="row 3: field 'answer'"):
        {{Class}}().normalize({"question": "Hi?"}, "row 3")


def test_ftflow_plugins_lists_it(ftflow_cli):
    result = ftflow_cli("plugins")
    assert result.ok, result.stderr
    row = next((line for line in result.stdout.splitlines() if " {{name}} " in line), None)
    assert row is not None, result.stdout
    assert "format" in row and "ftflow-{{name}}" in row


def test_data_check_accepts_the_sample(ftflow_cli):
    result = ftflow_cli("data", "check", str(SAMPLE), "--format", "{{name}}")
    assert result.ok, result.stderr


@pytest.mark.slow
def test_smoke_run_trains_on_the_sample(ftflow_run):
    result = ftflow_run("recipe=smoke", "data={{name}}")
    assert result.ok, result.stderr[-2000:]
'''

README = '''\
# ftflow-{{name}}

An ftflow plugin: the `{{name}}` {{kind}} provider, plus `{{group}}/{{name}}.yaml`, a recipe option
that uses it.

```bash
pip install -e .                      # registers the `{{name}}` entry point of the `ftflow` group
ftflow plugins                        # lists {{name}} ({{kind}}, ftflow-{{name}})
ftflow run recipe=smoke {{group}}={{name}}    # the whole graph on a tiny model, with this plugin
pytest                                # fast tests; `pytest -m slow` also runs the smoke recipe
```

Edit `ftflow_{{name}}/plugin.py`: bump the provider's `version` whenever its output changes meaning
(it enters the cache key), and keep heavy imports inside functions.  See ftflow's `docs/plugins.md`.
'''

#: kind -> (config group of the shipped recipe option, files relative to the package root).
KINDS: dict[str, str] = {"metric": "eval", "format": "data"}


def _jsonl(rows: list[tuple[str, str]]) -> str:
    import json

    return "".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in rows)


def _files(name: str, kind: str) -> dict[str, str]:
    pkg = f"ftflow_{name}"
    group = KINDS[kind]
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{pkg}/__init__.py": INIT,
        "tests/conftest.py": CONFTEST,
    }
    if kind == "metric":
        files |= {f"{pkg}/plugin.py": METRIC_PLUGIN, f"{pkg}/recipes/{group}/{name}.yaml": METRIC_RECIPE,
                  f"tests/test_{name}.py": METRIC_TESTS}
    else:
        files |= {f"{pkg}/plugin.py": FORMAT_PLUGIN, f"{pkg}/recipes/{group}/{name}.yaml": FORMAT_RECIPE,
                  f"{pkg}/recipes/datasets/{name}/train.jsonl": _jsonl(_QA[:8]),
                  f"{pkg}/recipes/datasets/{name}/eval.jsonl": _jsonl(_QA[8:]),
                  f"tests/test_{name}.py": FORMAT_TESTS}
    values = {"name": name, "Class": "".join(p.capitalize() for p in name.split("_") if p) or name,
              "kind": kind, "group": group}
    out = {}
    for path, text in files.items():
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        out[path] = text
    return out


def check_name(name: str) -> None:
    """A plugin name becomes an entry point, a provider name and part of a module name."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise UserError(f"plugin name '{name}' must be a lower-case Python identifier "
                        f"(letters, digits, underscores; starting with a letter), e.g. first_word")


def new_plugin(name: str, kind: str = "metric", out_dir: Path | None = None) -> Path:
    """Write ``out_dir/name/`` and return it; refuses a bad name, an unknown kind or an existing path."""
    check_name(name)
    if kind not in KINDS:
        raise UserError(f"--kind {kind}: no template for that kind (choices: {', '.join(sorted(KINDS))})")
    root = (out_dir or Path.cwd()) / name
    if root.exists():
        raise UserError(f"{root} already exists; choose another name or -o DIR")
    from ftflow.plugin.manager import load_plugins

    taken = {(i.kind, i.name): i.package for i in load_plugins().registry}
    if (kind, name) in taken:
        raise UserError(f"a {kind} provider named '{name}' is already registered by {taken[(kind, name)]}; "
                        f"choose another name")
    files = _files(name, kind)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def cmd_plugin_new(name: str, kind: str, out_dir: str | None) -> int:
    root = new_plugin(name, kind, Path(out_dir) if out_dir else None)
    group = KINDS[kind]
    print(f"created {root} ({kind} provider '{name}', option {group}/{name}.yaml)\n"
          f"next: pip install -e {root} && ftflow plugins && (cd {root} && pytest)\n"
          f"then: ftflow run recipe=smoke {group}={name}")
    return 0
