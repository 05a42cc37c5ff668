"""Every format provider parses its rows from every file type and normalizes them to the artifact contract."""

from __future__ import annotations

import csv
import json

import pytest

from ftflow_plugins.data.files import load_split
from ftflow_plugins.data.formats import (
    AlpacaFormat,
    ChatFormat,
    PreferenceFormat,
    PromptCompletionFormat,
    UnpairedPreferenceFormat,
)

SYSTEM = {"role": "system", "content": "Be brief."}
TOOL_CHAT = {"id": "t1", "messages": [
    SYSTEM, {"role": "user", "content": "Balance of 0xabc?"},
    {"role": "assistant", "content": None,
     "tool_calls": [{"type": "function", "function": {"name": "balance", "arguments": {"address": "0xabc"}}}]},
    {"role": "tool", "name": "balance", "content": "1.5 ETH"},
    {"role": "assistant", "content": "It holds 1.5 ETH."}], "meta": {"topic": "balance"}}


def test_chat_keeps_tool_calls_id_and_meta(write_jsonl):
    rows, where = load_split(write_jsonl("chat.jsonl", [TOOL_CHAT]), ChatFormat())
    (row,) = rows
    assert row["id"] == "t1" and row["meta"] == {"topic": "balance"}
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert row["messages"][2]["content"] == "" and row["messages"][2]["tool_calls"][0]["function"]["name"] == "balance"
    assert where == [f"{write_jsonl('chat.jsonl', [TOOL_CHAT])}:1"]


def test_alpaca_becomes_user_assistant_chat(write_jsonl):
    path = write_jsonl("alpaca.jsonl", [
        {"instruction": "Translate to French", "input": "cat", "output": "chat"},
        {"instruction": "Say hi", "output": "Hi!", "system": "Be kind."},
    ])
    rows, _ = load_split(path, AlpacaFormat())
    assert rows[0] == {"messages": [{"role": "user", "content": "Translate to French\n\ncat"},
                                    {"role": "assistant", "content": "chat"}]}
    assert [m["role"] for m in rows[1]["messages"]] == ["system", "user", "assistant"]


def test_column_mapping_renames_source_columns(write_jsonl):
    path = write_jsonl("qa.jsonl", [{"question": "2+2?", "answer": "4"}])
    rows, _ = load_split(path, AlpacaFormat(), {"instruction": "question", "output": "answer"})
    assert rows[0]["messages"] == [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]


def test_prompt_completion_strings_and_messages(write_jsonl):
    path = write_jsonl("pc.jsonl", [
        {"prompt": "Capital of France?", "completion": "Paris."},
        {"prompt": [SYSTEM, {"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello"}]},
    ])
    rows, _ = load_split(path, PromptCompletionFormat())
    assert rows[0]["messages"] == [{"role": "user", "content": "Capital of France?"},
                                   {"role": "assistant", "content": "Paris."}]
    assert [m["role"] for m in rows[1]["messages"]] == ["system", "user", "assistant"]


def test_preference_plain_chat_and_implicit_prompt(write_jsonl):
    user = {"role": "user", "content": "Opposite of up?"}
    path = write_jsonl("pref.jsonl", [
        {"prompt": "Opposite of up?", "chosen": "Down.", "rejected": "Left."},
        {"prompt": [SYSTEM, user], "chosen": [{"role": "assistant", "content": "Down."}],
         "rejected": [{"role": "assistant", "content": "Sideways."}], "meta": {"rejected_kind": "wrong"}},
        {"chosen": [user, {"role": "assistant", "content": "Down."}],
         "rejected": [user, {"role": "assistant", "content": "Up."}]},
    ])
    rows, _ = load_split(path, PreferenceFormat())
    assert rows[0] == {"prompt": [user], "chosen": [{"role": "assistant", "content": "Down."}],
                       "rejected": [{"role": "assistant", "content": "Left."}]}
    assert rows[1]["prompt"][-1]["role"] == "user" and rows[1]["meta"] == {"rejected_kind": "wrong"}
    assert rows[2] == {"prompt": [user], "chosen": [{"role": "assistant", "content": "Down."}],
                       "rejected": [{"role": "assistant", "content": "Up."}]}


def test_unpaired_preference_labels(write_jsonl):
    path = write_jsonl("kto.jsonl", [{"prompt": "Hi", "completion": "Hello", "label": True},
                                     {"prompt": "Hi", "completion": "Go away", "label": "false"}])
    rows, _ = load_split(path, UnpairedPreferenceFormat())
    assert rows[0] == {"prompt": [{"role": "user", "content": "Hi"}],
                       "completion": [{"role": "assistant", "content": "Hello"}], "label": True}
    assert rows[1]["label"] is False


def test_json_array_reports_each_rows_line(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('[\n  {"instruction": "a", "output": "b"},\n  {"instruction": "c",\n   "output": "d"}\n]\n')
    rows, where = load_split(path, AlpacaFormat())
    assert len(rows) == 2 and where == [f"{path}:2", f"{path}:3"]


def test_csv_with_json_cells(tmp_path):
    path = tmp_path / "pref.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "chosen", "rejected"])
        writer.writerow([json.dumps([{"role": "user", "content": "Hi"}]), "Hello", "Bye"])
    rows, where = load_split(path, PreferenceFormat())
    assert rows[0]["prompt"] == [{"role": "user", "content": "Hi"}] and rows[0]["chosen"][0]["content"] == "Hello"
    assert where == [f"{path}:row 1"]


def test_parquet(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path = tmp_path / "kto.parquet"
    pq.write_table(pa.Table.from_pylist([{"prompt": "Hi", "completion": "Hello", "label": True},
                                         {"prompt": "Hi", "completion": "Bye", "label": False}]), path)
    rows, where = load_split(path, UnpairedPreferenceFormat())
    assert [r["label"] for r in rows] == [True, False] and where[1] == f"{path}:row 2"
