"""The ``files`` data provider: read train/eval files, validate every row, write normalized JSONL.

The format provider named by ``data.format`` (see ``formats.py``) normalizes rows; it enters the cache
key through ``uses()``.  ``data.sources`` replaces ``data.train`` with several files or ``datasets``
sources mixed by weight (``sources.py``).  Without a tokenizer, length is checked here with a
conservative bound (a row with more than ``MAX_CHARS_PER_TOKEN`` characters per allowed token cannot
fit); the exact token check, the truncation rate and packing are the tokenize stage's, which has the
tokenizer.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
from collections.abc import Iterable, Mapping
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
from ftflow_plugins.data.sources import (
    SourceConfig,
    cap,
    dataset_records,
    eval_problems,
    is_hub,
    kind,
    label,
    load_dataset_rows,
    mix,
    render_sources,
    source_problems,
)
from ftflow_plugins.data.sources import external_inputs as source_inputs

#: No BPE tokenizer we know averages more characters per token on real text (English is ~4).
MAX_CHARS_PER_TOKEN = 10
#: For the report only: a typical English chars/token ratio, to flag rows that probably do not fit.
TYPICAL_CHARS_PER_TOKEN = 4
SOURCES_FILE = "sources.json"


@dataclasses.dataclass
class FilesConfig:
    train: str | None = ""  # one file; or list it (and others) in sources
    #: The held-out split: a file, or one source as in ``sources`` ({path|dataset, revision, split, format,
    #: columns, max_rows, name}; no weight: it is not mixed).
    eval: str | SourceConfig | None = None
    #: Without data.eval: hold out this many train rows (>= 1) or this fraction of them (< 1) as the eval
    #: split, a seeded sample (Axolotl's val_set_size, LLaMA-Factory's val_size).
    holdout: float | None = None
    format: str = "chat"  # a format provider: chat, alpaca, prompt_completion, preference, ...
    columns: dict[str, str] = dataclasses.field(default_factory=dict)  # format field -> column in the file
    max_length: int = 1024  # tokens
    max_rows: int | None = None
    label_field: str | None = None  # a meta key whose balance and conflicts the report shows
    quality: QualityConfig = dataclasses.field(default_factory=QualityConfig)
    #: Train rows from several files or datasets sources, mixed by weight (docs/data.md "Sources and mixing").
    sources: list[SourceConfig] = dataclasses.field(default_factory=list)
    mix_rows: int | None = None  # train rows of a weighted mix; null: the most that repeat no row
    seed: int | None = None  # the seed of the mix's draws; null: the run's seed


def portable(location: str, roots: list[Path]) -> str:
    """``location`` (``/abs/file:line``) relative to the deepest of ``roots`` that holds it, else as is."""
    for root in sorted((str(r.resolve()) for r in roots), key=len, reverse=True):
        prefix = root.rstrip(os.sep) + os.sep
        if location.startswith(prefix):
            return location[len(prefix):]
    return location


def load_split(path: Path, fmt: DataFormat, columns: dict[str, str] | None = None,
               max_length: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Normalized rows of one file and each row's ``file:line``; the first invalid row is an error."""
    return convert_records(iter_records(path), fmt, columns, max_length)


