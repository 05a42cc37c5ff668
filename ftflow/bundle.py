"""Recipe bundles: one ``.tar.gz`` that carries a composed recipe to another checkout or machine.

``ftflow bundle recipe=NAME [overrides] -o FILE.tar.gz`` writes:

* ``recipe/<name>-bundle-<hash>.yaml`` — the fully resolved config as one ``# @package _global_``
  overlay that resets every config group (``override /group: null``), so it composes to the same
  config wherever it runs, whatever that checkout's defaults or user options are;
* ``datasets/<sha256[:16]>/<file>`` — the data files the recipe names (their config paths are
  rewritten to these content-addressed names, which no other recipe dir or working directory shadows);
  with ``--no-data`` only their digests are recorded and the original paths are kept;
* ``lock.json`` — the lock of the bundled recipe (``ftflow.lock``): versions, provider code, digests;
* ``requirements.txt`` — the non-built-in plugin packages the recipe's providers come from;
* ``bundle.json`` — what the bundle holds.

``ftflow run --bundle FILE [--allow CATEGORIES]`` reads it as data (the rules are in
``ftflow.bundle_rules``: a whitelist of members streamed within a budget, recipe text without
interpolations or import keys, and values that name endpoints, executables, packages, Hub models or host
files refused unless ``--allow`` names their category), extracts it to ``<workspace>/bundles/<digest>/``,
adds that as a recipe directory, runs its recipe and refuses drift from the lock unless ``--allow-drift``.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
import shutil
import sys
import tarfile
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

import ftflow
from ftflow.cache.digests import DigestCache, sha256_file
from ftflow.errors import UserError
from ftflow.keys import external_inputs
from ftflow.pipeline import SLOTS
from ftflow.plugin.manager import load_plugins
from ftflow.session import Session, open_session
from ftflow.workspace import Workspace

BUNDLE_FORMAT = 1
META = "bundle.json"
LOCK = "lock.json"
BUILTIN_PACKAGE = "ftflow"


# ---------------------------------------------------------------------------------------------- writing


def _replace_strings(node: Any, old: str, new: str) -> int:
    """Replace string leaves equal to ``old`` in place; return how many were replaced."""
    count = 0
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in list(items):
        if value == old:
            node[key] = new
            count += 1
        elif isinstance(value, dict | list):
            count += _replace_strings(value, old, new)
    return count


def _escape_interpolations(node: Any) -> Any:
    """The config is already resolved: a literal ``${`` must not be interpolated again by OmegaConf."""
    if isinstance(node, dict):
        return {k: _escape_interpolations(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_escape_interpolations(v) for v in node]
    if isinstance(node, str) and "${" in node:
        return node.replace("${", "\\${")
    return node


def _collect_data(session: Session, config: dict[str, Any], root: Path, include: bool,
                  digests: DigestCache) -> list[dict[str, Any]]:
    """Copy each external input file into ``root/datasets`` and point the config at the copy."""
    group_of = {slot.name: slot.group for slot in SLOTS}
    entries = []
    for stage in session.graph:
        for external in external_inputs(stage, session.recipe.dirs, digests):
            path, value = external.path, external.value
            entry: dict[str, Any] = {"key": external.key, "path": value, "sha256": external.sha256, "member": None}
            group = config.get(group_of.get(stage.name, stage.name))
            if include and path.is_file() and isinstance(group, dict | list) and _contains(group, value):
                member = f"datasets/{entry['sha256'][:16]}/{_member_name(path, external.key)}"
                if _replace_strings(group, value, member):
                    (root / member).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, root / member)
                    entry["member"] = member
            entries.append(entry)
    return entries


def _contains(node: Any, text: str) -> bool:
    """Whether a string leaf of ``node`` equals ``text`` (a data path the recipe itself names)."""
    if isinstance(node, dict):
        return any(_contains(v, text) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, text) for v in node)
    return node == text


def _member_name(path: Path, key: str) -> str:
    """The file's name as a bundle member: safe characters only, and a suffix readers accept."""
    from ftflow.bundle_rules import DATA_SUFFIXES

    if not path.name.lower().endswith(DATA_SUFFIXES):
        raise UserError(f"bundle: {key} is {path.name}; a bundle carries data files ({', '.join(DATA_SUFFIXES)}) "
                        f"only (--no-data records its digest instead)")
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem).lstrip("._-")[:100] or "data"
    return stem + path.suffix.lower()


