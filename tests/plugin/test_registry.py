from __future__ import annotations

import dataclasses

import pytest

from ftflow.errors import PluginError, UserError
from ftflow.plugin.manager import load_plugins
from ftflow.plugin.registry import ProviderRegistry
from ftflow.provider import Provider


class Good(Provider):
    name = "good"
    kind = "metric"


def test_errors_list_available_providers_and_packages():
    registry = load_plugins().registry
    with pytest.raises(UserError) as err:
        registry.get("adapter", "lorra", key="adapter.provider")
    message = str(err.value)
    assert message.startswith("adapter.provider: unknown adapter provider 'lorra' (available: ")
    assert "lora (ftflow)" in message and "full (ftflow)" in message


def test_builtins_are_found_through_entry_points():
    plugins = load_plugins()
    assert {"models", "data", "train", "evaluate", "export", "backends"} <= set(plugins.origins)
    assert all(i.package == "ftflow" for i in plugins.registry)


def test_disable_env_blocks_an_entry_point(monkeypatch):
    monkeypatch.setenv("FTFLOW_DISABLE_PLUGINS", "export, evaluate")
    plugins = load_plugins()
    assert "export" not in plugins.origins
    assert not plugins.registry.of_kind("export")


def test_registry_rejects_bad_providers():
    registry = ProviderRegistry()
    registry.add(Good)
    with pytest.raises(PluginError, match="expects a Provider subclass"):
        registry.add(object)

    class NoKind(Provider):
        name = "x"

    with pytest.raises(PluginError, match="needs a name and a kind"):
        registry.add(NoKind)

    class Clash(Provider):
        name = "good"
        kind = "metric"

    with pytest.raises(PluginError, match="registered twice"):
        registry.add(Clash)

    class BadSchema(Provider):
        name = "bad"
        kind = "metric"
        Config = dict

    with pytest.raises(PluginError, match="Config must be a dataclass"):
        registry.add(BadSchema)


def test_provider_schema_is_a_dataclass_for_every_builtin():
    for info in load_plugins().registry:
        assert dataclasses.is_dataclass(info.cls.Config), info
        assert info.cls.description, f"{info.kind}:{info.name} needs a description"


def test_a_misspelled_hook_stops_loading_in_one_line():
    from ftflow.plugin import hookimpl

    class Typo:
        @hookimpl
        def ftflow_register_provider(self, registry):  # the hook is ftflow_register_providers
            registry.add(Good)

    with pytest.raises(PluginError, match=r"implements unknown hook\(s\) ftflow_register_provider: every hook is in "
                                          r"docs/plugins.md") as err:
        load_plugins(extra=[Typo()])
    assert "\n" not in str(err.value)
