"""The public plugin API (``ftflow.kinds``): a contract for every kind, honoured by every built-in, documented
in docs/plugins.md, scaffolded by ``ftflow plugin new --kind K`` — datasette's rule, applied to kinds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ftflow import kinds
from ftflow.plugin.manager import load_plugins
from ftflow.provider import KINDS, Provider

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


def test_every_kind_has_one_contract():
    assert sorted(kinds.CONTRACTS) == sorted(KINDS)
    for kind, contract in kinds.CONTRACTS.items():
        assert issubclass(contract, Provider) and contract.kind == kind
        assert (contract.__doc__ or "").strip(), f"the {kind} contract needs a docstring"


def test_the_api_is_versioned():
    major, minor = (int(p) for p in kinds.API_VERSION.split("."))
    assert kinds.api_at_least(f"{major}.0") and kinds.api_at_least(kinds.API_VERSION)
    assert not kinds.api_at_least(f"{major}.{minor + 1}") and not kinds.api_at_least(f"{major + 1}.0")


def test_contracts_import_no_plugin_and_no_heavy_library():
    code = ("import sys, ftflow.kinds; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('ftflow_plugins', 'torch', 'transformers', 'numpy', 'rich', 'datasets')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_built_in_provider_subclasses_its_contract():
    offenders = [f"{i.kind}:{i.name} ({i.cls.__module__})" for i in load_plugins().registry
                 if i.package == "ftflow" and not issubclass(i.cls, kinds.CONTRACTS[i.kind])]
    assert offenders == []


def _reference_section(kind: str) -> str:
    text = DOCS.read_text()
    match = re.search(rf"^### `{re.escape(kind)}`.*?(?=^### |^## |\Z)", text, flags=re.M | re.S)
    return match.group(0) if match else ""


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_reference_section(kind: str) -> None:
    section = _reference_section(kind)
    assert section, f"docs/plugins.md needs a '### `{kind}`' section under 'Reference: the kinds'"
    contract = kinds.CONTRACTS[kind]
    assert f"`ftflow.kinds.{contract.__name__}`" in section, f"name the contract of {kind}"
    for path in getattr(contract, "layout", {}):
        assert f"`{path}`" in section, f"{kind}: document the artifact file {path}"
    for key in getattr(contract, "returns", {}):
        assert f"`{key}`" in section, f"{kind}: document the metadata key {key}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_scaffold_with_tests_of_its_own(kind: str) -> None:
    """No kind is left out: each has a template whose generated package carries tests of the provider itself
    (tests/test_scaffold.py installs every generated package and runs them), and docs/plugins.md lists it."""
    from ftflow.scaffold import TEMPLATES

    assert kind in TEMPLATES, f"{kind}: add a scaffold template (ftflow/scaffold/)"
    assert re.search(r"^def test_", TEMPLATES[kind].tests, re.M), f"{kind}: the template needs tests of its provider"
    scaffolding = DOCS.read_text().split("## 7. Scaffolding")[1].split("## 8.")[0]
    assert f"| `{kind}`" in scaffolding, f"{kind}: list its template in docs/plugins.md, section 7"


def test_every_server_implements_serve():
    """``ftflow serve RUN`` calls ``Server.serve``; the contract's default is a one-line error, not a server."""
    from ftflow.errors import UserError

    class Bare(kinds.Server):
        name = "bare"

    with pytest.raises(UserError, match="serve=bare: this server does not implement serve"):
        Bare().serve({"run_id": "r", "stages": []}, None, {}, None)
    servers = load_plugins().registry.of_kind("server")
    assert servers and [i.name for i in servers if i.cls.serve is kinds.Server.serve] == []
