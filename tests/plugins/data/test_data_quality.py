"""The quality report finds planted problems, and recipe thresholds turn them into errors."""

from __future__ import annotations

import pytest

from ftflow.errors import UserError
from ftflow_plugins.data.files import load_split
from ftflow_plugins.data.formats import ChatFormat, PreferenceFormat
from ftflow_plugins.data.packing import pack_indices, pack_rows, packing_report
from ftflow_plugins.data.quality import QualityConfig, enforce, quality_report, render_markdown

TOPICS = ["gas fees", "seed phrases", "token approvals", "bridges", "staking", "hardware wallets", "nonces",
          "slippage", "phishing", "multisig"]


def chat(user: str, assistant: str, label: str | None = None) -> dict:
    row = {"messages": [{"role": "system", "content": "You are a wallet assistant."},
                        {"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}
    if label is not None:
        row["meta"] = {"risk": label}
    return row


def clean_rows() -> list[dict]:
    return [chat(f"Question {i}: how do {t} work in my wallet today?", f"Answer {i}: {t} explained in a sentence.",
                 label="low" if i % 2 else "high") for i, t in enumerate(TOPICS)]


@pytest.fixture
def planted(write_jsonl):
    train = clean_rows()
    train.append(train[1])                                    # line 11: exact duplicate of line 2
    near = chat("Query 2: how do token approvals work in my wallet today?",
                "Answer 2: token approvals explained in a sentence.", label="high")
    train.append(near)                                        # line 12: near duplicate of line 3 (one shingle differs)
    train.append(chat("What is a reorg?", "A chain reorganisation.", label="low"))
    train.append(chat("What is a reorg?", "A chain reorganisation.", label="high"))  # line 14: conflicting label
    evals = [chat("Question 4: how do staking work in my wallet today?", "Answer 4: staking explained in a sentence."),
             chat("Totally new question about fees?", "A brand new answer about fees.")]
    train_path, eval_path = write_jsonl("train.jsonl", train), write_jsonl("eval.jsonl", evals)
    splits = {"train": load_split(train_path, ChatFormat()), "eval": load_split(eval_path, ChatFormat())}
    return quality_report(splits, label_field="risk"), train_path, eval_path


def test_report_flags_planted_problems(planted):
    report, train_path, eval_path = planted
    train = report["train"]
    # the conflicting rows (13, 14) differ only in their label, so they are exact duplicates too
    assert train["exact_duplicates"] == 2 and train["examples"]["exact_duplicates"] == [
        [f"{train_path}:2", f"{train_path}:11"], [f"{train_path}:13", f"{train_path}:14"]]
    assert train["near_duplicates"] == 1
    first, second, similarity = train["examples"]["near_duplicates"][0]
    assert [first, second] == [f"{train_path}:3", f"{train_path}:12"] and 0.8 <= similarity < 1
    assert train["conflicts"] == 1 and train["examples"]["conflicts"] == [[f"{train_path}:13", f"{train_path}:14"]]
    assert train["labels"]["field"] == "meta.risk" and train["labels"]["counts"] == {"high": 7, "low": 7}
    assert report["leakage"]["exact"] == 1 and report["leakage"]["fraction"] == 0.5
    assert report["leakage"]["examples"][0] == [f"{train_path}:5", f"{eval_path}:1"]
    assert report["eval"]["exact_duplicates"] == 0 and report["eval"]["conflicts"] == 0
    md = render_markdown(report)
    assert "| train | 14 | 2 | 1 | 0.214 | 1 |" in md and "leakage: 1 exact" in md


def test_clean_data_has_no_findings(write_jsonl):
    splits = {"train": load_split(write_jsonl("t.jsonl", clean_rows()), ChatFormat())}
    train = quality_report(splits)["train"]
    assert (train["exact_duplicates"], train["near_duplicates"], train["conflicts"]) == (0, 0, 0)
    enforce(quality_report(splits), QualityConfig(max_duplicate_fraction=0.0, max_conflicts=0, max_leakage=0.0))


@pytest.mark.parametrize(("limits", "named"), [
    (QualityConfig(max_duplicate_fraction=0.1), "data.quality.max_duplicate_fraction: 0.214 of train rows"),
    (QualityConfig(max_conflicts=0), "data.quality.max_conflicts: 1 inputs in train"),
    (QualityConfig(max_leakage=0.25), "data.quality.max_leakage: 0.500 of eval rows"),
])
def test_thresholds_fail_naming_the_limit(planted, limits, named):
    with pytest.raises(UserError, match=named):
        enforce(planted[0], limits)


def test_loose_thresholds_pass(planted):
    enforce(planted[0], QualityConfig(max_duplicate_fraction=0.25, max_conflicts=1, max_leakage=0.5))


def test_preference_reversed_pair_is_a_conflict(write_jsonl):
    rows = [{"prompt": "Up?", "chosen": "Down", "rejected": "Left"}, {"prompt": "Up?", "chosen": "Left", "rejected": "Down"},
            {"prompt": "Up?", "chosen": "Down", "rejected": "Right"}]
    report = quality_report({"train": load_split(write_jsonl("p.jsonl", rows), PreferenceFormat())})
    assert report["train"]["conflicts"] == 1


def test_packing_fills_sequences_where_greedy_best_fit_does_not():
    # Best-fit decreasing puts 5 beside 6 (leaving 1+1 wasted) and needs 3 bins; 6+4 and 5+3+2 fill two exactly.
    assert sorted(map(sorted, pack_indices([6, 5, 4, 3, 2], 10))) == [[0, 2], [1, 3, 4]]
    assert len(pack_indices([8, 3, 3, 3, 3], 10)) == 3          # 8, 3+3+3, 3: no better packing exists
    report = packing_report([12, 6, 4], 10)                     # 12 clipped to 10
    assert report["bins"] == 2 and report["efficiency"] == 1.0
    assert len(pack_indices([5] * 3, 10, chunk=2)) == 2          # chunks pack separately


def test_pack_rows_keeps_every_token_and_mask_aligned():
    rows = {"input_ids": [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11]], "assistant_masks": [[0, 1, 1], [0, 1], [0] * 6]}
    packed = pack_rows(rows, 8)
    assert sorted(map(sum, packed["seq_lengths"])) == [3, 8]
    for ids, mask, lengths in zip(packed["input_ids"], packed["assistant_masks"], packed["seq_lengths"], strict=True):
        assert len(ids) == len(mask) == sum(lengths) <= 8
    assert sorted(t for ids in packed["input_ids"] for t in ids) == list(range(1, 12))
    assert sum(map(sum, packed["assistant_masks"])) == 3
