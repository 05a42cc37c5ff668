"""Cache keys: a hash of everything that can change a stage's output, and nothing else.

Key = sha256 of the *key payload*: provider kind/name/version, the provider's code fingerprint, the stage's
validated config (defaults filled in, less its ``reader_settings``), its components (same fields), the
seed, what it reads of each input artifact, the digests of external files (by content, not by name), and
the installed versions of the libraries it declares.

What a stage reads of an input is its *view* of it: the whole artifact's digest, or — where the provider
declares a ``Part`` — the digests of the matching files and the named metadata values.  Either way the
upstream stage's reader settings join the view.  The payload is kept in the cache entry, so ``ftflow plan``
can say which of these changed (``explain``).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib.util
import inspect
import json
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ftflow.cache.digests import DigestCache
from ftflow.config.paths import resolve_data_path
from ftflow.graph import Stage
from ftflow.provider import Part, ProviderInfo, read_parts


@cache
def _top_level(top: str) -> tuple[Path | None, tuple[Path, ...]]:
    """A top-level module's file and, for a package, its directories (finding a top-level name imports
    nothing).  A script run as ``__main__`` has no spec; its file is the one it was run from."""
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):  # ValueError: ``__main__`` of a script, ``__spec__`` is None
        spec = None
    if spec is None:
        file = getattr(sys.modules.get(top), "__file__", None)
        return (Path(file) if file and file.endswith(".py") else None), ()
    origin = Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    return origin, tuple(Path(p) for p in spec.submodule_search_locations or ())


@cache
def _module_path(name: str) -> Path | None:
    """The source file of module ``name``, found on disk (nothing is imported); None where ``name`` is no
    module with Python source (an attribute, a compiled extension)."""
    top, *rest = name.split(".")
    origin, dirs = _top_level(top)
    if not rest:
        return origin
    return next((c for d in dirs for c in (d.joinpath(*rest).with_suffix(".py"), d.joinpath(*rest, "__init__.py"))
                 if c.is_file()), None)


@cache
def _module_imports(name: str) -> frozenset[str]:
    """The modules ``name``'s source imports, anywhere in it (lazy imports inside functions count).
    ``from pkg import x`` names the module ``pkg.x`` where there is one, else ``pkg`` itself."""
    path = _module_path(name)
    if path is None:
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                parts = parts[: len(parts) - node.level + (1 if path.name == "__init__.py" else 0)]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                own = base.split(".")[0] == name.split(".")[0]  # other packages' modules are not followed
                names.add(sub if own and _module_path(sub) is not None else base)
    return frozenset(names)


@cache
def code_files(cls: type) -> tuple[Path, ...]:
    """The source files a provider's behaviour depends on: its module, the modules it declares in
    ``code_modules``, and every module these import from their own top-level package, transitively.

    A sibling module that nothing here imports (``grpo.py`` for the SFT provider) is left out, so editing
    it re-keys only its own stages.  Importing a package (``from pkg import x`` where ``x`` is not a
    module) pulls in its ``__init__``, and with it whatever that imports."""
    files: set[Path] = set()
    seen: set[str] = set()
    todo = [(name, name.split(".")[0]) for name in (cls.__module__, *getattr(cls, "code_modules", ()))]
    while todo:
        name, top = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_path(name)
        if path is not None:
            files.add(path)
            todo += [(n, top) for n in _module_imports(name) if n.split(".")[0] == top and n not in seen]
    return tuple(sorted(files))


@cache
def code_fingerprint(cls: type) -> str:
    """Hash of ``code_files(cls)``: the provider's module and the modules of its package it uses."""
    if inspect.getsourcefile(cls) is None:
        return "no-source"
    digest = hashlib.sha256()
    for path in code_files(cls):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def library_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def reader_settings(stage: Stage) -> dict[str, Any]:
    """The stage's config fields that its readers (not the stage itself) depend on."""
    return {f: _plain(getattr(stage.config, f)) for f in stage.info.cls.reader_settings}


