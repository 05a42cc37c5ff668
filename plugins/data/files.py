"""The ``files`` data provider: read train/eval files, validate every row, write normalized JSONL.

The format provider named by ``data.format`` (see ``formats.py``) normalizes rows; it enters the cache
key through ``uses()``.  Without a tokenizer, length is checked here with a conservative bound (a row
with more than ``MAX_CHARS_PER_TOKEN`` characters per allowed token cannot fit); the exact token
check, the truncation rate and packing are the tokenize stage's, which has the tokenizer.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import DataSource
from ftflow.provider import Estimate
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import write_jsonl
from ftflow_plugins.data.formats import DataFormat
from ftflow_plugins.data.quality import QualityConfig, enforce, quality_report, render_markdown, row_chars
from ftflow_plugins.data.readers import iter_records

#: No BPE tokenizer we know averages more characters per token on real text (English is ~4).
MAX_CHARS_PER_TOKEN = 10
#: For the report only: a typical English chars/token ratio, to flag rows that probably do not fit.
TYPICAL_CHARS_PER_TOKEN = 4
SOURCES_FILE = "sources.json"


@dataclasses.dataclass
class FilesConfig:
    train: str = ""
    eval: str | None = None
    format: str = "chat"  # a format provider: chat, alpaca, prompt_completion, preference, ...
    columns: dict[str, str] = dataclasses.field(default_factory=dict)  # format field -> column in the file
    max_length: int = 1024  # tokens
    max_rows: int | None = None
    label_field: str | None = None  # a meta key whose balance and conflicts the report shows
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)


def load_split(path: Path, fmt: DataFormat, columns: dict[str, str] | None = None,
               max_length: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Normalized rows of one file and each row's ``file:line``; the first invalid row is an error."""
    rows, where = [], []
    for location, record in iter_records(path):
        row = fmt.convert(record, location, columns or {})
        if max_length is not None and (chars := row_chars(row)) > max_length * MAX_CHARS_PER_TOKEN:
            raise UserError(f"{location}: row has {chars} characters, more than max_length {max_length} tokens "
                            f"can hold (> {MAX_CHARS_PER_TOKEN} chars/token); shorten it or raise data.max_length")
        rows.append(row)
        where.append(location)
    return rows, where


def length_notes(report: dict[str, Any], splits: dict[str, tuple[list[dict[str, Any]], list[str]]],
                 max_length: int) -> list[str]:
    """Rows that probably exceed max_length at a typical chars/token ratio (exact counts need the tokenizer)."""
    notes = []
    for name, (rows, where) in splits.items():
        over = [w for r, w in zip(rows, where, strict=True)
                if row_chars(r) > max_length * TYPICAL_CHARS_PER_TOKEN]
        report[name]["likely_over_max_length"] = len(over)
        if over:
            notes.append(f"{name}: {len(over)} rows probably exceed max_length {max_length} tokens "
                         f"(> {TYPICAL_CHARS_PER_TOKEN} chars/token), e.g. {over[0]}")
    return notes


def normalized_format(data_stage: Any) -> str:
    """The row kind a data stage writes (``chat``, ``preference``, ``unpaired_preference``), from its
    format component: alpaca and prompt_completion sources give ``chat`` rows.  For ``check()`` methods."""
    fmt = getattr(data_stage.config, "format", "chat")
    component = data_stage.components.get(f"format.{fmt}")
    return getattr(component.provider, "output", fmt) if component is not None else fmt


class DataFiles(DataSource):
    """Reads train/eval files through a format provider; ``row_format`` tells consumers the row kind."""

    name = "files"
    kind = "data"
    version = "3"  # 3: label_field in the metadata (the evaluator reads it from there)
    description = "train/eval files (JSONL, JSON, CSV, Parquet) in any format provider, validated row by row"
    Config = FilesConfig
    code_modules = ("ftflow_plugins.common.hf",)

    def uses(self, config: FilesConfig) -> list[tuple[str, str]]:
        return [("format", config.format)]

    def row_format(self, stage: Any) -> str:
        """The normalized row kind this stage writes (chat, preference, unpaired_preference)."""
        return normalized_format(stage)

    def external_inputs(self, config: FilesConfig) -> Mapping[str, Path | str]:
        return {"train": config.train, **({"eval": config.eval} if config.eval else {})}

    def provides(self, config: FilesConfig) -> tuple[str, ...]:
        return (*(f"{split}.jsonl" for split in self.external_inputs(config)), SOURCES_FILE)

    def check(self, stage, upstream) -> list[str]:
        problems = [] if stage.config.train else ["data.train is required"]
        component = stage.components.get(f"format.{stage.config.format}")
        if component is not None:
            fields = component.provider.fields
            problems += [f"data.columns.{k}: '{k}' is not a field of format '{stage.config.format}' "
                         f"(fields: {', '.join(fields)})" for k in stage.config.columns if k not in fields]
        if stage.config.max_length < 1:
            problems.append("data.max_length must be a positive number of tokens")
        return problems

    def estimate(self, stage) -> Estimate | None:
        return Estimate(seconds=1)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        cfg: FilesConfig = ctx.config
        fmt: DataFormat = ctx.components[f"format.{cfg.format}"].provider
        splits: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        for split, value in self.external_inputs(cfg).items():
            path = ctx.resolve_path(str(value), f"data.{split}")
            rows, where = load_split(path, fmt, cfg.columns, cfg.max_length)
            if cfg.max_rows:
                rows, where = rows[: cfg.max_rows], where[: cfg.max_rows]
            splits[split] = (rows, where)
        report = quality_report(splits, cfg.label_field)
        report["notes"] = length_notes(report, splits, cfg.max_length)
        enforce(report, cfg.quality)
        for split, (rows, _) in splits.items():
            write_jsonl(ctx.output_dir / f"{split}.jsonl", rows)
        # Where each normalized row came from, so later stages (tokenize) can name file:line too.
        (ctx.output_dir / SOURCES_FILE).write_text(json.dumps({s: w for s, (_, w) in splits.items()}))
        return {
            "format": fmt.output, "source_format": fmt.name,
            "rows": {s: len(rows) for s, (rows, _) in splits.items()},
            "max_length": cfg.max_length, "label_field": cfg.label_field, "quality": report,
            "report_md": render_markdown(report),
            "quality_limits": dataclasses.asdict(cfg.quality),
        }
