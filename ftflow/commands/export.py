"""``ftflow export RUN -o DIR`` and ``ftflow models``: a run's model as a plain folder, and the list of them.

The engine knows no model format.  It resolves the run, pins it (``ftflow.lock.json``: the recorded config
with the input digests and library versions its stages were keyed on), builds the folder in a hidden
sibling of ``DIR`` and lets plugins fill it (hook ``ftflow_export_model``; the built-in export plugin writes
the weights, the model card, an Ollama ``Modelfile`` and ``serve.yaml``), copies the artifact of every
exporter of the recipe's ``exports:`` list into ``exports/<provider>/``, records every file's size and
sha256 in ``export.json``, renames the folder into place and adds it to the workspace's ``models.jsonl``.
A failure or Ctrl-C leaves neither a half-written ``DIR`` nor a registry line.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ftflow.errors import FtflowError, UserError
from ftflow.workspace import Workspace

EXPORT_RECORD = "export.json"
LOCK_FILE = "ftflow.lock.json"
SERVE_SPEC = "serve.yaml"
REGISTRY = "models.jsonl"
EXPORT_FORMAT = 1


@dataclasses.dataclass
class ExportResult:
    """One exported folder: where, from which run, its files (path -> size, sha256) and the plugins' summary."""

    path: Path
    run_id: str
    recipe: str
    files: dict[str, dict[str, Any]]
    summary: dict[str, Any]
    notes: list[str] = dataclasses.field(default_factory=list)


