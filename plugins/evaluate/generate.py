"""``eval=default``: generate answers for the eval split with every enabled variant, then score them.

Variants share the prompts and decoding settings, so their metrics compare like with like.  Each
variant's generations are memoised by (variant identity, prompts, decoding settings, schema): adding a
variant or a metric, or changing the gate, reruns the stage but regenerates only what is new.

For schema-bound tasks (``json_schema``) every answer goes through the JSON guardrail (see
``jsonguard``): valid, repaired, or retried once with the validation errors; metrics of the raw format
(``json_valid``, ``json_schema``) see the raw answer, content metrics see the guarded one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal

from ftflow.kinds import Evaluator
from ftflow.kinds.evaluation import component_options
from ftflow.progress import progress
from ftflow.provider import Part, part
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import TRAINED, read_jsonl, seed_everything, write_jsonl
from ftflow_plugins.evaluate.compare import compare, resolve_variant
from ftflow_plugins.evaluate.compare import notes as compare_notes
from ftflow_plugins.evaluate.decoding import decoding_mode, decoding_notes
from ftflow_plugins.evaluate.gate import GateConfig, better_than_pairs, evaluate_gate, gate_problems
from ftflow_plugins.evaluate.intervals import bootstrap_interval
from ftflow_plugins.evaluate.metrics import summarize


@dataclasses.dataclass
class GuardrailConfig:
    """What happens to an answer that is not schema-valid JSON (only with ``json_schema``)."""

    repair: bool = True  # extract the first JSON object / close a cut-off one
    retry: bool = True  # ask once more, with the validation errors, when repair is not enough


@dataclasses.dataclass
class RefusalConfig:
    """What counts as a refusal (the ``refusal`` metric and the taxonomy's wrong_refusal)."""

    patterns: list[str] = dataclasses.field(default_factory=list)  # regexes, case-insensitive
    builtin: bool = True  # also the built-in English phrases (task_metrics._REFUSAL)


@dataclasses.dataclass
class GenerateConfig:
    variants: list[str] = dataclasses.field(default_factory=lambda: ["base", "tuned"])
    metrics: list[str] = dataclasses.field(default_factory=lambda: ["exact_match", "token_f1"])
    #: Per metric, options for its Config (``eval.metric_options.rouge1.use_stemmer=false``), checked by plan.
    metric_options: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    max_new_tokens: int = 128
    max_examples: int | None = None
    #: What base/tuned (and rag, tuned_rag, base_fewshot) decode on: llama.cpp from GGUF conversions of
    #: the same weights, or transformers' generate; auto = llamacpp on a CPU, hf on CUDA (variants.py).
    engine: Literal["auto", "llamacpp", "hf"] = "auto"
    batch_size: int = 8  # prompts per generate call on the hf engine (llama.cpp: parallel workers)
    #: Which rows when max_examples cuts: the first ones, or evenly spread over the file (mixes splits/labels).
    sample: Literal["first", "spread"] = "spread"
    few_shot: int = 2  # examples from the train split for the base_fewshot variant
    label_field: str | None = None  # label inside JSON answers; default: the data section's label_field
    json_schema: str | None = None  # answer schema (a recipe-relative path): guardrail + schema metrics
    #: Decode every variant under json_schema (true: llama.cpp grammar, xgrammar on transformers) or none
    #: (false); null: each as it deploys (the engine's variants free, the gguf variant under the grammar).
    constrained: bool | None = None
    guardrail: GuardrailConfig = dataclasses.field(default_factory=GuardrailConfig)
    gate: GateConfig = dataclasses.field(default_factory=GateConfig)
    refusal: RefusalConfig = dataclasses.field(default_factory=RefusalConfig)
    failure_examples: int = 2  # examples per failure category and variant kept in the report
    #: Row ``meta`` fields to break every metric down by (e.g. ``needs_retrieval``): one table per field.
    slice_by: list[str] = dataclasses.field(default_factory=list)
    #: The variant every other one is compared with, row by row (paired bootstrap); None: the first variant.
    compare_to: str | None = None


def refusal_problems(refusal: RefusalConfig) -> list[str]:
    import re

    problems = []
    for i, pattern in enumerate(refusal.patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"eval.refusal.patterns[{i}]: not a regular expression: {exc}")
    if not refusal.builtin and not refusal.patterns:
        problems.append("eval.refusal: builtin=false needs eval.refusal.patterns")
    return problems


def split_prompt(row: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """Prompt = everything before the last assistant turn; reference = that turn's content.

    Preference rows count too: the prompt, with the chosen answer as the reference.
    """
    if "messages" not in row:
        return row["prompt"], row["chosen"][-1]["content"]
    messages = row["messages"]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return messages[:last], messages[last]["content"]


def select_rows(rows: list[dict[str, Any]], limit: int | None, sample: str) -> list[dict[str, Any]]:
    if limit is None or limit >= len(rows):
        return rows
    if sample == "first":
        return rows[:limit]
    return [rows[i * len(rows) // limit] for i in range(limit)]


def slice_metrics(field: str, metrics: dict[str, Any], scores: dict[str, list], outputs: list[str],
                  references: list[str], examples: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{value of meta[field]: {metric: value, "n": rows}} — each metric aggregated over that slice only."""
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        groups.setdefault(str((example.get("meta") or {}).get(field)), []).append(i)
    out = {}
    for value, idx in sorted(groups.items()):
        row: dict[str, Any] = {"n": len(idx)}
        for name, metric in metrics.items():
            summary = summarize(metric, [scores[name][i] for i in idx], [outputs[i] for i in idx],
                                [references[i] for i in idx], [examples[i] for i in idx])
            if summary["value"] is not None:
                row[name] = summary["value"]
        out[value] = row
    return out


class GenerateEvaluator(Evaluator):
    name = "generate"
    kind = "evaluator"
    version = "4"
    description = "generation on the eval split for each variant, scored by metric providers, gated"
    Config = GenerateConfig
    libraries = ("torch", "transformers", "peft", "jsonschema", "scipy")
    code_modules = ("ftflow_plugins.common.hf", "ftflow_plugins.evaluate.intervals", "ftflow_plugins.rag.retrieve")

    def uses(self, config: GenerateConfig) -> list[tuple[str, str]]:
        return [("variant", v) for v in config.variants] + [("metric", m) for m in config.metrics]

    def reads(self, config: GenerateConfig) -> dict[str, Part | None]:
        """The eval split (and the train split for few-shot examples), the weights, the trained adapter or
        model, the export's GGUF files and the retrieval index: never the trainer's logs or timings."""
        from ftflow_plugins.rag.retrieve import RAG_INDEX

        data = ("eval.jsonl", "train.jsonl") if "base_fewshot" in config.variants else ("eval.jsonl",)
        return {"model": None, "data": part(*data, metadata=("label_field",)), "train": TRAINED,
                "export": part("gguf/*", metadata=("gguf", "quants", "merged_from")), "rag": RAG_INDEX}

    def external_inputs(self, config: GenerateConfig) -> dict[str, str]:
        return {"json_schema": config.json_schema} if config.json_schema else {}

    def requires(self, config: GenerateConfig) -> dict[str, dict[str, str]]:
        return {"data": {"eval.jsonl": "set data.eval (eval=generate scores the held-out split), or eval=none"}}

    def check(self, stage, upstream) -> list[str]:
        cfg: GenerateConfig = stage.config
        problems = []
        train = upstream.get("train")
        if train is not None and train.plugin == "reward":
            problems.append("eval=generate needs a chat model; a reward model (method=reward) has none: use eval=none")
        for name in cfg.variants:
            variant = stage.components.get(f"variant.{name}")
            missing = [n for n in getattr(variant.provider, "needs", ()) if n not in upstream] if variant else []
            if missing:
                problems.append(f"eval.variants: '{name}' needs the {', '.join(missing)} stage, which is disabled")
        if "base_fewshot" in cfg.variants and cfg.few_shot <= 0:
            problems.append("eval.variants: base_fewshot needs eval.few_shot > 0")
        problems += component_options(stage, "metric", cfg.metrics, cfg.metric_options, "eval.metric_options")[1]
        names = list(cfg.metrics)
        for metric in cfg.metrics:
            comp = stage.components.get(f"metric.{metric}")
            names += [f"{metric}_{e}" for e in getattr(comp.provider, "extras", ())] if comp else []
        problems += gate_problems(cfg.gate, cfg.variants, names)
        problems += refusal_problems(cfg.refusal)
        if cfg.constrained is True and not cfg.json_schema:
            problems.append("eval.constrained=true decodes under eval.json_schema: set it, or leave constrained null")
        if cfg.compare_to is not None and cfg.compare_to not in cfg.variants:
            problems.append(f"eval.compare_to: '{cfg.compare_to}' is not in eval.variants ({', '.join(cfg.variants)})")
        if cfg.gate.baseline_run:
            from ftflow.errors import UserError
            from ftflow.workspace import Workspace

            try:
                Workspace().resolve_run(cfg.gate.baseline_run)
            except UserError as exc:
                problems.append(f"eval.gate.baseline_run: {exc}")
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow.errors import UserError
        from ftflow_plugins.evaluate.summary import eval_markdown
        from ftflow_plugins.evaluate.task_metrics import refusal_pattern
        from ftflow_plugins.evaluate.taxonomy import classify, summarize_failures

        cfg: GenerateConfig = ctx.config
        metrics = component_options(ctx.stage, "metric", cfg.metrics, cfg.metric_options, "eval.metric_options")[0]
        for metric in metrics.values():
            if hasattr(metric, "prepare"):
                metric.prepare(ctx)
        schema = json.loads(ctx.resolve_path(cfg.json_schema, "eval.json_schema").read_text()) \
            if cfg.json_schema else None
        label_field = cfg.label_field or ctx.inputs["data"].metadata.get("label_field")
        refusal = refusal_pattern(cfg.refusal.patterns, cfg.refusal.builtin)
        path = ctx.inputs["data"].path / "eval.jsonl"
        if not path.exists():
            raise UserError("eval: the data stage has no eval split (set data.eval)")
        all_rows = read_jsonl(path)
        rows = select_rows(all_rows, cfg.max_examples, cfg.sample)
        prompts, references = (list(x) for x in zip(*(split_prompt(r) for r in rows), strict=True))
        results: dict[str, dict[str, float]] = {}
        intervals: dict[str, dict[str, list[float]]] = {}  # 95% bootstrap intervals of mean metrics
        details: dict[str, dict[str, Any]] = {}
        records: dict[str, list[dict[str, Any]]] = {}
        mean_scores: dict[str, dict[str, list[float | None]]] = {}  # per-row scores of mean metrics (pairing)
        decoding: dict[str, dict[str, Any]] = {}  # engine, sampling, constrained: per variant
        slices: dict[str, dict[str, dict[str, dict[str, float]]]] = {field: {} for field in cfg.slice_by}
        generations = []
        for provider_name in cfg.variants:
            provider = ctx.components[f"variant.{provider_name}"].provider
            for variant in provider.expand(ctx):
                out = self._generate(ctx, provider, variant, prompts, schema)
                decoding[variant] = out["decoding"]
                examples = [{**row, "eval": info} for row, info in zip(rows, out["info"], strict=True)]
                outputs = out["outputs"]
                results[variant], details[variant] = {}, {}
                scores = {}
                for m, metric in metrics.items():
                    scores[m] = [metric.score(o, ref, ex) for o, ref, ex in zip(outputs, references, examples,
                                                                                 strict=True)]
                    summary = summarize(metric, scores[m], outputs, references, examples)
                    if summary["value"] is not None:
                        results[variant][m] = summary["value"]
                    interval = bootstrap_interval(scores[m], summary["value"], ctx.seed)
                    if interval is not None:
                        intervals.setdefault(variant, {})[m] = interval
                        mean_scores.setdefault(variant, {})[m] = scores[m]
                    results[variant].update({f"{m}_{k}": v for k, v in summary["extras"].items()})
                    details[variant][m] = {"n": summary["n"], **summary["details"]}
                for field in cfg.slice_by:
                    for value, metric_values in slice_metrics(field, metrics, scores, outputs, references,
                                                              examples).items():
                        slices[field].setdefault(value, {})[variant] = metric_values
                records[variant] = []
                for i, (ex, o, ref) in enumerate(zip(examples, outputs, references, strict=True)):
                    failure = classify(o, ref, ex, schema=schema, label_field=label_field, refusal=refusal)
                    record = {"variant": variant, "id": ex.get("id", i), "output": o, "reference": ref,
                              **ex["eval"], "category": failure and failure[0], "detail": failure and failure[1],
                              **{m: scores[m][i] for m in scores}}
                    records[variant].append(record)
                    generations.append(record)
        retrieval = self._retrieval(ctx, all_rows)
        if retrieval:
            results["retrieval"] = retrieval["retrieval"]
        baseline = None
        if cfg.gate.baseline_run:
            from ftflow.workspace import Workspace

            baseline = Workspace().manifest(cfg.gate.baseline_run).get("metrics", {})
        differences = self._differences(cfg, mean_scores, list(records), ctx.seed)
        gate = evaluate_gate(cfg.gate, results, baseline, differences) if cfg.gate.enabled else None
        taxonomy = summarize_failures(records, cfg.failure_examples)
        write_jsonl(ctx.output_dir / "generations.jsonl", generations)
        (ctx.output_dir / "metrics.json").write_text(json.dumps(results, indent=2))
        self._write_lm_eval(ctx, results, mean_scores)
        meta = {"metrics": results, "intervals": intervals, "examples": len(rows), "metric_details": details,
                "taxonomy": taxonomy, "differences": differences, "decoding": decoding,
                "notes": decoding_notes(decoding, schema is not None) + compare_notes(differences),
                "gate": gate, "guardrail": self._guardrail_note(cfg, records) if schema else None,
                "slices": slices, **({"retrieval_by_mode": retrieval["retrieval_by_mode"]} if retrieval else {})}
        meta["report_md"] = eval_markdown(meta)
        return meta

    @staticmethod
    def _differences(cfg: GenerateConfig, scores: dict[str, dict[str, list[float | None]]], variants: list[str],
                     seed: int) -> dict[str, dict[str, dict[str, Any]]]:
        """Paired differences of every variant against ``compare_to`` (and those the gate's better_than needs)."""
        reference = resolve_variant(cfg.compare_to, variants) if cfg.compare_to else (variants or [None])[0]
        pairs = [(v, reference) for v in variants if reference is not None and v != reference]
        pairs += [p for p in better_than_pairs(cfg.gate, variants) if p not in pairs]
        return compare(scores, pairs, {v: list(per) for v, per in scores.items()}, seed)

    def _write_lm_eval(self, ctx: StageContext, results: dict[str, dict[str, float]],
                       scores: dict[str, dict[str, list[float | None]]]) -> None:
        """``lm_eval_<variant>.json``: every variant's numbers in lm-eval-harness's results format."""
        from ftflow_plugins.evaluate.harness import as_lm_eval_results

        cfg: GenerateConfig = ctx.config
        config = {"task": "ftflow_generate", "version": self.version, "output_type": "generate_until",
                  "metric_list": [{"metric": m} for m in cfg.metrics], "generation_kwargs": {
                      "max_gen_toks": cfg.max_new_tokens, "do_sample": False}}
        for variant, metrics in results.items():
            if variant != "retrieval":
                (ctx.output_dir / f"lm_eval_{variant.replace(':', '_')}.json").write_text(json.dumps(
                    as_lm_eval_results("ftflow_generate", metrics, scores.get(variant, {}), config), indent=2))

    @staticmethod
    def _retrieval(ctx: StageContext, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """recall@k / MRR of the rag input on every eval question that names its documents (k: the rag
        stage's ``metrics_k``); here, not in the rag stage, so a new eval set does not rebuild the index."""
        rag = ctx.inputs.get("rag")
        if rag is None:
            return {}
        from ftflow_plugins.rag.retrieve import measure_retrieval

        return measure_retrieval(rag.path, rows, rag.settings.get("metrics_k", 5), ctx.log)

    @staticmethod
    def _guardrail_note(cfg: GenerateConfig, records: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        status = {v: {s: sum(r.get("guard_status") == s for r in rs) for s in ("valid", "repaired", "retried",
                                                                                  "failed")}
                  for v, rs in records.items()}
        return {"schema": cfg.json_schema, "repair": cfg.guardrail.repair, "retry": cfg.guardrail.retry,
                "status": status}

    def _generate(self, ctx: StageContext, provider: Any, variant: str, prompts: list,
                  schema: dict[str, Any] | None) -> dict[str, Any]:
        """Outputs (raw) and per-example info: truncated, retrieved ids, and the guardrail's verdict."""
        cfg: GenerateConfig = ctx.config
        generator = None
        try:
            seed_everything(ctx.seed)
            generator = provider.load(ctx, variant, cfg.batch_size)
            mode = decoding_mode(generator, schema, cfg.constrained, variant)  # before any decoding
            first = self._memo_generate(ctx, generator, variant, prompts, schema)
            info = [{"truncated": t, **({"retrieved_ids": r} if r is not None else {})}
                    for t, r in zip(first["truncated"], first["retrieved"], strict=True)]
            if schema is not None:
                self._guard(ctx, generator, variant, prompts, first["outputs"], info, schema)
            return {"outputs": first["outputs"], "info": info, "decoding": mode}
        finally:
            if generator is not None:
                generator.close()

    def _guard(self, ctx: StageContext, generator: Any, variant: str, prompts: list, outputs: list[str],
               info: list[dict[str, Any]], schema: dict[str, Any]) -> None:
        from ftflow_plugins.evaluate.jsonguard import RETRY_INSTRUCTION, guard

        cfg: GenerateConfig = ctx.config
        results = [guard(o, schema) for o in outputs]
        if not cfg.guardrail.repair:
            results = [r if r.status != "repaired" else dataclasses.replace(r, status="failed", text=o)
                       for r, o in zip(results, outputs, strict=True)]
        failed = [i for i, r in enumerate(results) if r.status == "failed"]
        if failed and cfg.guardrail.retry:
            retry_prompts = [[*prompts[i], {"role": "assistant", "content": outputs[i]},
                              {"role": "user", "content": RETRY_INSTRUCTION.format(
                                  errors="; ".join(results[i].errors[:3]))}] for i in failed]
            ctx.log(f"{variant}: guardrail retries {len(failed)} answer(s)")
            again = self._memo_generate(ctx, generator, variant, retry_prompts, schema)["outputs"]
            for i, text in zip(failed, again, strict=True):
                second = guard(text, schema)
                if second.status != "failed" and (cfg.guardrail.repair or second.status == "valid"):
                    results[i] = dataclasses.replace(second, status="retried")
        for item, result in zip(info, results, strict=True):
            item.update(guarded=result.text if result.status != "failed" else None, guard_status=result.status)

    @staticmethod
    def _memo_generate(ctx: StageContext, generator: Any, variant: str, prompts: list,
                       schema: dict[str, Any] | None) -> dict[str, Any]:
        cfg: GenerateConfig = ctx.config
        if cfg.constrained is False:  # no variant gets a schema to decode under
            schema = None
        key = ctx.memo.key("generations/v2", generator.identity, prompts, cfg.max_new_tokens, schema) \
            if ctx.memo else None
        cached = ctx.memo.get(key) if key else None
        if isinstance(cached, dict):
            ctx.log(f"{variant}: {len(cached['outputs'])} generations from the memo")
            return cached
        with progress(len(prompts), f"eval {variant}"):  # generators move it (ftflow.progress.advance)
            outputs = generator.generate(prompts, cfg.max_new_tokens, schema)
        truncated = getattr(generator, "last_truncated", None)
        retrieved = getattr(generator, "last_retrieved", None)
        truncated = truncated if truncated and len(truncated) == len(outputs) else [None] * len(outputs)
        retrieved = retrieved if retrieved and len(retrieved) == len(outputs) else [None] * len(outputs)
        value = {"outputs": outputs, "truncated": list(truncated), "retrieved": list(retrieved)}
        if key:
            ctx.memo.put(key, value)
        return value
