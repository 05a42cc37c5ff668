"""The eval stage on both engines, side by side: seconds, the ratio, and how far each metric moves.

Runs wallet_support's eval stage (variants base, rag, tuned, tuned_rag, gguf) with ``eval.engine=hf``
(transformers) and with the default (``auto``: llama.cpp on a CPU) on the same examples, for each
``--examples`` count, in one invocation.  The upstream stages (model, data, rag, train, export) are built
once in ``--home`` with ``eval=none`` (a quick adapter by default: ``method.max_steps=2``); every measured
eval then runs in a hard-linked copy of that workspace without memoised generations, so each engine
generates everything.  llama.cpp's one-time conversion of the base model (memoised afterwards) lands in
the first llama.cpp measurement, which is marked ``(converts)``; later ones reuse it, as an eval rerun
does.  The engines alternate which goes first, so a busy machine slows both alike.

    python bench/eval_engines.py [--home DIR] [--examples 24 48] [--json FILE] [-- extra overrides]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RECIPE = ["recipe=wallet_support", "eval.variants=[base,rag,tuned,tuned_rag,gguf]"]
PREPARE = ["method.max_steps=2"]


def ftflow(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FTFLOW_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "ftflow", *args], capture_output=True, text=True, env=env,
                          cwd=home.parent)


def scratch_copy(home: Path, target: Path) -> Path:
    """The prepared workspace, hard-linked (entries are immutable), without memoised generations."""
    if target.exists():
        shutil.rmtree(target)

    def ignore(folder: str, names: list[str]) -> set[str]:
        memo = Path(folder).parent.name == "memo" and Path(folder).parent.parent.name == "cache"
        return {n for n in names if memo and n.endswith(".json")} | ({"runs"} if Path(folder) == home else set())

    shutil.copytree(home, target, copy_function=os.link, ignore=ignore)
    return target


def keep_conversions(scratch: Path, home: Path) -> None:
    """Move the llama.cpp conversions a measured run memoised back into the prepared workspace."""
    files = scratch / "cache" / "memo" / "files"
    for path in files.glob("*/*") if files.exists() else []:
        if path.parent.name != "tmp" and path.is_file():
            target = home / "cache" / "memo" / "files" / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(path, target)


def measure(home: Path, work: Path, engine: str, examples: int, extra: list[str]) -> dict[str, Any]:
    scratch = scratch_copy(home, work / f"{engine}-{examples}" / "home")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = ftflow(scratch, "run", *RECIPE, *PREPARE, *extra, f"eval.engine={engine}", f"eval.max_examples={examples}")
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"ftflow run (eval.engine={engine}, {examples} examples) failed:\n{proc.stderr[-3000:]}")
    run_id = (scratch / "runs" / "last").read_text().strip()
    manifest = json.loads((scratch / "runs" / run_id / "manifest.json").read_text())
    stage = next(s for s in manifest["stages"] if s["name"] == "eval")
    assert not stage["cached"], "the eval stage came from the cache: the scratch workspace was not fresh"
    keep_conversions(scratch, home)
    shutil.rmtree(scratch.parent)
    return {"engine": engine, "examples": examples, "eval_seconds": stage["seconds"], "command_seconds": wall,
            "converted": "converting the" in proc.stdout, "load_before": load, "metrics": manifest["metrics"]}


def metric_moves(hf: dict[str, dict[str, float]], cpp: dict[str, dict[str, float]]) -> list[tuple]:
    rows = []
    for variant in hf:
        for metric, value in hf[variant].items():
            other = cpp.get(variant, {}).get(metric)
            if isinstance(value, (int, float)) and isinstance(other, (int, float)):
                rows.append((variant, metric, value, other, other - value))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/ftflow-bench-eval/home"),
                        help="workspace for the upstream stages (kept between invocations)")
    parser.add_argument("--examples", type=int, nargs="+", default=[24, 48])
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    parser.add_argument("overrides", nargs="*", help="extra recipe overrides for every run (after --)")
    args = parser.parse_args()
    home = args.home.resolve()
    home.parent.mkdir(parents=True, exist_ok=True)
    print(f"preparing the upstream stages in {home} (cached after the first time)", flush=True)
    prep = ftflow(home, "run", *RECIPE, *PREPARE, *args.overrides, "eval=none")
    if prep.returncode != 0:
        sys.exit(f"preparing failed:\n{prep.stderr[-3000:]}")
    work = home.parent / "scratch"
    results = []
    for i, examples in enumerate(args.examples):
        for engine in (("hf", "auto") if i % 2 == 0 else ("auto", "hf")):
            print(f"eval.engine={engine}, {examples} examples ...", flush=True)
            results.append(measure(home, work, engine, examples, args.overrides))
            r = results[-1]
            print(f"  eval stage {r['eval_seconds']:.1f} s (load average before: {r['load_before']:.1f})", flush=True)

    print(f"\n{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}; variants base, rag, tuned, tuned_rag, gguf")
    print(f"{'examples':>8}  {'hf s':>8}  {'llama.cpp s':>14}  {'ratio':>6}")
    for examples in args.examples:
        hf = next(r for r in results if r["examples"] == examples and r["engine"] == "hf")
        cpp = next(r for r in results if r["examples"] == examples and r["engine"] == "auto")
        mark = " (converts)" if cpp["converted"] else ""
        print(f"{examples:>8}  {hf['eval_seconds']:8.1f}  {cpp['eval_seconds']:8.1f}{mark:<6}  "
              f"{hf['eval_seconds'] / cpp['eval_seconds']:5.2f}x")
    for examples in args.examples:
        hf = next(r for r in results if r["examples"] == examples and r["engine"] == "hf")
        cpp = next(r for r in results if r["examples"] == examples and r["engine"] == "auto")
        print(f"\nmetrics on the same {examples} examples: hf -> llama.cpp")
        print(f"{'variant':<12} {'metric':<28} {'hf':>8} {'llama.cpp':>10} {'delta':>8}")
        for variant, metric, a, b, delta in metric_moves(hf["metrics"], cpp["metrics"]):
            print(f"{variant:<12} {metric:<28} {a:8.3f} {b:10.3f} {delta:+8.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
