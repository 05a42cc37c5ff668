"""``ftflow data check PATH --format F``: validate a data file and print its quality report.

It uses the same format providers, validation and report as the data stage, so a file that passes
here passes there.  No tokenizer is loaded (nor torch): lengths are checked with the data stage's
conservative characters-per-token bound; exact token counts are the tokenize stage's.  A command of this
plugin (``ftflow_add_commands``), not of the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftflow.errors import UserError


def add_command(subparsers: Any, parents: list[Any]) -> None:
    """``ftflow data check``: registered through the ``ftflow_add_commands`` hook."""
    data = subparsers.add_parser("data", parents=parents, help="data tools")
    actions = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", parents=parents, help="validate a data file, print its quality report")
    check.add_argument("path")
    check.add_argument("--format", default="chat", help="data format provider (chat, alpaca, preference, ...)")
    check.add_argument("--max-length", type=int, default=None, help="token limit to check rows against")
    check.add_argument("--eval", dest="eval_path", default=None, help="eval file, to check train/eval leakage")
    check.set_defaults(handler=lambda args: cmd_data_check(args.path, args.format, args.max_length, args.eval_path))


def cmd_data_check(path: str, fmt: str, max_length: int | None, eval_path: str | None) -> int:
    """Exit 0 when every row is valid (the report may still show findings), 2 on the first bad row."""
    from ftflow.plugin.manager import load_plugins
    from ftflow_plugins.data.files import length_notes, load_split
    from ftflow_plugins.data.quality import quality_report, render_markdown

    info = load_plugins().registry.get("format", fmt, key="--format")
    provider = info.cls()
    if max_length is not None and max_length < 1:
        raise UserError("--max-length must be a positive number of tokens")
    splits = {}
    for split, value in (("train", path), ("eval", eval_path)):
        if value is None:
            continue
        file = Path(value).expanduser()
        if not file.exists():
            raise UserError(f"{value}: file not found")
        splits[split] = load_split(file, provider, None, max_length)
    report = quality_report(splits, label_field="label")
    report["notes"] = length_notes(report, splits, max_length) if max_length else []
    counts = ", ".join(f"{len(rows)} {split} rows" for split, (rows, _) in splits.items())
    print(f"ok: {counts} valid as format '{fmt}' ({provider.output} rows)")
    print(render_markdown(report))
    return 0
