"""Recipe bundles: made in one directory, run in another; anything but plain data is refused."""

from __future__ import annotations

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
    refused = run_ftflow(other / ".ftflow", "run", "--bundle", str(bundle), cwd=other)
    assert refused.returncode == 2 and refused.manifest is None
    assert "differs from the bundle's lock" in refused.stderr and "data.train" in refused.stderr
    accepted = run_ftflow(other / ".ftflow", "run", "--bundle", str(bundle), "--allow-drift", cwd=other)
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


@pytest.mark.parametrize(("bad", "message"), [
    (_file("../evil"), "member '../evil' points outside the bundle"),
    (_file("datasets/../../evil"), "member 'datasets/../../evil' points outside the bundle"),
    (_file("/etc/evil"), "member '/etc/evil' has an absolute path"),
    (_special("recipe/link.yaml", tarfile.SYMTYPE, "/etc/passwd"), "member 'recipe/link.yaml' is a link"),
    (_special("datasets/hard", tarfile.LNKTYPE, "bundle.json"), "member 'datasets/hard' is a link"),
    (_special("datasets/dev", tarfile.CHRTYPE), "member 'datasets/dev' is a device"),
    (_special("datasets/fifo", tarfile.FIFOTYPE), "member 'datasets/fifo' is a device, pipe"),
    (_file("recipe/x.yaml", b"model:\n  _target_: os.system\n"), "member 'recipe/x.yaml': key 'model._target_'"),
    (_file("lock.json", json.dumps({"config": {"a": [{"_partial_": True}]}}).encode()),
     "member 'lock.json': key 'config.a[0]._partial_'"),
    (_file("recipe/h.yaml", b"hydra: {searchpath: [file:///]}\n"), "may not configure hydra"),
    (_file("recipe/d.yaml", b"defaults: [{model: /etc/x}]\n"), "defaults entry"),
])
def test_refuses_members_that_are_not_plain_data(tmp_path: Path, bad: tuple, message: str) -> None:
    bundle = _tar(tmp_path / "evil.tar.gz", [_file("bundle.json", META), _file("recipe/r.yaml", RECIPE), bad])
    workspace = Workspace(tmp_path / "home")
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")) as caught:
        open_bundle(str(bundle), workspace)
    assert "\n" not in str(caught.value)
    assert not (workspace.root / "bundles").exists()  # nothing is written before every member passed


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
    with pytest.raises(UserError, match="names recipe 'r', which the bundle does not contain"):
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
