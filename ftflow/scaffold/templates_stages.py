"""Scaffolds of the stage kinds (exporter, evaluator, model, data) and of the run kinds (tracker, sweep
launcher): each a small provider that does real work, with tests that run it on files in tmp_path."""

from __future__ import annotations

from ftflow.scaffold.template import Template

# A stand-in for the StageContext the runner builds, for unit tests of run().
_CTX = '''

def _ctx(tmp_path, config, inputs):
    """What run() reads of the StageContext: config, inputs (path + metadata), output_dir, log."""
    out = tmp_path / "out"
    out.mkdir()
    return types.SimpleNamespace(config=config, inputs=inputs, output_dir=out, work_dir=tmp_path / "work",
                                 seed=0, log=print, resolve_path=lambda value, key: Path(value))
'''

EXPORT = Template(
    kind="export",
    try_it="ftflow run recipe=smoke export=gguf 'exports=[{provider: {{name}}}]'",
    module='''\
"""The '{{name}}' exporter: an Ollama Modelfile next to one of the GGUF files that export=gguf wrote.

It runs in ``exports: [...]`` after ``export=gguf`` and reads that stage as the input ``export.gguf``:
the GGUF file is hard-linked (or copied) into this artifact and the Modelfile names it relatively, so the
folder deploys as it is (``ollama create NAME -f Modelfile``) and no cache path leaks into it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import Exporter
from ftflow.plugin import hookimpl
from ftflow.provider import Part, part


@dataclasses.dataclass
class {{Class}}Config:
    quant: str = "q8_0"  # which of export=gguf's files
    temperature: float = 0.7
    system: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 2.0:
            raise UserError(f"temperature: {self.temperature} is not in [0, 2]")


class {{Class}}(Exporter):
    name = "{{name}}"
    version = "1"  # enters the key: bump it when the files change
    description = "Ollama Modelfile over one of export=gguf's files"
    Config = {{Class}}Config

    def reads(self, config: {{Class}}Config) -> dict[str, Part | None]:
        return {"export.gguf": part("gguf/*", metadata=["gguf"])}

    def check(self, stage: Any, upstream: dict[str, Any]) -> list[str]:
        gguf = upstream.get("export.gguf")
        if gguf is None:
            return [f"{stage.section}: the {{name}} exporter needs export=gguf before it"]
        if stage.config.quant not in gguf.config.quant:
            return [f"{stage.section}.quant: {stage.config.quant} is not among export.quant {gguf.config.quant}"]
        return []

    def run(self, ctx: Any) -> dict[str, Any]:
        gguf = ctx.inputs["export.gguf"]
        info = gguf.metadata["gguf"][ctx.config.quant]
        target = ctx.output_dir / Path(info["file"]).name
        try:
            os.link(gguf.path / info["file"], target)  # no copy where the cache is on the same disk
        except OSError:
            shutil.copy2(gguf.path / info["file"], target)
        lines = [f"FROM ./{target.name}", f"PARAMETER temperature {ctx.config.temperature}"]
        if ctx.config.system:
            lines.append(f'SYSTEM """{ctx.config.system}"""')
        (ctx.output_dir / "Modelfile").write_text("\\n".join(lines) + "\\n")
        ctx.log(f"Modelfile over {target.name}: ollama create NAME -f Modelfile")
        return {"files": sorted(p.name for p in ctx.output_dir.iterdir()), "gguf_sha256": info["sha256"]}
''',
    test_imports=("import types", "from pathlib import Path", "import pytest", "from ftflow.errors import UserError"),
    tests=_CTX + '''

def test_the_modelfile_names_the_linked_gguf_relatively(tmp_path):
    (tmp_path / "gguf").mkdir()
    (tmp_path / "gguf" / "model.q8_0.gguf").write_bytes(b"GGUF")
    upstream = types.SimpleNamespace(path=tmp_path, metadata={"gguf": {"q8_0": {"file": "gguf/model.q8_0.gguf",
                                                                                  "sha256": "abc"}}})
    ctx = _ctx(tmp_path, {{Class}}.Config(system="Be brief."), {"export.gguf": upstream})
    meta = {{Class}}().run(ctx)
    text = (ctx.output_dir / "Modelfile").read_text()
    assert text.startswith("FROM ./model.q8_0.gguf\\n") and str(tmp_path) not in text
    assert (ctx.output_dir / "model.q8_0.gguf").read_bytes() == b"GGUF"
    assert meta == {"files": ["Modelfile", "model.q8_0.gguf"], "gguf_sha256": "abc"}


def test_a_bad_temperature_names_the_option():
    with pytest.raises(UserError, match="temperature"):
        {{Class}}.Config(temperature=3.0)
''',
    smoke=("recipe=smoke", "export=gguf", "export.quant=[q8_0]", "exports=[{provider: {{name}}}]"),
)

