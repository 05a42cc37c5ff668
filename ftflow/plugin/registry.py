"""The typed provider registry that plugins add to, and that recipes select from by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ftflow.errors import PluginError, UserError
from ftflow.provider import KINDS, Provider, ProviderInfo

__all__ = ["ProviderInfo", "ProviderRegistry"]  # ProviderInfo lives with the contract (ftflow.provider)


class ProviderRegistry:
    """Providers by (kind, name); errors list what is available and which package provides it."""

    def __init__(self, packages_by_module: dict[str, tuple[str, str]] | None = None) -> None:
        self._providers: dict[tuple[str, str], ProviderInfo] = {}
        self._packages_by_module = packages_by_module or {}

    def add(self, provider_cls: type[Provider]) -> None:
        """Register a provider class; its package is found from the entry point that loaded it."""
        if not (isinstance(provider_cls, type) and issubclass(provider_cls, Provider)):
            raise PluginError(f"registry.add() expects a Provider subclass, got {provider_cls!r}")
        name, kind = provider_cls.name, provider_cls.kind
        if not name or kind not in KINDS:
            raise PluginError(
                f"provider {provider_cls.__qualname__} needs a name and a kind in {', '.join(KINDS)}"
            )
        if not dataclasses.is_dataclass(provider_cls.Config):
            raise PluginError(f"provider {kind}:{name}: Config must be a dataclass")
        package, package_version = self._package_of(provider_cls)
        existing = self._providers.get((kind, name))
        if existing is not None and existing.cls is not provider_cls:
            raise PluginError(
                f"{kind} provider '{name}' is registered twice: by {existing.package} and by {package}"
            )
        self._providers[(kind, name)] = ProviderInfo(
            name, kind, str(provider_cls.version), package, package_version, provider_cls
        )

    def _package_of(self, provider_cls: type) -> tuple[str, str]:
        module = provider_cls.__module__
        parts = module.split(".")
        for i in range(len(parts), 0, -1):
            hit = self._packages_by_module.get(".".join(parts[:i]))
            if hit:
                return hit
        return (parts[0], "?")

    def get(self, kind: str, name: str, *, key: str = "") -> ProviderInfo:
        """Return the provider or raise a one-line error listing the available ones."""
        info = self._providers.get((kind, name))
        if info is None:
            available = ", ".join(f"{i.name} ({i.package})" for i in self.of_kind(kind)) or "none installed"
            where = f"{key}: " if key else ""
            raise UserError(f"{where}unknown {kind} provider '{name}' (available: {available})")
        return info

    def of_kind(self, kind: str) -> list[ProviderInfo]:
        return sorted((i for (k, _), i in self._providers.items() if k == kind), key=lambda i: i.name)

    def __iter__(self) -> Iterator[ProviderInfo]:
        return iter(sorted(self._providers.values(), key=lambda i: (KINDS.index(i.kind), i.name)))

    def __len__(self) -> int:
        return len(self._providers)
