"""SIGTERM during ``ftflow run`` (what Slurm, Kubernetes and systemd send) is handled like Ctrl-C.

A real ``ftflow run`` process runs a stage that starts a child, which starts a grandchild (like torchrun and
its ranks, or the GGUF converter); the test sends SIGTERM to ftflow with ``os.kill`` and checks the run
record, the children, the cache's tmp/ and the printed resume command, which it then runs.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

# A plugin with one slow stage, registered in the ftflow process the test starts (``ftflow.cli.main``).
LAUNCHER = r'''
import dataclasses, os, subprocess, sys
from pathlib import Path
from ftflow.plugin import hookimpl
from ftflow.provider import Provider
import ftflow.plugin.manager as manager

CHILD = """
import os, signal, subprocess, sys, time
from pathlib import Path
out, depth = Path(sys.argv[1]), int(sys.argv[2])
def bye(*_):
    (out / f"term-{depth}").write_text(str(os.getpid()))
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
if depth == 1:
    subprocess.Popen([sys.executable, "-c", sys.argv[3], str(out), "2", sys.argv[3]])
(out / f"ready-{depth}").write_text(str(os.getpid()))
time.sleep(120)
"""

@dataclasses.dataclass
class SlowConfig:
    tags: list[str] = dataclasses.field(default_factory=list)
    value: int = 0

class Slow(Provider):
    name, kind, Config = "slow", "model", SlowConfig

    def run(self, ctx):
        (ctx.output_dir / "half-written.bin").write_bytes(b"x" * 1000)
        if os.environ.get("SLOW_STAGE") == "1":
            subprocess.run([sys.executable, "-c", CHILD, os.environ["SIGNAL_DIR"], "1", CHILD])
        (ctx.output_dir / "model.txt").write_text(",".join(ctx.config.tags))
        return {}

class Plugin:
    @hookimpl
    def ftflow_register_providers(self, registry):
        registry.add(Slow)

original = manager.load_plugins
manager.load_plugins = lambda extra=None: original(extra=[Plugin(), *(extra or [])])
from ftflow.cli import main
raise SystemExit(main(sys.argv[1:]))
'''

GROUPS = ("model", "data", "tokenize", "method", "adapter", "rag", "eval", "export", "serve", "backend", "launcher")
RECIPE = "# @package _global_\ndefaults:\n" + "".join(f"  - override /{g}: null\n" for g in GROUPS) + \
    "model: {provider: slow, tags: [], value: 0}\n"


def _start(tmp_path: Path, *argv: str, slow: bool) -> subprocess.Popen:
    (tmp_path / "recipes" / "recipe").mkdir(parents=True, exist_ok=True)
    (tmp_path / "recipes" / "recipe" / "slow.yaml").write_text(RECIPE)
    (tmp_path / "launch.py").write_text(LAUNCHER)
    (tmp_path / "signals").mkdir(exist_ok=True)
    env = {**os.environ, "FTFLOW_HOME": str(tmp_path / "home"), "SIGNAL_DIR": str(tmp_path / "signals"),
           "SLOW_STAGE": "1" if slow else "0", "FTFLOW_RECIPES_PATH": str(tmp_path / "recipes")}
    return subprocess.Popen([sys.executable, str(tmp_path / "launch.py"), *argv], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_sigterm_records_interrupted_signals_children_cleans_tmp_and_the_resume_command_works(tmp_path):
    argv = ["run", "recipe=slow", "model.tags=[a,b]", "model.value=3"]
    proc = _start(tmp_path, *argv, slow=True)
    signals = tmp_path / "signals"
    _wait_for(signals / "ready-2", proc)  # the stage, its child and the grandchild are all running
    os.kill(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    # every descendant got the signal, not only ftflow
    assert (signals / "term-1").exists() and (signals / "term-2").exists()
    # the run record says interrupted and keeps the resume command
    runs = [p for p in (tmp_path / "home" / "runs").iterdir() if (p / "manifest.json").exists()]
    assert len(runs) == 1
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert "terminated (SIGTERM)" in manifest["error"]
    # no half-built entry anywhere in the cache
    cache = tmp_path / "home" / "cache"
    assert not list((cache / "tmp").iterdir()) if (cache / "tmp").exists() else True
    assert not [p for p in cache.rglob("half-written.bin")]
    # the printed resume command keeps the list override and works
    line = next(x for x in err.splitlines() if "resume with: " in x)
    resume = shlex.split(line.split("resume with: ", 1)[1])
    assert resume[0] == "ftflow" and resume[1:] == argv
    again = _start(tmp_path, *resume[1:], slow=False)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    model = next((cache / "entries").rglob("model.txt")) if (cache / "entries").exists() else \
        next(cache.rglob("model.txt"))
    assert model.read_text() == "a,b"


def test_show_prints_the_recorded_resume_command_with_its_list_override(tmp_path):
    proc = _start(tmp_path, "run", "recipe=slow", "model.tags=[a,b]", slow=True)
    _wait_for(tmp_path / "signals" / "ready-2", proc)
    os.kill(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=60)
    show = _start(tmp_path, "show", "last", slow=False)
    out, err = show.communicate(timeout=60)
    assert show.returncode == 0, err
    assert "status=interrupted" in out
    assert "'model.tags=[a,b]'" in out.replace("\n", "")
