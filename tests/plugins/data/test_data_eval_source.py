"""data.eval given as a source (a datasets directory, or a file with its own format and columns), like
the entries of data.sources; mistakes are one line naming the data.eval key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ftflow.testing import run_ftflow

SMOKE_EVAL = Path(__file__).parents[3] / "recipes" / "datasets" / "smoke" / "eval.jsonl"


def _sharegpt(i: int) -> dict[str, Any]:
    return {"dialog": [{"from": "human", "value": f"What is the opposite of word {i}?"},
                       {"from": "gpt", "value": f"The opposite of word {i} is drow {i}."}]}


@pytest.fixture
def saved_eval(tmp_path: Path) -> Path:
    """A saved DatasetDict: 'validation' holds 6 ShareGPT rows whose conversations column is 'dialog'."""
    from datasets import Dataset, DatasetDict

    rows = Dataset.from_list([_sharegpt(i) for i in range(6)])
    DatasetDict({"train": rows.select(range(2)), "validation": rows}).save_to_disk(str(tmp_path / "held_out"))
    return tmp_path / "held_out"


def test_eval_from_a_saved_dataset_split_with_its_own_format(smoke_home, no_training, saved_eval: Path):
    home, _ = smoke_home
    source = (f"data.eval={{dataset: '{saved_eval}', split: validation, format: sharegpt, "
              f"columns: {{conversations: dialog}}, max_rows: 4}}")
    result = run_ftflow(home, "run", *no_training, source)
    assert result.ok, result.stderr[-3000:]
    data = result.manifest["stage_metadata"]["data"]
    assert data["rows"] == {"train": 30, "eval": 4} and data["format"] == "chat"
    assert data["eval_source"] == {"name": str(saved_eval), "kind": "dataset", "format": "sharegpt",
                                   "split": "validation", "revision": None, "rows_available": 6, "max_rows": 4,
                                   "rows": 4}
    assert f"Eval source: {saved_eval} (dataset, format sharegpt, split validation): 4 of 6 rows." in data["report_md"]
    artifact = Path(next(s for s in result.manifest["stages"] if s["name"] == "data")["artifact"])
    rows = [json.loads(line) for line in (artifact / "eval.jsonl").read_text().splitlines()]
    assert [m["role"] for m in rows[0]["messages"]] == ["user", "assistant"]
    assert rows[0]["messages"][1]["content"].startswith("The opposite of word")
    where = json.loads((artifact / "sources.json").read_text())["eval"]
    assert len(where) == 4 and all(w.startswith(f"{saved_eval}[validation]:row ") for w in where)
    tokenized = next(s for s in result.manifest["stages"] if s["name"] == "tokenize")
    assert (Path(tokenized["artifact"]) / "eval").is_dir()  # the tokenize stage reads it like any eval split

    again = run_ftflow(home, "run", *no_training, source.replace("max_rows: 4", "max_rows: 5"))
    assert again.ok and again.manifest["stage_metadata"]["data"]["rows"]["eval"] == 5
    cached = {s["name"]: s["cached"] for s in again.manifest["stages"]}
    assert cached["model"] and not cached["data"]  # the eval source's config is part of the data key

    bad = run_ftflow(home, "run", *no_training, source.replace("validation", "test"))
    assert bad.returncode == 2
    assert f"data.eval.split: saved data set {saved_eval} has no split 'test' (splits: train, validation)" in bad.stderr


@pytest.mark.parametrize("value, expected", [
    ("{path: EVAL, weight: 2}", "data.eval.weight: the held-out set is not mixed; weights are for data.sources"),
    ("{path: EVAL, dataset: DIR}", "data.eval: set exactly one of path (a data file) and dataset"),
    ("{path: EVAL, split: validation}", "data.eval.split: only for dataset sources"),
    ("{path: EVAL, max_rows: 0}", "data.eval.max_rows: must be at least 1, got 0"),
    ("{path: EVAL, format: nosuch}", "data.eval.format: unknown format provider 'nosuch'"),
    ("{path: EVAL, columns: {bogus: x}}", "data.eval.columns.bogus: 'bogus' is not a field of format 'chat'"),
    ("{path: EVAL, format: preference}", "data.eval.format: the held-out set must give the train split's row "
                                         "kind (data.train (read as data.format) gives chat rows, data.eval gives "
                                         "preference rows)"),
    ("{dataset: missing_dir}", "data.eval: file missing_dir not found"),
])
def test_bad_eval_sources_are_one_line_naming_the_key(tmp_path: Path, saved_eval: Path, value: str, expected: str):
    value = value.replace("EVAL", f"'{SMOKE_EVAL}'").replace("DIR", f"'{saved_eval}'")
    result = run_ftflow(tmp_path / "home", "plan", "recipe=smoke", f"data.eval={value}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
