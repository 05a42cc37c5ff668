"""Sweeps of the smoke recipe sharing one workspace: local processes (--jobs 2), a Ray head node started
here on 127.0.0.1, submitit's local executor (chosen in a recipe's sweep section) and an Optuna search.
The first sweep builds; the others find every stage cached, so they exercise the launchers in seconds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow

GRID = ["recipe=smoke", "method.learning_rate=1e-3,2e-3", "adapter=lora,full"]


def _summary(home: Path, stdout: str) -> dict:
    sweep_id = next(line.split()[1].rstrip(":") for line in stdout.splitlines() if line.startswith("sweep "))
    folder = home / "sweeps" / sweep_id
    assert {"summary.md", "summary.csv", "summary.json"} <= {p.name for p in folder.iterdir()}
    return json.loads((folder / "summary.json").read_text())


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> tuple[Path, dict]:
    """The 4-point grid, two points at a time, in a fresh workspace."""
    home = tmp_path_factory.mktemp("sweep") / "home"
    result = run_ftflow(home, "run", "-m", *GRID, "--jobs", "2")
    assert result.ok, result.stdout[-2000:] + result.stderr[-3000:]
    return home, _summary(home, result.stdout)


def test_grid_shares_stages_and_ranks_points(swept):
    home, summary = swept
    points = summary["points"]
    assert len(points) == 4 and all(p["status"] == "ok" for p in points)
    assert [p["swept"] for p in points] == [
        {"method.learning_rate": "0.001", "adapter": "lora"}, {"method.learning_rate": "0.001", "adapter": "full"},
        {"method.learning_rate": "0.002", "adapter": "lora"}, {"method.learning_rate": "0.002", "adapter": "full"}]
    # model, data and tokenize ran once in all (the per-key locks held the concurrent point back)
    assert summary["builds"] == {"model": 1, "data": 1, "tokenize": 1, "train": 4, "export": 4, "eval": 4}
    assert summary["metric"] and sorted(p["rank"] for p in points) == [1, 2, 3, 4]
    best = summary["best"]
    assert best["rank"] == 1 and [p["best"] for p in points].count(True) == 1
    scores = [p["values"][summary["metric"]] for p in points]
    assert best["values"][summary["metric"]] == max(scores)
    folder = home / "sweeps" / summary["sweep_id"]
    rows = list(csv.DictReader((folder / "summary.csv").open()))
    assert [r["best"] for r in rows].count("*") == 1 and {r["adapter"] for r in rows} == {"lora", "full"}
    assert "train.final_loss" in rows[0] and float(rows[0]["train.final_loss"]) > 0
    markdown = (folder / "summary.md").read_text()
    assert f"**Best point: {best['index']}**" in markdown and "★" in markdown
    assert (folder / "metric.png").stat().st_size > 1000 and "](metric.png)" in markdown
    for point in points:  # each point is an ordinary run, tagged with the sweep and replayable alone
        manifest = json.loads((home / "runs" / point["run_id"] / "manifest.json").read_text())
        assert manifest["sweep"] == summary["sweep_id"] and manifest["command"][0] == "run"


def test_runs_and_compare_on_sweep_points(swept):
    home, summary = swept
    listed = run_ftflow(home, "runs", "--sweep", summary["sweep_id"], "--json")
    assert listed.ok, listed.stderr
    assert sorted(r["run_id"] for r in json.loads(listed.stdout)) == sorted(p["run_id"] for p in summary["points"])
    a, b = summary["points"][0]["run_id"], summary["points"][3]["run_id"]
    compared = run_ftflow(home, "compare", a, b, "--json")
    assert compared.ok, compared.stderr
    result = json.loads(compared.stdout)
    assert {"method.learning_rate", "adapter.provider"} <= set(result["config"])
    assert {"train", "export", "eval"} <= set(result["stages"]) and result["same_stages"] == ["model", "data",
                                                                                              "tokenize"]


def test_plan_shows_shared_stages(swept):
    home, _ = swept
    result = run_ftflow(home, "plan", "-m", "recipe=smoke", "method.learning_rate=1e-3,5e-3", "adapter=lora")
    assert result.ok, result.stderr
    assert "3 (model, data, tokenize)" in result.stdout
    assert "model 1, data 1, tokenize 1, train 2, export 2, eval 2" in result.stdout
    assert "--jobs override): local, up to 1 at once" in result.stdout


def test_ray_cluster_runs_the_points(swept):
    """A real Ray head node on 127.0.0.1, started here; points run as Ray tasks (all cached by now)."""
    ray = pytest.importorskip("ray")
    home, first = swept
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False)
    try:
        # Ray 2.60 advertises the host's interface address for its GCS even when asked for 127.0.0.1;
        # the cluster is still this one head node, reached by the sweep as any remote cluster would be.
        address = ray.get_runtime_context().gcs_address
        assert [n["Alive"] for n in ray.nodes()] == [True]
        result = run_ftflow(home, "run", "-m", *GRID, "--launcher", "ray", "--launcher-arg", f"address={address}",
                            "--jobs", "2")
    finally:
        ray.shutdown()
    assert result.ok, result.stdout[-2000:] + result.stderr[-3000:]
    summary = _summary(home, result.stdout)
    assert summary["launcher"] == "ray" and [p["status"] for p in summary["points"]] == ["ok"] * 4
    assert set(summary["builds"].values()) == {0}  # every stage shared with the first sweep
    assert [p["values"] for p in summary["points"]] == [p["values"] for p in first["points"]]


def test_submitit_local_executor_runs_the_points(swept, tmp_path):
    """The launcher chosen in the recipe (sweep.launcher: slurm, submitit's local executor), not on the command line."""
    pytest.importorskip("submitit")
    from ftflow.config.paths import builtin_recipes_dir

    home, first = swept
    (tmp_path / "recipe").mkdir()
    (tmp_path / "recipe" / "smoke_slurm.yaml").write_text(
        (builtin_recipes_dir() / "recipe" / "smoke.yaml").read_text()
        + "sweep:\n  launcher: slurm\n  jobs: 2\n  launcher_args: {cluster: local, timeout_min: 30}\n")
    result = run_ftflow(home, "run", "-m", "recipe=smoke_slurm", *GRID[1:], "--recipes-dir", str(tmp_path))
    assert result.ok, result.stdout[-2000:] + result.stderr[-3000:]
    assert "through the slurm launcher (up to 2 at once)" in result.stdout
    summary = _summary(home, result.stdout)
    assert summary["launcher"] == "slurm" and [p["status"] for p in summary["points"]] == ["ok"] * 4
    assert set(summary["builds"].values()) == {0}  # the sweep section is in no cache key
    assert [p["best"] for p in summary["points"]] == [p["best"] for p in first["points"]]
    # submitit's own job records (the local executor keeps no submission script): one result per point
    assert len(list((home / "sweeps" / summary["sweep_id"] / "submitit").rglob("*_result.pkl"))) == 4


def test_optuna_search_names_the_best_point(swept):
    pytest.importorskip("optuna")
    home, first = swept
    result = run_ftflow(home, "run", "-m", "recipe=smoke", "method.learning_rate=choice(1e-3,2e-3)",
                        "adapter=choice(lora,full)", "--optimize", "eval.tuned.token_f1", "max", "--trials", "4")
    assert result.ok, result.stdout[-2000:] + result.stderr[-3000:]
    summary = _summary(home, result.stdout)
    assert summary["kind"] == "optuna" and summary["metric"] == "eval.tuned.token_f1" and len(summary["points"]) == 4
    best = summary["best"]
    assert best["values"]["eval.tuned.token_f1"] == max(p["values"]["eval.tuned.token_f1"] for p in summary["points"])
    assert f"best: point {best['index']}" in result.stdout
    grid_best = max(p["values"]["eval.tuned.token_f1"] for p in first["points"])
    assert best["values"]["eval.tuned.token_f1"] <= grid_best


def test_sweep_points_tracked_in_one_mlflow_experiment(swept, tmp_path, monkeypatch):
    """Each point logged to MLflow (the workspace's SQLite store) and Trackio; read back with their clients."""
    env = {"TRACKIO_DIR": str(tmp_path / "trackio")}
    monkeypatch.setenv("TRACKIO_DIR", env["TRACKIO_DIR"])  # trackio reads its directory when first imported
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("trackio")
    home, first = swept
    result = run_ftflow(home, "run", "-m", *GRID, "--track", "mlflow", "--track", "trackio", env=env)
    assert result.ok, result.stdout[-2000:] + result.stderr[-3000:]
    summary = _summary(home, result.stdout)
    client = mlflow.MlflowClient(f"sqlite:///{home / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(f"ftflow-sweep-{summary['sweep_id']}")
    runs = {r.data.tags["ftflow.run_id"]: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {p["run_id"] for p in summary["points"]}
    for point in summary["points"]:
        run = runs[point["run_id"]]
        assert run.info.status == "FINISHED" and run.data.tags["ftflow.sweep"] == summary["sweep_id"]
        for key, value in point["values"].items():
            assert run.data.metrics[key] == pytest.approx(value)
        assert float(run.data.params["method.learning_rate"]) == float(point["swept"]["method.learning_rate"])
        history = client.get_metric_history(run.info.run_id, "train.loss")
        assert [m.step for m in history] == list(range(1, 17))
        assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {"report.html", "manifest.json"}
    from trackio.sqlite_storage import SQLiteStorage

    project = f"ftflow-sweep-{summary['sweep_id']}"
    assert sorted(SQLiteStorage.get_runs(project)) == sorted(p["run_id"] for p in summary["points"])
    logs = SQLiteStorage.get_logs(project, summary["points"][0]["run_id"])
    assert logs[-1]["eval.tuned.token_f1"] == pytest.approx(first["points"][0]["values"]["eval.tuned.token_f1"])
    # ftflow runs and compare read the same runs
    listed = run_ftflow(home, "runs", "--sweep", summary["sweep_id"], "--json")
    assert len(json.loads(listed.stdout)) == 4
