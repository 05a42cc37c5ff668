"""The memo's file side: atomic put, lookup by key and suffix, pruning by age."""

from __future__ import annotations

import os
import time

from ftflow.cache.memo import Memo


def test_put_file_moves_it_in_and_file_finds_it(tmp_path):
    memo = Memo(tmp_path / "memo")
    key = Memo.key("gguf", "digest")
    assert memo.file(key, ".gguf") is None
    source = memo.tmp_dir() / "built.gguf"
    source.write_bytes(b"GGUF")
    stored = memo.put_file(key, source, ".gguf")
    assert not source.exists() and stored.read_bytes() == b"GGUF"
    assert memo.file(key, ".gguf") == stored and memo.file(key) is None  # the suffix is part of the name


def test_prune_drops_old_files_and_values_keeps_fresh_ones(tmp_path):
    memo = Memo(tmp_path / "memo")
    old, fresh = Memo.key("old"), Memo.key("fresh")
    for key in (old, fresh):
        source = memo.tmp_dir() / key
        source.write_text("x")
        memo.put_file(key, source, ".gguf")
        memo.put(key, {"value": key})
    ancient = time.time() - 40 * 86400
    for path in (memo.root / "files" / old[:2] / f"{old}.gguf", memo.root / old[:2] / f"{old}.json"):
        os.utime(path, (ancient, ancient))
    removed = memo.prune(older_than_days=30)
    assert len(removed) == 2 and memo.file(old, ".gguf") is None and memo.get(old) is None
    assert memo.file(fresh, ".gguf") is not None and memo.get(fresh) == {"value": fresh}


def test_a_truncated_memo_file_is_a_miss_not_a_hit(tmp_path):
    memo = Memo(tmp_path / "memo")
    key = Memo.key("gguf", "digest")
    source = memo.tmp_dir() / "built.gguf"
    source.write_bytes(b"GGUF" * 100)
    stored = memo.put_file(key, source, ".gguf")
    assert memo.file(key, ".gguf") == stored
    with open(stored, "r+b") as handle:
        handle.truncate(10)
    assert memo.file(key, ".gguf") is None and not stored.exists()  # rebuilt by the caller, not used
