"""Data: read and validate data files in any format provider (``data=``), then tokenize them once as a
cached stage (``tokenize=``)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.data.conversations import FORMATS as MORE_FORMATS
from ftflow_plugins.data.files import DataFiles
from ftflow_plugins.data.formats import FORMATS
from ftflow_plugins.data.synthetic import SyntheticData
from ftflow_plugins.data.tokenize import ChatTemplateTokenizer


@hookimpl
def ftflow_register_providers(registry) -> None:
    registry.add(DataFiles)
    registry.add(ChatTemplateTokenizer)
    registry.add(SyntheticData)
    for fmt in FORMATS + MORE_FORMATS:
        registry.add(fmt)


@hookimpl
def ftflow_add_commands(subparsers, parents) -> None:
    """``ftflow data check``: the command lives with the plugin whose code it runs."""
    from ftflow_plugins.data.check import add_command

    add_command(subparsers, parents)
