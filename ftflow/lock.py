"""Lock files: pin a run (resolved config, versions, providers, input digests, seed) and replay it.

``ftflow lock recipe=NAME -o FILE`` writes the lock; ``ftflow run --locked FILE`` runs exactly the
locked config and first compares the environment with the lock.  Any drift — a data file whose content
changed, another library or provider version, changed provider code — stops the run with the list of
differences, unless ``--allow-drift``.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

import ftflow
from ftflow.cache.digests import DigestCache
from ftflow.config.compose import Recipe
from ftflow.config.paths import builtin_recipes_dir
from ftflow.errors import UserError
from ftflow.keys import code_fingerprint, external_inputs, library_version
from ftflow.pipeline import build_graph, settings_of
from ftflow.session import Session, recipe_dirs

LOCK_FORMAT = 1
#: The engine's own libraries, pinned for every recipe; the ML libraries come from the ``libraries`` the
#: recipe's providers and components declare (the engine knows none of them).
KEY_LIBRARIES = ("hydra-core", "omegaconf", "pluggy")


def _inputs(session: Session, digests: DigestCache) -> dict[str, dict[str, str]]:
    return {e.key: {"path": e.value, "sha256": e.sha256}
            for stage in session.graph for e in external_inputs(stage, session.recipe.dirs, digests)}


def _providers(session: Session) -> dict[str, dict[str, str]]:
    out = {}
    for stage in session.graph:
        parts = [(stage.name, stage.info)] + [(f"{stage.name}.{n}", c.info) for n, c in stage.components.items()]
        for where, info in parts:
            out[where] = {"provider": f"{info.kind}:{info.name}", "version": info.version,
                          "package": f"{info.package}=={info.package_version}", "code": code_fingerprint(info.cls)}
    return out


def _libraries(session: Session) -> dict[str, str]:
    names = set(KEY_LIBRARIES)
    for stage in session.graph:
        names.update(stage.info.cls.libraries)
        for component in stage.components.values():
            names.update(component.info.cls.libraries)
    return {name: library_version(name) for name in sorted(names)}


def build_lock(session: Session, cache_root: Path) -> dict[str, Any]:
    """Everything needed to replay ``session`` and to notice when the environment has drifted."""
    digests = DigestCache(cache_root / "digests.json")
    lock = {
        "ftflow_lock": LOCK_FORMAT,
        "recipe": session.recipe.name,
        "overrides": session.recipe.overrides,
        "seed": session.settings.seed,
        "ftflow": ftflow.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": _libraries(session),
        "plugins": {name: f"{dist}=={version}" for name, (dist, version) in sorted(session.plugins.origins.items())},
        "providers": _providers(session),
        "inputs": _inputs(session, digests),
        "config": session.recipe.config,
    }
    digests.save()
    return lock


#: Keys a lock file must have, and the JSON type each holds (optional ones are checked when present).
LOCK_FIELDS: dict[str, tuple[type, bool]] = {
    "recipe": (str, True), "config": (dict, True), "overrides": (list, False), "seed": (int, False),
    "inputs": (dict, False), "libraries": (dict, False), "providers": (dict, False), "plugins": (dict, False),
}
_JSON_NAMES = {str: "a string", dict: "a mapping", list: "a list", int: "an integer"}


def validate_lock(lock: Any, where: str) -> dict[str, Any]:
    """``lock`` as read from JSON, checked field by field so a damaged file is one line naming the key."""
    if not isinstance(lock, dict) or lock.get("ftflow_lock") != LOCK_FORMAT:
        raise UserError(f"{where} is not an ftflow lock file (format {LOCK_FORMAT})")
    for key, (kind, required) in LOCK_FIELDS.items():
        if key not in lock:
            if required:
                raise UserError(f"{where}: lock key '{key}' is missing")
            continue
        if not isinstance(lock[key], kind) or isinstance(lock[key], bool):
            raise UserError(f"{where}: lock key '{key}' must be {_JSON_NAMES[kind]}, "
                            f"got {type(lock[key]).__name__}")
    for key in ("inputs", "libraries", "providers"):
        bad = [k for k, v in lock.get(key, {}).items() if not isinstance(v, dict | str | None)]
        if bad:
            raise UserError(f"{where}: lock key '{key}.{bad[0]}' has an unexpected value")
    if not all(isinstance(o, str) for o in lock.get("overrides", [])):
        raise UserError(f"{where}: lock key 'overrides' must be a list of strings")
    return lock


def read_lock(path: str) -> dict[str, Any]:
    try:
        lock = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"--locked: lock file {path} not found") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise UserError(f"--locked: {path} is not a valid lock file ({type(exc).__name__}: {exc})") from None
    return validate_lock(lock, f"--locked: {path}")


def write_text_file(path: str, text: str, what: str) -> None:
    """Write a user-named output file whole (via a sibling temp file), or say in one line why not."""
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise UserError(f"{what}: directory {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"{what}: cannot write {path} ({exc.strerror or exc})") from None
    except BaseException:  # Ctrl-C or SIGTERM: no half-written file stays behind
        partial.unlink(missing_ok=True)
        raise


def session_from_lock(lock: dict[str, Any], plugins: Any, cli_dirs: list[str] | None = None) -> Session:
    """A session that runs exactly the locked config (no recomposition: recipes may have changed)."""
    dirs = [builtin_recipes_dir(), *recipe_dirs(plugins, cli_dirs)]
    recipe = Recipe(lock["recipe"], lock["config"], {}, list(lock.get("overrides", [])), dirs)
    graph = build_graph(recipe.config, plugins.registry)
    return Session(plugins, recipe, graph, settings_of(recipe.config))


def _diff(kind: str, locked: dict[str, Any], current: dict[str, Any]) -> list[str]:
    lines = []
    for key in sorted(set(locked) | set(current)):
        old, new = locked.get(key), current.get(key)
        if old != new:
            if isinstance(old, dict) and isinstance(new, dict):
                old = {k: v for k, v in old.items() if new.get(k) != v}
                new = {k: new[k] for k in old}
            lines.append(f"{kind} {key}: {_short(old)} -> {_short(new)}")
    return lines


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:12]
    return str(value)


def check_lock(lock: dict[str, Any], session: Session, cache_root: Path) -> list[str]:
    """Differences between the lock and this environment, one readable line each."""
    current = build_lock(session, cache_root)
    lines = _diff("input", lock.get("inputs", {}), current["inputs"])
    lines += _diff("library", lock.get("libraries", {}), current["libraries"])
    lines += _diff("provider", lock.get("providers", {}), current["providers"])
    if lock.get("ftflow") != current["ftflow"]:
        lines.append(f"ftflow {lock.get('ftflow')} -> {current['ftflow']}")
    return lines
