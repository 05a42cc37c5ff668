"""What ``ftflow export RUN -o DIR`` writes for a built-in run (hook ``ftflow_export_model``):

* ``--format hf``: ``adapter/`` (the LoRA adapter, peft; ``base_model_name_or_path`` set to the base's Hub id
  when it has one) and ``model/`` (the merged or fully trained checkpoint, transformers), as the run has them;
* ``--format gguf``: ``gguf/<name>.<quant>.gguf`` (every exported type, or those of ``--quant``);
* ``--format ollama``: one GGUF (``--quant``, else the best) and a ``Modelfile`` naming it;
* always ``README.md`` (the model card, ``card.py``) and, when there is something llama.cpp or vLLM can
  serve, ``serve.yaml``: a run record with paths relative to the folder that ``ftflow serve DIR`` reads.

Without ``--format``, everything the run has.  The folder's layout is the run's (``gguf/``, ``model/``,
``adapter/``), so serving finds the files the way it does in a run's cache entries.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from ftflow.errors import UserError
from ftflow_plugins.publish.card import base_model, headline, render_card

FORMATS = ("hf", "gguf", "ollama")
#: ChatML (SmolLM2, Qwen) as an Ollama template; other templates are left to the one embedded in the GGUF.
CHATML_OLLAMA = ('{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}'
                 '{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}'
                 '<|im_start|>assistant\n{{ .Response }}<|im_end|>\n')


def _copy(src: Path, dst: Path) -> None:
    """Copy without the cache's permissions: the exported files belong to the user."""
    shutil.copytree(src, dst, copy_function=shutil.copyfile)


def _pick(gguf: dict[str, Path], quant: list[str]) -> str:
    from ftflow_plugins.llamacpp.chat import QUANT_PREFERENCE

    if quant:
        return quant[0]
    return sorted(gguf, key=lambda q: QUANT_PREFERENCE.index(q) if q in QUANT_PREFERENCE else 99)[0]


def chat_template(*dirs: Path | None) -> str | None:
    for folder in dirs:
        if folder is not None and (folder / "chat_template.jinja").is_file():
            return (folder / "chat_template.jinja").read_text(encoding="utf-8")
    return None


def modelfile(manifest: dict[str, Any], gguf_name: str, template: str | None) -> str:
    """An Ollama Modelfile for one GGUF: its chat template (ChatML spelled for Ollama, else the GGUF's own),
    stop tokens and the system prompt the model was tuned with."""
    from ftflow_plugins.llamacpp.chat import training_system_prompt

    lines = [f"# Ollama model file written by `ftflow export` (run {manifest['run_id']}, recipe "
             f"{manifest['recipe']}): ollama create NAME -f Modelfile", f"FROM ./{gguf_name}"]
    if template and "<|im_start|>" in template:
        lines += [f'TEMPLATE """{CHATML_OLLAMA}"""', 'PARAMETER stop "<|im_start|>"', 'PARAMETER stop "<|im_end|>"']
    else:
        lines.append("# TEMPLATE: Ollama uses the chat template embedded in the GGUF")
    system = training_system_prompt(manifest)
    if system:
        lines.append('SYSTEM """' + system.replace('"""', '"') + '"""')
    return "\n".join(lines) + "\n"


def serve_spec(manifest: dict[str, Any], written: dict[str, Any], provider: str, has_schemas: bool) -> dict[str, Any]:
    """The run record ``ftflow serve DIR`` reads: the recorded serve options when they are for ``provider``
    (routes that name other runs are dropped: they live in another workspace), paths relative to DIR."""
    config = manifest.get("config", {})
    section = dict(config.get("serve") or {})
    if section.get("provider") != provider:
        section = {"provider": provider}
    section.pop("python", None)
    routes = [r for r in section.get("routes") or [] if isinstance(r, dict)
              and r.get("target", "tuned") in ("tuned", "merged")]
    if section.get("routes"):
        section["routes"] = routes
        if section.get("default_route") not in [r.get("name") for r in routes]:
            section.pop("default_route", None)
    stages = [{"name": "export", "artifact": "."}]
    if written.get("adapter"):
        stages.append({"name": "train", "artifact": "."})
    if has_schemas:
        stages.append({"name": "serve", "artifact": "."})
    return {"run_id": manifest["run_id"], "recipe": manifest["recipe"], "status": "ok",
            "config": {"model": config.get("model") or {}, "serve": section}, "stages": stages}


