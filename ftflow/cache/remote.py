"""A cache a team shares through a remote: any fsspec file system (a local or network directory, S3).

The layout follows the content-addressed design of DVC remotes and Bazel's remote cache::

    <url>/files/ab/<sha256>     each artifact file once, named by its content (shared between entries)
    <url>/entries/<key>.json    the entry's meta.json: its file list (path -> sha256, size) and metadata

An entry becomes visible only when ``entries/<key>.json`` appears, and that is written last, under a
temporary name first and then moved into place (a rename on a directory; one complete object on S3,
where a ``.tmp-`` name is never listed).  A push killed half way leaves unreferenced objects, never a
half entry.  A pull downloads every file into a private build folder, checks each one's sha256 and
size against the entry's list and commits through the local store, which recomputes the digest: a
damaged or tampered remote entry is refused, never cached.

fsspec (and s3fs for ``s3://``) are imported only when a remote is used: ``pip install 'ftflow[remote]'``.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftflow.cache.digests import sha256_file
from ftflow.errors import UserError

if TYPE_CHECKING:
    from ftflow.cache.store import CacheStore, Entry

#: meta.json fields the local commit recomputes (or that describe one machine's copy)
_LOCAL_FIELDS = ("files", "sizes", "digest", "key", "created")


class RemoteDamaged(RuntimeError):
    """A remote entry whose files do not match its own list; it is not cached."""


class Remote:
    """One remote; ``read``: pull misses during runs, ``write``: push what runs build."""

    def __init__(self, url: str, options: dict[str, Any] | None = None, *, read: bool = True,
                 write: bool = True) -> None:
        self.url = url.rstrip("/") or url
        self.options = dict(options or {})
        self.read = read
        self.write = write

    @cached_property
    def _fs_root(self) -> tuple[Any, str]:
        try:
            import fsspec
        except ImportError:
            raise UserError("a cache remote needs fsspec: pip install 'ftflow[remote]'") from None
        try:
            fs, root = fsspec.core.url_to_fs(self.url, **self.options)
        except ImportError as exc:
            raise UserError(f"remote {self.url}: {exc} (pip install 'ftflow[remote]')") from None
        except ValueError as exc:
            raise UserError(f"remote {self.url}: {exc}") from None
        return fs, root.rstrip("/")

    @property
    def fs(self) -> Any:
        return self._fs_root[0]

    def _path(self, *parts: str) -> str:
        return "/".join([self._fs_root[1], *parts])

    def _object(self, sha: str) -> str:
        return self._path("files", sha[:2], sha)

    def _marker(self, key: str) -> str:
        return self._path("entries", f"{key}.json")

    def _put_atomic(self, local: Path | None, data: bytes | None, target: str) -> None:
        """Upload under a temporary name, then move into place: ``target`` is complete or absent."""
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        tmp = f"{target}.tmp-{uuid.uuid4().hex[:12]}"
        try:
            if local is not None:
                self.fs.put_file(str(local), tmp)
            else:
                self.fs.pipe_file(tmp, data)
            self.fs.mv(tmp, target)
        except BaseException:
            with contextlib.suppress(Exception):  # best effort: a temporary name is never read
                self.fs.rm_file(tmp)
            raise

    # -- listing --------------------------------------------------------------------------------------
    def entry_keys(self) -> list[str]:
        """Keys of the complete entries on the remote."""
        self.fs.invalidate_cache()
        try:
            names = self.fs.ls(self._path("entries"), detail=False)
        except FileNotFoundError:
            return []
        keys = []
        for name in names:
            base = name.rstrip("/").rsplit("/", 1)[-1]
            if base.endswith(".json") and ".tmp-" not in base:
                keys.append(base[: -len(".json")])
        return sorted(keys)

    def has(self, key: str) -> bool:
        self.fs.invalidate_cache()
        return self.fs.exists(self._marker(key))

    # -- transfer -------------------------------------------------------------------------------------
    def push(self, entry: Entry) -> bool:
        """Upload an entry's missing files, then its meta; False when the remote already has it."""
        if self.has(entry.key):
            return False
        for rel, sha in entry.meta["files"].items():
            target = self._object(sha)
            if not self.fs.exists(target):
                self._put_atomic(entry.artifact / rel, None, target)
        meta = {k: v for k, v in entry.meta.items() if k != "created"}
        self._put_atomic(None, json.dumps(meta, indent=1, sort_keys=True, default=str).encode(),
                         self._marker(entry.key))
        return True

    def pull(self, store: CacheStore, key: str) -> Entry | None:
        """Download, verify and commit the remote entry of ``key`` into ``store``; None if absent."""
        from ftflow.cache.store import meta_problem

        try:
            meta = json.loads(self.fs.cat_file(self._marker(key)))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise RemoteDamaged(f"{self._marker(key)} is not valid JSON ({exc})") from None
        problem = meta_problem(meta)
        if problem is not None:
            raise RemoteDamaged(f"{self._marker(key)}: {problem}")
        build = store.new_build_dir(key)
        try:
            for rel, sha in meta["files"].items():
                local = build / "artifact" / rel
                if not local.resolve().is_relative_to((build / "artifact").resolve()) or rel.startswith("/"):
                    raise RemoteDamaged(f"{self._marker(key)} names a file outside its entry: {rel}")
                local.parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(self._object(sha), str(local))
                size = meta.get("sizes", {}).get(rel)
                if (size is not None and os.path.getsize(local) != size) or sha256_file(local) != sha:
                    raise RemoteDamaged(f"remote object of {rel} in entry {key[:10]} does not match its digest")
            fields = {k: v for k, v in meta.items() if k not in _LOCAL_FIELDS}
            entry = store.commit(key, build, fields, push=False)
        except BaseException:
            store.discard(build)
            raise
        if entry.digest != meta["digest"]:
            store.quarantine(key, "pulled entry's digest differs from the remote's record")
            raise RemoteDamaged(f"entry {key[:10]} pulled from {self.url} does not match its digest")
        return entry


def remote_from_config(value: Any, where: str) -> Remote | None:
    """A ``Remote`` from the workspace config's ``remote:`` value (a URL, or a mapping with ``url``,
    ``read``, ``write`` and fsspec ``options``); ``where`` names the file for error messages."""
    if value in (None, "", False):
        return None
    if isinstance(value, str):
        return Remote(value)
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        raise UserError(f"{where}: remote must be a URL or a mapping with a 'url' key")
    unknown = set(value) - {"url", "read", "write", "options"}
    if unknown:
        raise UserError(f"{where}: unknown remote key(s) {', '.join(sorted(unknown))} "
                        f"(valid: url, read, write, options)")
    options = value.get("options") or {}
    if not isinstance(options, dict):
        raise UserError(f"{where}: remote.options must be a mapping of fsspec options")
    return Remote(value["url"], options, read=bool(value.get("read", True)), write=bool(value.get("write", True)))
