"""Scaffolds of the components that shape how models run (serve-time policies, eval variants, training
backends and launchers) and of the run kinds (trackers, sweep launchers)."""

from __future__ import annotations

from ftflow.scaffold.template import Template

POLICY = Template(
    kind="policy",
    try_it="ftflow run recipe=smoke serve=llamacpp export=gguf 'serve.policies=[{{name}}]'",
    module='''\
"""The '{{name}}' policy: refuses requests that mention a blocked word, cuts answers to ``max_words``."""

from __future__ import annotations

import dataclasses

from ftflow.kinds import Policy, Refused
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    blocked: list[str] = dataclasses.field(default_factory=lambda: ["password"])
    max_words: int = 200
    refusal: str = "I can't help with that."


class {{Class}}(Policy):
    name = "{{name}}"
    version = "1"
    description = "blocked words in requests, a word budget for answers"
    Config = {{Class}}Config
    rewrites_output = True  # answers may be cut: streamed answers are buffered

    def check_request(self, text: str) -> None:
        lowered = text.lower()
        if any(word.lower() in lowered for word in self.config.blocked):
            raise Refused(self.name, self.config.refusal)

    def check_output(self, text: str) -> tuple[str, int]:
        words = text.split()
        if len(words) <= self.config.max_words:
            return text, 0
        return " ".join(words[: self.config.max_words]), 1
''',
    test_imports=("import pytest", "from ftflow.kinds import Refused"),
    tests='''

def test_blocked_requests_are_refused_and_long_answers_cut():
    policy = {{Class}}()
    with pytest.raises(Refused):
        policy.check_request("what is my Password?")
    policy.check_request("what is a fee?")
    short = {{Class}}({{Class}}.Config(max_words=2))
    assert short.check_output("one two three") == ("one two", 1)
    assert short.check_output("one two") == ("one two", 0)
''',
)

VARIANT = Template(
    kind="variant",
    try_it="ftflow run recipe=smoke 'eval.variants=[base,tuned,{{name}}]'",
    module='''\
"""The '{{name}}' variant: answers every prompt with its last user message — the floor a model must beat."""

from __future__ import annotations

from typing import Any

from ftflow.kinds import Generator, Variant
from ftflow.plugin import hookimpl
from ftflow.progress import advance


class _Parrot:
    identity = "{{name}}:1"  # generations are memoised under it: change it when answers change

    def generate(self, prompts: list[list[dict[str, Any]]], max_new_tokens: int,
                 json_schema: dict[str, Any] | None = None) -> list[str]:
        answers = []
        for messages in prompts:
            user = [m["content"] for m in messages if m["role"] == "user"]
            answers.append(" ".join((user[-1] if user else "").split()[:max_new_tokens]))
        advance(len(prompts))
        return answers

    def close(self) -> None:
        pass


class {{Class}}(Variant):
    name = "{{name}}"
    version = "1"
    description = "echoes the question: a floor for every metric"

    def load(self, ctx: Any, name: str, batch_size: int) -> Generator:
        return _Parrot()
''',
    tests='''

def test_it_echoes_the_last_user_message():
    generator = {{Class}}().load(None, "{{name}}", 8)
    prompts = [[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "one two three"}]]
    assert generator.generate(prompts, max_new_tokens=2) == ["one two"]
''',
    smoke=("recipe=smoke", "eval.variants=[base,{{name}}]"),
)

BACKEND = Template(
    kind="backend",
    try_it="ftflow run recipe=smoke backend={{name}}",
    module='''\
"""The '{{name}}' backend: the CPU in fp32, whatever else the machine has (reproducible runs)."""

from __future__ import annotations

from pathlib import Path

from ftflow.kinds import Backend
from ftflow.plugin import hookimpl


class {{Class}}(Backend):
    name = "{{name}}"
    version = "1"
    description = "CPU, fp32, even where a GPU is present"
    libraries = ("torch",)

    def device(self) -> str:
        return "cpu"

    def use_bf16(self) -> bool:
        return False
''',
    tests='''

def test_it_is_the_cpu_in_fp32():
    backend = {{Class}}()
    assert backend.device() == "cpu" and backend.use_bf16() is False
''',
    files={"recipes/backend/{{name}}.yaml": "# Shipped by ftflow-{{name}}.\nprovider: {{name}}\n"},
    smoke=("recipe=smoke", "backend={{name}}"),
)

