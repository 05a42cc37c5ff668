"""Plugins add commands (``ftflow_add_commands``) and report sections (``ftflow_report_sections``)."""

from __future__ import annotations

import pytest

from ftflow.cli import main
from ftflow.plugin import hookimpl, manager
from ftflow.report.manifest import write_run_record
from ftflow.report.sections import Chart, ReportSection, collect_sections


class Greeter:
    @hookimpl
    def ftflow_add_commands(self, subparsers, parents):
        hello = subparsers.add_parser("hello", parents=parents, help="say hello")
        hello.add_argument("--name", default="world")
        hello.set_defaults(handler=lambda args: print(f"hello {args.name}") or 0)


class Squatter:
    @hookimpl
    def ftflow_add_commands(self, subparsers, parents):
        subparsers.add_parser("plan", parents=parents)


def _with(monkeypatch: pytest.MonkeyPatch, plugin: object) -> None:
    real = manager.load_plugins
    monkeypatch.setattr(manager, "load_plugins", lambda extra=None: real(extra=[plugin, *(extra or [])]))


def test_a_plugin_command_runs_with_its_arguments(monkeypatch, capsys):
    _with(monkeypatch, Greeter())
    assert main(["hello", "--name", "ftflow", "--debug"]) == 0
    assert capsys.readouterr().out == "hello ftflow\n"


def test_help_lists_plugin_commands_and_builtin_ones_load_no_plugin(monkeypatch, capsys, tmp_path):
    _with(monkeypatch, Greeter())
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "hello" in out and "chat" in out and "data" in out  # the built-in plugins' commands too
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path))
    monkeypatch.setattr(manager, "load_plugins", lambda extra=None: pytest.fail("plugins loaded for `runs`"))
    assert main(["runs", "--json"]) == 0


def test_a_plugin_taking_an_engine_command_name_is_one_line(monkeypatch, capsys):
    _with(monkeypatch, Squatter())
    assert main(["hello"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "conflicting subparser: plan" in err[0]


class Reporter:
    @hookimpl
    def ftflow_report_sections(self, manifest):
        rows = manifest["stage_metadata"]["probe"]["rows"]
        return [ReportSection("Probe", f"**{len(rows)}** rows", (Chart("Rows", "lines", {"rows": rows}, "i"),))]


def test_report_sections_reach_both_reports(tmp_path):
    manifest = {"run_id": "r", "recipe": "x", "status": "ok", "error": None, "metrics": {}, "config": {},
                "stages": [], "stage_metadata": {"probe": {"rows": [[0, 1.0], [1, 2.0]]}}}
    plugins = manager.load_plugins(extra=[Reporter()])
    sections = collect_sections(plugins.hook.ftflow_report_sections(manifest=manifest))
    assert [s.title for s in sections] == ["Probe"]  # the built-in plugins find nothing of theirs here
    write_run_record(tmp_path, manifest, sections=sections)
    assert "## Probe\n\n**2** rows" in (tmp_path / "report.md").read_text()
    page = (tmp_path / "report.html").read_text()
    assert "<h2>Probe</h2>" in page and '<img alt="Rows" src="data:image/png;base64,' in page