def finished_manifest(workspace: Workspace, ref: str) -> dict[str, Any]:
    """The record of a run that finished ok (only those have a complete model to hand out)."""
    try:
        manifest = workspace.manifest(ref)
    except (ValueError, RecursionError) as exc:
        raise UserError(f"{workspace.resolve_run(ref) / 'manifest.json'}: not a readable run record "
                        f"({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("stages"), list):
        raise UserError(f"{workspace.resolve_run(ref) / 'manifest.json'}: not a run record (no list of stages)")
    if manifest.get("status") != "ok":
        raise UserError(f"run {manifest.get('run_id')} did not finish (status {manifest.get('status')}): "
                        f"rerun it before exporting")
    return manifest


def _key_payload(row: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads((Path(row["artifact"]).parent / "meta.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    payload = meta.get("key_payload") if isinstance(meta, dict) else None
    return payload if isinstance(payload, dict) else {}


def _overrides(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The recipe overrides and ``--recipes-dir`` values of the command that made the run."""
    argv = [str(a) for a in manifest.get("command") or []]
    dirs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--recipes-dir"]
    dirs += [a.split("=", 1)[1] for a in argv if a.startswith("--recipes-dir=")]
    return [a for a in argv if "=" in a and not a.startswith("-")], dirs


def run_lock(manifest: dict[str, Any], workspace: Workspace, plugins: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The run pinned like ``ftflow lock``, with the digests of the inputs and the library versions its
    stages were keyed on (from the cache entries), so the lock names what the run used, not today's files."""
    from ftflow.lock import build_lock, session_from_lock

    overrides, dirs = _overrides(manifest)
    try:
        session = session_from_lock({"recipe": manifest["recipe"], "config": manifest["config"],
                                     "overrides": overrides}, plugins, dirs)
        lock = build_lock(session, workspace.cache_dir)
    except (FtflowError, OSError, KeyError, TypeError) as exc:
        return None, [f"no lock: the run's recipe cannot be rebuilt here ({exc})"]
    notes = []
    for row in manifest["stages"]:
        payload = _key_payload(row)
        for name, digest in (payload.get("external") or {}).items():
            entry = lock["inputs"].get(f"{row['name']}.{name}")
            if isinstance(entry, dict) and entry.get("sha256") != digest:
                notes.append(f"{row['name']}.{name} ({entry.get('path')}) changed since the run; "
                             f"the lock pins the digest the run used")
                entry["sha256"] = digest
        for dist, version in (payload.get("libraries") or {}).items():
            if lock["libraries"].get(dist) != version:
                lock["libraries"][dist] = version
    lock["run_id"] = manifest["run_id"]
    lock["stage_keys"] = {row["name"]: row["key"] for row in manifest["stages"]}
    return lock, notes


def _file_table(root: Path) -> dict[str, dict[str, Any]]:
    from ftflow.cache.digests import sha256_file

    return {p.relative_to(root).as_posix(): {"size": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != EXPORT_RECORD}


def _target(output: str, force: bool) -> Path:
    out = Path(output).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise UserError(f"export -o: {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UserError(f"export -o: {out} exists and is not empty (--force replaces an earlier export)")
        if not (out / EXPORT_RECORD).is_file():
            raise UserError(f"export -o: {out} was not written by `ftflow export` (no {EXPORT_RECORD}); "
                            f"--force replaces only earlier exports")
    return out


def copy_exporters(manifest: dict[str, Any], out: Path) -> list[str]:
    """Copy the artifact of each exporter of the recipe's ``exports:`` list (stages ``export.<provider>``)
    into ``out/exports/<provider>/``, as it is: each is a deployable folder of its own (the Exporter
    contract), whatever format it holds.  The ``export`` slot's files are laid out by the export plugins."""
    copied = []
    for row in manifest["stages"]:
        if row.get("kind") != "export" or row.get("name") == "export":
            continue
        source = Path(str(row.get("artifact")))
        if not source.is_dir():
            raise UserError(f"run {manifest['run_id']}: stage {row['name']}'s artifact {source} is gone "
                            f"(cache gc?); rerun the run's recipe (finished stages come from the cache)")
        shutil.copytree(source, out / "exports" / str(row["name"]).split(".", 1)[-1], copy_function=shutil.copyfile)
        copied.append(str(row["name"]))
    return copied


def export_run(ref: str, output: str, formats: list[str] | None = None, quant: list[str] | None = None,
               force: bool = False, workspace: Workspace | None = None, plugins: Any = None) -> ExportResult:
    """Materialise run ``ref``'s model into folder ``output`` (see the module docstring)."""
    from ftflow.lock import write_text_file
    from ftflow.plugin.manager import load_plugins

    workspace = workspace or Workspace()
    manifest = finished_manifest(workspace, ref)
    out = _target(output, force)
    plugins = plugins or load_plugins()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        lock, notes = run_lock(manifest, workspace, plugins)
        if lock is not None:
            write_text_file(str(tmp / LOCK_FILE), json.dumps(lock, indent=2) + "\n", "export")
        summaries = [s for s in plugins.hook.ftflow_export_model(
            manifest=manifest, lock=lock, out_dir=tmp, formats=list(formats or []), quant=list(quant or []))
            if s is not None]
        if not summaries:
            raise UserError(f"run {manifest['run_id']}: no installed plugin exports its model "
                            f"(hook ftflow_export_model)")
        summary: dict[str, Any] = {}
        for item in reversed(summaries):  # pluggy calls the last registered first; the first one wins
            summary.update(item)
        copied = copy_exporters(manifest, tmp)
        if copied:
            summary["exports"] = copied
        files = _file_table(tmp)
        record = {"ftflow_export": EXPORT_FORMAT, "run_id": manifest["run_id"], "recipe": manifest["recipe"],
                  "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "summary": summary, "notes": notes,
                  "files": files}
        (tmp / EXPORT_RECORD).write_text(json.dumps(record, indent=2, default=str) + "\n")
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _register(workspace, out, record)
    return ExportResult(out, manifest["run_id"], manifest["recipe"], files, summary, notes)


def _replace(tmp: Path, out: Path) -> None:
    """Rename the finished folder into place; an earlier export (``--force``) goes only after that worked."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _register(workspace: Workspace, out: Path, record: dict[str, Any]) -> None:
    workspace.root.mkdir(parents=True, exist_ok=True)
    line = {"path": str(out), "run_id": record["run_id"], "recipe": record["recipe"], "created": record["created"],
            "formats": record["summary"].get("formats", [])}
    with open(workspace.root / REGISTRY, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def list_models(workspace: Workspace | None = None) -> list[dict[str, Any]]:
    """Exported folders this workspace knows (newest export per path), each with its state: ``ok``,
    ``missing`` (folder gone) or ``changed`` (a file's size differs from ``export.json``)."""
    workspace = workspace or Workspace()
    path = workspace.root / REGISTRY
    if not path.exists():
        return []
    latest: dict[str, dict[str, Any]] = {}
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except ValueError:
            raise UserError(f"{path}:{number}: not a JSON line (repair or delete it)") from None
        if not isinstance(line, dict) or not isinstance(line.get("path"), str):
            raise UserError(f"{path}:{number}: not an export record (no 'path')")
        latest.pop(line["path"], None)
        latest[line["path"]] = line
    out = []
    for line in latest.values():
        folder = Path(line["path"])
        entry = {**line, "state": "missing", "summary": {}}
        try:
            record = json.loads((folder / EXPORT_RECORD).read_text())
        except (OSError, ValueError):
            record = None
        if isinstance(record, dict):
            files = record.get("files") or {}
            changed = [f for f, info in files.items()
                       if not (folder / f).is_file() or (folder / f).stat().st_size != info.get("size")]
            entry.update(state="changed" if changed else "ok", summary=record.get("summary") or {},
                         run_id=record.get("run_id", line.get("run_id")))
        out.append(entry)
    return out


def read_serve_spec(path: Path) -> dict[str, Any]:
    """The run record an exported folder's ``serve.yaml`` holds, with its artifact paths made absolute
    (they are relative to the folder, so it can be moved), for ``ftflow serve DIR``."""
    import yaml

    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("stages"), list) or "run_id" not in spec:
        raise UserError(f"{path}: not an ftflow serve spec (needs run_id and stages)")
    for i, row in enumerate(spec["stages"]):
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not isinstance(row.get("artifact"), str):
            raise UserError(f"{path}: stages[{i}] needs a name and an artifact path")
        row["artifact"] = str((path.parent / row["artifact"]).resolve())
    spec.setdefault("status", "ok")
    spec.setdefault("config", {})
    return spec


def cmd_export(ref: str, output: str, formats: list[str], quant: list[str], force: bool) -> int:
    if not output:
        raise UserError("export: name the output folder (-o DIR)")
    result = export_run(ref, output, formats, quant, force, Workspace())  # what ftflow.api.export runs
    size = sum(f["size"] for f in result.files.values())
    print(f"exported run {result.run_id} (recipe={result.recipe}) -> {result.path}: "
          f"{', '.join(result.summary.get('formats', [])) or 'files'}; {len(result.files)} files, "
          f"{size / 2**20:.1f} MiB")
    for note in result.notes:
        print(f"note: {note}")
    for hint in result.summary.get("usage", []):
        print(f"  {hint}")
    return 0


def cmd_models(as_json: bool) -> int:
    models = list_models(Workspace())  # what ftflow.api.models returns
    if as_json:
        print(json.dumps(models, indent=2, default=str))
        return 0
    from rich.markup import escape
    from rich.table import Table

    from ftflow.console import make_console

    console = make_console()
    if not models:
        console.print("no exported models yet: `ftflow export last -o DIR`")
        return 0
    table = Table("path", "run", "recipe", "formats", "base model", "metrics", "state")
    for m in models:
        summary = m["summary"]
        headline = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                             for k, v in (summary.get("headline") or {}).items())
        table.add_row(escape(m["path"]), escape(str(m.get("run_id"))), escape(str(m.get("recipe"))),
                      ",".join(summary.get("formats") or m.get("formats") or []),
                      escape(str(summary.get("base_model") or "-")), escape(headline or "-"), m["state"])
    console.print(table)
    return 0
