"""serve=vllm without a live vLLM: the command line it builds (base + LoRA adapters as named models,
merged model, guided JSON, no trust_remote_code) and the error when vLLM is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow.errors import ConfigError
from ftflow.workspace import Workspace
from ftflow_plugins.serve import vllm
from ftflow_plugins.serve.base import ServeSession
from ftflow_plugins.serve.config import Route


def _run(root: Path, run_id: str, recipe: str, merged: bool = False) -> dict:
    """A fake run record with a base checkpoint, a LoRA adapter and optionally a merged export."""
    stages = []
    for name, files in (("model", ["model/config.json"]), ("train", ["adapter/adapter_config.json"]),
                        ("export", ["model/config.json"] if merged else [])):
        artifact = root / run_id / name
        for f in files:
            (artifact / f).parent.mkdir(parents=True, exist_ok=True)
            (artifact / f).write_text("{}")
        stages.append({"name": name, "artifact": str(artifact)})
    manifest = {"run_id": run_id, "recipe": recipe, "status": "ok", "stages": stages, "config": {}}
    run_dir = root / "home" / "runs" / run_id
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def _session(tmp_path, manifest, routes, merged=False, schemas=None) -> ServeSession:
    config = vllm.VllmServeConfig(python="/opt/vllm/bin/python", merged=merged, routes=routes)
    return ServeSession(manifest, config, vllm.VllmServer().routes(config), schemas or {},
                        Workspace(tmp_path / "home"), tmp_path / "logs", key="internal")


def test_base_plus_lora_adapters_from_two_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: True)
    triage = _run(tmp_path, "20260101-000000-aaaa", "contract_triage")
    support = _run(tmp_path, "20260101-000001-bbbb", "wallet_support")
    routes = [Route("triage", target="recipe:contract_triage"), Route("support"), Route("general", target="base")]
    backends, upstreams, lines = vllm.VllmServer().plan(_session(tmp_path, support, routes,
                                                                  schemas={"triage": {"type": "object"}}))
    (backend,) = backends
    argv = backend.argv
    assert argv[:3] == ["/opt/vllm/bin/python", "-m", "vllm.entrypoints.openai.api_server"]
    assert argv[argv.index("--model") + 1].endswith("20260101-000001-bbbb/model/model")
    assert argv[argv.index("--served-model-name") + 1] == "base"
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and "--enable-lora" in argv
    loras = argv[argv.index("--lora-modules") + 1:]
    assert loras == [f"triage={triage['stages'][1]['artifact']}/adapter",
                     f"support={support['stages'][1]['artifact']}/adapter"]
    assert not any("trust" in a for a in argv) and backend.env == {"VLLM_API_KEY": "internal"}
    assert {r: u.model for r, u in upstreams.items()} == {"triage": "triage", "support": "support", "general": "base"}
    assert upstreams["triage"].response_format == {"type": "json_schema",
                                                   "json_schema": {"name": "triage", "schema": {"type": "object"}}}
    assert backend.health_path == "/health" and len(lines) == 3


def test_merged_model_and_one_checkpoint_rule(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: True)
    run = _run(tmp_path, "20260101-000000-aaaa", "wallet_support", merged=True)
    (backend,), upstreams, _ = vllm.VllmServer().plan(_session(tmp_path, run, [Route("tuned")], merged=True))
    assert backend.argv[backend.argv.index("--model") + 1].endswith("export/model") and "--enable-lora" not in backend.argv
    assert upstreams["tuned"].model == "tuned"
    with pytest.raises(ConfigError, match="one checkpoint per process"):
        vllm.VllmServer().plan(_session(tmp_path, run, [Route("tuned"), Route("b", target="base")], merged=True))


def test_missing_vllm_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: False)
    run = _run(tmp_path, "20260101-000000-aaaa", "wallet_support")
    with pytest.raises(ConfigError, match=r"serve.python: vLLM is not installed for /opt/vllm/bin/python.*make vllm-env"):
        vllm.VllmServer().plan(_session(tmp_path, run, []))
