"""The engine side of ``ftflow export`` / ``ftflow models``: plugins fill the folder through the
``ftflow_export_model`` hook; the engine owns the target rules, atomicity, export.json and the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow.commands.export import export_run, list_models, read_serve_spec
from ftflow.errors import UserError
from ftflow.plugin import hookimpl
from ftflow.plugin.manager import load_plugins
from ftflow.testing import run_ftflow
from ftflow.workspace import Workspace


class NotePlugin:
    """A third-party exporter: writes one file, or fails half-way when asked."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[dict] = []

    @hookimpl
    def ftflow_export_model(self, manifest, lock, out_dir, formats, quant):
        self.calls.append({"run_id": manifest["run_id"], "lock": lock, "formats": formats, "quant": quant})
        (out_dir / "note.txt").write_text(f"model of {manifest['run_id']}\n")
        if self.fail:
            raise UserError("--format x: not for this run")
        return {"formats": formats or ["note"], "base_model": "none"}


def _workspace(tmp_path: Path, status: str = "ok") -> Workspace:
    """A workspace with one recorded run (no cache entries: nothing to pin)."""
    workspace = Workspace(tmp_path / "home")
    run = workspace.runs_dir / "20260101-000000-abcd"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps({
        "run_id": run.name, "recipe": "light", "status": status, "command": ["run", "recipe=light"],
        "stages": [], "metrics": {}, "config": {"model": {"provider": "nope"}}}))
    workspace.mark_last(run.name)
    return workspace


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.setenv("FTFLOW_DISABLE_PLUGINS", "publish")  # only the note plugin exports here

    def make(plugin: NotePlugin):
        return load_plugins(extra=[plugin])

    return make


def test_hook_fills_the_folder_and_the_engine_records_it(tmp_path, plugins):
    workspace, plugin = _workspace(tmp_path), NotePlugin()
    result = export_run("last", str(tmp_path / "a" / "b"), ["note"], ["q"], workspace=workspace,
                        plugins=plugins(plugin))
    assert plugin.calls[0]["formats"] == ["note"] and plugin.calls[0]["quant"] == ["q"]
    assert plugin.calls[0]["lock"] is None and "no lock" in result.notes[0]  # the recipe names no real model
    out = tmp_path / "a" / "b"
    record = json.loads((out / "export.json").read_text())
    assert set(record["files"]) == {"note.txt"} and record["summary"] == {"formats": ["note"], "base_model": "none"}
    assert [(m["path"], m["state"]) for m in list_models(workspace)] == [(str(out), "ok")]
    (out / "note.txt").write_text("edited, longer than before\n")
    assert list_models(workspace)[0]["state"] == "changed"
    (out / "note.txt").unlink()
    (out / "export.json").unlink()
    out.rmdir()
    assert list_models(workspace)[0]["state"] == "missing"


def test_every_exporter_of_the_run_is_in_the_folder(tmp_path, plugins):
    """The ``exports:`` stages' artifacts (``export.<provider>``) are copied as they are, each under
    ``exports/<provider>/``; the ``export`` slot's files are the plugins' (here: only note.txt)."""
    workspace = _workspace(tmp_path)
    cache = tmp_path / "cache"
    artifacts = {"export": {"gguf/model.q8_0.gguf": "GGUF"},
                 "export.modelfile": {"Modelfile": "FROM ./model.q8_0.gguf\n", "model.q8_0.gguf": "GGUF"},
                 "export.zip": {"bundle/model.zip": "PK"}}
    stages = []
    for name, files in artifacts.items():
        for rel, text in files.items():
            (cache / name / rel).parent.mkdir(parents=True, exist_ok=True)
            (cache / name / rel).write_text(text)
        stages.append({"name": name, "kind": "export", "plugin": name.split(".")[-1], "artifact": str(cache / name)})
    stages.append({"name": "eval", "kind": "evaluator", "plugin": "generate", "artifact": str(cache / "eval")})
    manifest_path = workspace.runs_dir / "20260101-000000-abcd" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "stages": stages}))
    result = export_run("last", str(tmp_path / "out"), workspace=workspace, plugins=plugins(NotePlugin()))
    out = tmp_path / "out"
    assert (out / "exports" / "modelfile" / "Modelfile").read_text() == "FROM ./model.q8_0.gguf\n"
    assert (out / "exports" / "zip" / "bundle" / "model.zip").read_text() == "PK"
    assert result.summary["exports"] == ["export.modelfile", "export.zip"]
    assert set(result.files) == {"note.txt", "exports/modelfile/Modelfile", "exports/modelfile/model.q8_0.gguf",
                                 "exports/zip/bundle/model.zip"}
    assert set(json.loads((out / "export.json").read_text())["files"]) == set(result.files)
    # an exporter's artifact gone from the cache (gc): one line, and nothing half-written
    (cache / "export.zip" / "bundle" / "model.zip").unlink()
    (cache / "export.zip" / "bundle").rmdir()
    (cache / "export.zip").rmdir()
    with pytest.raises(UserError, match="stage export.zip's artifact .* is gone"):
        export_run("last", str(tmp_path / "again"), workspace=workspace, plugins=plugins(NotePlugin()))
    assert not (tmp_path / "again").exists() and not list(tmp_path.glob(".again*"))


