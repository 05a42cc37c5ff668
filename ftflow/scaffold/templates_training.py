"""Scaffolds of the training kinds (adapter, tokenize, method): each a small provider that works through the
same contract as the built-ins, with tests that run it on a tiny random model they build in tmp_path."""

from __future__ import annotations

from ftflow.scaffold.template import Template

# A tiny model for the generated tests: a random 2-layer Llama with a word-level tokenizer and a ChatML
# template (no download, a few seconds on a CPU).
TINY_MODEL = '''

def _tiny_model(path):
    """A random 2-layer Llama with a word-level tokenizer and a ChatML chat template, saved to ``path``."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = ["<unk>", "<|im_start|>", "<|im_end|>", "user", "assistant", "what", "is", "a", "fee", "the", "cost"]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", pad_token="<unk>",
                                        eos_token="<|im_end|>", additional_special_tokens=["<|im_start|>"])
    tokenizer.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\\n{{ m['content'] }}<|im_end|>\\n"
                               "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}")
    config = LlamaConfig(vocab_size=len(words), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64)
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
'''

_CTX = '''

def _ctx(tmp_path, config, inputs, components=None):
    """What run() reads of the StageContext: config, inputs, components, output_dir, seed, log."""
    out = tmp_path / "out"
    out.mkdir()
    return types.SimpleNamespace(config=config, inputs=inputs, components=components or {}, output_dir=out,
                                 work_dir=tmp_path / "work", seed=0, log=print)
'''

_CPU = '''

class _Cpu(Backend):
    name = "test_cpu"

    def device(self):
        return "cpu"
'''

ADAPTER = Template(
    kind="adapter",
    try_it="ftflow run recipe=smoke adapter={{name}}",
    requires=("torch", "transformers"),
    module='''\
"""The '{{name}}' adapter: full fine-tuning of the top decoder layers only; the embeddings and the lower
layers stay frozen (fewer weights to train than full fine-tuning, no peft, a plain checkpoint to save).

The training method calls ``load_model`` for the model it trains (the optimizer takes only the weights
that require gradients) and ``peft_config`` (None: no peft wrapper); ``is_peft = False`` tells it to save
the whole model to the train artifact's ``model/``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Adapter
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    layers: int = 1  # how many of the top decoder layers train

    def __post_init__(self) -> None:
        if self.layers < 1:
            raise UserError(f"layers: {self.layers} must be at least 1")


class {{Class}}(Adapter):
    name = "{{name}}"
    version = "1"  # enters the key of every train stage that uses it: bump it when training changes
    description = "full fine-tuning of the top decoder layers, the rest frozen"
    Config = {{Class}}Config
    libraries = ("torch", "transformers")
    is_peft = False

    def load_model(self, path: Path, config: {{Class}}Config, backend: Any, task: str = "causal-lm",
                   tokenizer: Any = None, dtype: Any = None, **load_kwargs: Any) -> Any:
        from transformers import AutoModelForCausalLM

        if task != "causal-lm":
            raise UserError(f"adapter={{name}} trains causal language models, not {task}")
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype or backend.torch_dtype(), **load_kwargs)
        blocks = getattr(model.base_model, "layers", None)
        if blocks is None:
            raise UserError(f"adapter={{name}}: {type(model).__name__} keeps no decoder layers in .layers")
        if config.layers > len(blocks):
            raise UserError(f"adapter.layers: {config.layers} is more than the model's {len(blocks)} layers")
        model.requires_grad_(False)
        for block in blocks[len(blocks) - config.layers:]:
            block.requires_grad_(True)
        norm = getattr(model.base_model, "norm", None)
        if norm is not None:  # the final norm feeds the (frozen, tied) LM head
            norm.requires_grad_(True)
        return model

    def peft_config(self, config: {{Class}}Config, task: str = "causal-lm") -> Any:
        return None
''',
    test_imports=("import pytest", "from ftflow.errors import UserError", "from ftflow.kinds import Backend"),
    tests=TINY_MODEL + _CPU + '''

def test_only_the_top_layers_train(tmp_path):
    model = {{Class}}().load_model(_tiny_model(tmp_path / "model"), {{Class}}.Config(layers=1), _Cpu())
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(".layers.1." in n or n.endswith("norm.weight") for n in trainable), trainable
    assert not any(".layers.0." in n or "embed_tokens" in n for n in trainable)


def test_more_layers_than_the_model_has_names_the_option(tmp_path):
    with pytest.raises(UserError, match="adapter.layers"):
        {{Class}}().load_model(_tiny_model(tmp_path / "model"), {{Class}}.Config(layers=3), _Cpu())
''',
    files={"recipes/adapter/{{name}}.yaml": "# Shipped by ftflow-{{name}}.\nprovider: {{name}}\nlayers: 1\n"},
    smoke=("recipe=smoke", "adapter={{name}}"),
)

