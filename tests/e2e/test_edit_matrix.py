"""Each stage's key covers exactly what it reads: one edit at a time to the smoke recipe (with a BM25 rag
stage), and exactly the stages that read what changed rerun — checked against ``ftflow plan`` first, which
must give a reason for every stale stage.

A new eval set must not retrain; a retrieval setting must not rebuild the index; an export setting must not
re-evaluate a model whose evaluated files did not change; and data that produces identical bytes still
stops invalidation (the eval file copied elsewhere reruns data and tokenize, nothing after them).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "recipes" / "datasets" / "smoke"
CORPUS = REPO / "recipes" / "datasets" / "defi_copilot" / "corpus" / "corpus.jsonl"
STAGES = {"model", "data", "rag", "tokenize", "train", "export", "eval"}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("matrix")
    lines = (SMOKE / "eval.jsonl").read_text().splitlines(keepends=True)
    (root / "other_eval.jsonl").write_text("".join(lines[:5]))
    shutil.copy(SMOKE / "eval.jsonl", root / "same_eval.jsonl")  # same bytes, another path
    (root / "other_train.jsonl").write_text("".join((SMOKE / "train.jsonl").read_text().splitlines(True)[:24]))
    shutil.copy(CORPUS, root / "corpus.jsonl")
    extra = {"id": "hip-999", "title": "HIP-999: Sunset the legacy oracle", "kind": "governance_proposal",
             "updated": "2025-01-01", "text": "## Summary\nRetire the legacy oracle feed.\n"}
    (root / "grown.jsonl").write_text(CORPUS.read_text() + json.dumps(extra) + "\n")
    return root


def _base(work: Path) -> tuple[str, ...]:
    return ("recipe=smoke", "rag=bm25", f"rag.corpus=[{work / 'corpus.jsonl'}]", "eval.engine=hf",
            "method.max_steps=4")


@pytest.fixture(scope="module")
def home(work) -> Path:
    home = work / "home"
    first = run_ftflow(home, "run", *_base(work), timeout=1500)
    assert first.ok, first.stderr[-3000:]
    assert {s["name"] for s in first.manifest["stages"]} == STAGES
    return home


EDITS = {  # edit -> (overrides, stages that rerun, a reason `ftflow plan` gives)
    "eval file": (["data.eval={w}/other_eval.jsonl"], {"data", "tokenize", "eval"}, "config data.eval"),
    "train file": (["data.train={w}/other_train.jsonl"], {"data", "tokenize", "train", "export", "eval"},
                   "file data.train content changed"),
    "train hyper-parameter": (["method.learning_rate=0.002"], {"train", "export", "eval"},
                              "config method.learning_rate: 0.003 -> 0.002"),
    "eval option": (["eval.max_new_tokens=8"], {"eval"}, "config eval.max_new_tokens: 16 -> 8"),
    "rag corpus": (["rag.corpus=[{w}/grown.jsonl]"], {"rag", "eval"}, "file rag.corpus[0] content changed"),
    "rag retrieval option": (["rag.k=2"], {"eval"}, "input rag: setting k: 3 -> 2"),
    "export option": (["+export.dtype=float32"], {"export"}, "config export.dtype: auto -> float32"),
    "identical bytes": (["data.eval={w}/same_eval.jsonl"], {"data", "tokenize"}, "config data.eval"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_one_edit_reruns_exactly_the_stages_that_read_it(home, work, edit):
    overrides, expected, reason = EDITS[edit]
    base = run_ftflow(home, "run", *_base(work), timeout=1500)  # the run plan compares with: the base recipe
    assert base.ok and base.ran() == set(), (base.stderr[-2000:], base.ran())
    args = [*_base(work), *(o.format(w=work) for o in overrides)]
    plan = run_ftflow(home, "plan", *args, env={"COLUMNS": "200"})
    assert plan.ok, plan.stderr[-2000:]
    why = plan.stdout.split("why stale", 1)[1] if "why stale" in plan.stdout else ""
    assert reason in " ".join(why.split()), plan.stdout
    listed = set(re.findall(r"^  (\w+) ", why, flags=re.MULTILINE))
    stale = {s for s in STAGES if re.search(rf"│ {s} .*│ stale", plan.stdout)}
    assert listed == stale and expected <= stale, plan.stdout  # every stale stage says why
    result = run_ftflow(home, "run", *args, timeout=1500)
    assert result.ok, result.stderr[-3000:]
    assert result.ran() == expected, (edit, result.ran())
