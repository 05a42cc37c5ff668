"""method=pretrain: continued pretraining on raw text, then SFT from its exported checkpoint."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

from ftflow_plugins.train.pretrain import document_pieces

from .conftest import falls, ftflow, run_smoke, train_metadata

CORPUS = ["data=wallet_corpus", "method=pretrain"]


def test_document_pieces_cut_long_documents_and_drop_short_tails():
    ids = list(range(25))
    assert document_pieces(ids, 10, 8) == [ids[:10], ids[10:20]]  # the 5-token tail is dropped
    assert document_pieces(ids, 10, 5) == [ids[:10], ids[10:20], ids[20:]]
    assert document_pieces([1, 2], 10, 8) == [[1, 2]]  # a short document is kept whole


def test_pretrain_on_text_loss_falls_on_every_token(home):
    meta = run_smoke(home, *CORPUS)
    assert meta["objective"] == "pretrain" and meta["steps"] == 16
    assert falls(meta["loss_curve"]), meta["loss_curve"]
    data = meta["pretrain_data"]["train"]
    assert data["documents"] == 45 and data["split_documents"] > 0  # 128-token pieces of 150-400-word articles
    # No chat template and no mask: every token of every piece is a training token.
    assert data["pieces"] > data["documents"] and data["tokens"] > 128 * data["documents"]
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    assert [s["name"] for s in shown["stages"]] == ["model", "data", "train"]  # no tokenize stage


def test_held_out_documents_give_an_eval_loss_from_the_base_model_on(home):
    """data.holdout keeps documents out of training; with eval_steps the held-out loss is measured before
    the first step (the base model's) and then every eval_steps: the curve continued pretraining is judged by."""
    meta = run_smoke(home, *CORPUS, "data.holdout=5", "method.eval_steps=4", "method.max_steps=8")
    assert meta["pretrain_data"]["train"]["documents"] == 40 and meta["pretrain_data"]["eval"]["documents"] == 5
    assert [step for step, _ in meta["eval_loss_curve"]] == [0, 4, 8]
    losses = [loss for _, loss in meta["eval_loss_curve"]]
    assert losses[0] > losses[1] > losses[2], losses
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    data = shown["stage_metadata"]["data"]
    assert data["rows"] == {"train": 40, "eval": 5} and data["holdout"] == {"rows": 5, "of": 45, "seed": 42}
    assert "Eval split: 5 of 45 train rows held out (data.holdout, seed 42)." in data["report_md"]
    artifact = Path(next(s["artifact"] for s in shown["stages"] if s["name"] == "data"))
    where = json.loads((artifact / "sources.json").read_text())
    assert not set(where["train"]) & set(where["eval"]) and len(where["eval"]) == 5
    for bad, message in (("data.holdout=0", "data.holdout: a whole number of rows (>= 1) or a fraction in (0, 1)"),
                         ("data.holdout=2.5", "got 2.5"),
                         ("data.eval=x.jsonl", "data.holdout: set together with data.eval")):
        proc = ftflow(home, "plan", "recipe=smoke", *CORPUS, "data.holdout=5", bad)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    proc = ftflow(home, "run", "recipe=smoke", *CORPUS, "data.holdout=45", "eval=none", "export=none")
    assert proc.returncode == 2 and "data.holdout: 45 of 45 train rows would leave none to train on" in proc.stderr


def test_pretrain_needs_text_rows_and_sft_needs_chat_rows(home):
    proc = ftflow(home, "plan", "recipe=smoke", "eval=none", "export=none", "method=pretrain")
    assert proc.returncode == 2 and "method=pretrain needs data.format in (text)" in proc.stderr, proc.stderr
    proc = ftflow(home, "plan", "recipe=smoke", "eval=none", "export=none", "data=wallet_corpus")
    assert proc.returncode == 2 and "needs chat rows" in proc.stderr, proc.stderr


def test_sft_starts_from_the_exported_pretrained_model(home):
    """The documented two-recipe flow: pretrain + merge, export, then SFT with model=local on the folder."""
    run_smoke(home, *CORPUS, "method.max_steps=4", "export=merged", timeout=900)
    proc = ftflow(home, "export", "last", "-o", "cpt", "--format", "hf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (home / "cpt" / "model" / "model.safetensors").exists()
    proc = ftflow(home, "run", "recipe=smoke", "eval=none", "export=none", "model=local",
                  f"model.path={home / 'cpt' / 'model'}", "method.max_steps=2", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    shown = json.loads(ftflow(home, "show", "last", "--json").stdout)
    model = Path(next(s["artifact"] for s in shown["stages"] if s["name"] == "model"))
    # The SFT run's model stage holds the exported weights (the merged pretrained LoRA), byte for byte.
    assert filecmp.cmp(model / "model" / "model.safetensors", home / "cpt" / "model" / "model.safetensors",
                       shallow=False)
    assert train_metadata(home)["objective"] == "sft"
