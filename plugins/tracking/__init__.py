"""Experiment trackers (kind ``tracker``): each finished run's config, numbers, curves, gate verdict and
report logged to MLflow or Trackio (``ftflow run --track mlflow``, docs/experiments.md)."""

from __future__ import annotations

from ftflow.plugin import hookimpl
from ftflow_plugins.tracking.trackers import MlflowTracker, TrackioTracker


@hookimpl
def ftflow_register_providers(registry) -> None:
    for provider in (MlflowTracker, TrackioTracker):
        registry.add(provider)
