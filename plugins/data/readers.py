"""Read data files (JSONL, JSON, CSV, Parquet, plain text) into records that remember where they came from.

Every record carries a location string (``file:line`` for text formats, ``file:row N`` for CSV and
Parquet) so that a validation error points at the exact place to fix.  Bad bytes are errors too:
a data set that is not UTF-8 would silently train on mojibake.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftflow.errors import UserError

SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet",
            ".pq": "parquet", ".txt": "text", ".md": "text"}


def file_kind(path: Path) -> str:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UserError(f"{path}: unsupported file type '{path.suffix}' (use {', '.join(sorted(SUFFIXES))})")
    return kind


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(f"{path}:{line}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise UserError(f"{path}:{number}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}:{number}: invalid JSON ({exc.msg})") from exc
            except ValueError as exc:  # e.g. an integer beyond Python's digit limit
                raise UserError(f"{path}:{number}: unreadable JSON ({exc})") from None
            except RecursionError:
                raise UserError(f"{path}:{number}: JSON nested too deeply to read") from None
            yield f"{path}:{number}", row


def _json(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        yield from _json_rows(path)
    except RecursionError:
        raise UserError(f"{path}: JSON nested too deeply to read") from None


def _json_rows(path: Path) -> Iterator[tuple[str, Any]]:
    """A JSON array of objects (or {"data": [...]}); each object's location is the line it starts on."""
    text = _decode(path, path.read_bytes())
    decoder = json.JSONDecoder()

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    pos = len(text) - len(text.lstrip())
    if text.startswith("{", pos):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
        if not isinstance(whole.get("data"), list):
            raise UserError(f"{path}:1: expected a JSON array of rows (or an object with a 'data' array)")
        for i, row in enumerate(whole["data"], start=1):
            yield f"{path}:row {i}", row
        return
    if not text.startswith("[", pos):
        raise UserError(f"{path}:{line_of(pos)}: expected a JSON array of rows")
    pos += 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            raise UserError(f"{path}:{line_of(pos)}: invalid JSON (unterminated array)")
        if text[pos] == "]":
            return
        try:
            row, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
        yield f"{path}:{line_of(pos)}", row
        pos = end


def _text(path: Path) -> Iterator[tuple[str, Any]]:
    """Plain text (``data.format=text``): one document per non-empty line, like ``datasets``' text loader."""
    for number, line in enumerate(_decode(path, path.read_bytes()).splitlines(), start=1):
        if line.strip():
            yield f"{path}:{number}", {"text": line}


def _csv(path: Path) -> Iterator[tuple[str, Any]]:
    text = _decode(path, path.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = enumerate(reader, start=1)
    while True:
        try:
            number, row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over csv.field_size_limit(), a stray NUL, ...
            raise UserError(f"{path}:{reader.reader.line_num}: unreadable CSV ({exc})") from None
        if None in row:
            raise UserError(f"{path}:row {number}: more values than header columns")
        yield f"{path}:row {number}", {k: v for k, v in row.items() if v not in (None, "")}


def _parquet(path: Path) -> Iterator[tuple[str, Any]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(str(path))
    except Exception as exc:  # pyarrow raises several types for damaged files and bad strings
        raise UserError(f"{path}: cannot read Parquet ({type(exc).__name__}: {exc})") from exc
    for number, row in enumerate(table.to_pylist(), start=1):
        yield f"{path}:row {number}", {k: v for k, v in row.items() if v is not None}


def iter_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(location, row) pairs of a data file, lazily, so the first bad row in file order is reported;
    an empty file or a non-object row is an error."""
    if not path.is_file():
        raise UserError(f"{path}: not a file")
    reader = {"jsonl": _jsonl, "json": _json, "csv": _csv, "parquet": _parquet, "text": _text}[file_kind(path)]
    empty = True
    for where, row in reader(path):
        if not isinstance(row, dict):
            raise UserError(f"{where}: expected an object (a mapping of fields), got {type(row).__name__}")
        empty = False
        yield where, row
    if empty:
        raise UserError(f"{path}: the data set is empty (no rows)")
