"""Build the plugin manager on demand: entry points of the ``ftflow`` group are the only discovery route."""

from __future__ import annotations

import os
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pluggy

from ftflow.errors import PluginError
from ftflow.plugin import ENTRY_POINT_GROUP, PROJECT, spec
from ftflow.plugin.registry import ProviderRegistry

DISABLE_ENV = "FTFLOW_DISABLE_PLUGINS"


class Plugins:
    """A loaded plugin set: the pluggy manager, its provider registry and where each plugin came from."""

    def __init__(self, manager: pluggy.PluginManager, registry: ProviderRegistry,
                 origins: dict[str, tuple[str, str]]) -> None:
        self.manager = manager
        self.registry = registry
        self.origins = origins

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.manager.hook

    def recipe_dirs(self) -> list[Path]:
        """Recipe directories contributed by plugins, in registration order."""
        dirs: list[Path] = []
        for result in self.manager.hook.ftflow_recipe_dirs():
            for item in result or []:
                path = Path(item)
                if not path.is_dir():
                    raise PluginError(f"a plugin returned recipe directory {path}, which does not exist")
                dirs.append(path)
        return dirs


def disabled_names(environ: dict[str, str] | None = None) -> set[str]:
    raw = (environ if environ is not None else os.environ).get(DISABLE_ENV, "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def _load(ep: EntryPoint) -> object:
    try:
        return ep.load()
    except Exception as exc:  # reported, never swallowed: a broken plugin stops the command
        dist = ep.dist.name if ep.dist else "?"
        raise PluginError(
            f"plugin '{ep.name}' ({ep.value}, from {dist}) failed to import: {type(exc).__name__}: {exc}"
            f" (set {DISABLE_ENV}={ep.name} to skip it)"
        ) from exc


def _check_hook_names(manager: pluggy.PluginManager, origins: dict[str, tuple[str, str]]) -> None:
    """A hook implementation whose name no hook specification has (a typo, a hook of another release)
    would never be called: stop with one line naming the plugin and the hook instead."""
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        name = manager.get_name(exc.plugin) or repr(exc.plugin)
        dist = origins.get(name, ("?", "?"))[0]
        hooks = sorted(c.name for c in manager.get_hookcallers(exc.plugin) or [] if c.spec is None)
        raise PluginError(f"plugin '{name}' (from {dist}) implements unknown hook(s) {', '.join(hooks)}: every "
                          f"hook is in docs/plugins.md, section 4 (set {DISABLE_ENV}={name} to skip it)") from None


def load_plugins(extra: list[object] | None = None) -> Plugins:
    """Load every enabled entry point, register hooks and collect providers into a fresh registry.

    ``extra`` plugin objects (modules or instances) are registered after the entry points; tests use it.
    """
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(spec)
    blocked = disabled_names()
    origins: dict[str, tuple[str, str]] = {}
    packages_by_module: dict[str, tuple[str, str]] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in blocked or manager.get_plugin(ep.name) is not None:
            continue
        plugin = _load(ep)
        dist = (ep.dist.name, ep.dist.version) if ep.dist else (ep.module.split(".")[0], "?")
        origins[ep.name] = dist
        packages_by_module[ep.module] = dist
        packages_by_module.setdefault(ep.module.split(".")[0], dist)
        manager.register(plugin, name=ep.name)
    for plugin in extra or []:
        manager.register(plugin)
    _check_hook_names(manager, origins)
    registry = ProviderRegistry(packages_by_module)
    try:
        manager.hook.ftflow_register_providers(registry=registry)
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"a plugin failed while registering providers: {type(exc).__name__}: {exc}") from exc
    return Plugins(manager, registry, origins)
