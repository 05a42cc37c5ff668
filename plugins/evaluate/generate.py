"""``eval=default``: generate answers for the eval split with every enabled variant, then score them.

Variants share the prompts and decoding settings, so their metrics compare like with like.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ftflow_plugins.common.hf import load_tokenizer, model_dir, read_jsonl, seed_everything, write_jsonl

from ftflow.provider import Provider
from ftflow.stage import StageContext


@dataclasses.dataclass
class GenerateConfig:
    variants: list[str] = dataclasses.field(default_factory=lambda: ["base", "tuned"])
    metrics: list[str] = dataclasses.field(default_factory=lambda: ["exact_match", "token_f1"])
    max_new_tokens: int = 128
    max_examples: int | None = None
    batch_size: int = 8


def split_prompt(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Prompt = everything before the last assistant turn; reference = that turn's content."""
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    return messages[:last], messages[last]["content"]


def generate(model: Any, tokenizer: Any, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
             batch_size: int) -> list[str]:
    import torch

    tokenizer.padding_side = "left"
    outputs = []
    for start in range(0, len(prompts), batch_size):
        texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                 for p in prompts[start:start + batch_size]]
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            generated = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                       pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        new = generated[:, batch["input_ids"].shape[1]:]
        outputs += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
    return outputs


class GenerateEvaluator(Provider):
    name = "generate"
    kind = "evaluator"
    version = "1"
    description = "greedy generation on the eval split for each variant, scored by metric providers"
    Config = GenerateConfig
    libraries = ("torch", "transformers", "peft")
    code_modules = ("ftflow_plugins.common.hf",)

    def uses(self, config: GenerateConfig) -> list[tuple[str, str]]:
        return [("metric", name) for name in config.metrics]

    def check(self, stage, upstream) -> list[str]:
        problems = []
        known = {"base", "tuned"}
        for variant in stage.config.variants:
            if variant not in known:
                problems.append(f"eval.variants: unknown variant '{variant}' (choices: {', '.join(sorted(known))})")
        if "tuned" in stage.config.variants and "train" not in upstream:
            problems.append("eval.variants lists 'tuned' but training is disabled (method=none)")
        return problems

    def _load(self, ctx: StageContext, variant: str) -> Any:
        from transformers import AutoModelForCausalLM

        base = model_dir(ctx.inputs["model"].path)
        if variant == "base":
            return AutoModelForCausalLM.from_pretrained(str(base))
        train = ctx.inputs["train"]
        if train.metadata.get("peft"):
            from peft import PeftModel

            return PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)),
                                             str(train.path / "adapter"))
        return AutoModelForCausalLM.from_pretrained(str(train.path / "model"))

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow.errors import UserError

        cfg: GenerateConfig = ctx.config
        metrics = {name: ctx.components[f"metric.{name}"].provider for name in cfg.metrics}
        path = ctx.inputs["data"].path / "eval.jsonl"
        if not path.exists():
            raise UserError("eval: the data stage has no eval split (set data.eval)")
        rows = read_jsonl(path)[: cfg.max_examples]
        prompts, references = zip(*(split_prompt(r["messages"]) for r in rows), strict=True)
        tokenizer = load_tokenizer(model_dir(ctx.inputs["model"].path))
        results: dict[str, dict[str, float]] = {}
        generations = []
        for variant in cfg.variants:
            seed_everything(ctx.seed)
            model = self._load(ctx, variant).eval()
            outputs = generate(model, tokenizer, list(prompts), cfg.max_new_tokens, cfg.batch_size)
            scores = {m: [metric.score(o, ref, row) for o, ref, row in zip(outputs, references, rows, strict=True)]
                      for m, metric in metrics.items()}
            results[variant] = {m: sum(v) / len(v) for m, v in scores.items()}
            for i, (row, out, ref) in enumerate(zip(rows, outputs, references, strict=True)):
                generations.append({"variant": variant, "id": row.get("id", i), "output": out, "reference": ref,
                                    **{m: scores[m][i] for m in scores}})
        write_jsonl(ctx.output_dir / "generations.jsonl", generations)
        (ctx.output_dir / "metrics.json").write_text(json.dumps(results, indent=2))
        return {"metrics": results, "examples": len(rows)}