def input_view(files: dict[str, str], meta: dict[str, Any], digest: str, part: Part | None,
               settings: dict[str, Any]) -> dict[str, Any]:
    """What a reader sees of one input artifact (``files``: relative path -> sha256, ``meta``: the provider's
    metadata, ``digest``: the whole artifact's): all of it, or only ``part``; plus the upstream's settings."""
    view: dict[str, Any] = {"artifact": digest} if part is None else {
        "files": {rel: d for rel, d in sorted(files.items()) if part.matches(rel)},
        "metadata": {k: meta.get(k) for k in part.metadata},
    }
    if settings:
        view["settings"] = settings
    return view


def input_views(stage: Stage, upstream: dict[str, Any], upstream_stages: dict[str, Stage]) -> dict[str, Any]:
    """Input name -> the stage's view of that upstream entry (``meta`` with files, metadata and digest); an
    input it reads nothing of (``part()``) needs no entry, so ``plan`` knows the key before that stage runs."""
    _, parts = read_parts(stage.provider, stage.config)
    views = {}
    for name in sorted(set(upstream) | {n for n in upstream_stages if n in parts and parts[n].empty}):
        entry = upstream.get(name)  # absent only where the stage reads nothing of it
        settings = reader_settings(upstream_stages[name]) if name in upstream_stages else {}
        views[name] = input_view(entry.meta.get("files", {}) if entry else {},
                                 entry.meta.get("metadata", {}) if entry else {}, entry.digest if entry else "",
                                 parts.get(name), settings)
    return views


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def _provider_part(info: ProviderInfo, config: Any, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "provider": [info.kind, info.name, info.version],
        "code": code_fingerprint(info.cls),
        "config": {k: v for k, v in dataclasses.asdict(config).items() if k not in leave_out},
        "libraries": {d: library_version(d) for d in info.cls.libraries},
    }


@dataclasses.dataclass(frozen=True)
class ExternalInput:
    """A file or directory outside the cache that a stage reads (``Provider.external_inputs``)."""

    key: str  # ``<stage>.<name>``: how errors, lock files and bundles name it
    name: str
    value: str  # as the provider returned it (a recipe value, usually)
    path: Path  # resolved like a data path: current directory, then the recipe dirs
    sha256: str  # its content digest (a directory's: over its files)


def external_inputs(stage: Stage, recipe_dirs: list[Path], digests: DigestCache) -> list[ExternalInput]:
    """The stage's external inputs, resolved and digested: the one place the runner's keys, ``ftflow lock``
    and bundles take them from, so the three always agree on a file's path and digest."""
    out = []
    for name, value in stage.provider.external_inputs(stage.config).items():
        key = f"{stage.name}.{name}"
        path = resolve_data_path(str(value), recipe_dirs, key)
        out.append(ExternalInput(key, name, str(value), path, digests.digest(path)))
    return out


def key_payload(stage: Stage, seed: int, inputs: dict[str, Any], external_digests: dict[str, str]) -> dict[str, Any]:
    """Everything the key covers; ``inputs`` maps input name -> view (``input_view``) or digest."""
    return {
        "stage": stage.name,
        **_provider_part(stage.info, stage.config, stage.info.cls.reader_settings),
        "components": {n: _provider_part(c.info, c.config) for n, c in sorted(stage.components.items())},
        "seed": seed,
        "inputs": dict(sorted(inputs.items())),
        "external": dict(sorted(external_digests.items())),
    }


