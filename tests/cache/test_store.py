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
    assert any("size of a.txt is 8 bytes, recorded 5" in p for p in problems)
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


def test_a_resized_file_is_caught_by_the_cheap_lookup_and_quarantined(tmp_path):
    store = CacheStore(tmp_path)
    entry = _build(store, "k1")
    (entry.artifact / "a.txt").write_text("hel")  # truncated
    assert store.lookup("k1") is None  # never reused
    moved = list((tmp_path / "quarantine").glob("k1.*"))
    assert len(moved) == 1 and "size of a.txt" in (moved[0] / "REASON").read_text()
    assert _build(store, "k1").digest == entry.digest  # rebuilt under the same key


def test_a_same_size_change_is_caught_by_the_deep_lookup_despite_the_stat_cache(tmp_path):
    store = CacheStore(tmp_path)
    entry = _build(store, "k1")
    assert store.lookup("k1", deep=True) is not None  # a stat: the commit seeded the stat cache
    path = entry.artifact / "a.txt"
    stat = path.stat()
    path.write_text("HELLO")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert store.lookup("k1") is not None  # same size: the cheap check cannot see it
    assert CacheStore(tmp_path).lookup("k1", deep=True) is None


def test_a_truncated_meta_json_is_a_damaged_entry_not_a_crash(tmp_path):
    store = CacheStore(tmp_path)
    entry = _build(store, "k1")
    meta = entry.path / "meta.json"
    meta.write_text(meta.read_text()[:40])
    assert store.verify() == ["k1: meta.json is unreadable (JSONDecodeError)"]
    assert store.lookup("k1") is None and not entry.path.exists()


def test_an_edited_meta_json_digest_is_caught(tmp_path):
    store = CacheStore(tmp_path)
    entry = _build(store, "k1")
    meta = json.loads((entry.path / "meta.json").read_text())
    meta["files"]["a.txt"] = "0" * 64
    (entry.path / "meta.json").write_text(json.dumps(meta))
    assert store.lookup("k1") is None


def test_verify_fix_quarantines_damaged_entries(tmp_path):
    store = CacheStore(tmp_path)
    _build(store, "good")
    bad = _build(store, "bad")
    (bad.artifact / "sub" / "b.bin").unlink()
    lines = store.verify(fix=True)
    assert lines[0] == "bad: missing file sub/b.bin" and "moved to" in lines[1]
    assert store.verify() == [] and store.lookup("good") is not None and not bad.path.exists()


def test_a_build_never_commits_when_an_input_changed_meanwhile(tmp_path):
    from ftflow.cache.store import CacheDamaged

    store = CacheStore(tmp_path)
    upstream = _build(store, "up")
    build = store.new_build_dir("down")
    (build / "artifact" / "out.txt").write_text("from up")
    (upstream.artifact / "a.txt").write_text("HELLO")  # same size, changed while "down" ran
    try:
        store.commit("down", build, {"stage": "s"}, inputs=[upstream])
    except CacheDamaged as exc:
        assert "nothing was committed" in str(exc)
    else:
        raise AssertionError("commit accepted a changed input")
    assert store.lookup("down") is None and not build.exists()
    assert store.lookup("up") is None  # the changed input is quarantined, so a rerun rebuilds it


def test_gc_skips_leased_keys_and_moves_others_through_the_trash(tmp_path):
    store = CacheStore(tmp_path)
    _build(store, "leased")
    _build(store, "free")
    (tmp_path / "trash" / "half-deleted.x").mkdir(parents=True)  # an interrupted gc
    holder = ("import sys, time; from pathlib import Path; from ftflow.cache.store import CacheStore\n"
              "s = CacheStore(Path(sys.argv[1])); s.lease('leased'); Path(sys.argv[2]).write_text('x')\n"
              "time.sleep(60)\n")
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", holder, str(tmp_path), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        lines = CacheStore(tmp_path).gc(set())
        assert any(line.startswith("kept ") and "leased" in line for line in lines)
        assert store.lookup("leased") is not None and store.lookup("free") is None
        assert list((tmp_path / "trash").iterdir()) == []
    finally:
        proc.kill()
        proc.wait()
    CacheStore(tmp_path).gc(set())  # the lease died with its process
    assert store.lookup("leased") is None


def test_split_record_keeps_measurements_and_host_paths_out_of_the_digest(tmp_path):
    from ftflow.cache.store import split_record

    metadata = {"steps": 4, "train_seconds": 3.2, "where": str(tmp_path / "cache" / "x"), "rel": "model"}
    kept, record = split_record(metadata, ("train_seconds",), tmp_path)
    assert kept == {"steps": 4, "rel": "model"}
    assert record == {"train_seconds": 3.2, "where": str(tmp_path / "cache" / "x")}
