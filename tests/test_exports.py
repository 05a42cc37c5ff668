"""``exports: [...]``: several exporters per run, in order, each reading the ones before it."""

from __future__ import annotations

import json

import pytest
from light import NOTE_PROVIDERS, NoteConfig, _Note

from ftflow.errors import GraphError
from ftflow.pipeline import build_graph
from ftflow.plugin import hookimpl
from ftflow.plugin.manager import load_plugins


def _exporter(name: str) -> type[_Note]:
    return type(f"Export_{name}", (_Note,), {"name": name, "kind": "export", "Config": NoteConfig})


class _Plugin:
    @hookimpl
    def ftflow_register_providers(self, registry):
        for provider in (*NOTE_PROVIDERS, _exporter("second"), _exporter("third")):
            registry.add(provider)


@pytest.fixture
def plugins():
    return load_plugins(extra=[_Plugin()])


def _config(**third: int) -> dict:
    sections = {"model": "model", "data": "data", "method": "train", "eval": "eval", "export": "export"}
    config = {group: {"provider": "note"} for group in sections}
    config["exports"] = [{"provider": "second"}, {"provider": "third", **third}]
    return config


def _run(runner) -> dict:
    return {r.name: r for r in runner.run("r1", "ftflow run")}


def test_each_exporter_reads_the_ones_before_it(plugins):
    graph = build_graph(_config(), plugins.registry)
    stages = {s.name: s for s in graph}
    assert stages["export.second"].inputs == {"model": "model", "train": "train", "export.note": "export"}
    assert stages["export.third"].inputs == {"model": "model", "train": "train", "export.note": "export",
                                             "export.second": "export.second"}
    order = [s.name for s in graph]
    assert order.index("export") < order.index("export.second") < order.index("export.third")


def test_they_run_cached_and_see_upstream_files(light_runner, plugins):
    first = _run(light_runner(_config(), plugins))
    note = json.loads((first["export.third"].artifact / "note.json").read_text())
    assert set(note["in"]) == {"model", "train", "export.note", "export.second"}
    again = _run(light_runner(_config(value=2), plugins))
    assert {n for n, r in again.items() if not r.cached} == {"export.third"}


@pytest.mark.parametrize(("exports", "message"), [
    ([{"provider": "nope"}], r"exports\[0\]\.provider: unknown export provider 'nope'"),
    ([{"provider": "second", "valeu": 1}], r"exports\[0\]: unknown key 'valeu'|exports\[0\]\.valeu"),
    ([{"provider": "second"}, {"provider": "second"}], r"exports\[1\]\.provider: exporter 'second' already runs"),
    ([{"provider": "note"}], r"exports\[0\]\.provider: exporter 'note' already runs"),
    ([{"quant": 1}], r"exports\[0\]: expected a mapping with a 'provider' key"),
    ({"provider": "second"}, r"exports: expected a list"),
])
def test_bad_entries_name_the_key(plugins, exports, message):
    config = _config()
    config["exports"] = exports
    with pytest.raises(GraphError, match=message):
        build_graph(config, plugins.registry)
