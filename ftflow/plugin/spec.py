"""Every hook a plugin may implement.  Each hook's docstring is its documentation for plugin authors.

A meta-test (``tests/plugin/test_spec_meta.py``) fails when a hook here lacks a docstring naming each
parameter, or lacks a test that calls it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftflow.plugin import hookspec

if TYPE_CHECKING:
    import argparse

    from ftflow.graph import Stage
    from ftflow.plugin.registry import ProviderRegistry
    from ftflow.plugin.sections import ReportSection
    from ftflow.stage import StageResult


@hookspec
def ftflow_register_providers(registry: ProviderRegistry) -> None:
    """Add providers (methods, adapters, evaluators, metrics, exporters, ...) to ``registry``.

    :param registry: the typed provider registry; call ``registry.add(ProviderClass)`` once per provider.
        Adding a name that another package already registered for the same kind is an error.
    """


@hookspec
def ftflow_recipe_dirs() -> list[str | Path]:
    """Return extra recipe directories (Hydra config roots) that this plugin ships.

    Their group options (``export/my_format.yaml``) and recipes (``recipe/my_recipe.yaml``) become
    selectable like the built-ins.  Directories must exist; returning none is fine.
    """


@hookspec
def ftflow_run_started(run_id: str, verbose: bool) -> None:
    """Called once when a run starts, before any stage executes or imports a library.

    Built-in plugins silence third-party noise here (environment variables and logger levels that
    must be set before a library is imported, so they also hold in child processes).

    :param run_id: the id of the run that starts.
    :param verbose: ``ftflow run --verbose`` (or ``FTFLOW_VERBOSE=1``): keep third-party libraries'
        warnings, logs and progress bars.
    """


@hookspec
def ftflow_stage_before(stage: Stage, run_id: str) -> None:
    """Called before a stage executes (not when it is served from the cache).

    :param stage: the stage about to run (name, kind, provider, resolved config, cache key).
    :param run_id: the id of the current run, as shown by ``ftflow show``.
    """


@hookspec
def ftflow_stage_after(stage: Stage, result: StageResult, run_id: str) -> None:
    """Called after a stage finished, whether it executed or was served from the cache.

    :param stage: the stage that finished.
    :param result: its result: ``cached``, ``seconds``, ``artifact`` path and provider ``metadata``.
    :param run_id: the id of the current run.
    """


@hookspec
def ftflow_stage_error(stage: Stage, error: BaseException, run_id: str) -> None:
    """Called when a stage raised; the run then stops and prints the command that resumes it.

    :param stage: the stage that failed.
    :param error: the exception it raised.
    :param run_id: the id of the current run.
    """


@hookspec
def ftflow_run_finished(manifest: dict[str, Any]) -> None:
    """Called once a run has written its manifest, ok or failed (for notifications, trackers, ...).

    :param manifest: the run manifest as written to ``runs/<run_id>/manifest.json``.
    """


@hookspec
def ftflow_export_model(manifest: dict[str, Any], lock: dict[str, Any] | None, out_dir: Path,
                        formats: list[str], quant: list[str]) -> dict[str, Any] | None:
    """Write a finished run's model into a plain folder for ``ftflow export RUN -o DIR``.

    The engine builds the folder in a temporary sibling of ``DIR`` and renames it once every
    implementation returned, then records the files (sizes, sha256) in ``export.json``; an exception
    leaves nothing behind.  Raise ``UserError`` (one line) when the run cannot be exported as asked.

    :param manifest: the run's record (``runs/<id>/manifest.json``): stages with their artifact paths,
        the resolved config, metrics and intervals, provider metadata.
    :param lock: the run pinned like ``ftflow lock`` (config, providers, libraries, input digests the run
        used), or None when it could not be rebuilt here; already written to ``ftflow.lock.json``.
    :param out_dir: the folder to write into (it holds ``ftflow.lock.json`` already).
    :param formats: the ``--format`` values asked for (empty: everything the run has); an
        implementation validates them and says which it knows.
    :param quant: ``--quant`` values: which quantized files to include (empty: all).
    :return: a JSON-able summary (``formats`` written, ``base_model``, headline metrics, ...) that
        ``ftflow models`` shows, or None when this plugin has nothing to export for the run.
    """


@hookspec
def ftflow_add_commands(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add subcommands to ``ftflow`` (as tox's plugins add theirs): ``ftflow chat`` and ``ftflow data check``
    come from the built-in plugins this way.

    The command line loads plugins for this only when the command is not one of the engine's own, so
    ``ftflow plan`` and ``ftflow show`` stay fast.  A name the engine or another plugin already took is an
    error.  Import what the command needs inside its handler, not at module level.

    :param subparsers: ``ftflow``'s table of subcommands: ``p = subparsers.add_parser(NAME, parents=parents,
        help=...)``, add its arguments, then ``p.set_defaults(handler=fn)``: ``fn(args)`` runs the command
        with the parsed ``argparse.Namespace`` and returns its exit status (raise ``UserError`` for bad input:
        one line, exit 2).
    :param parents: parsers holding the options every command accepts (``--debug``, ``--verbose``); pass
        them as ``parents`` to each parser you add.
    """


@hookspec
def ftflow_report_sections(manifest: dict[str, Any]) -> list[ReportSection] | None:
    """Contribute sections to a run's ``report.md`` and ``report.html`` (the training loss, a failure
    taxonomy): the engine lays them out and draws their charts, knowing nothing of what they show.

    Called once per run, after the last stage, with the manifest about to be written.  Read only what your
    own stages returned (``manifest["stage_metadata"][stage_name]``), and import nothing heavy: charts are
    data (``ftflow.report.sections.Chart``) that the engine draws with matplotlib where it is installed.

    :param manifest: the run manifest (stages, ``stage_metadata`` per stage, metrics, config).
    :return: ``ReportSection(title, markdown, charts)`` objects, or None when the run has nothing of yours.
    """
