from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from ftflow.cache.digests import DigestCache
from ftflow.cache.store import CacheStore


def _build(store: CacheStore, key: str, text: str = "hello"):
    build = store.new_build_dir(key)
    (build / "artifact" / "a.txt").write_text(text)
    (build / "artifact" / "sub").mkdir()
    (build / "artifact" / "sub" / "b.bin").write_bytes(b"\x00\x01")
    return store.commit(key, build, {"stage": "s", "metadata": {"m": 1}})


def test_commit_is_visible_only_when_complete(tmp_path):
    store = CacheStore(tmp_path)
    build = store.new_build_dir("k1")
    (build / "artifact" / "a.txt").write_text("partial")
    assert store.lookup("k1") is None  # a build in progress is not an entry
    entry = store.commit("k1", build, {"stage": "s"})
    assert store.lookup("k1").digest == entry.digest
    assert (entry.artifact / "a.txt").read_text() == "partial"
    assert not build.exists()


def test_digest_depends_on_content_not_location(tmp_path):
    one = _build(CacheStore(tmp_path / "one"), "k")
    two = _build(CacheStore(tmp_path / "two"), "k")
    three = _build(CacheStore(tmp_path / "three"), "k", text="other")
    assert one.digest == two.digest != three.digest


def test_verify_finds_damage(tmp_path):
    store = CacheStore(tmp_path)
    entry = _build(store, "k1")
    assert store.verify() == []
    (entry.artifact / "a.txt").write_text("tampered")
    (entry.artifact / "sub" / "b.bin").unlink()
    (entry.artifact / "extra").write_text("x")
    problems = store.verify()
    assert any("digest mismatch in a.txt" in p for p in problems)
    assert any("missing file sub/b.bin" in p for p in problems)
    assert any("unexpected file extra" in p for p in problems)


def test_gc_keeps_referenced_entries_and_removes_crash_debris(tmp_path):
    store = CacheStore(tmp_path)
    _build(store, "keep")
    _build(store, "drop")
    debris = store.new_build_dir("crashed")
    removed = store.gc({"keep"})
    assert store.lookup("keep") is not None and store.lookup("drop") is None
    assert not debris.parent.exists() or not debris.exists()
    assert any("drop" in r for r in removed)


def test_lock_is_exclusive_across_processes(tmp_path):
    marker = tmp_path / "marker"
    holder = ("import sys, time; from pathlib import Path; from ftflow.cache.store import CacheStore\n"
              "with CacheStore(Path(sys.argv[1])).lock('k'):\n"
              "    Path(sys.argv[2]).write_text('locked'); time.sleep(1.0)\n")
    proc = subprocess.Popen([sys.executable, "-c", holder, str(tmp_path), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "lock holder did not start"
        time.sleep(0.02)
    started = time.monotonic()
    with CacheStore(tmp_path).lock("k"):
        waited = time.monotonic() - started
    proc.wait()
    assert waited > 0.5


def test_digest_cache_rehashes_changed_files(tmp_path):
    path = tmp_path / "f"
    path.write_text("one")
    cache = DigestCache(tmp_path / "d.json")
    first = cache.digest(path)
    cache.save()
    again = DigestCache(tmp_path / "d.json")
    assert again.digest(path) == first
    time.sleep(0.01)
    path.write_text("two")
    os.utime(path)
    assert again.digest(path) != first
    assert json.loads((tmp_path / "d.json").read_text())
