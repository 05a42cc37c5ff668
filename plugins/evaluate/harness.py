"""``eval=lm_eval``: lm-eval-harness tasks against the base and tuned models, through lm-eval's own API.

A general-capability regression check: does tuning cost the model what it knew?  Tasks are lm-eval task
YAML files named in ``eval.tasks`` (recipe-relative); their ``data_files`` are resolved relative to the YAML,
so a task shipped as local files runs offline (the shipped one: ``datasets/lm_eval/harbor_lumen_mc.yaml``,
multiple choice built from the scenario corpora).  Each variant is an ``HFLM`` (transformers, with the peft
adapter for a LoRA-tuned model); ``served`` is whatever answers at ``eval.base_url``, an OpenAI-compatible
endpoint such as ``ftflow serve``'s, through lm-eval's ``local-chat-completions`` (or ``local-completions``)
model, for generation tasks (the endpoint gives no prompt log-probabilities).  Per-sample scores give the same
bootstrap intervals, paired comparisons and gate as ``eval=generate``.  The artifact holds ``lm_eval_<variant>.json`` in lm-eval's results format (without
timings or host paths) and the samples, so other tools read them.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from ftflow.kinds import Evaluator
from ftflow.provider import Part
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import TRAINED, model_dir
from ftflow_plugins.evaluate.compare import compare, resolve_variant
from ftflow_plugins.evaluate.compare import notes as compare_notes
from ftflow_plugins.evaluate.gate import GateConfig, better_than_pairs, evaluate_gate, gate_problems
from ftflow_plugins.evaluate.intervals import bootstrap_interval

#: lm-eval's results keys that describe the scores; the rest (dates, timings, host paths, environment) stay out.
RESULT_KEYS = ("results", "groups", "group_subtasks", "configs", "versions", "n-shot", "higher_is_better",
               "n-samples")
VARIANTS = ("base", "tuned", "served")
#: lm-eval model types the ``served`` variant uses, by ``eval.served_api``, and the endpoint path of each.
SERVED_API = {"chat": ("local-chat-completions", "chat/completions"), "completions": ("local-completions",
                                                                                      "completions")}


@dataclasses.dataclass
class LmEvalConfig:
    variants: list[str] = dataclasses.field(default_factory=lambda: ["base", "tuned"])
    #: lm-eval task YAML files (recipe-relative); data_files inside are relative to each file.
    tasks: list[str] = dataclasses.field(default_factory=lambda: ["datasets/lm_eval/harbor_lumen_mc.yaml"])
    max_examples: int | None = None  # documents per task (lm-eval's limit; None: all)
    max_new_tokens: int | None = None  # generation tasks' max_gen_toks (None: the task's own)
    num_fewshot: int | None = None  # None: the task's own setting
    batch_size: int = 8
    compare_to: str | None = None  # reference for the paired comparisons; None: the first variant
    #: The ``served`` variant: an OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:8000/v1`` (``ftflow serve``)
    base_url: str | None = None
    served_model: str = "auto"  # the model name requests carry (ftflow serve: a route, or auto)
    served_api: str = "chat"  # chat (/chat/completions, the server's chat template) | completions (raw prompt)
    served_concurrency: int = 1  # requests in flight
    #: The cache cannot see what answers at base_url: change this label when the served model changes.
    served_revision: str = ""
    gate: GateConfig = dataclasses.field(default_factory=GateConfig)


def task_config(path: Path, cache_dir: Path) -> dict[str, Any]:
    """The task YAML as a dict lm-eval accepts, with ``data_files`` made absolute and datasets' cache kept
    in the stage's scratch directory."""
    import yaml

    config = yaml.safe_load(path.read_text())
    kwargs = dict(config.get("dataset_kwargs") or {})
    files = kwargs.get("data_files")
    if isinstance(files, dict):
        kwargs["data_files"] = {split: str((path.parent / f).resolve()) for split, f in files.items()}
    elif isinstance(files, str):
        kwargs["data_files"] = str((path.parent / files).resolve())
    kwargs["cache_dir"] = str(cache_dir)
    return {**config, "dataset_kwargs": kwargs}


def _as_written(path: Path) -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load(path.read_text()).get("dataset_kwargs") or {})


