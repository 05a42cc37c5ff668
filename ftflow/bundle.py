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

``ftflow run --bundle FILE`` checks every member before anything is written (a bundle is data only:
no links, no device files, no absolute or ``..`` paths, no ``_target_``-style keys), extracts it to
``<workspace>/bundles/<digest>/``, adds that as a recipe directory, runs its recipe and refuses drift
from the lock unless ``--allow-drift``.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

import ftflow
from ftflow.cache.digests import DigestCache, sha256_file
from ftflow.config.compose import FORBIDDEN_KEYS, _find_forbidden
from ftflow.config.paths import resolve_data_path
from ftflow.errors import UserError
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
        for name, value in stage.provider.external_inputs(stage.config).items():
            key = f"{stage.name}.{name}"
            path = resolve_data_path(str(value), session.recipe.dirs, key)
            entry: dict[str, Any] = {"key": key, "path": str(value), "sha256": digests.digest(path), "member": None}
            group = config.get(group_of.get(stage.name, stage.name))
            if include and path.is_file() and isinstance(group, dict | list):
                member = f"datasets/{entry['sha256'][:16]}/{path.name}"
                if _replace_strings(group, str(value), member):
                    (root / member).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, root / member)
                    entry["member"] = member
            entries.append(entry)
    return entries


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
    """A reproducible archive: sorted members, no owners, no timestamps."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = tarfile.TarInfo(path.relative_to(root).as_posix())
            info.size, info.mode, info.mtime = path.stat().st_size, 0o644, 0
            with open(path, "rb") as handle:
                tar.addfile(info, handle)
    partial.replace(output)


# ---------------------------------------------------------------------------------------------- reading


def _check_member(member: tarfile.TarInfo, bundle: str) -> None:
    name = member.name
    where = f"{bundle}: member '{name}'"
    pure = PurePosixPath(name)
    if name.startswith(("/", "\\")) or pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UserError(f"{where} has an absolute path; a bundle holds relative paths only")
    if ".." in pure.parts or "\\" in name:
        raise UserError(f"{where} points outside the bundle ('..' or a backslash); refused")
    if member.issym() or member.islnk():
        raise UserError(f"{where} is a link (to '{member.linkname}'); a bundle holds plain files only")
    if not (member.isfile() or member.isdir()):
        raise UserError(f"{where} is a device, pipe or other special file; a bundle holds plain files only")


def _check_data(name: str, text: bytes, bundle: str) -> Any:
    """Parse a YAML or JSON member and refuse import keys anywhere in it."""
    where = f"{bundle}: member '{name}'"
    try:
        data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UserError(f"{where} is not valid {'JSON' if name.endswith('.json') else 'YAML'}: "
                        f"{str(exc).splitlines()[0]}") from None
    forbidden = _find_forbidden(data)
    if forbidden:
        raise UserError(f"{where}: key '{forbidden[0]}' is not allowed (bundles are data: no "
                        f"{', '.join(FORBIDDEN_KEYS)})")
    if name.startswith("recipe/") and isinstance(data, dict):
        if "hydra" in data:
            raise UserError(f"{where}: a bundled recipe may not configure hydra")
        for item in data.get("defaults") or []:
            if not (isinstance(item, dict) and len(item) == 1 and str(next(iter(item))).startswith("override /")
                    and next(iter(item.values())) is None):
                raise UserError(f"{where}: defaults entry {item!r} is not allowed; a bundled recipe only "
                                f"resets groups ('override /GROUP: null')")
    return data


def _read_members(path: Path, bundle: str) -> dict[str, bytes | None]:
    """Every member's bytes (None for directories), after every member has passed the checks."""
    try:
        with tarfile.open(path, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, bundle)
            out: dict[str, bytes | None] = {}
            for member in members:
                name = PurePosixPath(member.name).as_posix()
                if member.isdir():
                    out.setdefault(name, None)
                    continue
                handle = tar.extractfile(member)
                out[name] = handle.read() if handle else b""
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise UserError(f"{bundle}: not a readable bundle archive ({exc})") from None
    for name, text in out.items():
        if text is not None and name.endswith((".yaml", ".yml", ".json")):
            _check_data(name, text, bundle)
    return out


def open_bundle(bundle: str, workspace: Workspace | None = None) -> tuple[Path, dict[str, Any]]:
    """Check and extract ``bundle`` into ``<workspace>/bundles/<digest>/``; return that dir and its metadata."""
    path = Path(bundle).expanduser()
    if not path.is_file():
        raise UserError(f"--bundle: {bundle} not found")
    members = _read_members(path, bundle)
    raw_meta = members.get(META)
    if not raw_meta:
        raise UserError(f"{bundle}: no {META}; not an ftflow bundle")
    meta = json.loads(raw_meta)
    if not isinstance(meta, dict) or meta.get("ftflow_bundle") != BUNDLE_FORMAT:
        raise UserError(f"{bundle}: unsupported bundle format (this ftflow reads format {BUNDLE_FORMAT})")
    recipe = str(meta.get("recipe", ""))
    if not recipe or "/" in recipe or members.get(f"recipe/{recipe}.yaml") is None:
        raise UserError(f"{bundle}: {META} names recipe '{recipe}', which the bundle does not contain")
    workspace = workspace or Workspace()
    dest = workspace.root / "bundles" / sha256_file(path)[:16]
    if not (dest / META).exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
        for name, data in members.items():
            target = staging / name
            if data is None:
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                shutil.copyfileobj(io.BytesIO(data), handle)
        try:
            staging.rename(dest)
        except OSError:  # another run extracted the same bundle meanwhile
            shutil.rmtree(staging, ignore_errors=True)
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


def bundle_session(bundle: str, overrides: list[str], cli_dirs: list[str], allow_drift: bool) -> Session:
    """Open the bundle's recipe like any recipe, then compare this environment with its lock."""
    from ftflow.lock import check_lock

    picked = [o for o in overrides if o.startswith("recipe=")]
    if picked:
        raise UserError(f"--bundle runs the bundle's own recipe; drop {picked[0]}")
    root, meta = open_bundle(bundle)
    _check_requirements(meta, bundle)
    session = open_session([f"recipe={meta['recipe']}", *overrides], [*cli_dirs, str(root)])
    lock_file = root / str(meta.get("lock") or LOCK)
    if lock_file.is_file():
        drift = check_lock(json.loads(lock_file.read_text()), session, Workspace().cache_dir)
        if drift and not allow_drift:
            raise UserError(f"{bundle}: this environment differs from the bundle's lock (--allow-drift runs "
                            f"anyway): " + "; ".join(drift))
        for line in drift:
            print(f"drift accepted: {line}")
    print(f"bundle {bundle}: recipe {meta.get('source_recipe')} ({meta['recipe']}), extracted to {root}",
          file=sys.stderr)
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
