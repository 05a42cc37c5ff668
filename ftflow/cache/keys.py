"""Cache keys: a hash of everything that can change a stage's output, and nothing else.

Key = sha256 of: provider kind/name/version, the provider's code fingerprint, the stage's validated
config (defaults filled in), its components (same fields), the seed, the digests of input artifacts
and external files (by content, not by name), and the installed versions of the libraries it declares.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import inspect
import json
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ftflow.graph import Stage
from ftflow.plugin.registry import ProviderInfo


@cache
def code_fingerprint(cls: type) -> str:
    """Hash of the source files of the provider's package (its module's folder, non-recursive)."""
    source = inspect.getsourcefile(cls)
    if source is None:
        return "no-source"
    module_path = Path(source)
    files = [module_path]
    if module_path.parent.joinpath("__init__.py").exists():
        files = sorted(module_path.parent.glob("*.py"))
    for module in getattr(cls, "code_modules", ()):
        spec = importlib.util.find_spec(module)
        if spec and spec.origin:
            files.append(Path(spec.origin))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def library_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def _provider_part(info: ProviderInfo, config: Any) -> dict[str, Any]:
    return {
        "provider": [info.kind, info.name, info.version],
        "code": code_fingerprint(info.cls),
        "config": dataclasses.asdict(config),
        "libraries": {d: library_version(d) for d in info.cls.libraries},
    }


def stage_key(stage: Stage, seed: int, input_digests: dict[str, str], external_digests: dict[str, str]) -> str:
    payload = {
        "stage": stage.name,
        **_provider_part(stage.info, stage.config),
        "components": {n: _provider_part(c.info, c.config) for n, c in sorted(stage.components.items())},
        "seed": seed,
        "inputs": dict(sorted(input_digests.items())),
        "external": dict(sorted(external_digests.items())),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
