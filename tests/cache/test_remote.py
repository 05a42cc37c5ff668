"""A remote cache two workspaces share: a directory and a real S3-compatible server (moto) on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from light import light_config

from ftflow.cache.remote import Remote, RemoteDamaged
from ftflow.cache.store import CacheStore
from ftflow.pipeline import build_graph
from ftflow.runner import Runner

pytest.importorskip("fsspec")


def _run(store: CacheStore, plugins, config: dict) -> dict:
    graph = build_graph(config, plugins.registry)
    return {r.name: r for r in Runner(graph, store, plugins, seed=1, recipe_dirs=[]).run("r", "ftflow run")}


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free port of 127.0.0.1 (a real HTTP server, spoken to by s3fs)."""
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield {"endpoint_url": f"http://{host}:{port}", "key": "testing", "secret": "testing"}
    server.stop()


def _s3_remote(s3_server, bucket: str) -> Remote:
    import s3fs

    s3fs.S3FileSystem(**s3_server).mkdir(bucket)
    return Remote(f"s3://{bucket}/ftflow", dict(s3_server))


@pytest.mark.parametrize("kind", ["directory", "s3"])
def test_second_workspace_pulls_instead_of_recomputing(kind, tmp_path, light_plugins, request):
    remote = (Remote(str(tmp_path / "remote")) if kind == "directory"
              else _s3_remote(request.getfixturevalue("s3_server"), "team-cache"))
    first = _run(CacheStore(tmp_path / "one" / "cache", remote=remote), light_plugins, light_config(data=3))
    assert not any(r.cached for r in first.values()) and len(remote.entry_keys()) == len(first)
    second = _run(CacheStore(tmp_path / "two" / "cache", remote=remote), light_plugins, light_config(data=3))
    assert all(r.cached for r in second.values())  # 0 stages ran: pulled
    assert {n: r.key for n, r in second.items()} == {n: r.key for n, r in first.items()}
    assert CacheStore(tmp_path / "two" / "cache").verify() == []


def test_a_partial_upload_is_invisible_and_a_damaged_remote_object_is_refused(tmp_path, light_plugins):
    remote = Remote(str(tmp_path / "remote"))
    first = _run(CacheStore(tmp_path / "one" / "cache", remote=remote), light_plugins, light_config())
    key = first["train"].key
    # a pusher killed before its commit marker: objects and a temporary marker, no entry
    (tmp_path / "remote" / "entries" / f"{'f' * 64}.json.tmp-0123").write_text("{")
    assert "f" * 64 not in remote.entry_keys()
    # an object damaged on the remote: the pull is refused and nothing is cached
    meta = json.loads((tmp_path / "remote" / "entries" / f"{key}.json").read_text())
    sha = meta["files"]["note.json"]
    (tmp_path / "remote" / "files" / sha[:2] / sha).write_text("tampered")
    store = CacheStore(tmp_path / "two" / "cache")
    with pytest.raises(RemoteDamaged):
        remote.pull(store, key)
    assert store.lookup(key) is None and list((store.root / "tmp").iterdir()) == []
    # during a run the damaged remote entry is not used: the stage is built here instead
    again = _run(CacheStore(tmp_path / "two" / "cache", remote=remote), light_plugins, light_config())
    assert not again["train"].cached and again["train"].key == key


def test_cache_push_and_pull_commands(tmp_path, light_plugins, monkeypatch, capsys):
    from ftflow.cli import main

    _run(CacheStore(tmp_path / "one" / "cache"), light_plugins, light_config())
    remote = tmp_path / "remote"
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "one"))
    assert main(["cache", "push", "--remote", str(remote)]) == 0
    assert "pushed 4 entries" in capsys.readouterr().out
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "config.yaml").write_text(f"remote: {{url: '{remote}', write: false}}\n")
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "two"))
    assert main(["cache", "pull"]) == 0  # the workspace config names the remote
    assert "pulled 4 entries" in capsys.readouterr().out
    assert main(["cache", "verify"]) == 0
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "three"))
    assert main(["cache", "pull"]) == 2
    assert "no remote" in capsys.readouterr().err


def test_bad_remote_settings_are_one_line_errors(tmp_path, monkeypatch, capsys):
    from ftflow.cli import main

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("FTFLOW_HOME", str(home))
    (home / "config.yaml").write_text("remote: {url: /x, colour: red}\n")
    assert main(["cache", "pull"]) == 2
    assert "unknown remote key(s) colour" in capsys.readouterr().err
    (home / "config.yaml").unlink()
    assert main(["cache", "push", "--remote", "nosuchproto://bucket/x"]) == 2
    err = capsys.readouterr().err
    assert "nosuchproto" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_remote_paths_stay_inside_the_entry(tmp_path):
    remote = Remote(str(tmp_path / "remote"))
    bad = {"files": {"../../escape": "0" * 64}, "sizes": {"../../escape": 1}, "metadata": {}}
    from ftflow.cache.store import entry_digest

    bad["digest"] = entry_digest(bad["files"], {})
    (tmp_path / "remote" / "entries").mkdir(parents=True)
    (tmp_path / "remote" / "entries" / f"{'a' * 64}.json").write_text(json.dumps(bad))
    with pytest.raises(RemoteDamaged):
        remote.pull(CacheStore(tmp_path / "cache"), "a" * 64)
    assert not Path(tmp_path / "escape").exists()
