"""``ftflow serve`` with serve=llamacpp, end to end: the real llama-cpp-python server on the smoke run's
GGUF, behind the router, queried with the ``openai`` client; wrong key, public bind, clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import gguf_workspace
import pytest
from serve_process import serve_last

from ftflow.testing import run_ftflow

openai = pytest.importorskip("openai")
pytest.importorskip("fastapi", reason="llama-cpp-python's server extra (pip install 'ftflow[serve]')")

KEY = "serve-test-key-0123"
ROUTES = "serve.routes=[{name:triage,keywords:[solidity,reentrancy]},{name:support,keywords:[wallet]}]"


@pytest.fixture(scope="module")
def serve_home(gguf_home, tmp_path_factory) -> Path:
    """The GGUF smoke workspace, rerun with serve=llamacpp and two routes (only the serve stage runs)."""
    home = gguf_workspace.fresh(gguf_home, tmp_path_factory.mktemp("serve") / "home")
    result = run_ftflow(home, "run", *gguf_workspace.RUN, "serve=llamacpp", ROUTES, "serve.n_ctx=1024",
                        "serve.n_threads=1", "serve.max_tokens=16", "serve.default_route=support",
                        "serve.rate_limit_per_min=0")
    assert result.ok, result.stderr[-2000:]
    assert result.ran() == {"serve"}
    return home


def start(home: Path, *args: str, key: str | None = KEY) -> tuple[subprocess.Popen, str]:
    return serve_last(home, *args, key=key)


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    return out + err


def test_openai_client_routes_and_key(serve_home):
    proc, url = start(serve_home)
    try:
        client = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0)
        assert [m.id for m in client.models.list()] == ["auto", "triage", "support"]
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Is this Solidity vault safe from reentrancy?"}],
            max_tokens=8)
        answer = raw.parse()
        assert raw.headers["x-ftflow-route"] == "triage"
        assert isinstance(answer.choices[0].message.content, str) and answer.usage.completion_tokens <= 8
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "How do I back up my wallet?"}])
        assert raw.headers["x-ftflow-route"] == "support" and raw.parse().model == "support"
        stream = client.chat.completions.create(model="triage", stream=True, max_tokens=4,
                                                messages=[{"role": "user", "content": "hi"}])
        assert len([chunk for chunk in stream]) >= 2
        with pytest.raises(openai.BadRequestError, match="limit of 16"):
            client.chat.completions.create(model="auto", max_tokens=17, messages=[{"role": "user", "content": "x"}])
        wrong = openai.OpenAI(base_url=url, api_key="not-the-key", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            wrong.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi"}])
    finally:
        output = stop(proc)
    assert "route=triage (keyword:solidity)" in output and "route=support (keyword:wallet)" in output
    assert "refused 401" in output and "stopping" in output
    # the backend went with it, and its key file (read and deleted at its start) is nowhere on disk
    run_dir = next((serve_home / "runs").glob("*/serve"))
    assert not list(run_dir.glob("llamacpp-*.json")) and "llamacpp-0" not in _processes()
    rows = [json.loads(line) for line in (run_dir / "requests.jsonl").read_text().splitlines()]
    assert {r["status"] for r in rows} >= {200, 400, 401} and "reentrancy" not in json.dumps(rows)
    status = run_ftflow(serve_home, "serve", "last", "--status")
    assert status.ok and "stopped" in status.stdout and "backend llamacpp-0: down, 0 restarts" in status.stdout


def _processes() -> str:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout


def test_public_address_without_key_is_refused(serve_home):
    env = {k: v for k, v in os.environ.items() if k != "FTFLOW_API_KEY"}
    proc = subprocess.run([sys.executable, "-m", "ftflow", "serve", "last", "--host", "0.0.0.0"],
                          capture_output=True, text=True, env={**env, "FTFLOW_HOME": str(serve_home)}, timeout=60,
                          cwd=serve_home.parent)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ftflow: error: serve.host: 0.0.0.0 is not a loopback address: set an API key in $FTFLOW_API_KEY "
        "(serve.api_key_env) to bind it"]


def _family(proc: subprocess.Popen) -> list:
    import psutil

    return psutil.Process(proc.pid).children(recursive=True)


def test_crashed_backend_is_restarted_with_503_meanwhile(serve_home):
    import httpx

    proc, url = start(serve_home)
    try:
        (backend,) = [p for p in _family(proc) if p.cmdline()[1:3] == ["-m", "ftflow_plugins.serve.slots"]]
        client = httpx.Client(timeout=30, headers={"Authorization": f"Bearer {KEY}"})
        body = {"model": "support", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
        assert client.post(url + "/chat/completions", json=body).status_code == 200
        backend.kill()
        codes = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and codes[-1:] != [200]:
            reply = client.post(url + "/chat/completions", json=body)
            codes.append(reply.status_code)
            if reply.status_code != 200:
                assert reply.status_code == 503 and reply.json()["error"]["code"] == "backend_restarting"
                time.sleep(0.2)
        assert codes[0] == 503 and codes[-1] == 200
    finally:
        output = stop(proc)
    assert "llamacpp-0 exited" in output and "llamacpp-0 is back (restart 1)" in output
    status = run_ftflow(serve_home, "serve", "last", "--status")
    assert "backend llamacpp-0: down, 1 restarts" in status.stdout and "503:" in status.stdout


def test_kill_9_leaves_no_orphan_and_the_run_serves_again(serve_home):
    import psutil

    proc, url = start(serve_home)
    family = _family(proc)
    assert len(family) >= 2  # the watchdog and the backend
    settings = [a for p in family for a in p.cmdline() if a.endswith(".json")]
    proc.kill()
    proc.wait(10)
    gone, alive = psutil.wait_procs(family, timeout=20)
    assert not alive, [p.cmdline() for p in alive]
    assert settings and not any(Path(s).exists() for s in settings)  # the key file went at the backend's start
    status = run_ftflow(serve_home, "serve", "last", "--status")
    assert "not running (killed)" in status.stdout
    proc, url = start(serve_home)  # the same run, served again
    try:
        reply = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0).completions.create(
            model="support", prompt="Hello", max_tokens=3)
        assert reply.model == "support" and reply.choices[0].text is not None
    finally:
        stop(proc)


def test_load_of_mixed_clients_has_no_error_and_steady_memory(serve_home):
    """4 clients for 6 s (chat, streamed chat, completions): no error; p50/p99 and RSS reported by the same
    code as `bench/serve.py --load` (its figures for the real model are in bench/RESULTS.md)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_serve", Path(__file__).parents[3] / "bench" / "serve.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    proc, url = start(serve_home)
    try:
        row = bench.load(url, proc.pid, clients=4, seconds=6, max_tokens=8, key=KEY)
    finally:
        stop(proc)
    print(row)
    assert row["errors"] == 0, row["first_errors"]
    assert row["requests"] >= 8 and row["p99_s"] < 10
    assert row["rss_second_half_mb"] <= row["rss_first_half_mb"] * 1.25 + 30
