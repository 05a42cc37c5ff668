"""Cold vs warm wall time of `ftflow run` (default: recipe=smoke) in a fresh workspace.

The warm run must execute no stage and import no heavy library; the figure to watch is warm seconds
(goal on a 2-core machine: under 1.5 s) and the cold/warm ratio.

    python bench/cache_rerun.py [--recipe smoke] [--repeat 3] [overrides ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_run(home: Path, recipe: str, overrides: list[str]) -> tuple[float, dict]:
    env = {**os.environ, "FTFLOW_HOME": str(home)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ftflow", "run", f"recipe={recipe}", *overrides],
                          capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"ftflow run failed:\n{proc.stderr[-2000:]}")
    run_id = (home / "runs" / "last").read_text().strip()
    return seconds, json.loads((home / "runs" / run_id / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", default="smoke")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs to time (median reported)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        cold, manifest = timed_run(home, args.recipe, args.overrides)
        ran_cold = sum(not s["cached"] for s in manifest["stages"])
        warm_times = []
        for _ in range(args.repeat):
            seconds, manifest = timed_run(home, args.recipe, args.overrides)
            if any(not s["cached"] for s in manifest["stages"]):
                sys.exit("a warm run executed a stage: the cache key is not stable")
            warm_times.append(seconds)
    warm = statistics.median(warm_times)
    print(f"recipe={args.recipe}  stages={len(manifest['stages'])}")
    print(f"{'run':<6} {'wall s':>8} {'stages run':>11}")
    print(f"{'cold':<6} {cold:8.2f} {ran_cold:11d}")
    print(f"{'warm':<6} {warm:8.2f} {0:11d}   (median of {len(warm_times)}: "
          f"{', '.join(f'{t:.2f}' for t in warm_times)})")
    print(f"cold/warm ratio: {cold / warm:.1f}x   warm under 1.5 s: {'yes' if warm < 1.5 else 'NO'}")


if __name__ == "__main__":
    main()
