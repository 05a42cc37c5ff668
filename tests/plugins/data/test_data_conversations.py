"""ShareGPT, OpenAI messages and raw text: normalized rows, tag/column mapping, file:line and row errors."""

from __future__ import annotations

import json

import pytest

from ftflow.errors import UserError
from ftflow.testing import run_ftflow
from ftflow_plugins.data.conversations import OpenAIFormat, ShareGptFormat, TextFormat
from ftflow_plugins.data.files import load_split

SHAREGPT = {"id": "s1", "system": "Be brief.", "tools": json.dumps([{"name": "balance", "parameters": {}}]),
            "conversations": [
                {"from": "human", "value": "Balance of 0xabc?"},
                {"from": "function_call", "value": json.dumps({"name": "balance", "arguments": {"a": "0xabc"}})},
                {"from": "observation", "value": "1.5 ETH"},
                {"from": "gpt", "value": "It holds 1.5 ETH."}]}


def test_sharegpt_becomes_chat_with_tool_calls(write_jsonl):
    (row,), where = load_split(write_jsonl("s.jsonl", [SHAREGPT]), ShareGptFormat())
    assert row["id"] == "s1" and where[0].endswith("s.jsonl:1")
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert row["messages"][2] == {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "balance", "arguments": {"a": "0xabc"}}}]}
    assert row["tools"] == [{"name": "balance", "parameters": {}}]


def test_sharegpt_keys_and_roles_are_mapped_by_columns(write_jsonl):
    path = write_jsonl("m.jsonl", [{"dialog": [{"speaker": "client", "text": "hi"},
                                               {"speaker": "agent", "text": "hello"}]}])
    columns = {"conversations": "dialog", "role_tag": "speaker", "content_tag": "text", "user_tag": "client",
               "assistant_tag": "agent"}
    (row,), _ = load_split(path, ShareGptFormat(), columns)
    assert row == {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    # OpenAI-style role names are accepted too, unless a tag takes them
    (row,), _ = load_split(write_jsonl("u.jsonl", [{"conversations": [
        {"from": "user", "value": "a"}, {"from": "assistant", "value": "b"}]}]), ShareGptFormat())
    assert [m["role"] for m in row["messages"]] == ["user", "assistant"]


@pytest.mark.parametrize(("turns", "message"), [
    ([{"from": "bot", "value": "x"}], "s.jsonl:2: field 'conversations[0].from' is 'bot' (expected one of"),
    ([{"from": "human", "value": 3}], "field 'conversations[0].value' is missing or not a string"),
    ([{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}, {"from": "human", "value": "q2"}],
     "field 'conversations[2]' is a user turn: the last turn must be the assistant's"),
    ([{"from": "gpt", "value": "a"}], "field 'conversations[0]' must be the user's turn"),
    ([{"from": "human", "value": "q"}, {"from": "function_call", "value": "{oops"}],
     "field 'conversations[1].value' is a function call but not JSON"),
])
def test_sharegpt_errors_name_file_line_and_field(write_jsonl, turns, message):
    path = write_jsonl("s.jsonl", [SHAREGPT, {"conversations": turns}])
    with pytest.raises(UserError, match="^.*" + message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]").replace("{", r"\{")):
        load_split(path, ShareGptFormat())


OPENAI = {"messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": [{"type": "text", "text": "Balance"}, {"type": "text", "text": "of 0xabc?"}]},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "balance", "arguments": "{\"a\": \"0xabc\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "1.5 ETH"},
    {"role": "assistant", "content": "It holds 1.5 ETH.", "weight": 1}],
    "tools": [{"type": "function", "function": {"name": "balance", "parameters": {"type": "object"}}}]}


def test_openai_keeps_tool_calls_ids_and_tools(write_jsonl):
    (row,), _ = load_split(write_jsonl("o.jsonl", [OPENAI]), OpenAIFormat())
    assert row["messages"][1] == {"role": "user", "content": "Balance\nof 0xabc?"}
    assert row["messages"][2]["tool_calls"][0]["id"] == "call_1"
    assert row["messages"][3] == {"role": "tool", "content": "1.5 ETH", "tool_call_id": "call_1"}
    assert row["tools"] == OPENAI["tools"]
    legacy = {"functions": [{"name": "balance"}], "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "function_call": {"name": "balance", "arguments": "{}"}},
        {"role": "function", "name": "balance", "content": "1"}, {"role": "assistant", "content": "a"}]}
    (row,), _ = load_split(write_jsonl("l.jsonl", [legacy]), OpenAIFormat())
    assert row["messages"][1]["tool_calls"] == [{"type": "function", "function": {"name": "balance",
                                                                                  "arguments": "{}"}}]
    assert row["messages"][2] == {"role": "tool", "content": "1", "name": "balance"}
    assert row["tools"] == [{"type": "function", "function": {"name": "balance"}}]


