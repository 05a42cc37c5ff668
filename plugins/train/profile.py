"""``method.profile_steps: [FIRST, LAST]``: a torch profiler record of those optimizer steps.

Why: "tokens/s is low" is not actionable; which kernels take the GPU's time, and how much of the wall
time the GPU is idle (data loading, host syncs, Python), is.  The record goes into the train artifact
as ``profile.txt``: the busy share, the top operators by GPU time, then by host time (where the
Python and dispatch overhead that starves the GPU sits).  Off by default: profiling
slows the steps it records.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

ROWS = 40


def profile_callback(steps: list[int], out: Path) -> Any:
    """A TrainerCallback recording optimizer steps ``steps[0]..steps[1]`` (1-based, inclusive)."""
    import torch
    from transformers import TrainerCallback

    first, last = steps

    class ProfileSteps(TrainerCallback):
        profiler: Any = None
        started = 0.0

        def on_step_begin(self, args, state, control, **kwargs):
            if state.global_step == first - 1 and self.profiler is None:
                activities = [torch.profiler.ProfilerActivity.CPU]
                if torch.cuda.is_available():
                    activities.append(torch.profiler.ProfilerActivity.CUDA)
                    torch.cuda.synchronize()
                self.profiler = torch.profiler.profile(activities=activities)
                self.profiler.__enter__()
                self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == last and self.profiler is not None:
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                wall = time.perf_counter() - self.started
                self.profiler.__exit__(None, None, None)
                write_report(self.profiler, wall, last - first + 1, out)

    return ProfileSteps()


def write_report(profiler: Any, wall_seconds: float, steps: int, out: Path) -> None:
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
    out.write_text(head + "\n\n".join(tables))
