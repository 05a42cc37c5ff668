"""Training data from several sources, mixed by weight (``data.sources``).

A source is a data file read by ftflow's own readers (``path``: errors name ``file:line``), a local
``datasets`` directory (``dataset``: one saved with ``save_to_disk``, or a folder of parquet/json/arrow/csv
files), or a Hugging Face Hub data set (``dataset`` with a pinned ``revision``).  Each is read through its
format provider, then the mix is drawn:

* no weights: every row of every source (after its ``max_rows`` cap);
* weights (any positive numbers; probabilities that sum to 1 are the same thing): source *i* gets the
  share ``w_i / sum(w)`` of the train rows.  Without ``data.mix_rows`` the mix is as large as it can be
  without repeating a row (the source that runs out first sets the size, like ``datasets``'
  ``interleave_datasets(stopping_strategy="first_exhausted")``); with it, sources too small for their share
  are repeated (whole passes, then a seeded sample) and the report counts the repeats.

Rows are drawn with a seeded sample per source (``data.seed``, or the run's seed) and the mix is shuffled,
so the same config gives the same rows anywhere.  The shares enter the data stage's metadata and report.
"""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path
from typing import Any

from ftflow.errors import UserError

Rows = tuple[list[dict[str, Any]], list[str]]


@dataclasses.dataclass
class SourceConfig:
    """One entry of ``data.sources``: set ``path`` or ``dataset``."""

    path: str | None = None  # a data file (jsonl, json, csv, parquet, txt/md), read with file:line errors
    dataset: str | None = None  # a local datasets directory or folder of data files; with revision: a Hub id
    revision: str | None = None  # Hub data sets only: a commit sha (or tag); enters the key and the lock
    split: str | None = None  # the datasets split (default: train, or the only split there is)
    format: str | None = None  # a format provider; default data.format
    columns: dict[str, str] | None = None  # format field -> column; default data.columns
    weight: float | None = None  # relative share of the train rows; null on every source: all rows
    max_rows: int | None = None  # at most this many rows of this source (a seeded sample)
    name: str | None = None  # the label in reports (default: the path or dataset as written)


def is_hub(source: SourceConfig) -> bool:
    """A ``dataset`` with a ``revision`` is a Hub id; without one, a local directory."""
    return bool(source.dataset and source.revision)


def label(source: SourceConfig) -> str:
    if source.name:
        return source.name
    return source.path or f"{source.dataset}{'@' + source.revision if source.revision else ''}"


def kind(source: SourceConfig) -> str:
    return "file" if source.path else "hub" if is_hub(source) else "dataset"


def source_problems(sources: list[SourceConfig], mix_rows: int | None) -> list[str]:
    """Config mistakes found before anything runs, each naming its key."""
    problems: list[str] = []
    weighted = [s.weight is not None for s in sources]
    names: dict[str, int] = {}
    for i, s in enumerate(sources):
        key = f"data.sources[{i}]"
        if bool(s.path) == bool(s.dataset):
            problems.append(f"{key}: set exactly one of path (a data file) and dataset (a datasets directory "
                            f"or, with revision, a Hub id)")
        if s.path and (s.revision or s.split):
            problems.append(f"{key}.{'revision' if s.revision else 'split'}: only for dataset sources")
        if s.weight is not None and not (math.isfinite(s.weight) and s.weight > 0):
            problems.append(f"{key}.weight: must be a positive number, got {s.weight}")
        if any(weighted) and s.weight is None:
            problems.append(f"{key}.weight: missing; set a weight on every source or on none")
        if s.max_rows is not None and s.max_rows < 1:
            problems.append(f"{key}.max_rows: must be at least 1, got {s.max_rows}")
        if label(s) in names:
            problems.append(f"{key}: same name as data.sources[{names[label(s)]}] ('{label(s)}'); set name")
        names.setdefault(label(s), i)
    if mix_rows is not None and not any(weighted):
        problems.append("data.mix_rows: needs a weight on every source (without weights every row is used)")
    if mix_rows is not None and mix_rows < 1:
        problems.append(f"data.mix_rows: must be at least 1, got {mix_rows}")
    return problems


