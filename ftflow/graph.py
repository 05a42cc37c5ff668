"""Stages and edges.  A graph is validated when it is built: unknown inputs and cycles are errors."""

from __future__ import annotations

from ftflow.errors import GraphError
from ftflow.provider import Component, Stage

__all__ = ["Component", "Graph", "Stage"]  # Stage and Component live in ftflow.provider


class Graph:
    """Stages in dependency order; construction fails with every problem listed at once."""

    def __init__(self, stages: list[Stage]) -> None:
        self.stages = {s.name: s for s in stages}
        problems: list[str] = []
        if len(self.stages) != len(stages):
            names = [s.name for s in stages]
            problems += [f"stage '{n}' is defined twice" for n in sorted({n for n in names if names.count(n) > 1})]
        for stage in stages:
            for input_name, upstream in stage.inputs.items():
                if upstream not in self.stages:
                    problems.append(f"stage '{stage.name}' input '{input_name}' names unknown stage '{upstream}'")
        if not problems:
            self.order = self._topological_order(problems)
        if problems:
            raise GraphError(problems)

    def _topological_order(self, problems: list[str]) -> list[Stage]:
        order: list[Stage] = []
        state: dict[str, int] = {}  # 1 = visiting, 2 = done

        def visit(name: str, path: list[str]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = path[path.index(name):] + [name]
                problems.append("cycle: " + " -> ".join(cycle))
                return
            state[name] = 1
            for upstream in sorted(self.stages[name].inputs.values()):
                visit(upstream, path + [name])
            state[name] = 2
            order.append(self.stages[name])

        for name in self.stages:
            visit(name, [])
        return order

    def upstream(self, stage: Stage) -> dict[str, Stage]:
        """The stages feeding ``stage``, by input name."""
        return {name: self.stages[up] for name, up in stage.inputs.items()}

    def descendants(self, name: str) -> set[str]:
        out: set[str] = set()
        for stage in self.order:
            if any(up == name or up in out for up in stage.inputs.values()):
                out.add(stage.name)
        return out

    def __iter__(self):
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)
