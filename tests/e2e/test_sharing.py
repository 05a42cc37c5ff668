"""Sharing you can trust, as users meet it (issue 21): the smoke recipe in several workspaces.

Equal keys for every stage in two workspaces at different paths and for a lock replayed in a third;
a shared S3 remote (moto's server on 127.0.0.1) lets a workspace run 0 stages; gc during a live run
does not break it; a truncated cached data file is rebuilt, not trained on; a killed run is recorded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow

FAST = ["recipe=smoke", "method.max_steps=2", "eval.engine=hf", "eval.max_examples=2"]


def _keys(result) -> dict[str, str]:
    return {s["name"]: s["key"] for s in result.manifest["stages"]}


def _entry(home: Path, stage: str) -> Path:
    return next(p.parent for p in (home / "cache" / "entries").glob("*/*/meta.json")
                if json.loads(p.read_text())["stage"] == stage)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    options = {"endpoint_url": f"http://{host}:{port}", "key": "testing", "secret": "testing"}
    import s3fs

    s3fs.S3FileSystem(**options).mkdir("team")
    yield options
    server.stop()


def _with_remote(home: Path, s3: dict) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text(json.dumps({"remote": {"url": "s3://team/ftflow", "options": s3}}))
    return home


@pytest.fixture(scope="module")
def first(tmp_path_factory, s3):
    """Workspace A (writing back to the S3 remote); `cache gc --keep-runs 0` runs while it trains."""
    home = _with_remote(tmp_path_factory.mktemp("a") / "ws", s3)
    env = {**os.environ, "FTFLOW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "run", *FAST], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=home.parent)
    out, gc = [], None
    for line in proc.stdout:
        out.append(line)
        if gc is None and "tokenize" in line and "✓" in line:  # model, data, tokenize built; train next
            gc = run_ftflow(home, "cache", "gc", "--keep-runs", "0")
    proc.wait(timeout=900)
    assert proc.returncode == 0, "".join(out)[-3000:]
    runs = home / "runs"
    manifest = json.loads((runs / (runs / "last").read_text() / "manifest.json").read_text())
    return home, manifest, gc


def test_gc_during_a_run_keeps_what_it_uses(first):
    home, manifest, gc = first
    assert gc is not None and gc.ok, gc and gc.stderr
    assert "in use by running runs" in gc.stdout and "removed" not in gc.stdout.replace("0 removed", "")
    assert manifest["status"] == "ok" and not any(s["cached"] for s in manifest["stages"])
    assert run_ftflow(home, "cache", "verify").ok


def test_two_workspaces_give_equal_keys_for_every_stage(first, tmp_path_factory):
    _, manifest, _ = first
    home = tmp_path_factory.mktemp("b-another-machine") / "deeper" / "workspace"
    home.parent.mkdir()
    second = run_ftflow(home, "run", *FAST)
    assert second.ok, second.stderr[-3000:]
    assert not any(s["cached"] for s in second.manifest["stages"])  # really recomputed
    assert _keys(second) == {s["name"]: s["key"] for s in manifest["stages"]}
    # and the record still shows this machine's timings
    assert second.manifest["stage_metadata"]["train"]["train_seconds"] > 0

    # A cached data file cut to 10 of 30 rows and the tokenize entry deleted: the rerun rebuilds the
    # data (quarantined, never reused), so tokenize and train see all 30 rows under the same keys.
    data = _entry(home, "data") / "artifact" / "train.jsonl"
    rows = data.read_text().splitlines()
    assert len(rows) == 30
    data.write_text("\n".join(rows[:10]) + "\n")
    tokenize = _entry(home, "tokenize")
    import shutil

    shutil.rmtree(tokenize)
    again = run_ftflow(home, "run", *FAST)
    assert again.ok, again.stderr[-3000:]
    assert {s["name"] for s in again.manifest["stages"] if not s["cached"]} == {"data", "tokenize"}
    assert _keys(again) == _keys(second)
    assert len((_entry(home, "data") / "artifact" / "train.jsonl").read_text().splitlines()) == 30
    assert "damaged" in again.stdout and "quarantine" in again.stdout


def test_a_lock_replayed_in_a_third_workspace_pulls_everything_with_equal_keys(first, tmp_path_factory, s3):
    home_a, manifest, _ = first
    lock = home_a.parent / "smoke.lock.json"
    locked = run_ftflow(home_a, "lock", *FAST, "-o", str(lock))
    assert locked.ok, locked.stderr
    home = _with_remote(tmp_path_factory.mktemp("c") / "ws", s3)
    replay = run_ftflow(home, "run", "--locked", str(lock))
    assert replay.ok, replay.stderr[-3000:]
    assert _keys(replay) == {s["name"]: s["key"] for s in manifest["stages"]}
    assert all(s["cached"] for s in replay.manifest["stages"])  # 0 stages ran: pulled from the remote
    assert "0 ran, 6 cached" in replay.stdout


def test_a_killed_run_is_recorded_as_interrupted_and_its_debris_cleaned(tmp_path):
    home = tmp_path / "ws"
    env = {**os.environ, "FTFLOW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "run", *FAST], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 300
    for line in proc.stdout:
        if "✓" in line or time.monotonic() > deadline:  # a stage finished, the next one is building
            break
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    (run_id,) = [p.name for p in (home / "runs").iterdir() if p.is_dir()]
    assert not (home / "runs" / run_id / "manifest.json").exists()
    meta = next((home / "cache" / "entries").glob("*/*/meta.json"))  # the stage that finished
    meta.write_text(meta.read_text()[:30])  # a truncated meta.json: reported in one line, then fixed
    verify = run_ftflow(home, "cache", "verify")
    assert verify.returncode == 1 and "meta.json is unreadable" in verify.stdout and not verify.stderr
    assert run_ftflow(home, "cache", "verify", "--fix").ok and run_ftflow(home, "cache", "verify").ok
    gc = run_ftflow(home, "cache", "gc")
    assert gc.ok and f"recorded run {run_id} as interrupted" in gc.stdout
    record = json.loads((home / "runs" / run_id / "manifest.json").read_text())
    assert record["status"] == "interrupted"
    assert list((home / "cache" / "tmp").iterdir()) == [] and list((home / "cache" / "quarantine").iterdir()) == []
    shown = run_ftflow(home, "show", run_id, "--json")
    assert shown.ok and json.loads(shown.stdout)["status"] == "interrupted", shown.stderr
