"""Retrieval with and without a reranker on defi_copilot's eval questions (issue 26.5).

Builds (or reuses, from the workspace cache) the defi_copilot rag index twice through ``ftflow run`` — plain
hybrid, and hybrid with ``rag.reranker=cross_encoder`` (a CrossEncoder that the rag stage fine-tunes from the
shipped MiniLM weights on corpus pairs) — and prints recall@5 and MRR of every mode on the eval questions
that name their documents, as the eval stage measures them (``measure_retrieval``).

    FTFLOW_HOME=/tmp/ws python bench/rerank.py [extra overrides, e.g. rag.reranker_epochs=2]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rag_artifact(*overrides: str) -> Path:
    cmd = [sys.executable, "-m", "ftflow", "run", "recipe=defi_copilot", "method=none", "eval=none", "export=none",
           *overrides]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    home = Path(os.environ.get("FTFLOW_HOME", ".ftflow"))
    manifest = json.loads((home / "runs" / (home / "runs" / "last").read_text() / "manifest.json").read_text())
    return Path(next(s["artifact"] for s in manifest["stages"] if s["name"] == "rag"))


def main() -> None:
    from ftflow_plugins.rag.retrieve import measure_retrieval

    rows = [json.loads(line) for line in (ROOT / "recipes/datasets/defi_copilot/eval.jsonl").read_text().splitlines()]
    for overrides in ([], ["rag.reranker=cross_encoder", *sys.argv[1:]]):
        started = time.perf_counter()
        artifact = rag_artifact(*overrides)
        built = time.perf_counter() - started
        started = time.perf_counter()
        measured = measure_retrieval(artifact, rows, 5)
        print(json.dumps({"overrides": overrides, "build_s": round(built, 1),
                          "measure_s": round(time.perf_counter() - started, 1),
                          "by_mode": measured["retrieval_by_mode"]}, indent=1))


if __name__ == "__main__":
    main()
