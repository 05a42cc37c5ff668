"""What a provider sees while it runs (``StageContext``) and what a stage leaves behind."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ftflow.cache.memo import Memo
from ftflow.config.paths import resolve_data_path
from ftflow.graph import Component, Stage


@dataclasses.dataclass
class Artifact:
    """A finished stage's output directory and the metadata its provider returned (only the keys the reader
    declares in ``Provider.reads``, where it declares a part), plus the upstream's reader settings."""

    path: Path
    digest: str
    metadata: dict[str, Any]
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class StageResult:
    """One line of the run manifest."""

    name: str
    kind: str
    plugin: str
    key: str
    cached: bool
    seconds: float
    artifact: Path
    metadata: dict[str, Any]

    def manifest_row(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "plugin": self.plugin, "key": self.key,
            "cached": self.cached, "seconds": round(self.seconds, 3), "artifact": str(self.artifact),
        }


@dataclasses.dataclass
class StageContext:
    """Everything a provider's ``run`` may use; it writes only into ``output_dir`` and ``work_dir``.

    ``memo`` stores small content-keyed items across runs (e.g. generations per variant).
    ``work_dir`` survives a crash (it is keyed by the stage's cache key), so long stages put their
    checkpoints there and resume from them when the same stage runs again.
    """

    stage: Stage
    inputs: dict[str, Artifact]
    output_dir: Path
    work_dir: Path
    seed: int
    recipe: dict[str, Any]
    recipe_dirs: list[Path]
    log: Callable[[str], None] = print
    memo: Memo | None = None

    @property
    def config(self) -> Any:
        return self.stage.config

    @property
    def components(self) -> dict[str, Component]:
        return self.stage.components

    def resolve_path(self, value: str, key: str) -> Path:
        """Resolve a data path named by the recipe (see ``ftflow.config.paths.resolve_data_path``)."""
        return resolve_data_path(value, self.recipe_dirs, key)
