"""What a stage leaves behind (``StageResult``, one line of the manifest); what a provider sees while it runs
(``StageContext``, ``Artifact``) is defined with the contract in ``ftflow.provider`` and re-exported here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.provider import Artifact, StageContext

__all__ = ["Artifact", "StageContext", "StageResult"]  # Artifact and StageContext live in ftflow.provider


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
