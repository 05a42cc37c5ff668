"""Execute a validated graph: cached stages are skipped, the others run with lifecycle hooks.

A stage's key needs its inputs' digests, so keys are computed in dependency order.  When a stage
fails, everything before it is already in the cache: rerunning the same command resumes there.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from ftflow.cache.digests import DigestCache
from ftflow.cache.keys import stage_key
from ftflow.cache.memo import Memo
from ftflow.cache.store import CacheStore, Entry
from ftflow.config.paths import resolve_data_path
from ftflow.console import verbose
from ftflow.errors import FtflowError, StageFailed
from ftflow.graph import Graph, Stage
from ftflow.plugin.manager import Plugins
from ftflow.progress import Display, showing
from ftflow.stage import Artifact, StageContext, StageResult


@dataclasses.dataclass
class PlanRow:
    stage: Stage
    key: str | None  # None when an upstream stage must run first
    cached: bool


class Runner:
    def __init__(self, graph: Graph, store: CacheStore, plugins: Plugins, *, seed: int,
                 recipe: dict[str, Any], recipe_dirs: list[Path], console: Any = None) -> None:
        self.graph = graph
        self.store = store
        self.plugins = plugins
        self.seed = seed
        self.recipe = recipe
        self.recipe_dirs = recipe_dirs
        self.console = console
        self.display = Display(console)  # bars in a terminal, plain lines in a pipe, nothing without a console
        self.digests = DigestCache(store.root / "digests.json")

    # -- keys ---------------------------------------------------------------------------------
    def key_of(self, stage: Stage, upstream: dict[str, Entry]) -> str:
        external = {}
        for name, value in stage.provider.external_inputs(stage.config).items():
            path = resolve_data_path(str(value), self.recipe_dirs, f"{stage.name}.{name}")
            external[name] = self.digests.digest(path)
        inputs = {name: self._input_digest(stage, name, entry) for name, entry in upstream.items()}
        return stage_key(stage, self.seed, inputs, external)

    @staticmethod
    def _input_digest(stage: Stage, name: str, entry: Entry) -> str:
        patterns = stage.provider.input_files.get(name)
        if not patterns:
            return entry.digest
        files = {rel: d for rel, d in entry.meta.get("files", {}).items()
                 if any(fnmatch.fnmatchcase(rel, p) for p in patterns)}
        return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()

    def plan(self) -> list[PlanRow]:
        """Keys and cache state without running anything (``ftflow plan``)."""
        rows, entries = [], {}
        for stage in self.graph:
            if all(up in entries for up in stage.inputs.values()):
                key = self.key_of(stage, {n: entries[up] for n, up in stage.inputs.items()})
                entry = self.store.lookup(key)
                if entry is not None:
                    entries[stage.name] = entry
                rows.append(PlanRow(stage, key, entry is not None))
            else:
                rows.append(PlanRow(stage, None, False))
        self.digests.save()
        return rows

    # -- execution ----------------------------------------------------------------------------
    def run(self, run_id: str, resume_command: str, results: list[StageResult]) -> list[StageResult]:
        """Run every stage in order, appending to ``results`` as they finish (so a failure keeps them)."""
        self.plugins.hook.ftflow_run_started(run_id=run_id, verbose=verbose())
        with showing(self.display):
            return self._run(run_id, resume_command, results)

    def _run(self, run_id: str, resume_command: str, results: list[StageResult]) -> list[StageResult]:
        entries: dict[str, Entry] = {}
        hook = self.plugins.hook
        for stage in self.graph:
            upstream = {n: entries[up] for n, up in stage.inputs.items()}
            stage.key = self.key_of(stage, upstream)
            self.digests.save()
            started = time.perf_counter()
            entry = self.store.lookup(stage.key)
            cached = entry is not None
            if entry is None:
                with self.store.lock(stage.key):
                    entry = self.store.lookup(stage.key)  # another run may have built it meanwhile
                    cached = entry is not None
                    if entry is None:
                        hook.ftflow_stage_before(stage=stage, run_id=run_id)
                        try:
                            entry = self._execute(stage, upstream)
                        except BaseException as exc:
                            hook.ftflow_stage_error(stage=stage, error=exc, run_id=run_id)
                            if isinstance(exc, (FtflowError, KeyboardInterrupt)):
                                raise
                            raise StageFailed(stage.name, exc, resume_command) from exc
            entries[stage.name] = entry
            result = StageResult(stage.name, stage.kind, stage.plugin, stage.key, cached,
                                 time.perf_counter() - started, entry.artifact, entry.meta.get("metadata", {}))
            results.append(result)
            self._say(result)
            hook.ftflow_stage_after(stage=stage, result=result, run_id=run_id)
        return results

    def _execute(self, stage: Stage, upstream: dict[str, Entry]) -> Entry:
        build_dir = self.store.new_build_dir(stage.key)
        ctx = StageContext(
            stage=stage,
            inputs={n: Artifact(e.artifact, e.digest, e.meta.get("metadata", {})) for n, e in upstream.items()},
            output_dir=build_dir / "artifact",
            work_dir=self.store.work_dir(stage.key),
            seed=self.seed,
            recipe=self.recipe,
            recipe_dirs=self.recipe_dirs,
            log=self._log,
            memo=Memo(self.store.root / "memo"),
        )
        try:
            with self.display.stage(f"[bold]{stage.name}[/] ({stage.plugin}) running…"):
                metadata = stage.provider.run(ctx) or {}
        except BaseException:
            self.store.discard(build_dir)
            raise
        return self.store.commit(stage.key, build_dir, {
            "stage": stage.name, "kind": stage.kind, "provider": stage.plugin,
            "provider_version": stage.info.version, "metadata": metadata,
        })

    def _log(self, message: str) -> None:
        self.display.log(message)

    def _say(self, result: StageResult) -> None:
        if not self.console:
            return
        state = "[cyan]cached[/]" if result.cached else "[green]ran[/]"
        self.console.print(f"[green]✓[/] {result.name:<7} {result.plugin:<16} {result.key[:10]}  {state}"
                           f"  {result.seconds:6.2f}s", highlight=False)
        self.console.file.flush()
