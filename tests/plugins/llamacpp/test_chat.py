"""``ftflow chat``: through a pipe, GGUF first (without importing torch), conversation kept, /exit."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from ftflow_plugins.llamacpp.chat import chat_loop, pick_gguf

SCRIPT = ("import sys\nfrom ftflow.cli import main\nrc = main(sys.argv[1:])\n"
          "print('torch imported' if 'torch' in sys.modules else 'torch not imported', file=sys.stderr)\n"
          "sys.exit(rc)\n")


def _chat(home, text: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FTFLOW_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", SCRIPT, "chat", "last", "--max-new-tokens", "8", *args],
                          input=text, capture_output=True, text=True, env=env, cwd=home.parent, timeout=120)


def test_chat_through_a_pipe_uses_gguf_without_torch(gguf_home):
    proc = _chat(gguf_home, "How do I switch networks?\nAnd then?\n/exit\nnot read\n")
    assert proc.returncode == 0, proc.stderr
    assert "model.q8_0.gguf (llama.cpp" in proc.stderr and "torch not imported" in proc.stderr
    answers = proc.stdout.splitlines()
    assert len(answers) == 2 and all(answers)


def test_chat_console_script_and_quant_choice(gguf_home):
    env = {**os.environ, "FTFLOW_HOME": str(gguf_home)}
    proc = subprocess.run([sys.executable, "-m", "ftflow", "chat", "last", "--quant", "q4_0", "--max-new-tokens", "4"],
                          input="Hi\n", capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and "model.q4_0.gguf" in proc.stderr and len(proc.stdout.splitlines()) == 1
    bad = _chat(gguf_home, "", "--quant", "q2_k")
    assert bad.returncode == 2 and "--quant q2_k: the export has q4_0, q8_0" in bad.stderr


class _Echo:
    """Answers with the number of messages it was given: shows the history grows turn by turn."""

    def __init__(self) -> None:
        self.seen: list[list[dict]] = []

    def stream(self, messages, max_new_tokens):
        self.seen.append([dict(m) for m in messages])
        yield f"{len(messages)} messages"


def test_conversation_is_kept_and_reset():
    model, out = _Echo(), io.StringIO()
    turns = chat_loop(model, "sys", 8, io.StringIO("a\n\nb\n/reset\nc\n"), out, interactive=False)
    assert turns == 3 and out.getvalue().splitlines() == ["2 messages", "4 messages", "2 messages"]
    assert [m["role"] for m in model.seen[1]] == ["system", "user", "assistant", "user"]


def test_pick_gguf_prefers_q8_0(tmp_path):
    (tmp_path / "gguf").mkdir()
    for quant in ("q4_0", "f16", "q8_0"):
        (tmp_path / "gguf" / f"m.{quant}.gguf").write_bytes(b"")
    assert pick_gguf(tmp_path, None).name == "m.q8_0.gguf"
    assert pick_gguf(tmp_path, "f16").name == "m.f16.gguf"
