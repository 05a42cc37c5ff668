"""ftflow.progress: a bar redrawn in place in a terminal, plain lines in a pipe, nothing without a console."""

from __future__ import annotations

import io

import pyte
import pytest
from rich.console import Console

from ftflow import progress as progress_module
from ftflow.progress import Bar, Display, advance, format_fields, progress, showing


def _pipe() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=120, highlight=False), out


def _terminal(columns: int = 80) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=columns, force_terminal=True, color_system="standard"), out


def _screen(columns: int, rows: int) -> tuple[pyte.Screen, pyte.Stream]:
    """A VT100 screen that, like a tty (onlcr), starts a line feed at column 0."""
    screen = pyte.Screen(columns, rows)
    screen.set_mode(pyte.modes.LNM)
    return screen, pyte.Stream(screen)


def test_mode_follows_the_console(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    assert Display(None).mode == "off"
    assert Display(_pipe()[0]).mode == "lines"
    assert Display(_terminal()[0]).mode == "bar"
    monkeypatch.setenv("TERM", "dumb")
    assert Display(_terminal()[0]).mode == "lines"
    with pytest.raises(ValueError, match="progress mode"):
        Display(None, mode="fancy")


def test_fields_read_naturally():
    assert format_fields({"loss": 2.10339, "tok/s": 1234, "note": "warm"}) == "loss 2.1034  1,234 tok/s  note warm"
    assert format_fields({}) == ""


def test_pipe_prints_one_plain_line_per_step_with_every():
    console, out = _pipe()
    display = Display(console)
    with display.bar(4, "step", every=1) as bar:
        for step in range(1, 5):
            bar.update(step, loss=10.0 / step, **{"tok/s": 100 * step})
    lines = out.getvalue().splitlines()
    assert lines == [f"  step {s}/4  loss {10.0 / s:.4f}  {100 * s} tok/s" for s in range(1, 5)]
    assert "\x1b" not in out.getvalue()


def test_pipe_throttles_bars_without_every_but_prints_the_last(monkeypatch):
    console, out = _pipe()
    display = Display(console)
    with display.bar(100, "eval tuned") as bar:
        for _ in range(100):
            bar.advance()
    assert out.getvalue().splitlines() == ["  eval tuned 100/100"]
    monkeypatch.setattr(progress_module, "LINE_SECONDS", 0.0)
    out.truncate(0), out.seek(0)
    with display.bar(3, "embed chunks") as bar:
        bar.advance(2)
        bar.advance(1)
        bar.update(3)  # no progress: no line
    assert out.getvalue().splitlines() == ["  embed chunks 2/3", "  embed chunks 3/3"]
    assert Bar(display, None, "rows", 1234567, None).line() == "rows 1234567"
    assert Bar(display, 3, "epochs", 1.5, None).line() == "epochs 1.5/3"


def test_without_a_console_bars_do_nothing():
    display = Display(None)
    with display.stage("train"), display.bar(3, "step") as bar:
        bar.advance(3, loss=1.0)
    assert bar.completed == 3 and display.bars == []


def test_terminal_draws_one_bar_in_place_and_erases_it_with_the_stage():
    console, out = _terminal(80)
    display = Display(console)
    screen, stream = _screen(80, 24)
    most = 0
    with display.stage("[bold]train[/] (sft) running…"), display.bar(30, "step") as bar:
        for step in range(1, 31):
            bar.update(step, loss=3.0 - step / 30)
            display._live.refresh()
            stream.feed(out.getvalue())
            out.truncate(0), out.seek(0)
            shown = [line for line in screen.display if "/30" in line]
            most = max(most, len(shown))
            assert "train (sft) running…" in "\n".join(screen.display)
        assert f"{step}/30" in shown[0] and "loss 2.0000" in shown[0]
    stream.feed(out.getvalue())
    assert most == 1  # one bar, redrawn: never a second line of it
    assert not any("/30" in line or "running" in line for line in screen.display)  # transient


def test_bar_rows_fit_the_real_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    console, out = _terminal(120)  # ftflow's console is at least 120 wide, the terminal may be narrower
    display = Display(console)
    screen, stream = _screen(200, 10)  # wider than the terminal: a row longer than 60 would show whole
    with display.stage("eval (generate) running…"), display.bar(8, "eval tuned") as bar:
        bar.advance(3, note="a long field " * 8)
        display._live.refresh()
        stream.feed(out.getvalue())
    rows = [line.rstrip() for line in screen.display if "eval tuned" in line]
    assert rows and all(len(row) <= 59 for row in rows), rows


def test_advance_moves_the_innermost_open_bar_of_the_active_display():
    console, out = _pipe()
    display = Display(console)
    advance(5)  # nothing open anywhere: no error
    with showing(display), progress(2, "outer", every=1) as outer:
        with progress(4, "inner", every=1) as inner:
            advance(3)
        advance(1)
    assert (inner.completed, outer.completed) == (3, 1)
    assert out.getvalue().splitlines() == ["  inner 3/4", "  outer 1/2"]
    assert progress_module._active is None
