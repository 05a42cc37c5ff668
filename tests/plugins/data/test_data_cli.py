"""``ftflow data check``: exit 0 and a report on clean data, 2 and one file:line line on bad data, no torch."""

from __future__ import annotations

import json
import subprocess
import sys

ROW = {"messages": [{"role": "user", "content": "What is gas?"}, {"role": "assistant", "content": "A fee."}]}


def check(*args: str) -> subprocess.CompletedProcess:
    code = ("import sys; from ftflow.cli import main; rc = main(sys.argv[1:]); "
            "print('TORCH', 'torch' in sys.modules); sys.exit(rc)")
    return subprocess.run([sys.executable, "-c", code, "data", "check", *args], capture_output=True, text=True)


def test_clean_file_prints_report_and_exits_0(write_jsonl):
    train = write_jsonl("train.jsonl", [ROW, ROW])
    evals = write_jsonl("eval.jsonl", [ROW])
    proc = check(str(train), "--format", "chat", "--eval", str(evals), "--max-length", "64")
    assert proc.returncode == 0, proc.stderr
    assert "ok: 2 train rows, 1 eval rows valid" in proc.stdout
    assert "| train | 2 | 1 | 0 |" in proc.stdout and "leakage: 1 exact" in proc.stdout
    assert "TORCH False" in proc.stdout


def test_bad_row_exits_2_with_file_line_and_field(write_jsonl):
    path = write_jsonl("train.jsonl", [ROW, {"instruction": "Hi"}])
    proc = subprocess.run([sys.executable, "-m", "ftflow", "data", "check", str(path), "--format", "alpaca"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"ftflow: error: {path}:1: field 'instruction' is missing or empty"]
    assert "Traceback" not in proc.stderr


def test_unknown_format_and_missing_file_exit_2(tmp_path, write_jsonl):
    path = write_jsonl("train.jsonl", [ROW])
    proc = check(str(path), "--format", "vicuna")
    assert proc.returncode == 2 and "--format: unknown format provider 'vicuna'" in proc.stderr
    assert "alpaca" in proc.stderr and "unpaired_preference" in proc.stderr
    proc = check(str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2 and "nope.jsonl: file not found" in proc.stderr


def test_too_long_row_exits_2(tmp_path):
    path = tmp_path / "long.jsonl"
    row = {"prompt": "x " * 2000, "completion": "ok"}
    path.write_text(json.dumps(row) + "\n")
    proc = check(str(path), "--format", "prompt_completion", "--max-length", "128")
    assert proc.returncode == 2 and f"{path}:1: row has 4002 characters" in proc.stderr
    assert check(str(path), "--format", "prompt_completion").returncode == 0
