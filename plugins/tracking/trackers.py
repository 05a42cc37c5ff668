"""MLflow and Trackio trackers.  What a run holds is read by shape (``ftflow.runs``): every number as a
metric, every ``*_curve`` of a stage as a metric with steps, the flattened config as params."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.runs import _number, flatten, run_values
from ftflow.tracking import Tracker
from ftflow.workspace import Workspace

#: Files of the run folder logged as artifacts (when present).
RUN_FILES = ("report.html", "report.md", "manifest.json", "config.yaml")


def experiment_name(manifest: dict[str, Any], configured: str | None) -> str:
    """The configured name, else one experiment per sweep (its points side by side), else per recipe."""
    if configured:
        return configured
    return f"ftflow-sweep-{manifest['sweep']}" if manifest.get("sweep") else f"ftflow-{manifest.get('recipe')}"


def curves(manifest: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """``<stage>.<name>`` -> [(step, value)] for every ``<name>_curve`` a stage recorded."""
    out = {}
    for stage, meta in (manifest.get("stage_metadata") or {}).items():
        for key, value in (meta.items() if isinstance(meta, dict) else ()):
            if key.endswith("_curve") and isinstance(value, list):
                points = [(int(p[0]), float(p[1])) for p in value
                          if isinstance(p, list | tuple) and len(p) == 2 and _number(p[0]) and _number(p[1])]
                if points:
                    out[f"{stage}.{key[:-len('_curve')]}"] = points
    return out


def gate_verdict(manifest: dict[str, Any]) -> str | None:
    gates = [m["gate"] for m in (manifest.get("stage_metadata") or {}).values()
             if isinstance(m, dict) and isinstance(m.get("gate"), dict)]
    return None if not gates else "passed" if all(g.get("passed") for g in gates) else "failed"


def params(manifest: dict[str, Any]) -> dict[str, str]:
    """The resolved config as MLflow params (values as JSON text, cut to MLflow's 6000 characters)."""
    return {k[:250]: (v if isinstance(v, str) else json.dumps(v))[:6000]
            for k, v in flatten(manifest.get("config") or {}).items()}


@dataclasses.dataclass
class MlflowConfig:
    #: Any MLflow tracking URI (http://host:5000, databricks, sqlite:///path.db, a directory); null = a
    #: SQLite store in the workspace (``mlflow.db``, artifacts in ``mlartifacts/``).
    tracking_uri: str | None = None
    #: Experiment name; null = ``ftflow-<recipe>``, or ``ftflow-sweep-<id>`` for a sweep's points.
    experiment: str | None = None


class MlflowTracker(Tracker):
    name = "mlflow"
    description = "log runs to MLflow (workspace SQLite store by default, any tracking URI)"
    Config = MlflowConfig
    libraries = ("mlflow-skinny",)

    def log_run(self, manifest: dict[str, Any], run_dir: Path, config: MlflowConfig) -> str:
        try:
            from mlflow import MlflowClient
            from mlflow.entities import Metric, Param, RunTag
        except ImportError:
            raise UserError("--track mlflow needs MLflow: pip install 'ftflow[tracking]'") from None
        root = Workspace().root
        uri = config.tracking_uri or f"sqlite:///{root / 'mlflow.db'}"
        client = MlflowClient(tracking_uri=uri)
        name = experiment_name(manifest, config.experiment)
        experiment = client.get_experiment_by_name(name)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(
            name, artifact_location=None if config.tracking_uri else (root / "mlartifacts").as_uri())
        tags = {"ftflow.run_id": str(manifest.get("run_id")), "ftflow.recipe": str(manifest.get("recipe")),
                "ftflow.status": str(manifest.get("status"))}
        if manifest.get("sweep"):
            tags["ftflow.sweep"] = str(manifest["sweep"])
        if gate_verdict(manifest):
            tags["ftflow.gate"] = gate_verdict(manifest)
        run = client.create_run(experiment_id, run_name=str(manifest.get("run_id")), tags=tags,
                                start_time=int(1000 * (manifest.get("started") or time.time())))
        run_id = run.info.run_id
        now = int(1000 * (manifest.get("finished") or time.time()))
        metrics = [Metric(k, float(v), now, 0) for k, v in run_values(manifest).items()]
        metrics += [Metric(k, v, now, step) for k, points in curves(manifest).items() for step, v in points]
        items = [Param(k, v) for k, v in params(manifest).items()]
        for i in range(0, max(len(metrics), len(items), 1), 100):  # MLflow's batch limits
            client.log_batch(run_id, metrics=metrics[i:i + 100], params=items[i:i + 100],
                             tags=[RunTag(k, v) for k, v in tags.items()] if i == 0 else [])
        for file in RUN_FILES:
            if (run_dir / file).exists():
                client.log_artifact(run_id, str(run_dir / file))
        status = {"ok": "FINISHED", "failed": "FAILED"}.get(str(manifest.get("status")), "KILLED")
        client.set_terminated(run_id, status, end_time=now)
        return f"{uri} experiment {name!r} run {run_id}"


@dataclasses.dataclass
class TrackioConfig:
    #: Trackio project; null = ``ftflow-<recipe>``, or ``ftflow-sweep-<id>`` for a sweep's points.
    project: str | None = None
    #: A Hugging Face Space to sync to (``user/space``); null = local only (Trackio's own directory,
    #: ``TRACKIO_DIR``), viewed with ``trackio show``.
    space_id: str | None = None


class TrackioTracker(Tracker):
    name = "trackio"
    description = "log runs to Trackio (local, or a Hugging Face Space)"
    Config = TrackioConfig
    libraries = ("trackio",)

    def log_run(self, manifest: dict[str, Any], run_dir: Path, config: TrackioConfig) -> str:
        try:
            import trackio
        except ImportError:
            raise UserError("--track trackio needs Trackio: pip install 'ftflow[tracking]'") from None
        project = experiment_name(manifest, config.project)
        run = trackio.init(project=project, name=str(manifest.get("run_id")), space_id=config.space_id,
                           group=manifest.get("sweep"), embed=False, auto_log_gpu=False, auto_log_cpu=False,
                           config={**flatten(manifest.get("config") or {}), "ftflow.status": manifest.get("status"),
                                   "ftflow.gate": gate_verdict(manifest)})
        by_step: dict[int, dict[str, float]] = {}
        for key, points in curves(manifest).items():
            for step, value in points:
                by_step.setdefault(step, {})[key] = value
        for step in sorted(by_step):
            trackio.log(by_step[step], step=step)
        trackio.log(run_values(manifest), step=max(by_step, default=0) + 1)
        trackio.finish()
        return f"project {project!r} run {run.name}"
