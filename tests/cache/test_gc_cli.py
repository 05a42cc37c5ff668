"""``ftflow cache gc|ls|verify`` on damaged workspaces: one line and exit 2, or a record, never a traceback."""

from __future__ import annotations

import json

from ftflow.cache.store import CacheStore
from ftflow.cli import main


def _entry(home, key="k" * 64):
    store = CacheStore(home / "cache")
    build = store.new_build_dir(key)
    (build / "artifact" / "a.txt").write_text("a")
    return store.commit(key, build, {"stage": "data", "provider": "files"})


def test_gc_refuses_a_truncated_run_manifest_and_removes_nothing(tmp_path, monkeypatch, capsys):
    home = tmp_path / "ws"
    entry = _entry(home)
    run = home / "runs" / "20260101-000000-abcd"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text('{"run_id": "20260101-000000-abcd", "stages": [{"na')
    monkeypatch.setenv("FTFLOW_HOME", str(home))
    assert main(["cache", "gc"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "manifest.json" in err and "Traceback" not in err
    assert entry.path.exists()


def test_gc_records_a_run_folder_left_without_a_manifest(tmp_path, monkeypatch, capsys):
    home = tmp_path / "ws"
    (home / "runs" / "20260101-000000-dead").mkdir(parents=True)  # killed before it wrote anything
    monkeypatch.setenv("FTFLOW_HOME", str(home))
    assert main(["cache", "gc"]) == 0
    assert "recorded run 20260101-000000-dead as interrupted" in capsys.readouterr().out
    record = json.loads((home / "runs" / "20260101-000000-dead" / "manifest.json").read_text())
    assert record["status"] == "interrupted" and record["stages"] == []


def test_ls_and_verify_name_a_damaged_entry(tmp_path, monkeypatch, capsys):
    home = tmp_path / "ws"
    entry = _entry(home)
    (entry.path / "meta.json").write_text("{")
    (home / "cache" / "digests.json").write_text("[1, 2]")  # a damaged stat cache is only a cache
    monkeypatch.setenv("FTFLOW_HOME", str(home))
    assert main(["cache", "ls"]) == 0
    assert "DAMAGED" in capsys.readouterr().out
    assert main(["cache", "verify"]) == 1
    assert "meta.json is unreadable" in capsys.readouterr().out