def test_openai_errors_name_row_and_field(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    image = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
                          {"role": "assistant", "content": "a"}]}
    path = tmp_path / "o.parquet"
    pq.write_table(pa.table({"messages": [json.dumps(OPENAI["messages"]), json.dumps(image["messages"])]}), path)
    with pytest.raises(UserError, match=r"o.parquet:row 2: field 'messages\[0\].content\[0\]' is a image_url part"):
        load_split(path, OpenAIFormat())


def test_text_documents_from_jsonl_and_txt(tmp_path, write_jsonl):
    rows, _ = load_split(write_jsonl("t.jsonl", [{"text": "A block holds transactions."}]), TextFormat())
    assert rows == [{"text": "A block holds transactions."}]
    path = tmp_path / "corpus.txt"
    path.write_text("First document.\n\nSecond document.\n", encoding="utf-8")
    rows, where = load_split(path, TextFormat())
    assert rows == [{"text": "First document."}, {"text": "Second document."}]
    assert where == [f"{path}:1", f"{path}:3"]
    with pytest.raises(UserError, match=r"t2.jsonl:2: field 'text' is missing or not a non-empty string"):
        load_split(write_jsonl("t2.jsonl", [{"text": "ok"}, {"text": "  "}]), TextFormat())


def test_data_check_cli_and_plan(tmp_path, write_jsonl):
    home = tmp_path / "home"
    path = write_jsonl("s.jsonl", [SHAREGPT, {"conversations": [{"from": "bot", "value": "x"}]}])
    bad = run_ftflow(home, "data", "check", str(path), "--format", "sharegpt")
    assert bad.returncode == 2 and f"{path}:2: field 'conversations[0].from'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    good = run_ftflow(home, "data", "check", str(write_jsonl("t.jsonl", [{"text": "a b c"}, {"text": "d e"}])),
                      "--format", "text")
    assert good.returncode == 0, good.stderr
    plan = run_ftflow(home, "plan", "recipe=smoke", "data.format=text", f"data.train={tmp_path / 't.jsonl'}",
                      "data.eval=null", "eval=none")
    assert plan.returncode == 2 and "method=sft needs data.format in (chat), got data.format=text" in plan.stderr


def test_sharegpt_and_openai_rows_tokenize_in_the_smoke_graph(tmp_path, write_jsonl, no_training):
    """The data and tokenize stages accept the new formats' rows (tools and tool calls included)."""
    plain = [{"conversations": [{"from": "human", "value": f"question {i}?"}, {"from": "gpt", "value": f"answer {i}"}]}
             for i in range(6)]
    train = write_jsonl("train.jsonl", [SHAREGPT, *plain])
    result = run_ftflow(tmp_path / "home", "run", *no_training, "data.format=sharegpt", f"data.train={train}",
                        "data.eval=null")
    assert result.ok, result.stderr[-2000:]
    assert result.manifest["stage_metadata"]["data"]["source_format"] == "sharegpt"
    assert result.manifest["stage_metadata"]["tokenize"]["train"]["rows"] == 7
    train = write_jsonl("o.jsonl", [OPENAI] * 3)
    result = run_ftflow(tmp_path / "home", "run", *no_training, "data.format=openai", f"data.train={train}",
                        "data.eval=null")
    assert result.ok, result.stderr[-2000:]
