"""``ftflow run`` as a person sees it.  In a terminal (a real pseudo-terminal, read through a VT100
emulator): one training bar redrawn in place, erased when the stage ends, and none of the trainer's dicts,
tqdm bars or third-party warnings.  In a pipe: the plain step lines, without escape codes."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte

from ftflow.testing import run_ftflow

COLUMNS, ROWS = 100, 60
TRAIN_ONLY = ("run", "recipe=smoke", "eval=none", "export=none")
#: What the libraries print when they are not silenced or not replaced by ftflow's bar.
NOISE = ("{'loss'", "{'train_runtime'", "it/s]", "s/it]", "Loading weights", "gemm_4bit_forward",
         "kernels-community", "lance::", "WARN")


def _run_in_terminal(home: Path, *args: str, timeout: float = 240) -> tuple[int, str, list[list[str]]]:
    """Run ``python -m ftflow ARGS`` on a pseudo-terminal; (exit code, raw output, screen after each read)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FTFLOW_VERBOSE", "NO_COLOR")}
    env.update(FTFLOW_HOME=str(home), TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, "-m", "ftflow", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=home.parent, start_new_session=True)
    os.close(slave)
    screen = pyte.Screen(COLUMNS, ROWS)
    screen.set_mode(pyte.modes.LNM)  # what reaches the screen went through the tty's \n -> \r\n
    stream, decoder = pyte.Stream(screen), __import__("codecs").getincrementaldecoder("utf-8")()
    raw, frames, deadline = [], [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 1.0)[0]:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            text = decoder.decode(data)
            raw.append(text)
            stream.feed(text)
            frames.append(list(screen.display))
    finally:
        os.close(master)
        code = proc.wait(timeout=30)
    return code, "".join(raw), frames


def test_terminal_shows_one_bar_redrawn_in_place_and_no_noise_then_a_pipe_shows_plain_lines(tmp_path):
    home = tmp_path / "home"
    steps = 6
    code, raw, frames = _run_in_terminal(home, *TRAIN_ONLY, f"method.max_steps={steps}")
    assert code == 0, raw[-3000:]
    bar = re.compile(rf"^\s+step\b.*\b(\d+)/{steps}\b")
    # On every screen there was at most one bar line; it went through several counts in place.
    assert max(sum(bool(bar.match(line)) for line in frame) for frame in frames) == 1
    counts = {int(m.group(1)) for frame in frames for line in frame if (m := bar.match(line))}
    assert len(counts) >= 3 and steps in counts, counts
    assert any("loss" in line and "tok/s" in line and "eta" in line for frame in frames for line in frame)
    assert "\x1b[1A" in raw  # redrawn with cursor movement, not printed line after line
    final = [line.rstrip() for line in frames[-1] if line.strip()]
    assert not any(bar.match(line) or "running…" in line for line in final), final  # erased with the stage
    assert any(line.startswith("✓ train") for line in final) and any(line.startswith("ok: 4 ran") for line in final)
    seen = "\n".join(line for frame in frames for line in frame)
    assert not [n for n in NOISE if n in seen or n in raw], raw[-3000:]

    piped = run_ftflow(home, *TRAIN_ONLY, f"method.max_steps={steps - 1}")  # only train reruns
    assert piped.ok, piped.stderr[-3000:]
    assert piped.ran() == {"train"}
    lines = [line for line in piped.stdout.splitlines() if line.lstrip().startswith("step ")]
    assert [re.match(r"  step (\d+)/5  loss \d+\.\d{4}  [\d,]+ tok/s$", line).group(1) for line in lines] \
        == [str(s) for s in range(1, steps)], lines
    output = piped.stdout + piped.stderr
    assert "\x1b" not in output and "\r" not in output
    assert not [n for n in NOISE if n in output], output[-3000:]
