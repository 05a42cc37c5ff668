"""``eval=default``: generate answers for the eval split with every enabled variant, then score them.

Variants share the prompts and decoding settings, so their metrics compare like with like.  Each
variant's generations are memoised by (variant identity, prompts, decoding settings): adding a variant
or a metric reruns the stage but regenerates only what is new.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ftflow.provider import Provider
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import read_jsonl, seed_everything, write_jsonl


@dataclasses.dataclass
class GenerateConfig:
    variants: list[str] = dataclasses.field(default_factory=lambda: ["base", "tuned"])
    metrics: list[str] = dataclasses.field(default_factory=lambda: ["exact_match", "token_f1"])
    max_new_tokens: int = 128
    max_examples: int | None = None
    batch_size: int = 8


def split_prompt(row: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """Prompt = everything before the last assistant turn; reference = that turn's content.

    Preference rows count too: the prompt, with the chosen answer as the reference.
    """
    if "messages" not in row:
        return row["prompt"], row["chosen"][-1]["content"]
    messages = row["messages"]
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return messages[:last], messages[last]["content"]


class GenerateEvaluator(Provider):
    name = "generate"
    kind = "evaluator"
    version = "2"
    description = "generation on the eval split for each variant, scored by metric providers"
    Config = GenerateConfig
    libraries = ("torch", "transformers", "peft")
    code_modules = ("ftflow_plugins.common.hf",)

    def uses(self, config: GenerateConfig) -> list[tuple[str, str]]:
        return [("variant", v) for v in config.variants] + [("metric", m) for m in config.metrics]

    def check(self, stage, upstream) -> list[str]:
        problems = []
        train = upstream.get("train")
        if train is not None and train.plugin == "reward":
            problems.append("eval=generate needs a chat model; a reward model (method=reward) has none: use eval=none")
        for name in stage.config.variants:
            variant = stage.components.get(f"variant.{name}")
            missing = [n for n in getattr(variant.provider, "needs", ()) if n not in upstream] if variant else []
            if missing:
                problems.append(f"eval.variants: '{name}' needs the {', '.join(missing)} stage, which is disabled")
        return problems

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow.errors import UserError

        cfg: GenerateConfig = ctx.config
        metrics = {name: ctx.components[f"metric.{name}"].provider for name in cfg.metrics}
        path = ctx.inputs["data"].path / "eval.jsonl"
        if not path.exists():
            raise UserError("eval: the data stage has no eval split (set data.eval)")
        rows = read_jsonl(path)[: cfg.max_examples]
        prompts, references = zip(*(split_prompt(r) for r in rows), strict=True)
        results: dict[str, dict[str, float]] = {}
        generations = []
        for provider_name in cfg.variants:
            provider = ctx.components[f"variant.{provider_name}"].provider
            for variant in provider.expand(ctx):
                outputs = self._generate(ctx, provider, variant, list(prompts))
                scores = {m: [metric.score(o, ref, row) for o, ref, row in zip(outputs, references, rows, strict=True)]
                          for m, metric in metrics.items()}
                results[variant] = {m: sum(v) / len(v) for m, v in scores.items()}
                for i, (row, out, ref) in enumerate(zip(rows, outputs, references, strict=True)):
                    generations.append({"variant": variant, "id": row.get("id", i), "output": out,
                                        "reference": ref, **{m: scores[m][i] for m in scores}})
        write_jsonl(ctx.output_dir / "generations.jsonl", generations)
        (ctx.output_dir / "metrics.json").write_text(json.dumps(results, indent=2))
        return {"metrics": results, "examples": len(rows)}

    def _generate(self, ctx: StageContext, provider: Any, variant: str, prompts: list) -> list[str]:
        cfg: GenerateConfig = ctx.config
        generator = None
        try:
            seed_everything(ctx.seed)
            generator = provider.load(ctx, variant, cfg.batch_size)
            key = ctx.memo.key("generations", generator.identity, prompts, cfg.max_new_tokens) if ctx.memo else None
            cached = ctx.memo.get(key) if key else None
            if cached is not None:
                ctx.log(f"{variant}: {len(cached)} generations from the memo")
                return cached
            outputs = generator.generate(prompts, cfg.max_new_tokens)
            if key:
                ctx.memo.put(key, outputs)
            return outputs
        finally:
            if generator is not None:
                generator.close()
