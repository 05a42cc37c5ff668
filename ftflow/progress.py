"""Progress of a stage's long loops: one bar redrawn in place in a terminal, plain lines in a pipe.

The engine knows no ML, but every long stage has a loop worth watching (training steps, eval answers,
embedding batches), so the facility lives here and plugins use it::

    from ftflow.progress import progress

    with progress(len(prompts), f"eval {variant}") as bar:
        for batch in batches:
            ...
            bar.advance(len(batch))                       # or bar.update(completed=step, loss=0.42)

In a terminal, the running stage's spinner line and its open bars share one live display (rich), redrawn
in place and erased when the stage ends.  In a pipe or a log file each update worth reporting is one plain
line without escape codes: every ``every`` units when the caller passes it (training: each logging step),
else at most one line per ``LINE_SECONDS`` plus the last.  With no display (``Runner`` without a console)
bars do nothing.  Code deep inside a stage that was not handed the bar (a generator's batch loop) moves
the innermost open bar with ``advance(n)``; with none open that does nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

#: In a pipe, a bar without ``every`` prints at most one line per this many seconds (and its last one).
LINE_SECONDS = 10.0
MODES = ("bar", "lines", "off")


def format_fields(fields: dict[str, Any]) -> str:
    """``loss 2.1034  512 tok/s``: ints get thousands separators, floats 4 decimals; a name with a '/'
    (a rate unit such as ``tok/s``) reads value first."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            text = str(value)
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = f"{value:.4f}" if abs(value) < 1e4 else f"{value:,.0f}"
        parts.append(f"{text} {name}" if "/" in name else f"{name} {text}")
    return "  ".join(parts)


class Bar:
    """One progress bar: ``advance(n, **fields)`` or ``update(completed=..., **fields)``; fields (loss,
    rates) are shown after the count.  A context manager; ``close()`` when not used in ``with``."""

    def __init__(self, display: Display, total: int | None, description: str, completed: float,
                 every: int | None) -> None:
        self.display, self.total, self.description = display, total, description
        self.completed, self.every, self.fields = completed, every, {}
        self._task: Any = None
        self._printed_at, self._printed_count, self._opened = None, completed, time.monotonic()
        self.closed = False

    def advance(self, n: float = 1, **fields: Any) -> None:
        self.update(self.completed + n, **fields)

    def update(self, completed: float | None = None, **fields: Any) -> None:
        if self.closed:
            return
        if completed is not None:
            self.completed = completed
        self.fields.update(fields)
        self.display._render(self)

    def line(self) -> str:
        done = int(self.completed) if float(self.completed).is_integer() else round(self.completed, 2)
        count = f"{done}/{self.total}" if self.total is not None else str(done)
        info = format_fields(self.fields)
        return f"{self.description} {count}" + (f"  {info}" if info else "")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.display._close(self)

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Display:
    """Where a process's bars go: ``mode`` is ``bar`` (a terminal: rich live display), ``lines`` (a pipe:
    plain lines) or ``off``; by default ``bar`` when ``console`` is an interactive terminal."""

    def __init__(self, console: Any = None, mode: str | None = None) -> None:
        if mode is not None and mode not in MODES:
            raise ValueError(f"progress mode must be one of {MODES}, got {mode!r}")
        self.console = console
        if mode is None:
            mode = "off" if console is None else \
                "bar" if console.is_terminal and not console.is_dumb_terminal else "lines"
        self.mode = mode
        self.bars: list[Bar] = []
        self._live: Any = None  # the rich Progress of the running stage, or of standalone bars
        self._owned = False  # the live display was started by a bar, not by ``stage``

    @contextlib.contextmanager
    def stage(self, label: str) -> Iterator[None]:
        """While a stage runs: in a terminal a spinner line (``label``, markup) with the elapsed time,
        above the stage's bars; everything is erased when it ends (the runner then prints its line)."""
        if self.mode != "bar":
            yield
            return
        live = self._start()
        live.add_task(label, total=None, stage=True)
        try:
            yield
        finally:
            for bar in list(self.bars):
                bar.close()
            self._live = None
            live.stop()

    def bar(self, total: int | None, description: str, *, completed: float = 0,
            every: int | None = None) -> Bar:
        """Open a bar (see ``progress``)."""
        bar = Bar(self, total, description, completed, every)
        self.bars.append(bar)
        if self.mode == "bar":
            if self._live is None:
                self._start()
                self._owned = True
            bar._task = self._live.add_task(description, total=total, completed=completed, info="")
        return bar

    def log(self, message: str) -> None:
        """One dim, indented line above any live display (how stage logs look)."""
        if self.console is not None:
            from rich.markup import escape

            self.console.print(f"  [dim]{escape(message)}[/]", highlight=False)
            self.console.file.flush()  # progress must show when output goes to a pipe or a log file

    def _start(self) -> Any:
        self._live = _live_progress(self.console)
        self._live.start()
        return self._live

    def _render(self, bar: Bar) -> None:
        if self.mode == "bar" and bar._task is not None and self._live is not None:
            self._live.update(bar._task, completed=bar.completed, info=format_fields(bar.fields))
        elif self.mode == "lines" and self._line_due(bar):
            bar._printed_at, bar._printed_count = time.monotonic(), bar.completed
            self.log(bar.line())

    @staticmethod
    def _line_due(bar: Bar) -> bool:
        if bar.completed == bar._printed_count:
            return False
        if bar.every:
            return bar.completed // bar.every > bar._printed_count // bar.every
        done = bar.total is not None and bar.completed >= bar.total
        return done or time.monotonic() - (bar._printed_at or bar._opened) >= LINE_SECONDS

    def _close(self, bar: Bar) -> None:
        if bar in self.bars:
            self.bars.remove(bar)
        if self._live is None or bar._task is None:
            return
        self._live.remove_task(bar._task)  # the next bar (next variant) takes its place: one bar at a time
        if self._owned and not self.bars:
            self._live.stop()
            self._live, self._owned = None, False


