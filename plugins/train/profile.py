"""``method.profile_steps: [FIRST, LAST]``: a torch profiler record of those optimizer steps.

Why: "tokens/s is low" is not actionable; which kernels take the GPU's time, and how much of the wall
time the GPU is idle (data loading, host syncs, Python), is.  The record goes into the train artifact
as ``profile.txt``: the busy share, the host-device syncs by the line of Python that caused them (each
one drains the GPU's queue, so the GPU then waits on the host), the top operators by GPU time, then by
host time (where the Python and dispatch overhead that starves the GPU sits).  Off by default:
profiling slows the steps it records.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROWS = 40
SYNC_WARNING = "called a synchronizing CUDA operation"  # torch.cuda.set_sync_debug_mode("warn")


class SyncSites:
    """Counts host-device syncs by call site while active (CUDA only): torch's sync debug mode warns
    on each one, and the warning's stack names the Python line outside torch that asked for it.  Syncs
    inside the backward pass show at the ``backward()`` call: autograd replays its worker threads'
    warnings there (trl's boolean-mask backward was found that way)."""

    def __init__(self) -> None:
        self.sites: Counter[str] = Counter()
        self._catch: Any = None

    def __enter__(self) -> SyncSites:
        import torch

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.filterwarnings("always", message=SYNC_WARNING)
        shown = warnings.showwarning

        def record(message, category, filename, lineno, file=None, line=None):
            if SYNC_WARNING not in str(message):
                return shown(message, category, filename, lineno, file, line)
            self.sites[call_site(traceback.extract_stack()[:-1])] += 1

        warnings.showwarning = record
        torch.cuda.set_sync_debug_mode("warn")
        return self

    def __exit__(self, *exc: Any) -> None:
        import torch

        torch.cuda.set_sync_debug_mode("default")
        self._catch.__exit__(*exc)

    def report(self, steps: int) -> str:
        total = sum(self.sites.values())
        lines = [f"Host-device syncs: {total} in {steps} steps ({total / steps:.1f} per step), by call site:"]
        lines += [f"{count:>6}  {site}" for site, count in self.sites.most_common(ROWS)]
        return "\n".join(lines) + "\n\n"


def call_site(stack: list[traceback.FrameSummary], depth: int = 3) -> str:
    """The innermost ``depth`` frames outside torch and this module, innermost first."""
    import torch

    inside = (str(Path(torch.__file__).parent) + "/", __file__, warnings.__file__)
    frames = [f for f in reversed(stack) if not f.filename.startswith(inside)]
    return " < ".join(f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno} {f.name}" for f in frames[:depth])


def profile_callback(steps: list[int], out: Path) -> Any:
    """A TrainerCallback recording optimizer steps ``steps[0]..steps[1]`` (1-based, inclusive)."""
    import torch
    from transformers import TrainerCallback

    first, last = steps

    class ProfileSteps(TrainerCallback):
        profiler: Any = None
        syncs: SyncSites | None = None
        started = 0.0

        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == first - 1 and self.profiler is None:
                activities = [torch.profiler.ProfilerActivity.CPU]
                if torch.cuda.is_available():
                    activities.append(torch.profiler.ProfilerActivity.CUDA)
                    torch.cuda.synchronize()
                    self.syncs = SyncSites().__enter__()
                self.profiler = torch.profiler.profile(activities=activities)
                self.profiler.__enter__()
                self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == last and self.profiler is not None:
                if self.syncs is not None:
                    self.syncs.__exit__(None, None, None)
                    torch.cuda.synchronize()
                wall = time.perf_counter() - self.started
                self.profiler.__exit__(None, None, None)
                steps = last - first + 1
                write_report(self.profiler, wall, steps, out, self.syncs.report(steps) if self.syncs else "")
                self.profiler = self.syncs = None

        def on_train_end(self, args, state, control, **kwargs):
            if self.syncs is not None:  # training stopped inside the window: no report, but no warnings left on
                self.syncs.__exit__(None, None, None)
            if self.profiler is not None:
                self.profiler.__exit__(None, None, None)

    return ProfileSteps()


def write_report(profiler: Any, wall_seconds: float, steps: int, out: Path, syncs: str = "") -> None:
    from torch.autograd import DeviceType

    averages = profiler.key_averages()
    # Kernel rows only: operator rows repeat their kernels' time (as torch's own table total does).
    device_us = sum(e.self_device_time_total for e in averages
                    if e.device_type != DeviceType.CPU and not e.is_user_annotation)
    host_us = sum(e.self_cpu_time_total for e in averages)
    sort = "self_cuda_time_total" if device_us else "self_cpu_time_total"
    per_step = 1000 / steps
    gpu = (f"{device_us / 1e3 / steps:.1f} ms/step of GPU kernels ({device_us / 1e6 / wall_seconds:.0%} busy), "
           if device_us else "")
    head = (f"{steps} steps in {wall_seconds:.3f} s: {wall_seconds * per_step:.1f} ms/step wall, {gpu}"
            f"{host_us / 1e3 / steps:.1f} ms/step of host operator time\n\n")
    tables = [averages.table(sort_by=sort, row_limit=ROWS, max_name_column_width=70)]
    if device_us:
        tables.append("By host time:\n" + averages.table(sort_by="self_cpu_time_total", row_limit=ROWS,
                                                          max_name_column_width=70))
    out.write_text(head + syncs + "\n\n".join(tables))
