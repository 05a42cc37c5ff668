"""Execute a validated graph: cached stages are skipped, the others run with lifecycle hooks.

A stage's key needs its inputs' digests, so keys are computed in dependency order.  When a stage
fails, everything before it is already in the cache: rerunning the same command resumes there.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftflow.cache.memo import Memo
from ftflow.cache.store import CacheStore, Entry, split_record
from ftflow.console import verbose
from ftflow.errors import FtflowError, StageFailed
from ftflow.graph import Graph, Stage
from ftflow.keys import digest_payload, explain, external_inputs, input_views, key_payload, reader_settings
from ftflow.plugin.manager import Plugins
from ftflow.progress import Display, showing
from ftflow.provider import read_parts
from ftflow.stage import Artifact, StageContext, StageResult


@dataclasses.dataclass
class PlanRow:
    stage: Stage
    key: str | None  # None when an upstream stage must run first
    cached: bool
    reasons: list[str] = dataclasses.field(default_factory=list)  # why it is stale (plan)


class Runner:
    def __init__(self, graph: Graph, store: CacheStore, plugins: Plugins, *, seed: int,
                 recipe_dirs: list[Path], console: Any = None) -> None:
        self.graph = graph
        self.store = store
        self.plugins = plugins
        self.seed = seed
        self.recipe_dirs = recipe_dirs
        self.console = console
        self.display = Display(console)  # bars in a terminal, plain lines in a pipe, nothing without a console
        self.digests = store.digests  # one stat cache for keys and entry checks

    # -- keys: one walk for run and plan ---------------------------------------------------------
    def key_of(self, stage: Stage, upstream: dict[str, Entry], *,
               inputs_known: bool = True) -> tuple[str, dict[str, Any]]:
        """The stage's key and the payload it hashes; with ``inputs_known=False`` only the payload less the
        inputs is computed (for ``plan``'s reasons) and the key is ""."""
        external = {e.name: e.sha256 for e in external_inputs(stage, self.recipe_dirs, self.digests)}
        inputs = input_views(stage, upstream, self.graph.upstream(stage)) if inputs_known else {}
        payload = key_payload(stage, self.seed, inputs, external)
        return (digest_payload(payload) if inputs_known else ""), payload

    def _keyed(self, stage: Stage, entries: dict[str, Entry]) -> tuple[Stage, list[str]]:
        """One step of the key walk ``run`` and ``plan`` share: a copy of ``stage`` (stages are immutable)
        carrying its key and key payload, and the upstream stages it reads that have no entry yet (then
        the key is None: ``plan`` cannot know it before they run; ``run`` always has them)."""
        _, parts = read_parts(stage.provider, stage.config)
        needed = {n: up for n, up in stage.inputs.items() if n not in parts or not parts[n].empty}
        pending = sorted({up for up in needed.values() if up not in entries})
        key, payload = self.key_of(stage, {n: entries[up] for n, up in needed.items() if up in entries},
                                   inputs_known=not pending)
        return dataclasses.replace(stage, key=key or None, key_payload=payload), pending

    def plan(self, previous: dict[str, str] | None = None) -> list[PlanRow]:
        """Keys and cache state without running anything (``ftflow plan``).  ``previous`` (stage name ->
        key of an earlier run) lets each stale row say why: what changed since that entry was built."""
        rows, entries = [], {}
        for stage in self.graph:
            keyed, pending = self._keyed(stage, entries)
            entry = self.store.lookup(keyed.key) if keyed.key else None
            if entry is not None:
                entries[stage.name] = entry
            row = PlanRow(keyed, keyed.key, entry is not None)
            if entry is None:
                row.reasons = self._reasons(keyed, pending, (previous or {}).get(stage.name))
            rows.append(row)
        self.digests.save()
        return rows

    def _reasons(self, stage: Stage, pending: list[str], previous_key: str | None) -> list[str]:
        old = self.store.lookup(previous_key) if previous_key else None
        payload = old.meta.get("key_payload") if old is not None else None
        if payload is None:
            return ["not built before" + (f" (after {', '.join(pending)})" if pending else "")]
        changed = explain(payload, stage.key_payload or {}, stage.section, inputs_known=not pending)
        if pending:
            return changed + [f"after {', '.join(pending)}: reruns only if what it reads of them changes"]
        return changed or ["same inputs as before, but the entry is gone from the cache"]

    # -- execution ----------------------------------------------------------------------------
    def run(self, run_id: str, resume_command: str) -> Iterator[StageResult]:
        """Run every stage in order, yielding each one's result as it finishes (cached or built), so a caller
        that collects them keeps the finished ones when a later stage fails."""
        self.plugins.hook.ftflow_run_started(run_id=run_id, verbose=verbose())
        self.store.log = self._log
        try:
            with showing(self.display):
                yield from self._run(run_id, resume_command)
        finally:
            self.store.release_leases()  # held on every key this run read or wrote, so gc left them alone

    def _run(self, run_id: str, resume_command: str) -> Iterator[StageResult]:
        entries: dict[str, Entry] = {}
        hook = self.plugins.hook
        for planned in self.graph:
            stage, _ = self._keyed(planned, entries)  # every upstream stage has its entry by now
            assert stage.key is not None
            upstream = {n: entries[up] for n, up in stage.inputs.items()}
            self.digests.save()
            started = time.perf_counter()
            entry = self.store.obtain(stage.key)  # leased, checked deeply, pulled from a remote on a miss
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
                                 time.perf_counter() - started, entry.artifact,
                                 {**entry.meta.get("metadata", {}), **entry.meta.get("record", {})})
            self._say(result)
            yield result  # the caller has it before the hook runs
            hook.ftflow_stage_after(stage=stage, result=result, run_id=run_id)

    def _execute(self, stage: Stage, upstream: dict[str, Entry]) -> Entry:
        build_dir = self.store.new_build_dir(stage.key)
        ctx = StageContext(
            stage=stage,
            inputs=self._artifacts(stage, upstream),
            output_dir=build_dir / "artifact",
            work_dir=self.store.work_dir(stage.key),
            seed=self.seed,
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
        metadata, record = split_record(metadata, stage.provider.measurements, self.store.root.parent)
        return self.store.commit(stage.key, build_dir, {
            "stage": stage.name, "kind": stage.kind, "provider": stage.plugin,
            "provider_version": stage.info.version, "metadata": metadata, "record": record,
            "key_payload": stage.key_payload,
        }, inputs=upstream.values())

    def _artifacts(self, stage: Stage, upstream: dict[str, Entry]) -> dict[str, Artifact]:
        """The inputs as the provider sees them: metadata narrowed to the keys its ``reads`` declares (an
        undeclared read finds nothing, instead of a stale cache), and the upstream reader settings."""
        _, parts = read_parts(stage.provider, stage.config)
        stages = self.graph.upstream(stage)
        out = {}
        for name, entry in upstream.items():
            meta = entry.meta.get("metadata", {})
            if name in parts:
                meta = {k: meta[k] for k in parts[name].metadata if k in meta}
            out[name] = Artifact(entry.artifact, entry.digest, meta, reader_settings(stages[name]))
        return out

    def _log(self, message: str) -> None:
        self.display.log(message)

    def _say(self, result: StageResult) -> None:
        if not self.console:
            return
        state = "[cyan]cached[/]" if result.cached else "[green]ran[/]"
        self.console.print(f"[green]✓[/] {result.name:<7} {result.plugin:<16} {result.key[:10]}  {state}"
                           f"  {result.seconds:6.2f}s", highlight=False)
        self.console.file.flush()
