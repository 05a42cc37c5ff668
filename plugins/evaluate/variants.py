"""Variants: the models an evaluation compares, as providers of kind ``variant``.

A variant turns the eval stage's inputs into a ``Generator``.  Built-ins: ``base`` (the prompt-only
baseline) and ``tuned`` (base + the trained adapter, or the fully trained weights).  Other plugins add
more without touching the evaluator: exported GGUF files through llama.cpp, retrieval in front of a
model (``rag``, ``tuned+rag``), a served endpoint.  One provider may expand into several variants
(``gguf`` -> ``gguf:q8_0``, ``gguf:q4_k_m``) through ``expand``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from ftflow.provider import Provider
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir


class Generator(Protocol):
    """Answers chat prompts.  ``identity`` is a content digest of what generates: generations are
    memoised under it, so an unchanged variant is not regenerated when the eval stage reruns."""

    identity: str

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]: ...

    def close(self) -> None: ...


class Variant(Provider):
    kind = "variant"
    #: Upstream stages this variant reads; the evaluator reports a missing one before anything runs.
    needs: ClassVar[tuple[str, ...]] = ()

    def expand(self, ctx: StageContext) -> list[str]:
        """Concrete variant names for this provider (most providers: just their own name)."""
        return [self.name]

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        raise NotImplementedError


class HfGenerator:
    """Greedy, batched, left-padded ``generate`` with the model's own chat template."""

    def __init__(self, model: Any, tokenizer: Any, identity: str, batch_size: int) -> None:
        self.model, self.tokenizer, self.identity, self.batch_size = model.eval(), tokenizer, identity, batch_size

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        import torch

        tokenizer = self.tokenizer
        tokenizer.padding_side = "left"
        outputs = []
        for start in range(0, len(prompts), self.batch_size):
            texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                     for p in prompts[start:start + self.batch_size]]
            batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            batch = batch.to(self.model.device)
            with torch.no_grad():
                generated = self.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                                pad_token_id=tokenizer.pad_token_id,
                                                eos_token_id=tokenizer.eos_token_id)
            new = generated[:, batch["input_ids"].shape[1]:]
            outputs += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
        return outputs

    def close(self) -> None:
        self.model = None


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class BaseVariant(Variant):
    name = "base"
    description = "the base model, prompt only (the recipe's system prompt): the baseline to beat"
    libraries = ("torch", "transformers")
    needs = ("model",)
    code_modules = ("ftflow_plugins.common.hf",)

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        from transformers import AutoModelForCausalLM

        base = model_dir(ctx.inputs["model"].path)
        model = AutoModelForCausalLM.from_pretrained(str(base)).to(_device())
        return HfGenerator(model, load_tokenizer(base), f"hf:{ctx.inputs['model'].digest}", batch_size)


class TunedVariant(Variant):
    name = "tuned"
    description = "the base model with the trained adapter (or the fully trained weights)"
    libraries = ("torch", "transformers", "peft")
    needs = ("model", "train")
    code_modules = ("ftflow_plugins.common.hf",)

    def load(self, ctx: StageContext, name: str, batch_size: int) -> Generator:
        from transformers import AutoModelForCausalLM

        base = model_dir(ctx.inputs["model"].path)
        train = ctx.inputs["train"]
        if train.metadata.get("peft"):
            from peft import PeftModel

            model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)),
                                              str(train.path / "adapter"))
        else:
            model = AutoModelForCausalLM.from_pretrained(str(train.path / "model"))
        identity = f"hf:{ctx.inputs['model'].digest}+{train.digest}"
        return HfGenerator(model.to(_device()), load_tokenizer(base), identity, batch_size)
