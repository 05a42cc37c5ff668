"""Error types that map to the command line's exit codes.

``UserError`` (exit 2) is bad input: a recipe, an override, a data file or an argument.  Its message is
one line that names the file, line or config key and, where it helps, the valid choices.
``StageFailed`` (exit 1) is a stage that raised while running.
"""

from __future__ import annotations


class FtflowError(Exception):
    """Base class of every error ftflow reports without a traceback."""

    exit_code = 1


class UserError(FtflowError):
    """Bad input: the user can fix it by changing a recipe, an override, a file or an argument."""

    exit_code = 2


class ConfigError(UserError):
    """A config key, value or group option is invalid; ``key`` is the dotted path."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}" if key else message)


class GraphError(UserError):
    """The stage graph is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid stage graph: " + "; ".join(problems))


class PluginError(FtflowError):
    """A plugin failed to import or to register; never swallowed."""

    exit_code = 2


class StageFailed(FtflowError):
    """A stage raised while running; the runner adds the command that resumes."""

    exit_code = 1

    def __init__(self, stage: str, cause: BaseException, resume_command: str = "") -> None:
        self.stage = stage
        self.cause = cause
        self.resume_command = resume_command
        text = f"stage '{stage}' failed: {type(cause).__name__}: {cause}"
        if resume_command:
            text += f"\nresume with: {resume_command}"
        super().__init__(text)


class Terminated(KeyboardInterrupt):
    """SIGTERM (Slurm, Kubernetes, systemd) arrived: unwound like Ctrl-C, but exits 143, not 130."""


def input_error_types() -> tuple[type[BaseException], ...]:
    """Exceptions that, outside a stage, come from a malformed file or argument the user handed in.

    The command line reports them as one line with exit 2 (``--debug`` shows the traceback); inside a
    stage the runner wraps them in ``StageFailed`` (exit 1) instead.
    """
    import csv
    import tarfile
    import zlib

    import yaml

    return (OSError, ValueError, RecursionError, csv.Error, yaml.YAMLError, tarfile.TarError, zlib.error,
            EOFError, LookupError, TypeError)


def describe_input_error(exc: BaseException) -> str:
    """One line for an input error that no ftflow check named more precisely."""
    if isinstance(exc, OSError) and exc.filename is not None:
        target = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
        return f"{target}: {exc.strerror or type(exc).__name__}"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to read (RecursionError)"
    if isinstance(exc, UnicodeError):
        return f"input is not valid text: {exc}"
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    if isinstance(exc, KeyError | IndexError | TypeError):
        return f"malformed input: {type(exc).__name__} {detail}".rstrip()
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
