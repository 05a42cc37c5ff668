"""One smoke workspace with ``export=gguf`` built once per test session and shared by the export and
llamacpp tests (both conftests load this module by path; the build is memoised per session)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ftflow.testing import run_ftflow

QUANTS = ("q8_0", "q4_0")
RUN = ("recipe=smoke", "export=gguf", f"export.quant=[{','.join(QUANTS)}]", "export.keep_merged=true",
       "eval.variants=[tuned,gguf]", "eval.max_examples=4", "eval.max_new_tokens=8")
_BUILT: dict[int, Path] = {}


def built(session_id: int, factory: Any) -> Path:
    """The workspace (FTFLOW_HOME) after one run of ``RUN``; do not modify it, copy it (``fresh``)."""
    if session_id not in _BUILT:
        home = factory.mktemp("gguf-smoke") / "home"
        result = run_ftflow(home, "run", *RUN)
        assert result.ok, result.stdout[-3000:] + result.stderr[-3000:]
        _BUILT[session_id] = home
    return _BUILT[session_id]


def fresh(home: Path, target: Path) -> Path:
    shutil.copytree(home, target)
    return target


def manifest(home: Path) -> dict[str, Any]:
    run_id = (home / "runs" / "last").read_text().strip()
    return json.loads((home / "runs" / run_id / "manifest.json").read_text())


def export_artifact(home: Path) -> tuple[Path, dict[str, Any]]:
    """(artifact dir, provider metadata) of the last run's export stage."""
    m = manifest(home)
    row = next(s for s in m["stages"] if s["name"] == "export")
    return Path(row["artifact"]), m["stage_metadata"]["export"]
