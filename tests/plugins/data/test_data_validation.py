"""Each validation error is a one-line UserError naming file:line (or file:row N) and the field."""

from __future__ import annotations

import csv

import pytest

from ftflow.errors import UserError
from ftflow_plugins.data.files import load_split
from ftflow_plugins.data.formats import AlpacaFormat, ChatFormat, PreferenceFormat, UnpairedPreferenceFormat

GOOD = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}


def _error(path, fmt, **kwargs) -> str:
    with pytest.raises(UserError) as info:
        load_split(path, fmt, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("bad", "field"), [
    ({"text": "no messages"}, "'messages'"),
    ({"messages": []}, "'messages'"),
    ({"messages": [{"role": "human", "content": "Hi"}, {"role": "assistant", "content": "x"}]}, "'messages[0].role'"),
    ({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]}, "'messages[1].content'"),
    ({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}, "'messages[1].content'"),
    ({"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "late"},
                   {"role": "assistant", "content": "x"}]}, "'messages[1].role'"),
    ({"messages": [{"role": "user", "content": "Hi"}]}, "'messages[0].role'"),
    ({"messages": [{"role": "assistant", "content": "Hi"}, {"role": "assistant", "content": "x"}]},
     "'messages[0].role'"),
    ({"messages": [{"role": "user", "content": "Hi"}, {"role": "tool", "content": "42"},
                   {"role": "assistant", "content": "x"}]}, "'messages[1].role'"),
])
def test_chat_errors_name_line_and_field(write_jsonl, bad, field):
    path = write_jsonl("train.jsonl", [GOOD, GOOD, bad])
    message = _error(path, ChatFormat())
    assert message.startswith(f"{path}:3: ") and field in message


def test_blank_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}]}\n\n'
                    '{"messages": [{"role": "bot", "content": "Hi"}]}\n')
    assert _error(path, ChatFormat()).startswith(f"{path}:3: field 'messages[0].role'")


def test_empty_file_and_bad_json(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    assert "empty" in _error(empty, ChatFormat()) and str(empty) in _error(empty, ChatFormat())
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": []}\n{not json\n')
    assert _error(broken, ChatFormat()).startswith(f"{broken}:1: field 'messages'")
    broken.write_text('{"instruction": "a", "output": "b"}\n{not json\n')
    assert _error(broken, AlpacaFormat()).startswith(f"{broken}:2: invalid JSON")


def test_non_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"instruction": "a", "output": "b"}\n{"instruction": "caf\xe9", "output": "b"}\n')
    assert _error(path, AlpacaFormat()).startswith(f"{path}:2: not valid UTF-8")
    as_json = tmp_path / "latin1.json"
    as_json.write_bytes(b'[\n{"instruction": "a", "output": "b"},\n{"instruction": "caf\xe9", "output": "b"}\n]')
    assert _error(as_json, AlpacaFormat()).startswith(f"{as_json}:3: not valid UTF-8")


def test_alpaca_missing_output(write_jsonl):
    path = write_jsonl("a.jsonl", [{"instruction": "Say hi"}])
    assert _error(path, AlpacaFormat()) == f"{path}:1: field 'output' is missing or empty"


def test_preference_roles_and_fields(write_jsonl):
    path = write_jsonl("p.jsonl", [{"prompt": "Q", "chosen": "A"}])
    assert _error(path, PreferenceFormat()) == f"{path}:1: field 'rejected' is missing"
    path = write_jsonl("p.jsonl", [{"prompt": "Q", "chosen": [{"role": "user", "content": "A"}], "rejected": "B"}])
    assert _error(path, PreferenceFormat()).startswith(f"{path}:1: field 'chosen[0].role' is 'user'")
    path = write_jsonl("p.jsonl", [{"prompt": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
                                    "chosen": "A", "rejected": "B"}])
    assert _error(path, PreferenceFormat()).startswith(f"{path}:1: field 'prompt' must end with a user turn")


def test_unpaired_label_must_be_boolean(write_jsonl):
    path = write_jsonl("k.jsonl", [{"prompt": "Q", "completion": "A", "label": "maybe"}])
    assert _error(path, UnpairedPreferenceFormat()).startswith(f"{path}:1: field 'label'")


def test_csv_and_parquet_errors_name_the_row(tmp_path):
    path = tmp_path / "a.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["instruction", "output"], ["a", "b"], ["c", ""]])
    assert _error(path, AlpacaFormat()) == f"{path}:row 2: field 'output' is missing or empty"
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path = tmp_path / "k.parquet"
    pq.write_table(pa.Table.from_pylist([{"prompt": "Q", "completion": "A", "label": True},
                                         {"prompt": "Q", "completion": None, "label": False}]), path)
    assert _error(path, UnpairedPreferenceFormat()) == f"{path}:row 2: field 'completion' is missing"


def test_rows_that_cannot_fit_max_length(write_jsonl):
    long = {"messages": [{"role": "user", "content": "word " * 400}, {"role": "assistant", "content": "ok"}]}
    path = write_jsonl("long.jsonl", [GOOD, long])
    message = _error(path, ChatFormat(), max_length=128)
    assert message.startswith(f"{path}:2: row has 2002 characters") and "max_length 128" in message
    assert load_split(path, ChatFormat(), max_length=1024)[0][1] == long


def test_unknown_file_type(tmp_path):
    path = tmp_path / "rows.xml"
    path.write_text("hi")
    assert "unsupported file type '.xml'" in _error(path, ChatFormat())
