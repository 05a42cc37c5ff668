"""serve=vllm without a live vLLM: the command lines it builds (base + LoRA adapters as named models, a
second process for the merged model, guided JSON, no trust_remote_code) and the error when vLLM is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow.errors import ConfigError
from ftflow.workspace import Workspace
from ftflow_plugins.serve import vllm
from ftflow_plugins.serve.base import ServeSession
from ftflow_plugins.serve.config import Route


def _run(root: Path, run_id: str, recipe: str, merged: bool = False, serve_merged: bool = False,
         base: str = "base-model") -> dict:
    """A fake run record with a base checkpoint (a cached model stage, shared by runs of the same base), a
    LoRA adapter and optionally a merged export (or the merged checkpoint serve=vllm's stage writes)."""
    stages = []
    for name, files in (("model", ["model/config.json"]), ("train", ["adapter/adapter_config.json"]),
                        ("export", ["model/config.json"] if merged else []),
                        ("serve", ["merged/config.json"] if serve_merged else [])):
        artifact = root / base if name == "model" else root / run_id / name
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
                        Workspace(tmp_path / "home"), tmp_path / "logs", key="internal", runtime=tmp_path / "rt")


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
    assert argv[argv.index("--model") + 1] == str(tmp_path / "base-model" / "model")
    assert argv[argv.index("--served-model-name") + 1] == "general"
    # a Unix socket in the private runtime directory: vLLM's key guards only /v1, so no TCP port at all
    assert argv[argv.index("--uds") + 1] == str(tmp_path / "rt" / "vllm-0.sock") and "--enable-lora" in argv
    assert "--host" not in argv and "--port" not in argv and backend.socket == argv[argv.index("--uds") + 1]
    loras = argv[argv.index("--lora-modules") + 1:]
    assert loras == [f"triage={triage['stages'][1]['artifact']}/adapter",
                     f"support={support['stages'][1]['artifact']}/adapter"]
    assert not any("trust" in a for a in argv) and backend.env == {"VLLM_API_KEY": "internal"}
    assert {r: u.model for r, u in upstreams.items()} == {"triage": "triage", "support": "support",
                                                                "general": "general"}
    assert upstreams["triage"].response_format == {"type": "json_schema",
                                                   "json_schema": {"name": "triage", "schema": {"type": "object"}}}
    assert backend.health_path == "/health" and len(lines) == 3
    # an adapter rides on the base it was trained from: another base is another process
    other = _run(tmp_path, "20260101-000002-cccc", "contract_triage", base="other-base")
    backends, upstreams, _ = vllm.VllmServer().plan(_session(tmp_path, support, [Route("o", target=f"run:{other['run_id']}"),
                                                                              Route("support")]))
    assert [b.argv[b.argv.index("--model") + 1].split("/")[-2] for b in backends] == ["other-base", "base-model"]
    assert upstreams["o"].socket == backends[0].socket and upstreams["support"].socket == backends[1].socket


def test_default_routes_serve_base_lora_and_merged_in_two_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: True)
    run = _run(tmp_path, "20260101-000000-aaaa", "wallet_support", serve_merged=True)
    session = _session(tmp_path, run, [])
    assert [(r.name, r.target) for r in session.routes] == [("tuned", "tuned"), ("merged", "merged"),
                                                              ("base", "base")]
    (lora, merged), upstreams, lines = vllm.VllmServer().plan(session)
    assert lora.argv[lora.argv.index("--model") + 1].endswith("base-model/model")
    assert lora.argv[lora.argv.index("--served-model-name") + 1:lora.argv.index("--uds")] == ["base"]
    assert lora.argv[lora.argv.index("--lora-modules") + 1:] == [f"tuned={run['stages'][1]['artifact']}/adapter"]
    assert merged.argv[merged.argv.index("--model") + 1].endswith("aaaa/serve/merged")
    assert "--enable-lora" not in merged.argv
    assert merged.argv[merged.argv.index("--served-model-name") + 1] == "merged"
    # the memory share is for all processes together; each gets its part, on its own port and log
    assert [b.argv[b.argv.index("--gpu-memory-utilization") + 1] for b in (lora, merged)] == ["0.15", "0.15"]
    assert lora.socket != merged.socket and lora.log_path.name == "vllm-0.log" and merged.log_path.name == "vllm-1.log"
    assert {r: (u.socket, u.model, u.backend) for r, u in upstreams.items()} == {
        "base": (lora.socket, "base", "vllm-0"), "tuned": (lora.socket, "tuned", "vllm-0"),
        "merged": (merged.socket, "merged", "vllm-1")}
    assert len(lines) == 3


def test_merged_flag_and_merged_export(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: True)
    run = _run(tmp_path, "20260101-000000-aaaa", "wallet_support", merged=True)
    (backend,), upstreams, _ = vllm.VllmServer().plan(_session(tmp_path, run, [Route("tuned")], merged=True))
    assert backend.argv[backend.argv.index("--model") + 1].endswith("export/model") and "--enable-lora" not in backend.argv
    assert upstreams["tuned"].model == "tuned"
    # two names for one checkpoint: one process answering to both
    (backend,), upstreams, _ = vllm.VllmServer().plan(
        _session(tmp_path, run, [Route("tuned"), Route("m", target="merged")], merged=True))
    assert backend.argv[backend.argv.index("--served-model-name") + 1:backend.argv.index("--uds")] == ["tuned", "m"]
    assert backend.argv[backend.argv.index("--gpu-memory-utilization") + 1] == "0.3"


def test_merged_route_without_merged_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: True)
    run = _run(tmp_path, "20260101-000000-aaaa", "wallet_support")
    with pytest.raises(ConfigError, match=r"serve.routes\[0\].target: tuned model of run .* has a LoRA adapter "
                                          r"but no merged checkpoint: rerun its recipe with serve=vllm"):
        vllm.VllmServer().plan(_session(tmp_path, run, [Route("m", target="merged")]))


def test_missing_vllm_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(vllm, "has_vllm", lambda python: False)
    run = _run(tmp_path, "20260101-000000-aaaa", "wallet_support")
    with pytest.raises(ConfigError,
                       match=r"serve.python: vLLM is not installed for /opt/vllm/bin/python.*make vllm-env"):
        vllm.VllmServer().plan(_session(tmp_path, run, []))