TOKENIZE = Template(
    kind="tokenize",
    try_it="ftflow run recipe=smoke tokenize={{name}}",
    requires=("transformers", "datasets"),
    module='''\
"""The '{{name}}' tokenizer: chat rows to ``input_ids`` and ``assistant_masks`` (loss on the assistant's
words only), rendered turn by turn with the model's own chat template; rows over ``max_length`` tokens
are dropped rather than cut, so no row trains on half an answer.

It reads only the tokenizer files of the model (not the weights) and the data's rows: only those enter
its cache key, so new weights with the same tokenizer reuse the tokenized data.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Tokenizer
from ftflow.plugin import hookimpl
from ftflow.provider import Part, part


@dataclasses.dataclass
class {{Class}}Config:
    max_length: int | None = None  # None: the data stage's max_length


def encode(tokenizer: Any, messages: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Token ids of a conversation and a mask that is 1 on the assistant turns' content and end token."""
    ids: list[int] = []
    mask: list[int] = []
    shown = ""
    for i, message in enumerate(messages):
        pieces = []
        if message["role"] == "assistant":  # the turn's header is context, not a target
            pieces.append((tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True), 0))
        turn = tokenizer.apply_chat_template(messages[: i + 1], tokenize=False)
        pieces.append((turn, int(message["role"] == "assistant")))
        for text, target in pieces:
            if not text.startswith(shown):
                raise UserError("the chat template does not render conversations prefix-consistently")
            piece = tokenizer(text[len(shown):], add_special_tokens=False)["input_ids"]
            ids += piece
            mask += [target] * len(piece)
            shown = text
    return {"input_ids": ids, "assistant_masks": mask}


class {{Class}}(Tokenizer):
    name = "{{name}}"
    version = "1"
    description = "turn-by-turn chat-template tokenization, assistant-only loss, long rows dropped"
    Config = {{Class}}Config
    libraries = ("transformers", "tokenizers", "datasets")

    def reads(self, config: {{Class}}Config) -> dict[str, Part | None]:
        return {"model": part("model/tokenizer*", "model/chat_template.jinja", "model/special_tokens_map.json"),
                "data": part("train.jsonl", "eval.jsonl", metadata=["max_length"])}

    def run(self, ctx: Any) -> dict[str, Any]:
        from datasets import Dataset
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(ctx.inputs["model"].path / "model"))
        max_length = ctx.config.max_length or ctx.inputs["data"].metadata["max_length"]
        meta: dict[str, Any] = {"rows": {}, "tokens": 0, "truncated": 0, "dropped": 0, "max_length": max_length}
        for split in ("train", "eval"):
            source = ctx.inputs["data"].path / f"{split}.jsonl"
            if not source.exists():
                continue
            rows = [encode(tokenizer, json.loads(line)["messages"]) for line in source.read_text().splitlines()]
            kept = [r for r in rows if len(r["input_ids"]) <= max_length and any(r["assistant_masks"])]
            if split == "train" and not kept:
                raise UserError(f"tokenize.max_length: no training row fits in {max_length} tokens")
            Dataset.from_list(kept).save_to_disk(str(ctx.output_dir / split))
            meta["rows"][split] = len(kept)
            meta["dropped"] += len(rows) - len(kept)
            meta["tokens"] += sum(len(r["input_ids"]) for r in kept)
        ctx.log(f"tokenized {meta['rows']} rows, dropped {meta['dropped']} over {max_length} tokens")
        return meta
''',
    test_imports=("import json", "import types", "from datasets import load_from_disk",
                  "from ftflow_{{name}}.plugin import encode"),
    tests=TINY_MODEL + _CTX + '''

def test_the_loss_falls_on_the_answer_only(tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(_tiny_model(tmp_path / "model"))
    messages = [{"role": "user", "content": "what is a fee"}, {"role": "assistant", "content": "the cost"}]
    row = encode(tokenizer, messages)
    targets = [t for t, m in zip(row["input_ids"], row["assistant_masks"]) if m]
    assert tokenizer.convert_ids_to_tokens(targets) == ["the", "cost", "<|im_end|>"]


def test_it_writes_both_splits_and_drops_long_rows(tmp_path):
    _tiny_model(tmp_path / "model" / "model")
    short = {"messages": [{"role": "user", "content": "what is a fee"}, {"role": "assistant", "content": "the cost"}]}
    long = {"messages": [{"role": "user", "content": "what is a fee " * 20}, {"role": "assistant", "content": "a"}]}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(json.dumps(short) + "\\n" + json.dumps(long) + "\\n")
    (tmp_path / "data" / "eval.jsonl").write_text(json.dumps(short) + "\\n")
    inputs = {"model": types.SimpleNamespace(path=tmp_path / "model"),
              "data": types.SimpleNamespace(path=tmp_path / "data", metadata={"max_length": 32})}
    ctx = _ctx(tmp_path, {{Class}}.Config(), inputs)
    meta = {{Class}}().run(ctx)
    assert meta["rows"] == {"train": 1, "eval": 1} and meta["dropped"] == 1 and meta["max_length"] == 32
    train = load_from_disk(str(ctx.output_dir / "train"))
    assert train.column_names == ["input_ids", "assistant_masks"] and sum(train[0]["assistant_masks"]) == 3
''',
    files={"recipes/tokenize/{{name}}.yaml": "# Shipped by ftflow-{{name}}.\nprovider: {{name}}\nmax_length: null\n"},
    smoke=("recipe=smoke", "tokenize={{name}}"),
)