EVALUATOR = Template(
    kind="evaluator",
    try_it="ftflow run recipe=smoke eval={{name}}",
    module='''\
"""The '{{name}}' evaluator: how long the reference answers of the eval split are, in words.

A starting point for an evaluator of your own: it reads the data stage's ``eval.jsonl`` (declared in
``reads``), writes ``metrics.json`` and returns ``metrics`` (``{variant: {metric: value}}``), which become
the run's headline numbers, and ``report_md``, a section of the run's report.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ftflow.kinds import Evaluator
from ftflow.plugin import hookimpl
from ftflow.provider import Part, part


@dataclasses.dataclass
class {{Class}}Config:
    budget_words: int = 40  # answers longer than this count as too long


class {{Class}}(Evaluator):
    name = "{{name}}"
    version = "1"
    description = "length of the eval split's reference answers"
    Config = {{Class}}Config

    def reads(self, config: {{Class}}Config) -> dict[str, Part | None]:
        return {"data": part("eval.jsonl")}

    def requires(self, config: {{Class}}Config) -> dict[str, dict[str, str]]:
        return {"data": {"eval.jsonl": "set data.eval"}}

    def run(self, ctx: Any) -> dict[str, Any]:
        lengths = []
        with open(ctx.inputs["data"].path / "eval.jsonl") as rows:
            for line in rows:
                answer = [m for m in json.loads(line)["messages"] if m["role"] == "assistant"][-1]
                lengths.append(len(answer["content"].split()))
        over = sum(n > ctx.config.budget_words for n in lengths)
        metrics = {"reference": {"within_budget": 1 - over / len(lengths) if lengths else 0.0}}
        (ctx.output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
        report = f"## Reference lengths\\n\\n{len(lengths)} answers, {over} over {ctx.config.budget_words} words.\\n"
        return {"metrics": metrics, "report_md": report}
''',
    test_imports=("import json", "import types", "from pathlib import Path"),
    tests=_CTX + '''

def test_it_scores_the_share_of_answers_within_budget(tmp_path):
    rows = [{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a " * n}]}
            for n in (3, 50)]
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
    data = types.SimpleNamespace(path=tmp_path, metadata={})
    meta = {{Class}}().run(_ctx(tmp_path, {{Class}}.Config(budget_words=40), {"data": data}))
    assert meta["metrics"] == {"reference": {"within_budget": 0.5}}
''',
    files={"recipes/eval/{{name}}.yaml": "# Shipped by ftflow-{{name}}.\nprovider: {{name}}\nbudget_words: 40\n"},
    smoke=("recipe=smoke", "eval={{name}}"),
)

MODEL = Template(
    kind="model",
    try_it="ftflow run recipe=smoke model={{name}} model.path=/path/to/hf/checkpoint",
    module='''\
"""The '{{name}}' model source: a local Hugging Face checkpoint directory, copied into the cache.

Its content enters the cache key (``external_inputs``), so editing the checkpoint reruns everything
after it, and a moved directory with the same content does not.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import ModelSource
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    path: str = ""  # a directory with config.json, weights and a tokenizer with a chat template


class {{Class}}(ModelSource):
    name = "{{name}}"
    version = "1"
    description = "a local HF checkpoint directory"
    Config = {{Class}}Config

    def external_inputs(self, config: {{Class}}Config) -> dict[str, str]:
        return {"path": config.path} if config.path else {}

    def check(self, stage: Any, upstream: dict[str, Any]) -> list[str]:
        return [] if stage.config.path else [f"{stage.section}.path: name a checkpoint directory"]

    def run(self, ctx: Any) -> dict[str, Any]:
        source = ctx.resolve_path(ctx.config.path, "model.path")
        if not (source / "config.json").is_file():
            raise UserError(f"model.path: {source} has no config.json (not a Hugging Face checkpoint)")
        shutil.copytree(source, ctx.output_dir / "model")
        architecture = json.loads((source / "config.json").read_text()).get("architectures")
        return {"model_dir": "model", "architecture": architecture}
''',
    test_imports=("import json", "import types", "from pathlib import Path", "import pytest",
                  "from ftflow.errors import UserError"),
    tests=_CTX + '''

def test_it_copies_the_checkpoint(tmp_path):
    source = tmp_path / "ckpt"
    source.mkdir()
    (source / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    ctx = _ctx(tmp_path, {{Class}}.Config(path=str(source)), {})
    assert {{Class}}().run(ctx) == {"model_dir": "model", "architecture": ["LlamaForCausalLM"]}
    assert (ctx.output_dir / "model" / "config.json").is_file()


def test_a_directory_without_config_is_refused(tmp_path):
    with pytest.raises(UserError, match="no config.json"):
        {{Class}}().run(_ctx(tmp_path, {{Class}}.Config(path=str(tmp_path)), {}))
''',
)

