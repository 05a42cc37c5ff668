"""The model card of an exported folder (``README.md``, Hugging Face model-card format): YAML front matter
(``base_model``, ``library_name``, tags, ``model-index`` with every variant's metrics) and a body with the
base model, the training data and its digests, the method and hyper-parameters, the evaluation with its
intervals, how to load each file and how to replay the run (``ftflow.lock.json``).

Why huggingface_hub's ``ModelCardData``: the Hub parses the front matter, so it is written by the library
that defines it rather than by hand.
"""

from __future__ import annotations

import json
from typing import Any

from ftflow.report.markdown import fmt_value, metrics_table

#: Hub ids of the models built-in model providers start from (the base_model a card names).
HUB_IDS = {"smollm2-gguf": "HuggingFaceTB/SmolLM2-135M-Instruct"}


def base_model(manifest: dict[str, Any]) -> tuple[str | None, str]:
    """(Hub id or None, one-line description) of the run's base model."""
    model = dict(manifest.get("config", {}).get("model") or {})
    provider = str(model.pop("provider", "?"))
    if provider in HUB_IDS:
        return HUB_IDS[provider], f"{HUB_IDS[provider]} (ftflow model provider `{provider}`, {model.get('gguf_file')})"
    if provider == "hf":
        path = str(model.get("path") or "")
        hub = path if path.count("/") == 1 and not path.startswith((".", "/", "~")) else None
        revision = model.get("revision")
        return hub, f"`{path}`" + (f" at revision `{revision}`" if revision else "") + " (model provider `hf`)"
    shape = ", ".join(f"{k} {v}" for k, v in model.items() if v is not None)
    return None, f"model provider `{provider}`" + (f" ({shape})" if shape else "")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]


def _settings(section: dict[str, Any] | None) -> str:
    items = {k: v for k, v in (section or {}).items() if v is not None and v != [] and v != {}}
    return ", ".join(f"`{k}={json.dumps(v) if isinstance(v, (dict, list)) else v}`" for k, v in items.items())


def headline(manifest: dict[str, Any]) -> dict[str, float]:
    """The metrics ``ftflow models`` shows: the tuned variant's (else the first variant's)."""
    metrics = manifest.get("metrics") or {}
    variant = "tuned" if "tuned" in metrics else next(iter(metrics), None)
    return {f"{variant}/{k}": v for k, v in (metrics.get(variant) or {}).items()} if variant else {}


def front_matter(manifest: dict[str, Any], written: dict[str, Any]) -> str:
    from huggingface_hub import EvalResult, ModelCardData

    hub, _ = base_model(manifest)
    config = manifest.get("config", {})
    held_out = (config.get("data") or {}).get("eval")
    if isinstance(held_out, dict):  # data.eval as a source
        held_out = held_out.get("name") or held_out.get("path") or held_out.get("dataset")
    eval_name = str(held_out or manifest["recipe"])
    results = [EvalResult(task_type="text-generation", dataset_type="ftflow-eval", dataset_name=eval_name,
                          dataset_split="eval", metric_type=metric, metric_value=value,
                          metric_name=f"{metric} ({variant})", metric_config=variant)
               for variant, values in (manifest.get("metrics") or {}).items()
               for metric, value in values.items() if isinstance(value, (int, float))]
    tags = ["ftflow", str((config.get("method") or {}).get("provider", "")),
            str((config.get("adapter") or {}).get("provider", ""))] + (["gguf"] if written.get("gguf") else [])
    data = ModelCardData(base_model=hub, library_name="peft" if written.get("adapter") else "transformers",
                         pipeline_tag="text-generation", tags=[t for t in tags if t and t != "none"],
                         model_name=f"{manifest['recipe']}-{manifest['run_id']}",
                         eval_results=results or None)
    return "---\n" + data.to_yaml() + "\n---\n"


def _digest(index: int, source: dict[str, Any], inputs: dict[str, Any]) -> str:
    """A source's content digest from the lock (files and local directories), or its Hub revision."""
    for field in ("path", "dataset"):
        entry = inputs.get(f"data.sources[{index}].{field}")
        if entry and entry.get("sha256"):
            return f"`sha256:{entry['sha256']}`"
    return f"revision `{source['revision']}`" if source.get("revision") else "–"


def _sources_table(sources: list[dict[str, Any]], inputs: dict[str, Any], seed: Any) -> list[str]:
    """Each source of a ``data.sources`` mix: its weight, the rows it had and gave, its share, its digest."""
    def share(value: Any) -> str:
        return f"{value:.1%}" if isinstance(value, (int, float)) else "–"

    rows = [[s.get("name"), s.get("kind"), fmt_value(s.get("format")), fmt_value(s.get("weight")),
             fmt_value(s.get("rows_available")), fmt_value(s.get("rows")), share(s.get("share")),
             share(s.get("target_share")), fmt_value(s.get("repeated")), _digest(i, s, inputs)]
            for i, s in enumerate(sources)]
    total = sum(int(s.get("rows") or 0) for s in sources)
    return [f"The train split mixes {len(sources)} sources ({total} rows, seed {seed}):", ""] + _table(
        ["source", "kind", "format", "weight", "rows available", "rows kept", "share", "target share",
         "repeated", "digest"], rows) + [""]