def digest_payload(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def stage_key(stage: Stage, seed: int, inputs: dict[str, Any], external_digests: dict[str, str]) -> str:
    return digest_payload(key_payload(stage, seed, inputs, external_digests))


# -- why a key changed ------------------------------------------------------------------------------
def explain(old: dict[str, Any], new: dict[str, Any], section: str, *, inputs_known: bool = True) -> list[str]:
    """One short line per difference between two key payloads of a stage, config keys named as in the
    recipe (``section`` is the stage's recipe section).  With ``inputs_known=False`` (an upstream stage
    must run first) inputs are not compared."""
    reasons: list[str] = []
    if old.get("provider") != new.get("provider"):
        reasons.append(f"provider {_fmt(old.get('provider'))} -> {_fmt(new.get('provider'))}")
    elif old.get("code") != new.get("code"):
        reasons.append("provider code changed")
    reasons += [f"config {section}.{k}: {_fmt(a)} -> {_fmt(b)}"
                for k, a, b in _changed(old.get("config", {}), new.get("config", {}))]
    for name in sorted(set(old.get("components", {})) | set(new.get("components", {}))):
        a, b = old.get("components", {}).get(name), new.get("components", {}).get(name)
        if a is None or b is None:
            reasons.append(f"component {name} {'added' if a is None else 'removed'}")
            continue
        reasons += [f"component {name} config {k}: {_fmt(x)} -> {_fmt(y)}"
                    for k, x, y in _changed(a.get("config", {}), b.get("config", {}))]
        if a.get("provider") != b.get("provider") or a.get("code") != b.get("code"):
            reasons.append(f"component {name} code or version changed")
        reasons += [f"library {d} {x} -> {y}" for d, x, y in _changed(a.get("libraries", {}), b.get("libraries", {}))]
    reasons += [f"library {d} {a} -> {b}" for d, a, b in _changed(old.get("libraries", {}), new.get("libraries", {}))]
    if old.get("seed") != new.get("seed"):
        reasons.append(f"seed {old.get('seed')} -> {new.get('seed')}")
    for name, a, b in _changed(old.get("external", {}), new.get("external", {}), flat=False):
        reasons.append(f"file {section}.{name} " + ("added" if a is None else "removed" if b is None
                                                   else "content changed"))
    if inputs_known:
        for name, a, b in _changed(old.get("inputs", {}), new.get("inputs", {}), flat=False):
            reasons.append(_input_reason(name, a, b))
    return reasons


def _input_reason(name: str, old: Any, new: Any) -> str:
    if old is None or new is None:
        return f"input {name} {'added' if old is None else 'removed'}"
    if not isinstance(old, dict) or not isinstance(new, dict) or ("artifact" in old) != ("artifact" in new):
        return f"input {name} changed"
    what = [f"setting {k}: {_fmt(a)} -> {_fmt(b)}"
            for k, a, b in _changed(old.get("settings", {}), new.get("settings", {}))]
    if "files" in new:
        what += [f"metadata {k}: {_fmt(a)} -> {_fmt(b)}"
                 for k, a, b in _changed(old.get("metadata", {}), new.get("metadata", {}))]
        what += [f"{rel} {'added' if a is None else 'removed' if b is None else 'changed'}"
                 for rel, a, b in _changed(old.get("files", {}), new.get("files", {}), flat=False)]
    elif old.get("artifact") != new.get("artifact"):
        what.append("artifact content changed")
    return f"input {name}: " + ", ".join(what[:4]) + (f" (+{len(what) - 4} more)" if len(what) > 4 else "")


def _changed(old: dict[str, Any], new: dict[str, Any], flat: bool = True) -> list[tuple[str, Any, Any]]:
    """(dotted key, old, new) for every leaf that differs; nested mappings are walked when ``flat``."""
    out = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if flat and isinstance(a, dict) and isinstance(b, dict):
            out += [(f"{key}.{k}", x, y) for k, x, y in _changed(a, b)]
        elif flat and isinstance(a, list) and isinstance(b, list) and len(a) == len(b):  # data.sources[1].weight
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                if isinstance(x, dict) and isinstance(y, dict):
                    out += [(f"{key}[{i}].{k}", p, q) for k, p, q in _changed(x, y)]
                elif x != y:
                    out.append((f"{key}[{i}]", x, y))
        else:
            out.append((str(key), a, b))
    return out


def _fmt(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