METHOD = Template(
    kind="method",
    try_it="ftflow run recipe=smoke method={{name}}",
    requires=("torch", "transformers", "datasets", "peft"),
    module='''\
"""The '{{name}}' method: supervised fine-tuning in a plain PyTorch loop, through the components every
built-in method uses: the ``adapter`` loads the model and says which weights train (a peft config or
frozen weights), the ``backend`` picks the device and dtype.

It reads the tokenize stage's ``train/`` split (``input_ids`` and ``assistant_masks``: the loss falls
where the mask is 1) and writes what readers of the train slot load: ``adapter/`` (a peft adapter) or
``model/`` (the whole model), with the tokenizer next to it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Method
from ftflow.plugin import hookimpl
from ftflow.provider import Part, part


@dataclasses.dataclass
class {{Class}}Config:
    max_steps: int = 16
    batch_size: int = 2
    learning_rate: float = 1e-3

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.batch_size < 1:
            raise UserError(f"max_steps ({self.max_steps}) and batch_size ({self.batch_size}) must be at least 1")
        if not 0 < self.learning_rate < 1:
            raise UserError(f"learning_rate: {self.learning_rate} is not in (0, 1)")


def batches(rows: Any, batch_size: int, steps: int, seed: int, pad: int) -> Any:
    """``steps`` padded batches (input_ids, attention_mask, labels) cycling through ``rows`` in a seeded order."""
    import torch

    order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(seed)).tolist()
    for step in range(steps):
        batch = [rows[order[(step * batch_size + i) % len(rows)]] for i in range(batch_size)]
        longest = max(len(r["input_ids"]) for r in batch)
        ids, attention, labels = [], [], []
        for row in batch:
            gap = longest - len(row["input_ids"])
            ids.append(row["input_ids"] + [pad] * gap)
            attention.append([1] * len(row["input_ids"]) + [0] * gap)
            labels.append([t if m else -100 for t, m in zip(row["input_ids"], row["assistant_masks"])] + [-100] * gap)
        yield torch.tensor(ids), torch.tensor(attention), torch.tensor(labels)


class {{Class}}(Method):
    name = "{{name}}"
    version = "1"  # enters the key: bump it when training changes
    description = "supervised fine-tuning in a plain PyTorch loop (no trl)"
    Config = {{Class}}Config
    libraries = ("torch", "transformers", "peft", "datasets")

    def reads(self, config: {{Class}}Config) -> dict[str, Part | None]:
        return {"model": None, "tokenize": part("train/*")}

    def check(self, stage: Any, upstream: dict[str, Any]) -> list[str]:
        return [] if "tokenize" in upstream else [f"{stage.section}: method={{name}} needs the tokenize stage"]

    def run(self, ctx: Any) -> dict[str, Any]:
        import torch
        from datasets import load_from_disk
        from transformers import AutoTokenizer

        cfg: {{Class}}Config = ctx.config
        adapter, backend = ctx.components["adapter"], ctx.components["backend"].provider
        base = ctx.inputs["model"].path / "model"
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        torch.manual_seed(ctx.seed)
        model = adapter.provider.load_model(base, adapter.config, backend, tokenizer=tokenizer)
        peft_config = adapter.provider.peft_config(adapter.config)
        if peft_config is not None:
            from peft import get_peft_model

            model = get_peft_model(model, peft_config)
        device = backend.device()
        model.to(device).train()
        rows = [r for r in load_from_disk(str(ctx.inputs["tokenize"].path / "train")) if any(r["assistant_masks"])]
        if not rows:
            raise UserError("method={{name}}: no training row has an assistant token to learn")
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        curve = []
        for step, (ids, attention, labels) in enumerate(batches(rows, cfg.batch_size, cfg.max_steps, ctx.seed, pad), 1):
            loss = model(input_ids=ids.to(device), attention_mask=attention.to(device), labels=labels.to(device)).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            curve.append([step, round(loss.item(), 4)])
            ctx.log(f"step {step}/{cfg.max_steps}: loss {loss.item():.4f}")
        saved = ctx.output_dir / ("adapter" if adapter.provider.is_peft else "model")
        model.save_pretrained(saved)
        tokenizer.save_pretrained(saved)
        return {"objective": self.name, "peft": adapter.provider.is_peft, "loss_curve": curve}
''',
    test_imports=("import types", "from datasets import Dataset", "from transformers import AutoModelForCausalLM",
                  "from ftflow.kinds import Adapter, Backend"),
    tests=TINY_MODEL + _CTX + _CPU + '''

class _Full(Adapter):
    name = "test_full"
    is_peft = False

    def load_model(self, path, config, backend, task="causal-lm", tokenizer=None, dtype=None, **load_kwargs):
        return AutoModelForCausalLM.from_pretrained(str(path), dtype=backend.torch_dtype())


def test_it_trains_and_saves_the_model(tmp_path):
    _tiny_model(tmp_path / "base" / "model")
    row = {"input_ids": [1, 3, 5, 6, 7, 8, 2, 1, 4, 9, 10, 2], "assistant_masks": [0] * 9 + [1, 1, 1]}
    Dataset.from_list([row, row]).save_to_disk(str(tmp_path / "tokenized" / "train"))
    inputs = {"model": types.SimpleNamespace(path=tmp_path / "base"),
              "tokenize": types.SimpleNamespace(path=tmp_path / "tokenized")}
    components = {"adapter": types.SimpleNamespace(provider=_Full(), config=None),
                  "backend": types.SimpleNamespace(provider=_Cpu(), config=None)}
    ctx = _ctx(tmp_path, {{Class}}.Config(max_steps=8, learning_rate=1e-2), inputs, components)
    meta = {{Class}}().run(ctx)
    assert meta["peft"] is False and len(meta["loss_curve"]) == 8
    assert meta["loss_curve"][-1][1] < meta["loss_curve"][0][1]  # it learns the answer
    assert AutoModelForCausalLM.from_pretrained(str(ctx.output_dir / "model")).config.num_hidden_layers == 2
''',
    files={"recipes/method/{{name}}.yaml": ("# Shipped by ftflow-{{name}}.\nprovider: {{name}}\nmax_steps: 16\n"
                                            "batch_size: 2\nlearning_rate: 1.0e-3\n")},
    smoke=("recipe=smoke", "method={{name}}"),
)

TRAINING_TEMPLATES = (ADAPTER, TOKENIZE, METHOD)