LAUNCHER = Template(
    kind="launcher",
    try_it="ftflow run recipe=smoke launcher={{name}}",
    module='''\
"""The '{{name}}' launcher: trains in this process, with dataloader worker processes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.kinds import Launcher
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    workers: int = 0  # dataloader worker processes (0: load batches in the training process)


class {{Class}}(Launcher):
    name = "{{name}}"
    version = "1"
    description = "one process; dataloader workers"
    Config = {{Class}}Config

    def training_args(self, config: Any) -> dict[str, Any]:
        return {"dataloader_num_workers": config.workers}
''',
    tests='''

def test_it_never_relaunches_and_sets_workers():
    launcher = {{Class}}()
    assert launcher.should_relaunch({{Class}}.Config()) is False
    assert launcher.training_args({{Class}}.Config(workers=2)) == {"dataloader_num_workers": 2}
''',
    files={"recipes/launcher/{{name}}.yaml": "# Shipped by ftflow-{{name}}.\nprovider: {{name}}\nworkers: 0\n"},
    smoke=("recipe=smoke", "launcher={{name}}"),
)

TRACKER = Template(
    kind="tracker",
    try_it="ftflow run recipe=smoke --track {{name}}",
    module='''\
"""The '{{name}}' tracker: one JSON line per finished run (status, recipe, metrics) in a file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ftflow.kinds import Tracker
from ftflow.plugin import hookimpl


@dataclasses.dataclass
class {{Class}}Config:
    path: str = "runs.jsonl"  # relative paths: next to the workspace's runs/ folder


class {{Class}}(Tracker):
    name = "{{name}}"
    version = "1"
    description = "appends each run's summary to a JSONL file"
    Config = {{Class}}Config

    def log_run(self, manifest: dict[str, Any], run_dir: Path, config: Any) -> str:
        path = Path(config.path)
        if not path.is_absolute():
            path = run_dir.parent.parent / path
        line = {k: manifest.get(k) for k in ("run_id", "recipe", "status", "metrics")}
        with open(path, "a") as out:
            out.write(json.dumps(line) + "\\n")
        return str(path)
''',
    test_imports=("import json",),
    tests='''

def test_each_run_is_one_line(tmp_path):
    run_dir = tmp_path / "runs" / "r1"
    run_dir.mkdir(parents=True)
    manifest = {"run_id": "r1", "recipe": "smoke", "status": "ok", "metrics": {"tuned": {"f1": 0.5}}}
    where = {{Class}}().log_run(manifest, run_dir, {{Class}}.Config())
    assert [json.loads(x) for x in open(where)] == [manifest]
''',
    smoke=("recipe=smoke", "--track", "{{name}}"),
)

SWEEP_LAUNCHER = Template(
    kind="sweep_launcher",
    try_it="ftflow run -m recipe=smoke method.learning_rate=1e-3,3e-3 --launcher {{name}}",
    module='''\
"""The '{{name}}' sweep launcher: points one after another, stopping at the first failure if asked."""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow.kinds import PointJob, SweepLauncher
from ftflow.plugin import hookimpl
from ftflow.sweep.execute import run_point


@dataclasses.dataclass
class {{Class}}Config:
    stop_on_failure: bool = False  # points not run count as failed (1)


class {{Class}}(SweepLauncher):
    name = "{{name}}"
    version = "1"
    description = "points in order, one at a time"
    Config = {{Class}}Config

    def launch(self, jobs: list[PointJob], config: Any, parallel: int) -> list[int]:
        codes: list[int] = []
        for job in jobs:
            if config.stop_on_failure and any(codes):
                codes.append(1)
                continue
            codes.append(run_point(job))
        return codes
''',
    test_imports=("from ftflow.kinds import PointJob",),
    tests='''

def test_a_bad_point_fails_and_stops_the_rest(tmp_path):
    def job(i):
        return PointJob(i, ("recipe=no_such_recipe",), f"r{i}", "s1", str(tmp_path / "ws"), str(tmp_path),
                        str(tmp_path / f"{i}.log"))

    codes = {{Class}}().launch([job(0), job(1)], {{Class}}.Config(stop_on_failure=True), 1)
    assert codes == [2, 1]
''',
)

RUNTIME_TEMPLATES = (POLICY, VARIANT, BACKEND, LAUNCHER, TRACKER, SWEEP_LAUNCHER)