class LmEvalEvaluator(Evaluator):
    name = "lm_eval"
    kind = "evaluator"
    version = "1"
    description = "lm-eval-harness tasks (local task files, offline) on base and tuned: a capability regression check"
    Config = LmEvalConfig
    libraries = ("lm-eval", "torch", "transformers", "peft", "datasets", "scipy")
    code_modules = ("ftflow_plugins.common.hf",)

    def reads(self, config: LmEvalConfig) -> dict[str, Part | None]:
        """The base weights and, for ``tuned``, the trained adapter or model (``served`` reads neither)."""
        local = any(v in config.variants for v in ("base", "tuned")) or not config.variants
        return {**({"model": None} if local else {}), **({"train": TRAINED} if "tuned" in config.variants else {})}

    def external_inputs(self, config: LmEvalConfig) -> dict[str, str]:
        """Each task file's folder: the YAML and the data files it names enter the key by content."""
        return {f"task{i}": str(Path(task).parent) for i, task in enumerate(config.tasks)}

    def check(self, stage, upstream) -> list[str]:
        cfg: LmEvalConfig = stage.config
        problems = [f"eval.variants: '{v}' is not an lm_eval variant (use {', '.join(VARIANTS)})"
                    for v in cfg.variants if v not in VARIANTS]
        if "tuned" in cfg.variants and "train" not in upstream:
            problems.append("eval.variants: 'tuned' needs the train stage, which is disabled")
        if not cfg.tasks:
            problems.append("eval.tasks: name at least one lm-eval task YAML file")
        if "served" in cfg.variants and not cfg.base_url:
            problems.append("eval.base_url: the served variant needs an OpenAI-compatible endpoint, "
                            "e.g. http://127.0.0.1:8000/v1 (ftflow serve)")
        if cfg.served_api not in SERVED_API:
            problems.append(f"eval.served_api: '{cfg.served_api}' is not one of {', '.join(SERVED_API)}")
        problems += [p for p in gate_problems(cfg.gate, cfg.variants, []) if "unknown metric" not in p]
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow.errors import UserError
        from ftflow_plugins.evaluate.summary import eval_markdown

        cfg: LmEvalConfig = ctx.config
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")  # local task files: nothing to download
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        tasks, written = [], {}
        for i, task in enumerate(cfg.tasks):
            path = ctx.resolve_path(task, f"eval.tasks[{i}]")
            if not path.is_file():
                raise UserError(f"eval.tasks[{i}]: {task} is not an lm-eval task YAML file")
            tasks.append(task_config(path, ctx.work_dir / "datasets"))
            written[tasks[-1]["task"]] = _as_written(path)
            if "served" in cfg.variants and tasks[-1].get("output_type", "generate_until") != "generate_until":
                raise UserError(f"eval.tasks[{i}]: {task} is a {tasks[-1]['output_type']} task; the served variant "
                                "runs generation tasks only (an OpenAI-compatible endpoint returns no prompt "
                                "log-probabilities)")
        results: dict[str, dict[str, float]] = {}
        intervals: dict[str, dict[str, list[float]]] = {}
        scores: dict[str, dict[str, list[float | None]]] = {}
        for variant in cfg.variants:
            raw = self._evaluate(ctx, variant, tasks)
            kept = {k: raw[k] for k in RESULT_KEYS if k in raw}
            for task, config in (kept.get("configs") or {}).items():  # the task's own data_files, no host paths
                if task in written:
                    config["dataset_kwargs"] = written[task]
            (ctx.output_dir / f"lm_eval_{variant}.json").write_text(json.dumps(kept, indent=2, default=str))
            with (ctx.output_dir / f"lm_eval_{variant}_samples.jsonl").open("w") as out:
                for task, samples in (raw.get("samples") or {}).items():
                    for sample in samples:
                        out.write(json.dumps({"task": task, **sample}, default=str) + "\n")
            results[variant], scores[variant] = {}, {}
            for task, values in raw["results"].items():
                samples = sorted((raw.get("samples") or {}).get(task, []), key=lambda s: s["doc_id"])
                higher = (raw.get("higher_is_better") or {}).get(task, {})
                for key, value in values.items():
                    metric, _, filt = key.partition(",")
                    # ftflow's metrics are all higher-is-better: others (perplexity) stay in the lm-eval file
                    if not isinstance(value, (int, float)) or higher.get(metric) is not True:
                        continue
                    name = f"{task}_{metric}" + (f"_{filt}" if filt and filt != "none" else "")
                    results[variant][name] = float(value)
                    per_sample = [s.get(metric) for s in samples]
                    interval = bootstrap_interval(per_sample, float(value), ctx.seed)
                    if interval is not None:
                        intervals.setdefault(variant, {})[name] = interval
                        scores[variant][name] = per_sample
        reference = resolve_variant(cfg.compare_to, cfg.variants) if cfg.compare_to else cfg.variants[0]
        pairs = [(v, reference) for v in cfg.variants if v != reference]
        pairs += [p for p in better_than_pairs(cfg.gate, cfg.variants) if p not in pairs]
        differences = compare(scores, pairs, {v: list(s) for v, s in scores.items()}, ctx.seed)
        gate = evaluate_gate(cfg.gate, results, None, differences) if cfg.gate.enabled else None
        meta = {"metrics": results, "intervals": intervals, "differences": differences, "gate": gate,
                "tasks": [t["task"] for t in tasks], "notes": compare_notes(differences)}
        meta["report_md"] = "\n\n".join(
            [f"lm-eval-harness tasks: {', '.join(meta['tasks'])} (results in lm-eval's format: "
             "`lm_eval_<variant>.json` in the artifact).", eval_markdown(meta)]).strip()
        return meta

    @staticmethod
    def _evaluate(ctx: StageContext, variant: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
        from lm_eval import simple_evaluate
        from lm_eval.tasks import TaskManager

        cfg: LmEvalConfig = ctx.config
        lm = served_lm(ctx) if variant == "served" else LmEvalEvaluator._local_lm(ctx, variant, tasks)
        # include_defaults=False: the tasks come as configs, so lm-eval's thousands of built-in YAMLs are not indexed
        manager = TaskManager(include_defaults=False)
        raw = simple_evaluate(model=lm, tasks=tasks, task_manager=manager, apply_chat_template=(
                                  variant == "served" and cfg.served_api == "chat"),
                              num_fewshot=cfg.num_fewshot, limit=cfg.max_examples, log_samples=True, bootstrap_iters=0,
                              gen_kwargs={"max_gen_toks": cfg.max_new_tokens} if cfg.max_new_tokens else None,
                              random_seed=ctx.seed, numpy_random_seed=ctx.seed, torch_random_seed=ctx.seed,
                              fewshot_random_seed=ctx.seed)
        if raw is None:
            from ftflow.errors import UserError

            raise UserError("eval=lm_eval: lm-eval returned no results")
        return raw

    @staticmethod
    def _local_lm(ctx: StageContext, variant: str, tasks: list[dict[str, Any]]) -> Any:
        import torch
        from lm_eval.models.huggingface import HFLM

        cfg: LmEvalConfig = ctx.config
        base = model_dir(ctx.inputs["model"].path)
        pretrained, peft = str(base), None
        if variant == "tuned":
            train = ctx.inputs["train"]
            if train.metadata.get("peft"):
                peft = str(train.path / "adapter")
            else:
                pretrained = str(train.path / "model")
        device = "cuda" if torch.cuda.is_available() else "cpu"
        ctx.log(f"lm_eval {variant}: {', '.join(t['task'] for t in tasks)} on {device}")
        return HFLM(pretrained=pretrained, tokenizer=str(base), peft=peft, device=device, batch_size=cfg.batch_size,
                    dtype="float32" if device == "cpu" else "auto")


def served_lm(ctx: StageContext) -> Any:
    """lm-eval's OpenAI-compatible client on ``eval.base_url``: greedy (temperature 0), no tokenizer (requests
    go as text), ``$FTFLOW_API_KEY`` as the bearer token when set (ftflow serve's key)."""
    from lm_eval.api.registry import get_model

    cfg: LmEvalConfig = ctx.config
    model_type, path = SERVED_API[cfg.served_api]
    key = os.environ.get("FTFLOW_API_KEY")
    ctx.log(f"lm_eval served: {cfg.base_url} model={cfg.served_model} ({model_type})")
    return get_model(model_type)(
        base_url=f"{cfg.base_url.rstrip('/')}/{path}", model=cfg.served_model, tokenizer_backend=None,
        tokenized_requests=False, num_concurrent=cfg.served_concurrency, max_retries=1, seed=ctx.seed,
        header={"Authorization": f"Bearer {key}"} if key else None)


def as_lm_eval_results(task: str, metrics: dict[str, float], scores: dict[str, list[float | None]],
                       config: dict[str, Any]) -> dict[str, Any]:
    """One variant's ``eval=generate`` numbers in lm-eval's results layout (``results[task]["<metric>,none"]``
    with its ``_stderr``, ``higher_is_better``, ``n-samples``, ``configs``), so tools that read lm-eval
    output read ftflow's too.  Standard errors come from the per-example scores of mean metrics."""
    import statistics

    values: dict[str, Any] = {"alias": task}
    for metric, value in metrics.items():
        values[f"{metric},none"] = value
        applicable = [float(s) for s in scores.get(metric, []) if s is not None]
        values[f"{metric}_stderr,none"] = (statistics.stdev(applicable) / len(applicable) ** 0.5
                                           if len(applicable) > 1 else "N/A")
    n = max((sum(s is not None for s in per) for per in scores.values()), default=0)
    return {"results": {task: values}, "configs": {task: config}, "versions": {task: config.get("version")},
            "n-shot": {task: 0}, "higher_is_better": {task: {m: True for m in metrics}},
            "n-samples": {task: {"original": n, "effective": n}}}