def _data_section(manifest: dict[str, Any], lock: dict[str, Any] | None) -> list[str]:
    config = manifest.get("config", {}).get("data") or {}
    metadata = manifest.get("stage_metadata", {}).get("data") or {}
    quality = metadata.get("quality") or {}
    settings = {k: v for k, v in config.items() if k not in ("provider", "format", "quality", "sources")}
    lines = ["## Training data", "", f"Data provider `{config.get('provider')}`, format "
             f"`{config.get('format')}`; {_settings(settings)}.", ""]
    inputs = {k: v for k, v in ((lock or {}).get("inputs") or {}).items() if k.startswith("data.")}
    if metadata.get("sources"):
        lines += _sources_table(metadata["sources"], inputs, metadata.get("mix_seed"))
    files = {k: v for k, v in inputs.items() if not k.startswith("data.sources[")}
    if files:
        rows = [[name.removeprefix("data."), f"`{v.get('path')}`", f"`{v.get('sha256')}`",
                 fmt_value((quality.get(name.removeprefix("data.")) or {}).get("rows"))] for name, v in files.items()]
        lines += _table(["input", "path", "sha256", "rows"], rows)
    elif not inputs:
        lines.append("(no data digests: the run could not be pinned here)")
    return lines + [""]


def _method_section(manifest: dict[str, Any]) -> list[str]:
    config = manifest.get("config", {})
    train = manifest.get("stage_metadata", {}).get("train") or {}
    lines = ["## Method and hyper-parameters", ""]
    for group in ("method", "adapter", "tokenize", "backend", "launcher"):
        section = dict(config.get(group) or {})
        provider = section.pop("provider", None)
        if provider and provider != "none":
            lines.append(f"- **{group}** `{provider}`: {_settings(section) or 'defaults'}")
    lines.append(f"- **seed** {config.get('seed')}")
    curve = train.get("loss_curve") or []
    if curve:
        lines.append(f"- training: {len(curve)} logged steps, loss {curve[0][1]:.4g} -> {curve[-1][1]:.4g}"
                     + (f" on {train['device']}" if train.get("device") else ""))
    return lines + [""]


def _eval_section(manifest: dict[str, Any]) -> list[str]:
    metrics = manifest.get("metrics") or {}
    if not metrics:
        return ["## Evaluation", "", "The run evaluated nothing (eval=none).", ""]
    headers, rows = metrics_table(metrics, manifest.get("intervals"))
    details = (manifest.get("stage_metadata", {}).get("eval") or {}).get("examples")
    lines = ["## Evaluation", "", "Each variant of the run on the held-out split"
             + (f" ({details} examples)" if details else "")
             + (", with 95% bootstrap intervals in brackets" if manifest.get("intervals") else "") + ":", ""]
    return lines + _table(headers, rows) + [""]


def _usage(written: dict[str, Any], hub: str | None) -> list[str]:
    lines = ["## Files and how to load them", ""]
    if written.get("model"):
        lines += ["- `model/`: the tuned model as one safetensors checkpoint with tokenizer and chat template:",
                  "  `AutoModelForCausalLM.from_pretrained('model')`"]
    if written.get("adapter"):
        base = f"'{hub}'" if hub else "BASE (the base model above)"
        lines += ["- `adapter/`: the LoRA adapter (peft):",
                  f"  `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained({base}), 'adapter')`"]
    for quant, name in (written.get("gguf") or {}).items():
        lines.append(f"- `{name}`: GGUF ({quant}) for llama.cpp: `Llama('{name}')`, `llama-cli -m {name}`")
    if written.get("modelfile"):
        lines.append("- `Modelfile`: `ollama create NAME -f Modelfile`")
    if written.get("serve"):
        lines.append("- `serve.yaml`: `ftflow serve .` starts an OpenAI-compatible server on 127.0.0.1")
    lines.append("- `export.json`: every file's size and sha256; `ftflow.lock.json`: the run pinned")
    return lines + [""]


def render_card(manifest: dict[str, Any], lock: dict[str, Any] | None, written: dict[str, Any]) -> str:
    """The whole ``README.md``; ``written`` says what the folder holds (model, adapter, gguf, ...)."""
    hub, described = base_model(manifest)
    lines = [f"# {manifest['recipe']} (ftflow run {manifest['run_id']})", "",
             f"Fine-tuned with [ftflow](https://pypi.org/project/ftflow/) by the recipe `{manifest['recipe']}`.",
             "", "## Base model", "", described, ""]
    lines += _usage(written, hub) + _data_section(manifest, lock) + _method_section(manifest)
    lines += _eval_section(manifest)
    lines += ["## Reproduce", "", "`ftflow run --locked ftflow.lock.json` replays the run and refuses when the "
              "data, a library or a provider differs from what it used.", ""]
    keys = (lock or {}).get("stage_keys") or {s["name"]: s["key"] for s in manifest.get("stages", [])}
    lines += _table(["stage", "cache key"], [[k, f"`{v[:16]}`"] for k, v in keys.items()])
    libraries = (lock or {}).get("libraries") or {}
    if libraries:
        lines += ["", "Libraries: " + ", ".join(f"{k} {v}" for k, v in libraries.items() if v) + "."]
    return front_matter(manifest, written) + "\n" + "\n".join(lines) + "\n"
