"""The tokenize stage under SmolLM2's chat template: exact assistant-only masks, content-keyed cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftflow.testing import run_ftflow
from ftflow_plugins.data.tokenize import tokenize_batch

#: ChatML without SmolLM2's default system prompt: a different template over the same tokenizer.
PLAIN_CHATML = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def _artifact(home: Path, stage: str) -> Path:
    manifest = _show_last(home)
    return Path(next(s["artifact"] for s in manifest["stages"] if s["name"] == stage))


def _show_last(home: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "ftflow", "show", "last", "--json"], capture_output=True,
                          text=True, env={**os.environ, "FTFLOW_HOME": str(home)}, check=True)
    return json.loads(proc.stdout)


def _cached(home: Path) -> dict[str, bool]:
    return {s["name"]: s["cached"] for s in _show_last(home)["stages"]}


@pytest.fixture(scope="module")
def tokenizer(smoke_home):
    from ftflow_plugins.common.hf import load_tokenizer

    return load_tokenizer(_artifact(smoke_home[0], "model") / "model")


def _unmasked_runs(ids: list[int], mask: list[int]) -> list[list[int]]:
    runs, current = [], []
    for token, keep in zip(ids, mask, strict=True):
        if keep:
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    return runs + ([current] if current else [])


@pytest.mark.parametrize("system", [True, False])
def test_only_assistant_tokens_are_unmasked(tokenizer, system):
    assert "<|im_start|>" in tokenizer.chat_template  # SmolLM2's ChatML template
    turns = [{"role": "user", "content": "What is a seed phrase?"},
             {"role": "assistant", "content": "Twelve or 24 words that back up your wallet.\nNever share them."},
             {"role": "user", "content": "And gas?"},
             {"role": "assistant", "content": "The fee paid to process a transaction."}]
    messages = ([{"role": "system", "content": "You are a wallet assistant."}] if system else []) + turns
    (row,) = tokenize_batch(tokenizer, [messages], completion_only=True, max_length=1024)
    decoded = [tokenizer.decode(run) for run in _unmasked_runs(row["input_ids"], row["assistant_masks"])]
    assert decoded == [m["content"] + "<|im_end|>" for m in messages if m["role"] == "assistant"]
    assert not row["truncated"] and len(row["input_ids"]) == row["length"]
    (full,) = tokenize_batch(tokenizer, [messages], completion_only=False, max_length=10)
    assert full["assistant_masks"] == [1] * 10 and full["truncated"]


def test_tokenize_reports_packing_and_truncation(smoke_home):
    meta = smoke_home[1].manifest["stage_metadata"]["tokenize"]
    assert meta["train"]["rows"] == 30 and meta["train"]["truncated"] == 0
    packing = meta["packing"]
    assert packing["tokens"] == meta["train"]["tokens"]
    assert packing["efficiency"] == round(packing["tokens"] / (packing["bins"] * 128), 4) > 0.5
    assert "Packing (subset-sum)" in meta["report_md"]


def test_overlength_names_the_source_line(smoke_home, tmp_path, no_training):
    home = tmp_path / "home"
    shutil.copytree(smoke_home[0], home)
    result = run_ftflow(home, "run", *no_training, "data.max_length=30")
    assert result.returncode == 2
    assert "smoke/train.jsonl:1: field 'messages' is" in result.stderr and "over max_length 30" in result.stderr


def test_cache_follows_tokenizer_content_and_template(smoke_home, tmp_path, no_training):
    home = tmp_path / "home"
    shutil.copytree(smoke_home[0], home)
    # A changed template re-tokenizes; model and data come from the cache.
    result = run_ftflow(home, "run", *no_training, f"tokenize.chat_template='{PLAIN_CHATML}'")
    assert result.ok, result.stderr[-2000:]
    assert _cached(home) == {"model": True, "data": True, "tokenize": False}
    # Another model stage with the same tokenizer files (and different other files): tokenization is reused.
    local = tmp_path / "local-model"
    shutil.copytree(_artifact(smoke_home[0], "model") / "model", local)
    (local / "README.md").write_text("a copy, with one more file")
    result = run_ftflow(home, "run", *no_training, "model=local", f"model.path={local}")
    assert result.ok, result.stderr[-2000:]
    assert _cached(home) == {"model": False, "data": True, "tokenize": True}
    # The same names with different tokenizer content: re-tokenized.
    config = json.loads((local / "tokenizer_config.json").read_text())
    config["model_max_length"] = 4096
    (local / "tokenizer_config.json").write_text(json.dumps(config))
    result = run_ftflow(home, "run", *no_training, "model=local", f"model.path={local}")
    assert result.ok, result.stderr[-2000:]
    assert _cached(home) == {"model": False, "data": True, "tokenize": False}


WALLET_RAG = ("rag=hybrid", "rag.corpus=[datasets/wallet_support/corpus/corpus.jsonl]", "data.max_length=1024",
              "rag.context_words=240")


def test_rag_context_puts_retrieved_passages_into_a_share_of_train_rows(smoke_home, tmp_path, no_training):
    """tokenize.rag_context: a seeded share of train rows carry the rag variants' prompt (Sources: ...
    Question: ...); the rag stage enters tokenize's key only then, so a retrieval change reruns tokenize
    only when its rows read the index."""
    home = tmp_path / "home"
    shutil.copytree(smoke_home[0], home)
    plain = run_ftflow(home, "run", *no_training, *WALLET_RAG, "rag.k=2")
    assert plain.ok, plain.stderr[-2000:]
    other_k = run_ftflow(home, "run", *no_training, *WALLET_RAG, "rag.k=3")
    # k is a reader setting of the index: not rebuilt; and with rag_context=0 tokenize does not read it.
    assert other_k.ok and _cached(home)["tokenize"] and _cached(home)["rag"]

    mixed = run_ftflow(home, "run", *no_training, *WALLET_RAG, "rag.k=2", "tokenize.rag_context=0.5")
    assert mixed.ok, mixed.stderr[-2000:]
    meta = _show_last(home)["stage_metadata"]["tokenize"]
    plain_meta = json.loads((Path(plain.stage("tokenize")["artifact"]).parent / "meta.json").read_text())
    rows = meta["train"]["rows"]
    assert meta["rag_context"] == {"share": 0.5, "rows": round(0.5 * rows), "k": 2, "context_words": 240}
    assert meta["train"]["tokens"] > plain_meta["metadata"]["train"]["tokens"]  # passages added
    assert meta["train"]["loss_tokens"] == plain_meta["metadata"]["train"]["loss_tokens"]  # answers unchanged

    from datasets import load_from_disk

    from ftflow_plugins.common.hf import load_tokenizer

    tokenizer = load_tokenizer(_artifact(home, "model") / "model")
    texts = [tokenizer.decode(r["input_ids"]) for r in load_from_disk(str(_artifact(home, "tokenize") / "train"))]
    with_sources = [t for t in texts if "Sources:\n[" in t and "\n\nQuestion: " in t]
    assert len(with_sources) == round(0.5 * rows)

    run_ftflow(home, "run", *no_training, *WALLET_RAG, "rag.k=3", "tokenize.rag_context=0.5")
    assert not _cached(home)["tokenize"]  # now the index is read: a retrieval change reruns tokenize


def test_rag_context_without_a_rag_stage_is_bad_input(smoke_home, no_training):
    result = run_ftflow(smoke_home[0], "run", *no_training, "tokenize.rag_context=0.3")
    assert result.returncode == 2 and "tokenize.rag_context" in result.stderr and "Traceback" not in result.stderr


def test_keys_do_not_depend_on_where_the_data_sits(smoke_home, tmp_path, no_training):
    """The same files under two different directories (named relative to the working directory): the data
    artifact records rows' sources relative to it, so data and tokenize get the same keys."""
    shipped = Path(__file__).parents[3] / "recipes" / "datasets" / "smoke"
    keys = []
    for where in ("a", "b/deeper"):
        project = tmp_path / where
        shutil.copytree(shipped, project / "data")
        home = project / "home"
        shutil.copytree(smoke_home[0], home)
        result = run_ftflow(home, "run", *no_training, "data.train=data/train.jsonl", "data.eval=data/eval.jsonl",
                            cwd=project)
        assert result.ok, result.stderr[-2000:]
        stages = {s["name"]: s for s in result.manifest["stages"]}
        sources = json.loads((Path(stages["data"]["artifact"]) / "sources.json").read_text())
        assert sources["train"][0] == "data/train.jsonl:1"
        keys.append((stages["data"]["key"], stages["tokenize"]["key"]))
    assert keys[0] == keys[1]
