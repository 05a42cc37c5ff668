"""Compose a recipe with Hydra and turn every composition problem into a one-line error."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.config.paths import builtin_recipes_dir
from ftflow.errors import ConfigError, UserError

#: Keys that would make a recipe executable instead of data.
FORBIDDEN_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")


@dataclasses.dataclass
class Recipe:
    """A composed recipe: plain data, plus where it came from."""

    name: str
    config: dict[str, Any]
    choices: dict[str, str]
    overrides: list[str]
    dirs: list[Path]


def group_options(dirs: list[Path], group: str) -> list[str]:
    """Every option of a config group across the recipe directories.  Files starting with ``_`` are
    shared parts that options include through their defaults list, not options themselves."""
    names = {p.stem for d in dirs for p in (d / group).glob("*.yaml") if not p.stem.startswith("_")}
    return sorted(names)


def config_groups(dirs: list[Path]) -> list[str]:
    return sorted({p.name for d in dirs for p in d.iterdir() if p.is_dir() and any(p.glob("*.yaml"))})


def _check_group_overrides(overrides: list[str], dirs: list[Path]) -> None:
    groups = set(config_groups(dirs))
    for item in overrides:
        if item.startswith(("+", "~")) or item.startswith("hydra"):
            continue
        if "=" not in item:
            raise UserError(f"override '{item}' is not of the form key=value or group=option")
        key, value = item.split("=", 1)
        if key in groups and value not in ("null", ""):
            options = group_options(dirs, key)
            if value not in options:
                what = "recipe" if key == "recipe" else f"option '{value}' for group '{key}'"
                if key == "recipe":
                    what = f"recipe '{value}'"
                raise ConfigError(key, f"unknown {what} (choices: {', '.join(options)})")


#: The only ``hydra.*`` overrides a command line may pass: inert settings of Hydra's own job.  Others
#: change where configs are found (``hydra.searchpath=[pkg://...]`` imports a package) or what Hydra
#: runs; recipe directories come from ``--recipes-dir`` / ``FTFLOW_RECIPES_PATH`` instead.
HYDRA_OVERRIDES = ("hydra.verbose", "hydra.job.name", "hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir")


def override_key(item: str) -> str:
    """The key an override sets: ``++a.b=1`` -> ``a.b``, ``~a`` -> ``a``, ``group=option`` -> ``group``."""
    return item.lstrip("+~").split("=", 1)[0].strip()


def _check_hydra_overrides(overrides: list[str]) -> None:
    for item in overrides:
        key = override_key(item)
        if (key == "hydra" or key.startswith(("hydra.", "hydra/"))) and key not in HYDRA_OVERRIDES:
            raise ConfigError(key, f"hydra settings are not recipe data; only {', '.join(HYDRA_OVERRIDES)} may be "
                                   f"overridden (recipe directories: --recipes-dir or FTFLOW_RECIPES_PATH)")


def yaml_error_location(exc: BaseException) -> str | None:
    """``file:line:column: problem`` of a YAML syntax error anywhere in ``exc``'s chain, else None."""
    import yaml

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, yaml.MarkedYAMLError):
            mark = exc.problem_mark or exc.context_mark
            problem = "; ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
            if mark is not None:
                return f"{mark.name}:{mark.line + 1}:{mark.column + 1}: invalid YAML ({problem})"
            return f"invalid YAML ({problem})"
        exc = exc.__cause__ or exc.__context__
    return None


def _find_forbidden(node: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in FORBIDDEN_KEYS:
                found.append(sub)
            found.extend(_find_forbidden(value, sub))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_find_forbidden(value, f"{path}[{i}]"))
    return found


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _explain(exc: BaseException, overrides: list[str], dirs: list[Path]) -> UserError:
    """Map Hydra's multi-line errors to one line naming the key and, where known, the valid keys."""
    located = yaml_error_location(exc)
    if located:
        return UserError(located)
    message = str(exc)
    marker = "Could not override '"
    if marker in message:
        key = message.split(marker, 1)[1].split("'", 1)[0]
        others = [o for o in overrides if not o.startswith(key + "=")]
        parent, _, leaf = key.rpartition(".")
        try:
            base = _compose(others, dirs)
            node = base
            for part in parent.split(".") if parent else []:
                node = node[part]
            valid = ", ".join(sorted(map(str, node))) if isinstance(node, dict) else ""
        except Exception:  # the explanation is best effort; the key is always named
            valid = ""
        hint = f" (valid keys: {valid})" if valid else ""
        return ConfigError(key, f"unknown config key '{leaf}'{hint}; use +{key}=VALUE to add a key")
    if "Could not find '" in message:
        target = message.split("Could not find '", 1)[1].split("'", 1)[0]
        group, _, option = target.rpartition("/")
        options = group_options(dirs, group)
        return ConfigError(group, f"unknown option '{option}' (choices: {', '.join(options)})")
    return UserError(f"recipe composition failed: {_first_line(exc)}")


def _compose(overrides: list[str], dirs: list[Path]) -> dict[str, Any]:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    searchpath = ",".join(f"'file://{d}'" for d in dirs[1:])
    hydra_overrides = [f"hydra.searchpath=[{searchpath}]"] if searchpath else []
    with initialize_config_dir(config_dir=str(dirs[0]), version_base=None):
        cfg = compose("config", overrides=overrides + hydra_overrides, return_hydra_config=True)
    choices = OmegaConf.to_container(cfg.hydra.runtime.choices, resolve=False)
    OmegaConf.set_struct(cfg, False)
    del cfg["hydra"]
    container = OmegaConf.to_container(cfg, resolve=True)
    container["__choices__"] = {k: v for k, v in choices.items() if not k.startswith("hydra")}
    return container


def compose_recipe(overrides: list[str], user_dirs: list[Path] | None = None) -> Recipe:
    """Compose ``config.yaml`` of the built-in root with user dirs on the search path and the overrides."""
    dirs = [builtin_recipes_dir(), *(user_dirs or [])]
    _check_hydra_overrides(overrides)
    _check_group_overrides(overrides, dirs)
    if not any(o.startswith("recipe=") for o in overrides):
        recipes = ", ".join(group_options(dirs, "recipe"))
        raise ConfigError("recipe", f"no recipe selected: pass recipe=NAME (choices: {recipes})")
    try:
        config = _compose(overrides, dirs)
    except UserError:
        raise
    except Exception as exc:  # Hydra and OmegaConf raise many types; all are bad input here
        raise _explain(exc, overrides, dirs) from exc
    choices = config.pop("__choices__")
    forbidden = _find_forbidden(config)
    if forbidden:
        raise ConfigError(
            forbidden[0],
            "recipes are data: import targets are not allowed; select a registered provider with 'provider:'",
        )
    return Recipe(str(choices.get("recipe")), config, choices, list(overrides), dirs)