def eval_problems(source: SourceConfig) -> list[str]:
    """Mistakes in ``data.eval`` given as a source (a mapping): the held-out set is one source, never mixed."""
    problems = []
    if bool(source.path) == bool(source.dataset):
        problems.append("data.eval: set exactly one of path (a data file) and dataset (a datasets directory "
                        "or, with revision, a Hub id)")
    if source.path and (source.revision or source.split):
        problems.append(f"data.eval.{'revision' if source.revision else 'split'}: only for dataset sources")
    if source.weight is not None:
        problems.append("data.eval.weight: the held-out set is not mixed; weights are for data.sources")
    if source.max_rows is not None and source.max_rows < 1:
        problems.append(f"data.eval.max_rows: must be at least 1, got {source.max_rows}")
    return problems


def cap(rows: Rows, source: SourceConfig, seed: int) -> Rows:
    """At most ``source.max_rows`` rows, a seeded sample kept in file order."""
    if source.max_rows is None or source.max_rows >= len(rows[0]):
        return rows
    keep = sorted(random.Random(f"{seed}:cap:{label(source)}").sample(range(len(rows[0])), source.max_rows))
    return [rows[0][i] for i in keep], [rows[1][i] for i in keep]


def external_inputs(sources: list[SourceConfig]) -> dict[str, str]:
    """Local files and directories, keyed ``sources[i].path`` / ``sources[i].dataset``; Hub data sets are
    pinned by their revision in the config instead."""
    out = {}
    for i, s in enumerate(sources):
        if s.path:
            out[f"sources[{i}].path"] = s.path
        elif s.dataset and not is_hub(s):
            out[f"sources[{i}].dataset"] = s.dataset
    return out


# ------------------------------------------------------------------------------------------ reading


def _strip_none(value: Any) -> Any:
    """Arrow fills a struct's missing keys with None (every message gets ``tool_calls: None``): drop them,
    as the Parquet reader does, so rows read back as they were written."""
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


#: File types ``datasets`` reads from a folder, by its packaged builder: it reads only the most common
#: one and ignores the rest, so a folder mixing them is refused instead of losing rows silently.
FOLDER_TYPES = {".parquet": "parquet", ".arrow": "arrow", ".json": "json", ".jsonl": "json", ".csv": "csv",
                ".tsv": "csv", ".txt": "text"}


def _pick_split(loaded: Any, split: str | None, key: str, what: str) -> tuple[Any, str]:
    from datasets import Dataset

    if isinstance(loaded, Dataset):
        if split not in (None, "train"):
            raise UserError(f"{key}.split: {what} holds one split (no '{split}'); leave split unset")
        return loaded, "train"
    names = list(loaded)
    chosen = split or ("train" if "train" in names else names[0] if len(names) == 1 else None)
    if chosen not in names:
        raise UserError(f"{key}.split: {what} has no split '{split or 'train'}' (splits: {', '.join(names)})")
    return loaded[chosen], chosen


def _folder_types(directory: Path, key: str) -> None:
    found = {}
    for path in sorted(directory.rglob("*")):
        kind = FOLDER_TYPES.get(path.suffix.lower())
        if kind and path.is_file() and not any(p.startswith(".") for p in path.relative_to(directory).parts):
            found.setdefault(kind, path.relative_to(directory))
    if len(found) > 1:
        examples = ", ".join(f"{k} ({f})" for k, f in found.items())
        raise UserError(f"{key}.dataset: {directory.name} mixes file types ({examples}); datasets reads one "
                        f"type per folder: list each type as its own source")


