"""data.sources: files, saved ``datasets`` directories and data folders mixed by weight (issue 25.1/25.3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ftflow.errors import UserError
from ftflow.testing import run_ftflow
from ftflow_plugins.data.sources import (
    SourceConfig,
    dataset_records,
    load_dataset_rows,
    mix,
    mix_counts,
    source_problems,
)


def _chat(i: int, topic: str = "plus") -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": f"What is {i} {topic} {i}?"},
                         {"role": "assistant", "content": f"{i} {topic} {i} is {i}."}]}


def _sharegpt(i: int) -> dict[str, Any]:
    return {"conversations": [{"from": "human", "value": f"Name colour number {i}, please."},
                              {"from": "gpt", "value": f"Colour {i} is teal."}]}


@pytest.fixture
def mixed_sources(tmp_path: Path, write_jsonl: Callable[..., Path]) -> tuple[Path, Path]:
    """A ShareGPT JSONL file (30 rows) and a saved ``datasets`` directory (30 chat rows)."""
    from datasets import Dataset

    sharegpt = write_jsonl("sharegpt.jsonl", [_sharegpt(i) for i in range(30)])
    saved = tmp_path / "saved"
    Dataset.from_list([_chat(i) for i in range(30)]).save_to_disk(str(saved))
    return sharegpt, saved


def _sources(sharegpt: Path, saved: Path, a: int = 70, b: int = 30) -> str:
    return (f"+data.sources=[{{path: '{sharegpt}', format: sharegpt, weight: {a}}}, "
            f"{{dataset: '{saved}', weight: {b}}}]")


# ------------------------------------------------------------------------------------ the mixing rule

def test_weights_split_the_largest_mix_that_repeats_no_row():
    assert mix_counts([30, 30], [70, 30], None) == [29, 13]  # 42 = floor(30 / 0.7); 12.6 rounds up
    assert mix_counts([30, 30], [0.7, 0.3], None) == [29, 13]  # probabilities are weights that sum to 1
    assert mix_counts([1000, 10], [1, 1], None) == [10, 10]  # the smaller source sets the size
    assert mix_counts([30, 30], None, None) == [30, 30]  # no weights: every row
    assert mix_counts([10, 10], [3, 1], 100) == [75, 25]  # a fixed size repeats rows where needed


def _loaded(n: int, tag: str) -> tuple[list[dict[str, Any]], list[str]]:
    return [{"text": f"{tag} {i}"} for i in range(n)], [f"{tag}.jsonl:{i + 1}" for i in range(n)]


def test_mix_is_seeded_capped_and_reports_each_share():
    sources = [SourceConfig(path="a.jsonl", weight=3), SourceConfig(path="b.jsonl", weight=1, max_rows=10)]
    loaded = [_loaded(100, "a"), _loaded(50, "b")]
    (rows, where), report = mix(loaded, sources, seed=1, total=None)
    assert [r["rows"] for r in report] == [30, 10] and len(rows) == 40
    assert report[1] == {"name": "b.jsonl", "kind": "file", "format": None, "split": None, "revision": None,
                         "rows_available": 50, "max_rows": 10, "weight": 1, "target_share": 0.25, "rows": 10,
                         "share": 0.25, "repeated": 0}
    assert all(w.split(".")[0] == r["text"].split()[0] for r, w in zip(rows, where, strict=True))
    assert len({r["text"] for r in rows}) == 40  # no row twice
    again, _ = mix(loaded, sources, seed=1, total=None)
    other, _ = mix(loaded, sources, seed=2, total=None)
    assert again[0] == rows and other[0] != rows
    (big, _), report = mix(loaded, sources, seed=1, total=100)
    assert len(big) == 100 and report[1]["repeated"] == 15 and report[1]["rows"] == 25


def test_config_mistakes_name_their_key():
    bad = [SourceConfig(path="a.jsonl", dataset="d", weight=0), SourceConfig(path="b.jsonl"),
           SourceConfig(dataset="c", max_rows=0, weight=1), SourceConfig(path="a.jsonl", split="x", weight=1)]
    problems = source_problems(bad, mix_rows=None)
    assert problems[0].startswith("data.sources[0]: set exactly one of path")
    assert "data.sources[0].weight: must be a positive number, got 0" in problems
    assert "data.sources[1].weight: missing; set a weight on every source or on none" in problems
    assert "data.sources[2].max_rows: must be at least 1, got 0" in problems
    assert "data.sources[3].split: only for dataset sources" in problems
    assert any(p.startswith("data.sources[3]: same name as data.sources[0]") for p in problems)
    assert source_problems([SourceConfig(path="a")], mix_rows=5)[0].startswith("data.mix_rows: needs a weight")


# ------------------------------------------------------------------------------- datasets directories

def test_saved_datasets_and_data_folders_read_through_datasets(tmp_path: Path):
    from datasets import Dataset, DatasetDict

    rows = [_chat(i) for i in range(6)]
    whole = Dataset.from_list(rows)
    DatasetDict({"train": whole, "validation": whole.select(range(2))}).save_to_disk(str(tmp_path / "dict"))
    (tmp_path / "pq").mkdir()
    whole.select(range(3)).to_parquet(str(tmp_path / "pq" / "train-0.parquet"))
    whole.select(range(3, 6)).to_parquet(str(tmp_path / "pq" / "train-1.parquet"))
    whole.to_parquet(str(tmp_path / "pq" / "test.parquet"))
    (tmp_path / "js").mkdir()
    whole.to_json(str(tmp_path / "js" / "part.jsonl"))

    def read(name: str, split: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        dataset, chosen = load_dataset_rows(SourceConfig(dataset=name, split=split), tmp_path / name,
                                            "data.sources[0]", tmp_path / "cache")
        return dataset_records(dataset, chosen, name)

    assert read("dict")[0] == ("dict[train]:row 1", rows[0])  # Arrow's None-filled struct keys are dropped
    assert [w for w, _ in read("dict", "validation")] == ["dict[validation]:row 1", "dict[validation]:row 2"]
    assert [r for _, r in read("pq")] == rows and len(read("pq", "test")) == 6  # splits from file names
    assert [r for _, r in read("js")] == rows
    with pytest.raises(UserError, match=r"data.sources\[0\].split: saved data set dict has no split 'test' "
                                        r"\(splits: train, validation\)"):
        read("dict", "test")
    whole.to_json(str(tmp_path / "pq" / "train-2.jsonl"))
    with pytest.raises(UserError, match=r"data.sources\[0\].dataset: pq mixes file types \(parquet"):
        read("pq")


# ------------------------------------------------------------------------------- the smoke graph

def test_sharegpt_file_and_saved_dataset_mix_70_30_on_smoke(tmp_path: Path, mixed_sources):
    """The acceptance: a 70/30 mix trains on smoke, the record shows the shares, and a new weight re-keys
    data and what follows it, nothing before."""
    from ftflow import api

    sharegpt, saved = mixed_sources
    home = tmp_path / "home"
    overrides = ["data.train=null", "eval=none", "export=none", "method.max_steps=2"]
    result = run_ftflow(home, "run", "recipe=smoke", _sources(sharegpt, saved), *overrides)
    assert result.ok, result.stderr[-3000:]
    data = result.manifest["stage_metadata"]["data"]
    shares = {s["name"]: (s["rows"], s["share"], s["target_share"]) for s in data["sources"]}
    assert shares == {str(sharegpt): (29, 0.6905, 0.7), str(saved): (13, 0.3095, 0.3)}
    assert data["rows"]["train"] == 42 and data["source_format"] == "sharegpt+chat" and data["mix_seed"] == 42
    assert f"| {sharegpt} | file | sharegpt | 30 | 70 | 70.0% | 29 | 69.0% | 0 |" in data["report_md"]
    assert f"| {saved} | dataset | chat | 30 | 30 | 30.0% | 13 | 30.9% | 0 |" in data["report_md"]
    assert result.manifest["stage_metadata"]["train"]["loss_curve"]
    train_rows = [json.loads(x) for x in (Path(result.manifest["stages"][1]["artifact"]) / "train.jsonl")
                  .read_text().splitlines()]
    assert sum("Colour" in r["messages"][-1]["content"] for r in train_rows) == 29

    planned = {s.name: s for s in api.plan("smoke", [_sources(sharegpt, saved, 60, 30), *overrides], home=home)}
    assert planned["model"].cached
    assert not planned["data"].cached
    assert any("data.sources" in r for r in planned["data"].reasons)
    assert not planned["tokenize"].cached and not planned["train"].cached
    same = {s.name: s.cached for s in api.plan("smoke", [_sources(sharegpt, saved), *overrides], home=home)}
    assert same == {"model": True, "data": True, "tokenize": True, "train": True}


@pytest.mark.parametrize("sources, expected", [
    ("[{path: missing.jsonl, weight: 1}]", "data.sources[0].path: file missing.jsonl not found"),
    ("[{path: SHAREGPT, format: sharegpt, weight: 0}, {dataset: SAVED, weight: 1}]",
     "data.sources[0].weight: must be a positive number, got 0"),
    ("[{path: SHAREGPT, format: sharegpt, weight: -2}, {dataset: SAVED, weight: 1}]",
     "data.sources[0].weight: must be a positive number, got -2"),
    ("[{path: SHAREGPT, format: sharegtp}]", "data.sources[0].format: unknown format provider 'sharegtp'"),
    ("[{path: SHAREGPT, format: sharegpt}, {dataset: SAVED, format: preference}]",
     "data.sources: every source must give one row kind"),
    ("[{path: SHAREGPT, format: sharegpt}, {dataset: org/name}]",
     "data.sources[1].dataset: file org/name not found"),
])
def test_bad_sources_are_one_line_naming_the_key(tmp_path: Path, mixed_sources, sources: str, expected: str):
    sharegpt, saved = mixed_sources
    value = sources.replace("SHAREGPT", f"'{sharegpt}'").replace("SAVED", f"'{saved}'")
    result = run_ftflow(tmp_path / "home", "plan", "recipe=smoke", f"+data.sources={value}", "data.train=null")
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_data_train_and_sources_together_is_an_error(tmp_path: Path, mixed_sources):
    sharegpt, saved = mixed_sources
    result = run_ftflow(tmp_path / "home", "plan", "recipe=smoke", _sources(sharegpt, saved))
    assert result.returncode == 2 and "data.train: set together with data.sources" in result.stderr


def test_hub_dataset_needs_the_hub_and_says_so_in_one_line(smoke_home, no_training):
    """A Hub id with its revision is keyed on both; offline, loading it is one line naming the key."""
    home, _ = smoke_home
    hub = "+data.sources=[{dataset: ftflow-tests/no-such-set, revision: 0123abc, weight: 1}]"
    result = run_ftflow(home, "run", *no_training, hub, "data.train=null", env={"HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "data.sources[0].dataset: cannot load the Hub data set 'ftflow-tests/no-such-set' at revision " \
           "0123abc" in last and "Traceback" not in result.stderr