def _hf(files: Any, out: Path, hub: str | None, written: dict[str, Any]) -> None:
    if files.adapter is None and files.full is None:
        raise UserError(f"--format hf: run {files.run_id} has neither a LoRA adapter nor a trained checkpoint "
                        f"(method=none?)")
    if files.adapter is not None:
        _copy(files.adapter, out / "adapter")
        config_path = out / "adapter" / "adapter_config.json"
        config = json.loads(config_path.read_text())
        if hub and not config.get("base_model_name_or_path"):
            config["base_model_name_or_path"] = hub
            config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        written["adapter"] = "adapter"
    if files.full is not None:
        _copy(files.full, out / "model")
        written["model"] = "model"


def _gguf(files: Any, out: Path, want: set[str], quant: list[str], written: dict[str, Any]) -> None:
    if not files.gguf:
        which = "gguf" if "gguf" in want else "ollama"
        raise UserError(f"--format {which}: run {files.run_id} exported no GGUF files: rerun it with export=gguf")
    unknown = [q for q in quant if q not in files.gguf]
    if unknown:
        raise UserError(f"--quant {unknown[0]}: run {files.run_id} exported {', '.join(files.gguf)}")
    chosen = [q for q in files.gguf if not quant or q in quant] if "gguf" in want else [_pick(files.gguf, quant)]
    (out / "gguf").mkdir()
    written["gguf"] = {}
    for q in chosen:
        shutil.copyfile(files.gguf[q], out / "gguf" / files.gguf[q].name)
        written["gguf"][q] = f"gguf/{files.gguf[q].name}"


def export_model(manifest: dict[str, Any], lock: dict[str, Any] | None, out_dir: Path, formats: list[str],
                 quant: list[str]) -> dict[str, Any]:
    """Fill ``out_dir`` (see the module docstring) and return the summary ``ftflow models`` shows."""
    from ftflow_plugins.serve.targets import run_files

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UserError(f"--format {unknown[0]}: unknown (choose from {', '.join(FORMATS)})")
    files = run_files(manifest, "tuned")
    available = {"hf": files.adapter is not None or files.full is not None, "gguf": bool(files.gguf),
                 "ollama": bool(files.gguf)}
    want = set(formats) or {f for f, ok in available.items() if ok}
    if not want:
        raise UserError(f"run {manifest['run_id']} has no model to export (no adapter, trained checkpoint or "
                        f"GGUF): rerun it with a method and export=merged or export=gguf")
    hub, described = base_model(manifest)
    written: dict[str, Any] = {}
    if "hf" in want:
        _hf(files, out_dir, hub, written)
    if want & {"gguf", "ollama"}:
        _gguf(files, out_dir, want, quant, written)
    if "ollama" in want:
        name = written["gguf"][_pick({q: Path(p) for q, p in written["gguf"].items()}, quant)]
        template = chat_template(files.full, files.adapter, files.base_hf)
        (out_dir / "Modelfile").write_text(modelfile(manifest, name, template), encoding="utf-8")
        written["modelfile"] = "Modelfile"
    provider = "llamacpp" if written.get("gguf") else "vllm" if written.get("model") else None
    if provider is not None:
        serve_row = next((s for s in manifest["stages"] if s["name"] == "serve"), None)
        spec_file = Path(serve_row["artifact"]) / "serve.json" if serve_row else None
        has_schemas = bool(spec_file and spec_file.is_file() and provider == (manifest["config"].get("serve") or
                                                                                {}).get("provider"))
        if has_schemas:
            shutil.copyfile(spec_file, out_dir / "serve.json")
        spec = serve_spec(manifest, written, provider, has_schemas)
        (out_dir / "serve.yaml").write_text(
            f"# `ftflow serve {out_dir.name.split('.partial-')[0].lstrip('.')}` serves this folder "
            f"(paths are relative to it)\n" + yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        written["serve"] = provider
    (out_dir / "README.md").write_text(render_card(manifest, lock, written), encoding="utf-8")
    usage = []
    if written.get("model"):
        usage.append("transformers: AutoModelForCausalLM.from_pretrained('DIR/model')")
    if written.get("gguf"):
        usage.append(f"llama.cpp: Llama('DIR/{next(iter(written['gguf'].values()))}')")
    if written.get("modelfile"):
        usage.append("ollama: cd DIR && ollama create NAME -f Modelfile")
    if written.get("serve"):
        usage.append("ftflow serve DIR")
    return {"formats": sorted(want), "base_model": hub or described, "headline": headline(manifest),
            "written": written, "usage": usage}
