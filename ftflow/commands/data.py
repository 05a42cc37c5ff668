"""``ftflow data check PATH --format F``: validate a data file and print its quality report."""

from __future__ import annotations

from ftflow.errors import UserError


def cmd_data_check(path: str, fmt: str, max_length: int | None, eval_path: str | None) -> int:
    raise UserError("ftflow data check is not implemented yet")
