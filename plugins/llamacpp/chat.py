"""``ftflow chat RUN_ID|last``: talk to a run's exported model from the terminal or through a pipe.

A command of this plugin (``ftflow_add_commands``), not of the engine.

It prefers a GGUF file of the run's export (llama.cpp on the CPU; torch is never imported on that
path, so a chat starts in about a second) and falls back to the merged HF checkpoint.  Each stdin line
is one user turn; the conversation is kept until EOF or ``/exit``.  Answers go to stdout (one per turn),
everything else to stderr, so ``echo "question" | ftflow chat last`` prints just the answer.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from ftflow.errors import UserError
from ftflow.workspace import Workspace

#: Which GGUF a chat picks when the run exported several (fidelity first, then size).
QUANT_PREFERENCE = ("q8_0", "f16", "bf16", "f32", "q6_k", "q5_k_m", "q5_0", "q4_k_m", "q4_0")


def _stage(manifest: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((s for s in manifest["stages"] if s["name"] == name), None)


def pick_gguf(export_dir: Path, quant: str | None) -> Path | None:
    files = {p.name.rsplit(".", 2)[-2]: p for p in sorted((export_dir / "gguf").glob("*.gguf"))}
    if quant is not None:
        if quant not in files:
            raise UserError(f"--quant {quant}: the export has {', '.join(files) or 'no GGUF files'}")
        return files[quant]
    ranked = sorted(files, key=lambda q: QUANT_PREFERENCE.index(q) if q in QUANT_PREFERENCE else len(QUANT_PREFERENCE))
    return files[ranked[0]] if ranked else None


def training_system_prompt(manifest: dict[str, Any]) -> str | None:
    """The system prompt the model was tuned with (the most common one in the training split)."""
    data = _stage(manifest, "data")
    path = Path(data["artifact"]) / "train.jsonl" if data else None
    if path is None or not path.exists():
        return None
    counts: Counter[str] = Counter()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line) if line.strip() else {}
            messages = row.get("messages") or row.get("prompt") or []
            if messages and messages[0].get("role") == "system":
                counts[messages[0]["content"]] += 1
    return counts.most_common(1)[0][0] if counts else None


class _HfChat:
    """Fallback when the run exported no GGUF: the merged HF checkpoint with transformers."""

    def __init__(self, model_dir: Path) -> None:
        from transformers import AutoModelForCausalLM

        from ftflow_plugins.common.hf import load_tokenizer
        from ftflow_plugins.evaluate.variants import HfGenerator

        model = AutoModelForCausalLM.from_pretrained(str(model_dir))
        self.generator = HfGenerator(model, load_tokenizer(model_dir), f"hf:{model_dir}", 1)

    def stream(self, messages: list[dict[str, Any]], max_new_tokens: int):
        yield self.generator.generate([messages], max_new_tokens)[0]

    def close(self) -> None:
        self.generator.close()


def open_model(manifest: dict[str, Any], quant: str | None) -> tuple[Any, str]:
    export = _stage(manifest, "export")
    if export is None:
        raise UserError(f"run {manifest['run_id']} has no export stage: rerun with export=gguf (or export=merged)")
    export_dir = Path(export["artifact"])
    gguf = pick_gguf(export_dir, quant)
    if gguf is not None:
        try:
            from ftflow_plugins.llamacpp.generator import LlamaCppGenerator, cpu_threads
        except ImportError as exc:
            raise UserError(f"llama.cpp unavailable ({exc}): pip install 'ftflow[gguf]'") from exc
        try:
            return LlamaCppGenerator(gguf, f"gguf:{gguf.name}"), f"{gguf.name} (llama.cpp, {cpu_threads()} threads)"
        except ImportError as exc:
            raise UserError(f"llama-cpp-python is not installed ({exc}): pip install 'ftflow[gguf]'") from exc
    if (export_dir / "model" / "config.json").exists():
        return _HfChat(export_dir / "model"), f"{export_dir / 'model'} (transformers)"
    raise UserError(f"run {manifest['run_id']}: export={export['plugin']} left neither GGUF files nor a merged model")


def chat_loop(model: Any, system: str | None, max_new_tokens: int, stdin: TextIO, stdout: TextIO,
              interactive: bool) -> int:
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    turns = 0
    while True:
        if interactive:
            print("you> ", end="", file=sys.stderr, flush=True)
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if text in ("/exit", "/quit"):
            break
        if not text:
            continue
        if text == "/reset":
            messages = messages[:1] if system else []
            print("(conversation reset)", file=sys.stderr)
            continue
        messages.append({"role": "user", "content": text})
        parts = []
        for piece in model.stream(messages, max_new_tokens):
            parts.append(piece)
            if interactive:
                print(piece, end="", file=stdout, flush=True)
        answer = "".join(parts).strip()
        print("" if interactive else answer, file=stdout, flush=True)
        messages.append({"role": "assistant", "content": answer})
        turns += 1
    return turns


def add_command(subparsers: Any, parents: list[Any]) -> None:
    """``ftflow chat``: registered through the ``ftflow_add_commands`` hook."""
    chat = subparsers.add_parser("chat", parents=parents, help="chat with a run's exported model (GGUF or merged)")
    chat.add_argument("run_id", nargs="?", default="last")
    chat.add_argument("--quant", default=None, help="which GGUF to use (default: q8_0, else the best exported)")
    chat.add_argument("--system", default=None, help="system prompt (default: the one the model was tuned with)")
    chat.add_argument("--max-new-tokens", type=int, default=256)
    chat.set_defaults(handler=lambda args: cmd_chat(args.run_id, args.quant, args.system, args.max_new_tokens))


def cmd_chat(ref: str, quant: str | None, system: str | None, max_new_tokens: int) -> int:
    manifest = Workspace().manifest(ref)
    if system is None:
        system = training_system_prompt(manifest)
    model, label = open_model(manifest, quant)
    interactive = sys.stdin.isatty()
    print(f"chat with run {manifest['run_id']}: {label}", file=sys.stderr)
    if interactive:
        print("one line per turn; /reset starts over, /exit or Ctrl-D quits", file=sys.stderr)
    try:
        chat_loop(model, system, max_new_tokens, sys.stdin, sys.stdout, interactive)
    finally:
        model.close()
    return 0
