"""``ftflow export last -o DIR`` on a smoke run with LoRA, a merged checkpoint and GGUF files: the folder
loads as it is in transformers, peft, llama-cpp-python and ``ftflow serve``, and its card lists the metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import gguf_workspace
import pytest
import yaml

from ftflow.testing import run_ftflow


@pytest.fixture(scope="module")
def exported(gguf_home, tmp_path_factory) -> tuple[Path, Path, dict]:
    """(workspace, exported folder, run manifest): one export of the shared GGUF smoke run."""
    home = gguf_workspace.fresh(gguf_home, tmp_path_factory.mktemp("export") / "home")
    out = home.parent / "out" / "smoke-model"
    result = run_ftflow(home, "export", "last", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "gguf, hf, ollama" in result.stdout and str(out) in result.stdout
    return home, out, gguf_workspace.manifest(home)


def _card(out: Path) -> tuple[dict, str]:
    text = (out / "README.md").read_text()
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def test_folder_layout_record_and_card(exported):
    _, out, manifest = exported
    assert {p.name for p in out.iterdir()} == {"README.md", "Modelfile", "serve.yaml", "export.json",
                                               "ftflow.lock.json", "adapter", "model", "gguf"}
    assert sorted(p.name for p in (out / "gguf").iterdir()) == ["model.q4_0.gguf", "model.q8_0.gguf"]
    record = json.loads((out / "export.json").read_text())
    assert record["run_id"] == manifest["run_id"] and record["summary"]["formats"] == ["gguf", "hf", "ollama"]
    from ftflow.cache.digests import sha256_file

    for rel, info in record["files"].items():
        assert sha256_file(out / rel) == info["sha256"] and (out / rel).stat().st_size == info["size"]
    front, body = _card(out)
    assert front["library_name"] == "peft" and "ftflow" in front["tags"] and "lora" in front["tags"]
    reported = {(m["config"], m["type"]): m["value"] for m in front["model-index"][0]["results"][0]["metrics"]}
    expected = {(v, k): x for v, values in manifest["metrics"].items() for k, x in values.items()}
    assert reported == expected
    low, high = manifest["intervals"]["tuned"]["token_f1"]
    assert f"[{low:.4g}, {high:.4g}]" in body  # intervals in the evaluation table
    lock = json.loads((out / "ftflow.lock.json").read_text())
    assert lock["stage_keys"] == {s["name"]: s["key"] for s in manifest["stages"]}
    assert lock["inputs"]["data.train"]["sha256"] in body and "max_steps=16" in body and "r=16" in body
    assert "FROM ./gguf/model.q8_0.gguf" in (out / "Modelfile").read_text()
    assert 'PARAMETER stop "<|im_end|>"' in (out / "Modelfile").read_text()


def test_transformers_and_peft_load_the_folder(exported):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, out, manifest = exported
    merged = AutoModelForCausalLM.from_pretrained(str(out / "model"))
    tokenizer = AutoTokenizer.from_pretrained(str(out / "model"))
    ids = tokenizer.apply_chat_template([{"role": "user", "content": "hello"}], add_generation_prompt=True,
                                        return_tensors="pt", return_dict=True)["input_ids"]
    base_dir = Path(next(s for s in manifest["stages"] if s["name"] == "model")["artifact"]) / "model"
    tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base_dir)), str(out / "adapter"))
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, tuned(ids).logits, atol=1e-4)
        base = AutoModelForCausalLM.from_pretrained(str(base_dir))
        assert not torch.allclose(base(ids).logits, tuned(ids).logits, atol=1e-4)  # the adapter is applied


def test_llama_cpp_loads_the_gguf(exported):
    from llama_cpp import Llama

    _, out, _ = exported
    llm = Llama(model_path=str(out / "gguf" / "model.q8_0.gguf"), n_ctx=256, n_threads=1, verbose=False)
    answer = llm.create_chat_completion([{"role": "user", "content": "hello"}], max_tokens=4)
    assert answer["choices"][0]["message"]["role"] == "assistant"
    llm.close()


def test_ftflow_serve_serves_the_folder(exported, tmp_path):
    import httpx

    home, out, _ = exported
    moved = tmp_path / "moved"  # paths in serve.yaml are relative: the folder can be moved
    out.rename(moved)
    env = {k: v for k, v in os.environ.items() if k != "FTFLOW_API_KEY"}
    env["FTFLOW_HOME"] = str(tmp_path / "elsewhere")  # a workspace that knows nothing of the run
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", "serve", str(moved), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline, url, banner = time.monotonic() + 120, None, []
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                break
            banner.append(line)
            url = line.split()[1] if line.startswith("ready: ") else None
        assert url, "".join(banner) + proc.stderr.read()[-2000:]
        assert any("model.q8_0.gguf" in line for line in banner)
        reply = httpx.post(f"{url}/chat/completions", timeout=60, json={
            "model": "tuned", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})
        assert reply.status_code == 200, reply.text
        assert reply.json()["choices"][0]["message"]["role"] == "assistant"
    finally:
        proc.terminate()
        proc.wait(30)
        moved.rename(out)


def test_models_lists_exports_and_their_state(exported):
    home, out, manifest = exported
    listed = json.loads(run_ftflow(home, "models", "--json").stdout)
    assert [(m["path"], m["run_id"], m["state"]) for m in listed] == [(str(out), manifest["run_id"], "ok")]
    assert listed[0]["summary"]["headline"] == {f"tuned/{k}": v for k, v in manifest["metrics"]["tuned"].items()}
    table = run_ftflow(home, "models")
    assert table.returncode == 0 and "smoke" in table.stdout and "ok" in table.stdout


def test_format_and_quant_select_files(exported, tmp_path):
    home, _, _ = exported
    result = run_ftflow(home, "export", "last", "-o", str(tmp_path / "o"), "--format", "ollama", "--quant", "q4_0")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "Modelfile", "README.md", "export.json", "ftflow.lock.json", "gguf", "serve.yaml"]
    assert [p.name for p in (tmp_path / "o" / "gguf").iterdir()] == ["model.q4_0.gguf"]
    result = run_ftflow(home, "export", "last", "-o", str(tmp_path / "h"), "--format", "hf")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "h" / "gguf").exists() and (tmp_path / "h" / "adapter").is_dir()
    assert yaml.safe_load((tmp_path / "h" / "serve.yaml").read_text().split("\n", 1)[1])["config"]["serve"] == {
        "provider": "vllm"}  # no GGUF: the merged checkpoint is vLLM's


@pytest.mark.parametrize(("args", "message"), [
    (("--format", "onnx"), "--format onnx: unknown (choose from hf, gguf, ollama)"),
    (("--quant", "q2_k"), "--quant q2_k: run"),
])
def test_bad_requests_are_one_line_and_leave_nothing(exported, tmp_path, args, message):
    home, _, _ = exported
    result = run_ftflow(home, "export", "last", "-o", str(tmp_path / "x"), *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its .partial sibling


def test_no_gguf_is_explained(tmp_path):
    from ftflow.errors import UserError
    from ftflow_plugins.publish.folder import export_model

    export = tmp_path / "export"
    (export / "model").mkdir(parents=True)
    (export / "model" / "config.json").write_text("{}")
    manifest = {"run_id": "r1", "recipe": "x", "config": {}, "metrics": {},
                "stages": [{"name": "export", "kind": "export", "plugin": "merged", "key": "k" * 64,
                            "artifact": str(export)}]}
    with pytest.raises(UserError, match="--format gguf: run r1 exported no GGUF files: rerun it with export=gguf"):
        export_model(manifest, None, tmp_path / "out", ["gguf"], [])
