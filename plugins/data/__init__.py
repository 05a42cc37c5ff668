"""Data: load and validate data files (``data=``), then tokenize them once as a cached stage (``tokenize=``)."""

from __future__ import annotations

from ftflow_plugins.data.files import DataFiles
from ftflow_plugins.data.tokenize import ChatTemplateTokenizer

from ftflow.plugin import hookimpl


@hookimpl
def ftflow_register_providers(registry) -> None:
    registry.add(DataFiles)
    registry.add(ChatTemplateTokenizer)