def _live_progress(console: Any) -> Any:
    """A rich Progress whose stage task is a spinner line and whose other tasks are bars, each row laid
    out on its own and cut to the terminal's real width (a wrapped line would break the redraw)."""
    import shutil

    from rich.constrain import Constrain
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    bar, info = BarColumn(bar_width=None), TextColumn("{task.fields[info]}")
    stage_columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    bar_columns = (TextColumn("  {task.description}"), bar, MofNCompleteColumn(), info, TimeElapsedColumn(),
                   TextColumn("eta"), TimeRemainingColumn())

    class LiveProgress(Progress):
        def get_renderables(self) -> Iterator[Any]:
            width = shutil.get_terminal_size((80, 24)).columns - 1
            for task in self.tasks:
                columns = stage_columns if task.fields.get("stage") else bar_columns
                row = Table.grid(padding=(0, 1), expand=not task.fields.get("stage"))
                for column in columns:  # one line per task, never wrapped; bar and fields share the rest
                    ratio = {id(bar): 1, id(info): 2 if task.fields.get("info") else None}.get(id(column))
                    row.add_column(no_wrap=True, overflow="ellipsis", ratio=ratio, min_width=4 if ratio else None)
                row.add_row(*(column(task) for column in columns))
                yield Constrain(row, width)

    return LiveProgress(console=console, transient=True, refresh_per_second=8)


_active: Display | None = None
_fallback: Display | None = None


@contextlib.contextmanager
def showing(display: Display) -> Iterator[Display]:
    """Make ``display`` the one ``progress`` and ``advance`` use (the runner does, for a run)."""
    global _active
    previous, _active = _active, display
    try:
        yield display
    finally:
        _active = previous


def current() -> Display:
    """The active display: the run's, else one on stdout (a child process, a plugin's own script)."""
    global _fallback
    if _active is not None:
        return _active
    if _fallback is None:
        from ftflow.console import make_console

        _fallback = Display(make_console())
    return _fallback


def progress(total: int | None, description: str, *, completed: float = 0, every: int | None = None) -> Bar:
    """Open a bar of ``total`` units (None: unknown) labelled ``description``, starting at ``completed``
    (a resumed run).  ``every``: in a pipe, print a line each time that many units are done (default: at
    most one line per ``LINE_SECONDS``, and the last).  Use it as a context manager or ``close()`` it."""
    return current().bar(total, description, completed=completed, every=every)


def advance(n: float = 1, **fields: Any) -> None:
    """Advance the innermost open bar of this process, if any (for code that was not handed the bar)."""
    display = _active or _fallback
    if display is not None and display.bars:
        display.bars[-1].advance(n, **fields)