DATA = Template(
    kind="data",
    try_it="ftflow run recipe=smoke data={{name}} data.path=chats.jsonl",
    module='''\
"""The '{{name}}' data source: one JSONL file of chat rows, split into train and eval by a stable hash.

Rows are ``{"messages": [...]}``; a row's split depends on its content only, so adding rows never moves
old ones between splits (an eval set that stays held out).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import DataSource
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    path: str = ""
    eval_percent: int = 10
    max_length: int = 512  # the token budget later stages truncate to

    def __post_init__(self) -> None:
        if not 0 <= self.eval_percent < 100:
            raise UserError(f"eval_percent: {self.eval_percent} is not in [0, 100)")


class {{Class}}(DataSource):
    name = "{{name}}"
    version = "1"
    description = "one chat JSONL file, split train/eval by content hash"
    Config = {{Class}}Config

    def external_inputs(self, config: {{Class}}Config) -> dict[str, str]:
        return {"path": config.path} if config.path else {}

    def provides(self, config: {{Class}}Config) -> tuple[str, ...]:
        return ("train.jsonl", "eval.jsonl") if config.eval_percent else ("train.jsonl",)

    def run(self, ctx: Any) -> dict[str, Any]:
        splits: dict[str, list[str]] = {"train": [], "eval": []}
        source = ctx.resolve_path(ctx.config.path, "data.path")
        for number, line in enumerate(source.read_text().splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("messages"), list) or not row["messages"]:
                raise UserError(f"{source}:{number}: field 'messages' is missing or empty")
            bucket = int(hashlib.sha256(line.encode()).hexdigest(), 16) % 100
            splits["eval" if bucket < ctx.config.eval_percent else "train"].append(json.dumps(row))
        for split, rows in splits.items():
            if rows or split == "train":
                (ctx.output_dir / f"{split}.jsonl").write_text("".join(r + "\\n" for r in rows))
        return {"format": "chat", "rows": {s: len(r) for s, r in splits.items()},
                "max_length": ctx.config.max_length, "label_field": None}
''',
    test_imports=("import json", "import types", "from pathlib import Path", "import pytest",
                  "from ftflow.errors import UserError"),
    tests=_CTX + '''

def test_rows_split_by_content(tmp_path):
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
            for i in range(50)]
    (tmp_path / "chats.jsonl").write_text("".join(json.dumps(r) + "\\n" for r in rows))
    ctx = _ctx(tmp_path, {{Class}}.Config(path=str(tmp_path / "chats.jsonl"), eval_percent=20), {})
    meta = {{Class}}().run(ctx)
    assert sum(meta["rows"].values()) == 50 and 0 < meta["rows"]["eval"] < 25
    (tmp_path / "again").mkdir()
    again = _ctx(tmp_path / "again", {{Class}}.Config(path=str(tmp_path / "chats.jsonl"), eval_percent=20), {})
    assert {{Class}}().run(again)["rows"] == meta["rows"]  # the same rows land in the same splits


def test_a_bad_row_names_file_and_line(tmp_path):
    (tmp_path / "chats.jsonl").write_text('{"text": "no messages"}\\n')
    with pytest.raises(UserError, match="chats.jsonl:1: field 'messages'"):
        {{Class}}().run(_ctx(tmp_path, {{Class}}.Config(path=str(tmp_path / "chats.jsonl")), {}))
''',
)

STAGE_TEMPLATES = (EXPORT, EVALUATOR, MODEL, DATA)