def _requirements(session: Session) -> list[str]:
    """``package==version`` of every non-built-in package whose providers this recipe's graph uses."""
    found = set()
    for stage in session.graph:
        for info in [stage.info, *(c.info for c in stage.components.values())]:
            if info.package != BUILTIN_PACKAGE:
                found.add(info.package if info.package_version == "?" else f"{info.package}=={info.package_version}")
    return sorted(found)


def _recipe_text(config: dict[str, Any], groups: list[str], source: str, overrides: list[str]) -> str:
    header = (f"# @package _global_\n# ftflow bundle of {' '.join(overrides) or source}, made with ftflow "
              f"{ftflow.__version__}.\n# Self-contained: every group is reset here and set below.\n")
    body = {"defaults": [{f"override /{g}": None} for g in groups], **_escape_interpolations(config)}
    return header + yaml.safe_dump(body, sort_keys=False)


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
    return path or "(root)"


def make_bundle(overrides: list[str], cli_dirs: list[str], output: str, include_data: bool = True) -> dict[str, Any]:
    """Compose, collect data and lock the recipe, then write ``output``; return the bundle's metadata."""
    from ftflow.lock import build_lock

    target = Path(output).expanduser()
    if not target.parent.is_dir():  # before any work: the whole point is the file
        raise UserError(f"bundle -o: directory {target.parent} does not exist")
    plugins = load_plugins()
    session = open_session(overrides, cli_dirs, plugins)
    workspace = Workspace()
    digests = DigestCache(workspace.cache_dir / "digests.json")
    config = copy.deepcopy(session.recipe.config)
    with tempfile.TemporaryDirectory(prefix="ftflow-bundle-") as tmp:
        root = Path(tmp)
        data = _collect_data(session, config, root, include_data, digests)
        digests.save()
        canonical = json.dumps(config, sort_keys=True, default=str).encode()
        name = f"{session.recipe.name}-bundle-{hashlib.sha256(canonical).hexdigest()[:8]}"
        groups = sorted(k for k in session.recipe.choices if k != "recipe")
        (root / "recipe").mkdir()
        (root / "recipe" / f"{name}.yaml").write_text(_recipe_text(config, groups, session.recipe.name, overrides))
        # Recompose the bundle as a reader will: it must give exactly the config that was bundled.
        bundled = open_session([f"recipe={name}"], [*cli_dirs, str(root)], plugins)
        if bundled.recipe.config != config:
            key = _first_difference(config, bundled.recipe.config)
            raise UserError(f"bundle: the bundled recipe does not recompose to the same config (at {key})")
        (root / LOCK).write_text(json.dumps(build_lock(bundled, workspace.cache_dir), indent=2) + "\n")
        requirements = _requirements(session)
        (root / "requirements.txt").write_text(
            f"# plugin packages that recipe={session.recipe.name} uses; install them before "
            f"`ftflow run --bundle` (made with ftflow {ftflow.__version__})\n" + "".join(f"{r}\n" for r in requirements))
        meta = {"ftflow_bundle": BUNDLE_FORMAT, "recipe": name, "source_recipe": session.recipe.name,
                "overrides": list(overrides), "ftflow": ftflow.__version__, "data": data,
                "requirements": requirements, "lock": LOCK}
        (root / META).write_text(json.dumps(meta, indent=2) + "\n")
        _write_tar(root, Path(output))
    return meta


def _write_tar(root: Path, output: Path) -> None:
    """A reproducible archive: sorted members, no owners, no timestamps; written whole or not at all."""
    partial = output.with_name(f".{output.name}.partial")
    try:
        with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                info = tarfile.TarInfo(path.relative_to(root).as_posix())
                info.size, info.mode, info.mtime = path.stat().st_size, 0o644, 0
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"bundle -o: cannot write {output} ({exc.strerror or exc})") from None
    except BaseException:  # Ctrl-C or SIGTERM: no half-written file stays behind
        partial.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------- reading


