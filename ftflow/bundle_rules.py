"""What a bundle may hold and name: the reading side of ``ftflow run --bundle``.

A bundle is data.  Reading one follows three rules, each general rather than a list of known attacks:

1. **Members**: only the names ``ftflow bundle`` writes (``bundle.json``, ``lock.json``,
   ``requirements.txt``, one ``recipe/NAME.yaml``, ``datasets/<sha256[:16]>/FILE`` with a data suffix and
   the directories above them), each a plain file or directory, each name once.  Members are streamed to
   disk within a byte budget and a member count (``FTFLOW_BUNDLE_MAX_BYTES``, default 256 MiB;
   ``FTFLOW_BUNDLE_MAX_MEMBERS``, default 256), and a stream that expands more than 200 times its
   compressed size is refused as a compression bomb.  A data file must have the digest its folder names.
2. **Recipe text**: no import keys (``_target_`` ...), no ``hydra`` section, defaults that only reset
   groups, and no unescaped ``${`` anywhere (``${oc.env:SECRET}`` would read the recipient's environment).
3. **What values name** (checked on the composed config, before any file is read): a value that differs
   from the provider's own default and names a network endpoint, an executable, a Python package or a
   model from the Hub, or a data path outside the bundle, is refused unless ``--allow`` names its
   category (``network``, ``exec``, ``package``, ``hub``, ``files``).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import re
import shutil
import tarfile
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import yaml

from ftflow.config.compose import FORBIDDEN_KEYS, _find_forbidden
from ftflow.errors import UserError

META, LOCK, REQUIREMENTS = "bundle.json", "lock.json", "requirements.txt"
DATA_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".parquet", ".pq", ".txt", ".md")
MAX_BYTES_ENV, MAX_MEMBERS_ENV = "FTFLOW_BUNDLE_MAX_BYTES", "FTFLOW_BUNDLE_MAX_MEMBERS"
DEFAULT_MAX_BYTES, DEFAULT_MAX_MEMBERS = 256 * 2**20, 256
MAX_TEXT_BYTES = 8 * 2**20  # bundle.json, lock.json, the recipe, requirements.txt: parsed in memory
MAX_RATIO, RATIO_FLOOR = 200, 16 * 2**20  # expansion refused beyond 200x once past 16 MiB
CATEGORIES = ("network", "exec", "package", "hub", "files")

_SAFE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_FILES = (re.compile(rf"^(bundle\.json|lock\.json|requirements\.txt|recipe/{_SAFE}\.yaml)$"),
          re.compile(rf"^datasets/[0-9a-f]{{16}}/{_SAFE}$"))
_DIRS = re.compile(r"^(recipe|datasets|datasets/[0-9a-f]{16})$")


def _budget(env: str, default: int) -> int:
    try:
        return int(os.environ.get(env) or default)
    except ValueError:
        raise UserError(f"{env}: expected a whole number, got {os.environ[env]!r}") from None


class _Counted:
    """The decompressed stream, refused once it outgrows the byte budget or expands like a bomb."""

    def __init__(self, raw: BinaryIO, stream: BinaryIO, limit: int, bundle: str) -> None:
        self.raw, self.stream, self.limit, self.bundle, self.total = raw, stream, limit, bundle, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else 2**20)
        self.total += len(data)
        if self.total > self.limit:
            raise UserError(f"{self.bundle}: expands beyond {self.limit} bytes ({MAX_BYTES_ENV} sets the budget)")
        packed = max(self.raw.tell(), 1)
        if self.total > RATIO_FLOOR and self.total > MAX_RATIO * packed:
            raise UserError(f"{self.bundle}: expands more than {MAX_RATIO} times its compressed size "
                            f"({packed} -> {self.total}+ bytes); refused as a compression bomb")
        return data


def _check_name(member: tarfile.TarInfo, bundle: str) -> str:
    name = member.name
    where = f"{bundle}: member '{name}'"
    pure = PurePosixPath(name)
    if name.startswith(("/", "\\")) or pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UserError(f"{where} has an absolute path; a bundle holds relative paths only")
    if ".." in pure.parts or "\\" in name:
        raise UserError(f"{where} points outside the bundle ('..' or a backslash); refused")
    if member.issym() or member.islnk():
        raise UserError(f"{where} is a link (to '{member.linkname}'); a bundle holds plain files only")
    if member.isdir():
        kind = "dir"
    elif member.type in (tarfile.REGTYPE, tarfile.AREGTYPE) and not member.issparse():
        kind = "file"
    else:
        raise UserError(f"{where} is a device, pipe or other special file; a bundle holds plain files only")
    clean = pure.as_posix()
    allowed = _DIRS.match(clean) if kind == "dir" else any(p.match(clean) for p in _FILES)
    if not allowed or (kind == "file" and clean.startswith("datasets/") and not clean.endswith(DATA_SUFFIXES)):
        raise UserError(f"{where} is not something a bundle holds (bundle.json, lock.json, requirements.txt, "
                        f"recipe/NAME.yaml, datasets/<digest>/FILE{'|'.join(DATA_SUFFIXES)})")
    return clean


def _open_stream(path: Path, bundle: str, limit: int) -> tuple[BinaryIO, _Counted]:
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    magic = raw.read(2)
    raw.seek(0)
    stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if magic == b"\x1f\x8b" else raw  # type: ignore[assignment]
    return raw, _Counted(raw, stream, limit, bundle)


def extract_members(path: Path, bundle: str, staging: Path) -> dict[str, str]:
    """Stream every member of ``path`` into ``staging`` after checking it; return {name: kind}."""
    limit, max_members = _budget(MAX_BYTES_ENV, DEFAULT_MAX_BYTES), _budget(MAX_MEMBERS_ENV, DEFAULT_MAX_MEMBERS)
    kinds: dict[str, str] = {}
    written = 0
    raw, counted = _open_stream(path, bundle, limit)
    try:
        with raw, tarfile.open(fileobj=counted, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                name = _check_name(member, bundle)
                if len(kinds) >= max_members:
                    raise UserError(f"{bundle}: more than {max_members} members ({MAX_MEMBERS_ENV} sets the limit)")
                kind = "dir" if member.isdir() else "file"
                if name in kinds:
                    clash = "a file and a directory" if kinds[name] != kind else "twice"
                    raise UserError(f"{bundle}: member '{name}' appears {clash}; refused")
                parents = [p.as_posix() for p in PurePosixPath(name).parents if p.as_posix() != "."]
                if any(kinds.get(p) == "file" for p in parents):
                    raise UserError(f"{bundle}: member '{name}' lies under a file of the same name; refused")
                kinds[name] = kind
                target = staging / name
                if kind == "dir":
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                written += member.size
                if written > limit:
                    raise UserError(f"{bundle}: expands beyond {limit} bytes ({MAX_BYTES_ENV} sets the budget)")
                if not name.startswith("datasets/") and member.size > MAX_TEXT_BYTES:
                    raise UserError(f"{bundle}: member '{name}' is {member.size} bytes; metadata is at most "
                                    f"{MAX_TEXT_BYTES}")
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                with open(target, "xb") as handle:
                    if source is not None:
                        shutil.copyfileobj(source, handle, 2**20)
    except UserError:
        raise
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile, ValueError) as exc:
        raise UserError(f"{bundle}: not a readable bundle archive ({type(exc).__name__}: {exc})") from None
    return kinds


# ---------------------------------------------------------------------------------------------- text


def _parse(root: Path, name: str, bundle: str) -> Any:
    where = f"{bundle}: member '{name}'"
    try:
        text = (root / name).read_text(encoding="utf-8")
        if name.endswith(".json"):
            return json.loads(text)
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise UserError(f"{where} line {mark.line + 1}: YAML anchors and aliases are not allowed in a "
                                f"bundle (ftflow writes none; they can expand without bound)")
        return yaml.safe_load(text)
    except (ValueError, RecursionError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UserError(f"{where} is not valid {'JSON' if name.endswith('.json') else 'YAML'}{line}: {first}") from None


def unescaped_interpolation(node: Any, path: str = "") -> str | None:
    """The key path of the first string (key or value) with an OmegaConf ``${`` not escaped as ``\\${``."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            found = unescaped_interpolation(key, sub) if isinstance(key, str) else None
            found = found or unescaped_interpolation(value, sub)
            if found:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = unescaped_interpolation(value, f"{path}[{i}]")
            if found:
                return found
    elif isinstance(node, str):
        for match in re.finditer(r"(\\*)\$\{", node):
            if len(match.group(1)) % 2 == 0:
                return path or "(root)"
    return None


def check_text(root: Path, kinds: dict[str, str], bundle: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Parse and check every metadata member; return (bundle.json, lock.json or None)."""
    from ftflow.lock import validate_lock

    if kinds.get(META) != "file":
        raise UserError(f"{bundle}: no {META}; not an ftflow bundle")
    meta = _parse(root, META, bundle)
    if not isinstance(meta, dict) or meta.get("ftflow_bundle") != 1:
        raise UserError(f"{bundle}: unsupported bundle format (this ftflow reads format 1)")
    recipe = meta.get("recipe")
    recipes = [n for n in kinds if n.startswith("recipe/") and kinds[n] == "file"]
    if not isinstance(recipe, str) or recipes != [f"recipe/{recipe}.yaml"]:
        raise UserError(f"{bundle}: {META} names recipe '{recipe}', but the bundle holds "
                        f"{', '.join(recipes) or 'no recipe'}; a bundle holds exactly its one recipe")
    requirements = meta.get("requirements", [])
    pattern = re.compile(rf"^{_SAFE}(==[A-Za-z0-9.+!_-]+)?$")
    if not isinstance(requirements, list) or not all(isinstance(r, str) and pattern.match(r) for r in requirements):
        raise UserError(f"{bundle}: {META} 'requirements' must be a list of 'package==version' strings")
    for name in (n for n in kinds if kinds[n] == "file"):
        if name.startswith("datasets/"):
            digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
            if not digest.startswith(name.split("/")[1]):
                raise UserError(f"{bundle}: member '{name}' does not have the digest its folder names")
            continue
        if not name.endswith((".json", ".yaml")):
            continue
        data = _parse(root, name, bundle)
        forbidden = _find_forbidden(data)
        if forbidden:
            raise UserError(f"{bundle}: member '{name}': key '{forbidden[0]}' is not allowed (bundles are data: "
                            f"no {', '.join(FORBIDDEN_KEYS)})")
        if name.startswith("recipe/"):
            _check_recipe(data, f"{bundle}: member '{name}'")
    lock = None
    if kinds.get(LOCK) == "file":
        lock = validate_lock(_parse(root, LOCK, bundle), f"{bundle}: member '{LOCK}'")
    return meta, lock


def _check_recipe(data: Any, where: str) -> None:
    if not isinstance(data, dict):
        raise UserError(f"{where}: a recipe is a mapping of keys")
    if "hydra" in data:
        raise UserError(f"{where}: a bundled recipe may not configure hydra")
    defaults = data.get("defaults") or []
    if not isinstance(defaults, list):
        raise UserError(f"{where}: defaults must be a list")
    for item in defaults:
        if not (isinstance(item, dict) and len(item) == 1 and str(next(iter(item))).startswith("override /")
                and next(iter(item.values())) is None):
            raise UserError(f"{where}: defaults entry {item!r} is not allowed; a bundled recipe only "
                            f"resets groups ('override /GROUP: null')")
    found = unescaped_interpolation({k: v for k, v in data.items() if k != "defaults"})
    if found:
        raise UserError(f"{where}: '{found}' holds an unescaped '${{' (an interpolation such as ${{oc.env:...}} "
                        f"would read the recipient's environment); bundles are data")


# ---------------------------------------------------------------------------------------------- values

_NAME_RULES = (  # (category, leaf-key pattern); values are checked too (see _value_category)
    ("network", re.compile(r"(^|_)(url|urls|uri|endpoint|host|hostname|address|addr|server|proxy)$")),
    ("exec", re.compile(r"(^|_)(python|interpreter|executable|exe|binary|bin|command|cmd|program|script|shell)$")),
    ("package", re.compile(r"(^|_)(package|packages|module|modules|distribution|plugin|plugins)$")),
    ("hub", re.compile(r"(^|_)(model|model_id|repo|repo_id|hub_id|name_or_path|pretrained|embedder|tokenizer"
                       r"|tokenizer_dir|revision)$")),
)


def _value_category(value: str) -> str | None:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        return "files" if value.lower().startswith("file://") else "network"
    return None


def _category(section: str, leaf: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    by_value = _value_category(value)
    if by_value:
        return by_value
    for category, pattern in _NAME_RULES:
        if pattern.search(leaf):
            return category
    if section == "model" and leaf in ("path", "name"):
        return "hub"  # a model provider's path: a host directory or a Hub id, never bundle data
    return None


def _walk(section: str, value: Any, default: Any, path: str, leaf: str, out: list[tuple[str, str, Any]]) -> None:
    if value == default:
        return  # the recipient's own provider default, not something the bundle chose
    if isinstance(value, dict):
        base = default if isinstance(default, dict) else {}
        for key, sub in value.items():
            _walk(section, sub, base.get(key), f"{path}.{key}", str(key), out)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            _walk(section, sub, None, f"{path}[{i}]", leaf, out)
    else:
        category = _category(section, leaf, value)
        if category:
            out.append((category, path, value))


def _defaults(config_cls: type) -> dict[str, Any]:
    try:
        return dataclasses.asdict(config_cls())
    except TypeError:  # a field without a default: every value is the bundle's choice
        return {}


def named_capabilities(session: Any, root: Path | None) -> list[tuple[str, str, Any]]:
    """(category, key, value) of every value in the session's recipe that needs ``--allow`` to run."""
    from ftflow.config.paths import resolve_data_path
    from ftflow.pipeline import COMPONENT_KINDS, SLOTS

    config = session.recipe.config
    group_of = {slot.name: slot.group for slot in SLOTS}
    found: list[tuple[str, str, Any]] = []
    for stage in session.graph:
        group = group_of.get(stage.name, stage.name)
        sections = [(group, stage.info.cls.Config)] + [
            (name, comp.info.cls.Config) for name, comp in stage.components.items() if name in COMPONENT_KINDS]
        for name, config_cls in sections:
            section = config.get(name)
            raw = {k: v for k, v in section.items() if k != "provider"} if isinstance(section, dict) else {}
            _walk(name, raw, _defaults(config_cls), name, name, found)
    for stage in session.graph if root is not None else []:
        group = group_of.get(stage.name, stage.name)
        leaves = _strings(config.get(group))
        try:
            external = stage.provider.external_inputs(stage.config)
        except UserError:
            continue  # it names something missing: reported when the stage is keyed, after this check
        for key, value in external.items():
            if str(value) not in leaves:
                continue  # derived from another key (a package's file): that key is checked above
            try:
                path = resolve_data_path(str(value), session.recipe.dirs, f"{group}.{key}")
            except UserError:
                path = Path(str(value)).expanduser()
            if not path.resolve().is_relative_to(root.resolve()):
                found.append(("files", f"{group}.{key}", str(value)))
    unique = {(c, k): (c, k, v) for c, k, v in found}
    return list(unique.values())


def _strings(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_strings(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_strings(v) for v in node)) if node else set()
    return {node} if isinstance(node, str) else set()


def parse_allow(values: list[str] | None) -> set[str]:
    allowed = {part.strip() for value in values or [] for part in value.split(",") if part.strip()}
    unknown = sorted(allowed - set(CATEGORIES))
    if unknown:
        raise UserError(f"--allow: unknown category '{unknown[0]}' (choices: {', '.join(CATEGORIES)})")
    return allowed


WHAT = {"network": "a network endpoint", "exec": "an executable", "package": "a Python package",
        "hub": "a model from the Hub or a host directory", "files": "a file outside the bundle"}


def check_capabilities(session: Any, root: Path | None, allowed: set[str], source: str) -> None:
    """Refuse values that name code, executables, endpoints, packages, models or host files, unless allowed."""
    refused = [(c, k, v) for c, k, v in named_capabilities(session, root) if c not in allowed]
    if refused:
        listed = "; ".join(f"{k}={v!s:.80} is {WHAT[c]}" for c, k, v in refused)
        categories = ",".join(sorted({c for c, _, _ in refused}, key=CATEGORIES.index))
        what = "a lock file" if root is None else "a bundle"
        raise UserError(f"{source}: {listed} — {what} is data; rerun with --allow {categories} to accept")