def load_dataset_rows(source: SourceConfig, directory: Path | None, key: str, cache_dir: Path) -> tuple[Any, str]:
    """The ``datasets.Dataset`` of a dataset source and its split: ``load_from_disk`` for a saved directory,
    ``load_dataset(folder)`` for a folder of data files (the split taken from file names, as ``datasets``
    does), ``load_dataset(id, revision=...)`` for the Hub."""
    import datasets

    datasets.disable_progress_bars()
    if directory is None:
        what = f"Hub data set '{source.dataset}' at revision {source.revision}"
        try:
            loaded = datasets.load_dataset(source.dataset, revision=source.revision)
        except Exception as exc:  # offline, unknown id or revision, gated repo: one line either way
            raise UserError(f"{key}.dataset: cannot load the {what} ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
        return _pick_split(loaded, source.split, key, what)
    if not directory.is_dir():
        raise UserError(f"{key}.dataset: {source.dataset} is a file; name a file with path, a directory with dataset")
    saved = any((directory / f).is_file() for f in ("dataset_dict.json", "state.json"))
    if not saved:
        _folder_types(directory, key)
    what = f"{'saved data set' if saved else 'data folder'} {source.dataset}"
    try:
        loaded = datasets.load_from_disk(str(directory)) if saved else \
            datasets.load_dataset(str(directory), cache_dir=str(cache_dir))
    except Exception as exc:  # no data files, mixed types, damaged arrow files
        raise UserError(f"{key}.dataset: cannot read {what} ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
    return _pick_split(loaded, source.split, key, what)


def dataset_records(dataset: Any, split: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """(location, row) pairs of a ``datasets.Dataset``; the location is ``<dataset>[<split>]:row N``."""
    if len(dataset) == 0:
        raise UserError(f"{where}[{split}]: the data set is empty (no rows)")
    return [(f"{where}[{split}]:row {n}", _strip_none(row)) for n, row in enumerate(dataset, start=1)]


# ------------------------------------------------------------------------------------------- mixing


def mix_counts(available: list[int], weights: list[float] | None, total: int | None) -> list[int]:
    """Rows drawn from each source: all of them without weights; else the weights' shares of ``total``
    (repeats allowed) or of the largest mix that repeats no row, split by largest remainder."""
    if weights is None:
        return list(available)
    shares = [w / sum(weights) for w in weights]
    size = total if total is not None else math.floor(min(n / p for n, p in zip(available, shares, strict=True)))
    exact = [p * size for p in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))  # largest remainder first
    for i in order[: size - sum(counts)]:
        if total is not None or counts[i] < available[i]:
            counts[i] += 1
    return counts


def draw(rows: int, count: int, rng: random.Random) -> list[int]:
    """``count`` row indices out of ``rows``: a sample without repeats, whole passes first when larger."""
    passes, rest = divmod(count, rows)
    return [i for _ in range(passes) for i in range(rows)] + sorted(rng.sample(range(rows), rest))


def mix(loaded: list[Rows], sources: list[SourceConfig], seed: int, total: int | None,
        max_rows: int | None = None) -> tuple[Rows, list[dict[str, Any]]]:
    """The train split drawn from the sources' rows, and one report entry per source (its share)."""
    capped = [cap(rows, s, seed) for s, rows in zip(sources, loaded, strict=True)]
    available = [len(rows) for rows, _ in capped]
    weighted = all(s.weight is not None for s in sources)
    weights = [float(s.weight) for s in sources] if weighted else None  # type: ignore[arg-type]
    counts = mix_counts(available, weights, total)
    picked: list[tuple[int, dict[str, Any], str]] = []
    for i, (s, (rows, where), count) in enumerate(zip(sources, capped, counts, strict=True)):
        for j in draw(len(rows), count, random.Random(f"{seed}:draw:{label(s)}")):
            picked.append((i, rows[j], where[j]))
    if len(sources) > 1:
        random.Random(f"{seed}:shuffle").shuffle(picked)
    if max_rows:
        picked = picked[:max_rows]
    used = [sum(1 for i, _, _ in picked if i == k) for k in range(len(sources))]
    report = []
    for k, s in enumerate(sources):
        report.append({
            "name": label(s), "kind": kind(s), "format": s.format, "split": s.split, "revision": s.revision,
            "rows_available": len(loaded[k][0]), "max_rows": s.max_rows, "weight": s.weight,
            "target_share": round(weights[k] / sum(weights), 4) if weights else None,
            "rows": used[k], "share": round(used[k] / max(len(picked), 1), 4),
            "repeated": max(0, counts[k] - available[k]),
        })
    return ([r for _, r, _ in picked], [w for _, _, w in picked]), report


def render_sources(report: list[dict[str, Any]], seed: int) -> str:
    """The sources table of the data report (markdown)."""
    total = sum(r["rows"] for r in report)
    lines = [f"Train sources ({total} rows, seed {seed}):", "",
             "| source | kind | format | available | weight | target share | rows | share | repeated |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in report:
        target = f"{r['target_share']:.1%}" if r["target_share"] is not None else "—"
        weight = f"{r['weight']:g}" if r["weight"] is not None else "—"
        available = f"{r['rows_available']}" + (f" (cap {r['max_rows']})" if r["max_rows"] else "")
        lines.append(f"| {r['name']} | {r['kind']} | {r['format']} | {available} | {weight} | {target} | "
                     f"{r['rows']} | {r['share']:.1%} | {r['repeated']} |")
    return "\n".join(lines)
