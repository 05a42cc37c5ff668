"""Run tracking: after a run writes its record, each configured ``tracker`` provider logs it.

Trackers are plugins (kind ``tracker``; built in: mlflow, trackio).  Which ones run is a setting of the
workspace or the command, not of the recipe: a tracking server is an endpoint, and recipes are data
that may not name one.  In order: ``ftflow run --track NAME`` (repeatable), ``$FTFLOW_TRACK``
(comma-separated), the workspace ``config.yaml``'s ``tracking: {trackers: [...]}``.  Each tracker's
options come from ``tracking: {NAME: {...}}`` there, checked against its ``Config``.  A tracker that
fails prints one line and leaves the run's status alone: the record on disk is the truth.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, ClassVar

from ftflow.errors import UserError
from ftflow.provider import Provider

TRACK_ENV = "FTFLOW_TRACK"


class Tracker(Provider):
    """Base of the ``tracker`` provider kind.

    ``log_run(manifest, run_dir, config)`` logs one finished run: its resolved config (``manifest
    ["config"]``), numbers (``ftflow.runs.run_values``), curves (stage metadata ``*_curve`` lists of
    ``[step, value]``), status, and files of ``run_dir`` (``report.html``, ``manifest.json``).  Sweep
    points carry ``manifest["sweep"]``: log them into one experiment.  Returns where it logged (a URL or
    path, printed for the user).
    """

    kind: ClassVar[str] = "tracker"

    def log_run(self, manifest: dict[str, Any], run_dir: Path, config: Any) -> str:
        raise NotImplementedError(f"tracker {self.name} does not implement log_run()")


def tracker_names(cli: list[str] | None, settings: dict[str, Any]) -> list[str]:
    if cli:
        return [n for item in cli for n in item.split(",") if n]
    if os.environ.get(TRACK_ENV):
        return [n for n in os.environ[TRACK_ENV].split(",") if n]
    section = settings.get("tracking") or {}
    if not isinstance(section, dict):
        raise UserError("workspace config.yaml: 'tracking' must be a mapping like {trackers: [mlflow]}")
    names = section.get("trackers") or []
    if not isinstance(names, list):
        raise UserError("workspace config.yaml: tracking.trackers must be a list of tracker names")
    return [str(n) for n in names]


def resolve_trackers(registry: Any, cli: list[str] | None, settings: dict[str, Any]) -> list[tuple[Tracker, Any]]:
    """The trackers to use with their validated options (checked before the run starts: bad names exit 2)."""
    from ftflow.config.schema import validate

    section = settings.get("tracking") or {}
    out = []
    for name in tracker_names(cli, settings):
        info = registry.get("tracker", name, key="--track")
        options = section.get(name) or {}
        if not isinstance(options, dict):
            raise UserError(f"workspace config.yaml: tracking.{name} must be a mapping of options")
        out.append((info.cls(), validate(info.cls.Config, options, prefix=f"tracking.{name}")))
    return out


def track(trackers: list[tuple[Tracker, Any]], manifest: dict[str, Any], run_dir: Path) -> None:
    """Log the run to each tracker; a failure is one line on stderr, never a failed run."""
    for tracker, config in trackers:
        try:
            where = tracker.log_run(manifest, run_dir, config)
            print(f"tracked in {tracker.name}: {where}", flush=True)
        except Exception as exc:  # a tracker down must not turn a finished run into a failed one
            if os.environ.get("FTFLOW_DEBUG") == "1":
                raise
            print(f"ftflow: warning: tracker {tracker.name} could not log run {manifest.get('run_id')}: "
                  f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
