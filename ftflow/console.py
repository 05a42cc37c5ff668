"""One place that makes the rich console, so every command prints the same width and style."""

from __future__ import annotations

import os
import shutil
from typing import Any


def verbose() -> bool:
    """True when ``--verbose`` was given (or ``FTFLOW_VERBOSE=1``): third-party libraries keep their
    warnings, logs and progress bars.  An environment variable, so child processes inherit it."""
    return os.environ.get("FTFLOW_VERBOSE") == "1"


def make_console(stderr: bool = False) -> Any:
    """A rich Console at least 120 columns wide, also when output goes to a pipe or a log file."""
    from rich.console import Console

    width = max(shutil.get_terminal_size((140, 24)).columns, 120)
    return Console(highlight=False, width=width, stderr=stderr)