def test_target_rules_and_force(tmp_path, plugins):
    workspace = _workspace(tmp_path)
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    with pytest.raises(UserError, match="exists and is not empty"):
        export_run("last", str(other), workspace=workspace, plugins=plugins(NotePlugin()))
    with pytest.raises(UserError, match="was not written by `ftflow export`"):
        export_run("last", str(other), force=True, workspace=workspace, plugins=plugins(NotePlugin()))
    assert (other / "keep.txt").read_text() == "x"
    out = tmp_path / "out"
    export_run("last", str(out), workspace=workspace, plugins=plugins(NotePlugin()))
    export_run("last", str(out), ["again"], force=True, workspace=workspace, plugins=plugins(NotePlugin()))
    assert json.loads((out / "export.json").read_text())["summary"]["formats"] == ["again"]
    assert len(list_models(workspace)) == 1  # one path, the newest export


def test_a_failing_plugin_leaves_nothing(tmp_path, plugins):
    workspace = _workspace(tmp_path)
    with pytest.raises(UserError, match="not for this run"):
        export_run("last", str(tmp_path / "out"), workspace=workspace, plugins=plugins(NotePlugin(fail=True)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    assert list_models(workspace) == []


def test_unfinished_runs_and_no_exporter_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("FTFLOW_DISABLE_PLUGINS", "publish")
    with pytest.raises(UserError, match="did not finish"):
        export_run("last", str(tmp_path / "o"), workspace=_workspace(tmp_path / "f", "failed"))
    with pytest.raises(UserError, match="no installed plugin exports its model"):
        export_run("last", str(tmp_path / "o"), workspace=_workspace(tmp_path / "n"))
    assert not (tmp_path / "o").exists()


def test_cli_errors_are_one_line(tmp_path):
    home = _workspace(tmp_path).root
    for args, message in [(("export", "nope", "-o", "x"), "unknown run id 'nope'"),
                          (("export", "last", "-o", str(tmp_path / "o")), "has no model to export")]:
        result = run_ftflow(home, *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    (home / "models.jsonl").write_text('{"path": "/x"}\nnot json\n')
    result = run_ftflow(home, "models")
    assert result.returncode == 2 and "models.jsonl:2: not a JSON line" in result.stderr


def test_serve_spec_paths_are_relative_to_it(tmp_path):
    spec = tmp_path / "serve.yaml"
    spec.write_text("run_id: r\nstages:\n- {name: export, artifact: .}\n")
    manifest = read_serve_spec(spec)
    assert manifest["stages"][0]["artifact"] == str(tmp_path.resolve()) and manifest["status"] == "ok"
    spec.write_text("run_id: r\nstages: [{name: export}]\n")
    with pytest.raises(UserError, match=r"stages\[0\] needs a name and an artifact path"):
        read_serve_spec(spec)
    spec.write_text("run_id: [\n")
    with pytest.raises(UserError, match="serve.yaml:2: not valid YAML"):
        read_serve_spec(spec)
