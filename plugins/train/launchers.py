"""Launchers decide how many processes a training stage uses (``launcher=local``)."""

from __future__ import annotations

from ftflow.provider import Provider


class LocalLauncher(Provider):
    name = "local"
    kind = "launcher"
    description = "one process on this machine"