def open_bundle(bundle: str, workspace: Workspace | None = None) -> tuple[Path, dict[str, Any]]:
    """Check and extract ``bundle`` into ``<workspace>/bundles/<digest>/``; return that dir and its metadata.

    Every member is checked and streamed into a staging folder (``ftflow.bundle_rules``); only a bundle
    that passes every rule is renamed into place, so a refused one leaves nothing behind.
    """
    from ftflow.bundle_rules import check_text, extract_members

    path = Path(bundle).expanduser()
    if not path.is_file():
        raise UserError(f"--bundle: {bundle} not found")
    workspace = workspace or Workspace()
    parent = workspace.root / "bundles"
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=parent))
    try:
        kinds = extract_members(path, bundle, staging)
        meta, _ = check_text(staging, kinds, bundle)
        dest = parent / sha256_file(path)[:16]
        if (dest / META).exists():
            shutil.rmtree(staging)
        else:
            try:
                staging.rename(dest)
            except OSError:  # another run extracted the same bundle meanwhile
                shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            parent.rmdir()  # only when empty: no trace of a refused bundle
        raise
    return dest, meta


def _check_requirements(meta: dict[str, Any], bundle: str) -> None:
    missing = []
    for requirement in meta.get("requirements", []):
        package = str(requirement).split("==", 1)[0]
        try:
            version(package)
        except PackageNotFoundError:
            missing.append(str(requirement))
    if missing:
        raise UserError(f"{bundle}: needs plugin packages that are not installed: {', '.join(missing)} "
                        f"(pip install {' '.join(missing)})")


def bundle_session(bundle: str, overrides: list[str], cli_dirs: list[str], allow_drift: bool,
                   allow: list[str] | None = None) -> Session:
    """Open the bundle's recipe like any recipe, refuse what it names without ``--allow``, then compare
    this environment with its lock."""
    from ftflow.bundle_rules import check_capabilities, parse_allow
    from ftflow.lock import check_lock, validate_lock

    allowed = parse_allow(allow)
    picked = [o for o in overrides if o.startswith("recipe=")]
    if picked:
        raise UserError(f"--bundle runs the bundle's own recipe; drop {picked[0]}")
    root, meta = open_bundle(bundle)
    _check_requirements(meta, bundle)
    session = open_session([f"recipe={meta['recipe']}", *overrides], [*cli_dirs, str(root)])
    check_capabilities(session, root, allowed, bundle)
    lock_file = root / LOCK
    if lock_file.is_file():
        lock = validate_lock(json.loads(lock_file.read_text()), f"{bundle}: member '{LOCK}'")
        drift = check_lock(lock, session, Workspace().cache_dir)
        if drift and not allow_drift:
            raise UserError(f"{bundle}: this environment differs from the bundle's lock (--allow-drift runs "
                            f"anyway): " + "; ".join(drift))
        for line in drift:
            print(f"drift accepted: {line}")
    source = meta.get("source_recipe")
    source = source if isinstance(source, str) and re.fullmatch(r"[\w.-]{1,128}", source) else "?"
    print(f"bundle {bundle}: recipe {source} ({meta['recipe']}), extracted to {root}", file=sys.stderr)
    return session


def cmd_bundle(overrides: list[str], cli_dirs: list[str], output: str, no_data: bool) -> int:
    meta = make_bundle(overrides, cli_dirs, output, include_data=not no_data)
    copied = sum(1 for d in meta["data"] if d["member"])
    by_digest = [d["key"] for d in meta["data"] if not d["member"]]
    print(f"bundled recipe={meta['source_recipe']} as {meta['recipe']}: {copied} data files"
          + (f", by digest only: {', '.join(by_digest)}" if by_digest else "")
          + f"; plugin packages: {', '.join(meta['requirements']) or 'built-in only'} -> {output}")
    print(f"run it anywhere with: ftflow run --bundle {output}")
    return 0
