"""The engine's import graph: no circle, no upward arrow between the layers of docs/architecture.md, and
no import of the built-in plugins (``ftflow_plugins``) anywhere under ``ftflow/``.

Imports anywhere in a module count: lazy ones inside functions, and ``if TYPE_CHECKING:`` ones too (a type
named in an annotation is a dependency all the same, so it lives at the lowest layer that names it:
``Stage`` and ``StageContext`` in ``ftflow.provider``, ``ReportSection`` in ``ftflow.plugin.sections``).
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

#: Highest first: a module may import from its own layer or any layer below it, never above.  Modules of
#: one layer may import each other (without circles).  Keep in step with docs/architecture.md ("Layers").
LAYERS = (
    ("__main__", "cli"),
    ("commands", "api"),
    ("bundle", "bundle_rules", "scaffold", "testing", "kinds"),
    ("lock", "session", "sweep", "tracking", "report", "runs"),
    ("runner",),
    ("pipeline", "exports", "keys"),
    ("plugin",),
    ("stage", "graph"),
    ("provider",),
    ("config", "cache", "workspace", "progress", "console", "signals", "errors"),
)
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("ftflow", exclude_type_checking_imports=False, cache_dir=None)


def test_every_module_has_a_layer(graph):
    layered = {f"ftflow.{tail}" for layer in LAYERS for tail in layer}
    orphans = sorted(m for m in graph.modules if m != "ftflow" and not any(
        m == top or m.startswith(top + ".") for top in layered))
    assert not orphans, f"put these modules into a layer of LAYERS (and docs/architecture.md): {orphans}"


def test_no_upward_arrow(graph):
    layers = [grimp.Layer(*tails, independent=False) for tails in LAYERS]
    illegal = graph.find_illegal_dependencies_for_layers(layers=layers, containers={"ftflow"})
    arrows = sorted(f"{r.importer} -> {r.imported}: " + "; ".join(
        " -> ".join([min(route.heads), *route.middle, min(route.tails)]) for route in r.routes) for r in illegal)
    assert not arrows, "imports from a lower layer into a higher one:\n" + "\n".join(arrows)


def _circle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import circle among ftflow's modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph.modules):
        stack = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        path = [start]
        state[start] = state.get(start) or 1
        if state[start] == 2:
            continue
        while stack:
            module, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[module] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif state.get(child) is None:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
    return None


def test_no_import_circle(graph):
    circle = _circle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle or [])


def test_circle_finder_finds_one():
    toy = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        toy.add_import(importer=a, imported=b)
    assert _circle(toy) == ["p.a", "p.b", "p.c", "p.a"]


def test_engine_imports_no_builtin_plugin():
    # type-checking imports count here too: the engine must not even name a plugin's types
    full = grimp.build_graph("ftflow", include_external_packages=True, cache_dir=None)
    users = sorted(full.find_modules_that_directly_import("ftflow_plugins")) \
        if "ftflow_plugins" in full.modules else []
    assert not users, f"ftflow/ imports ftflow_plugins in {users}: use a hook or a contract in ftflow.kinds"


def test_layers_are_documented():
    doc = DOC.read_text()
    table = re.search(r"## Layers\n(.*?)\n## ", doc, re.S)
    assert table, "docs/architecture.md needs a '## Layers' section"
    rows = [row for row in table.group(1).splitlines() if row.startswith("| ") and not row.startswith("| layer ")]
    documented = [tuple(re.findall(r"`([\w.]+)`", row.split("|")[2])) for row in rows]
    assert documented == [tuple(layer) for layer in LAYERS]