def convert_records(records: Iterable[tuple[str, dict[str, Any]]], fmt: DataFormat,
                    columns: dict[str, str] | None = None,
                    max_length: int | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Normalized rows of (location, record) pairs and their locations; the first invalid row is an error."""
    rows, where = [], []
    for location, record in records:
        row = fmt.convert(record, location, columns or {})
        # Text documents may be any length: method=pretrain cuts them into max_length pieces.
        if max_length is not None and fmt.output != "text" and (chars := row_chars(row)) > max_length * MAX_CHARS_PER_TOKEN:
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


def eval_source(cfg: FilesConfig) -> SourceConfig | None:
    """``data.eval`` as a source: a plain string is a file read with ``data.format`` and ``data.columns``."""
    if not cfg.eval:
        return None
    source = SourceConfig(path=cfg.eval) if isinstance(cfg.eval, str) else cfg.eval
    return dataclasses.replace(source, format=source.format or cfg.format,
                               columns=cfg.columns if source.columns is None else source.columns)


def read_source(ctx: StageContext, source: SourceConfig, key: str, max_length: int) -> tuple[list[dict], list[str]]:
    """Normalized rows of one source (``format`` and ``columns`` filled in) and their locations."""
    fmt: DataFormat = ctx.components[f"format.{source.format}"].provider
    if source.path:
        path_key = key if key == "data.eval" else f"{key}.path"  # a plain data.eval string is its own key
        return load_split(ctx.resolve_path(source.path, path_key), fmt, source.columns, max_length)
    directory = None if is_hub(source) else ctx.resolve_path(str(source.dataset), f"{key}.dataset")
    dataset, split = load_dataset_rows(source, directory, key, ctx.work_dir / "datasets")
    return convert_records(dataset_records(dataset, split, label(source)), fmt, source.columns, max_length)


def hold_out(train: tuple[list[dict], list[str]], holdout: float, seed: int) -> tuple[Any, Any, dict[str, Any]]:
    """(train, eval, record): ``holdout`` rows (>= 1) or that fraction of ``train`` drawn as the eval split,
    both kept in their original order."""
    rows, where = train
    count = int(holdout) if holdout >= 1 else max(1, round(holdout * len(rows)))
    if count >= len(rows):
        raise UserError(f"data.holdout: {count} of {len(rows)} train rows would leave none to train on")
    chosen = set(random.Random(f"{seed}:holdout").sample(range(len(rows)), count))
    kept = [i for i in range(len(rows)) if i not in chosen]
    held = sorted(chosen)
    return ([rows[i] for i in kept], [where[i] for i in kept]), ([rows[i] for i in held], [where[i] for i in held]), \
        {"rows": count, "of": len(rows), "seed": seed}


def normalized_format(data_stage: Any) -> str:
    """The row kind a data stage writes (``chat``, ``preference``, ``unpaired_preference``), from its
    format component: alpaca and prompt_completion sources give ``chat`` rows.  For ``check()`` methods."""
    sources = getattr(data_stage.config, "sources", None)
    fmt = (sources[0].format if sources else None) or getattr(data_stage.config, "format", "chat")
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

    def uses(self, config: FilesConfig) -> list[tuple[str, str]] | list[tuple[str, str, str]]:
        own = isinstance(config.eval, SourceConfig) and config.eval.format
        if not config.sources and not own:
            return [("format", config.format)]
        used = [("format", s.format or config.format, f"data.sources[{i}].format" if s.format else "data.format")
                for i, s in enumerate(config.sources)] or [("format", config.format, "data.format")]
        if own:
            return used + [("format", config.eval.format, "data.eval.format")]  # type: ignore[union-attr]
        return used + ([("format", config.format, "data.format")] if config.eval else [])  # eval's format

    def row_format(self, stage: Any) -> str:
        """The normalized row kind this stage writes (chat, preference, unpaired_preference)."""
        return normalized_format(stage)

    def external_inputs(self, config: FilesConfig) -> Mapping[str, Path | str]:
        files = {"train": config.train} if config.train and not config.sources else {}
        held_out = eval_source(config)
        if held_out is not None and not is_hub(held_out):  # a Hub eval set is pinned by its revision
            files["eval"] = str(held_out.path or held_out.dataset)
        return {**files, **source_inputs(config.sources)}

    def provides(self, config: FilesConfig) -> tuple[str, ...]:
        return ("train.jsonl", *(("eval.jsonl",) if config.eval or config.holdout else ()), SOURCES_FILE)

    def check(self, stage, upstream) -> list[str]:
        cfg: FilesConfig = stage.config
        problems = [] if cfg.train or cfg.sources else ["data.train is required (or data.sources)"]
        if cfg.train and cfg.sources:
            problems.append(f"data.train: set together with data.sources; list {cfg.train} as a source "
                            f"(data.sources=[{{path: {cfg.train}}}, ...]) or set data.train=null")
        problems += source_problems(cfg.sources, cfg.mix_rows)
        if isinstance(cfg.eval, SourceConfig):
            problems += eval_problems(cfg.eval)
        if cfg.holdout is not None and (cfg.eval or cfg.holdout <= 0 or (cfg.holdout >= 1 and cfg.holdout % 1)):
            problems.append("data.holdout: set together with data.eval; hold out train rows or name a held-out set"
                            if cfg.eval else f"data.holdout: a whole number of rows (>= 1) or a fraction in (0, 1), "
                            f"got {cfg.holdout:g}")
        entries = [(f"data.sources[{i}]", s) for i, s in enumerate(cfg.sources)] or [("data.train", SourceConfig())]
        if cfg.eval:
            entries.append(("data.eval", cfg.eval if isinstance(cfg.eval, SourceConfig) else SourceConfig()))
        outputs: dict[str, str] = {}
        for where, s in entries:
            fmt = s.format or cfg.format
            key = f"{where}.columns" if s.columns is not None else "data.columns"
            component = stage.components.get(f"format.{fmt}")
            if component is None:
                continue
            fields = component.provider.fields
            problems += [f"{key}.{k}: '{k}' is not a field of format '{fmt}' (fields: {', '.join(fields)})"
                         for k in (cfg.columns if s.columns is None else s.columns) if k not in fields]
            outputs.setdefault(component.provider.output, where + ("" if s.format else " (read as data.format)"))
        if len(outputs) > 1:
            kinds = ", ".join(f"{where} gives {kind} rows" for kind, where in outputs.items())
            problems.append(f"data.sources: every source must give one row kind ({kinds}); mix chat with chat"
                            if cfg.sources else f"data.eval.format: the held-out set must give the train "
                            f"split's row kind ({kinds})")
        if stage.config.max_length < 1:
            problems.append("data.max_length must be a positive number of tokens")
        return problems

    def estimate(self, stage) -> Estimate | None:
        return Estimate(seconds=1)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        cfg: FilesConfig = ctx.config
        fmt: DataFormat = ctx.components[f"format.{cfg.format}"].provider
        splits: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        mixed: dict[str, Any] = {}
        if cfg.sources:
            splits["train"], mixed = self._mix(ctx, cfg)
        else:
            path = ctx.resolve_path(str(cfg.train), "data.train")
            splits["train"] = load_split(path, fmt, cfg.columns, cfg.max_length)
        if cfg.holdout:
            splits["train"], splits["eval"], mixed["holdout"] = hold_out(splits["train"], cfg.holdout,
                                                                         cfg.seed if cfg.seed is not None else ctx.seed)
        held_out = eval_source(cfg)
        if held_out is not None:
            rows = read_source(ctx, held_out, "data.eval", cfg.max_length)
            splits["eval"] = cap(rows, held_out, cfg.seed if cfg.seed is not None else ctx.seed)
            if isinstance(cfg.eval, SourceConfig):
                mixed["eval_source"] = {"name": label(held_out), "kind": kind(held_out), "format": held_out.format,
                                        "split": held_out.split, "revision": held_out.revision,
                                        "rows_available": len(rows[0]), "max_rows": held_out.max_rows}
        for split, (rows, where) in splits.items():
            if cfg.max_rows and not (split == "train" and cfg.sources):  # a mix applied max_rows already
                splits[split] = (rows[: cfg.max_rows], where[: cfg.max_rows])
        report = quality_report(splits, cfg.label_field)
        report["notes"] = length_notes(report, splits, cfg.max_length)
        enforce(report, cfg.quality)
        for split, (rows, _) in splits.items():
            write_jsonl(ctx.output_dir / f"{split}.jsonl", rows)
        # Where each normalized row came from, so later stages (tokenize) can name file:line too; relative
        # to the recipe dir or working directory it was found in, so the artifact (and the keys of the stages
        # that read it) do not depend on where the checkout or the data sits.
        roots = [*ctx.recipe_dirs, Path.cwd()]
        (ctx.output_dir / SOURCES_FILE).write_text(json.dumps({s: [portable(loc, roots) for loc in w]
                                                               for s, (_, w) in splits.items()}))
        report_md = render_markdown(report)
        if mixed.get("holdout"):
            h = mixed["holdout"]
            report_md = (f"Eval split: {h['rows']} of {h['of']} train rows held out (data.holdout, seed "
                         f"{h['seed']}).\n\n" + report_md)
        if mixed.get("eval_source"):
            e = mixed["eval_source"]
            e["rows"] = len(splits["eval"][0])
            report_md = (f"Eval source: {e['name']} ({e['kind']}, format {e['format']}"
                         + (f", split {e['split']}" if e["split"] else "") + f"): {len(splits['eval'][0])} of "
                         f"{e['rows_available']} rows.\n\n" + report_md)
        if mixed.get("sources"):
            report_md = render_sources(mixed["sources"], mixed["mix_seed"]) + "\n\n" + report_md
            fmt = ctx.components[f"format.{mixed['sources'][0]['format']}"].provider  # one row kind (check)
        return {
            "format": fmt.output,
            "source_format": "+".join(dict.fromkeys(s["format"] for s in mixed["sources"]))
            if mixed.get("sources") else fmt.name,
            "rows": {s: len(rows) for s, (rows, _) in splits.items()},
            "max_length": cfg.max_length, "label_field": cfg.label_field, "quality": report,
            "report_md": report_md,
            "quality_limits": dataclasses.asdict(cfg.quality),
            **mixed,
        }

    def _mix(self, ctx: StageContext, cfg: FilesConfig) -> tuple[tuple[list[dict[str, Any]], list[str]], dict]:
        """The train split drawn from ``data.sources`` and the record of each source's share."""
        sources = [dataclasses.replace(s, format=s.format or cfg.format,
                                       columns=cfg.columns if s.columns is None else s.columns)
                   for s in cfg.sources]
        loaded = [read_source(ctx, s, f"data.sources[{i}]", cfg.max_length) for i, s in enumerate(sources)]
        seed = cfg.seed if cfg.seed is not None else ctx.seed
        train, report = mix(loaded, sources, seed, cfg.mix_rows, cfg.max_rows)
        return train, {"sources": report, "mix_seed": seed}
