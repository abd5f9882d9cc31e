"""Long work shows itself: phases and progress bars of kb's slow steps (loading the model,
embedding papers), on stderr so that ``--json`` output on stdout stays clean.

The reporters share one small interface: :class:`Progress` says nothing (``--quiet``, the
library's default), :class:`LineProgress` writes one line per phase (stderr is not a
terminal: a pipe, a log, CI), :class:`LogProgress` writes them to a logger (the site build),
:class:`TerminalProgress` shows phases and a moving bar.
:func:`progress_for` picks one for the CLI.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # only LogProgress's callers, which hold a logger, import logging
    import logging

Advance = Callable[[int], None]
Count = Callable[[int, int], None]  # (done, total), for work whose total is learnt as it goes


class Progress:
    """Reports nothing; the base of the other reporters."""

    def phase(self, message: str) -> None:
        """A step begins (``message`` ends with '...') or a step's outcome."""

    @contextmanager
    def bar(self, description: str, total: int, unit: str = "papers") -> Iterator[Advance]:
        """Work on ``total`` items; the body calls the yielded function with each batch's size."""
        yield lambda n: None


class LineProgress(Progress):
    """One line per phase on ``stream`` (stderr by default): for logs, pipes and CI."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.perf_counter):
        self.stream = stream
        self.clock = clock

    def phase(self, message: str) -> None:
        print(message, file=self.stream or sys.stderr, flush=True)

    @contextmanager
    def bar(self, description: str, total: int, unit: str = "papers") -> Iterator[Advance]:
        start = self.clock()
        unit = unit.removesuffix("s") if total == 1 else unit  # '1 paper', as kb.model.plural
        self.phase(f"{description}: {total} {unit}...")
        yield lambda n: None
        self.phase(f"{description}: {total} {unit} done in {self.clock() - start:.1f} s")


class LogProgress(LineProgress):
    """The phase lines as INFO records of ``logger`` (the site build's log)."""

    def __init__(self, logger: logging.Logger, prefix: str = "kb: "):
        super().__init__()
        self.logger = logger
        self.prefix = prefix

    def phase(self, message: str) -> None:
        self.logger.info(self.prefix + message)


class TerminalProgress(Progress):
    """Phases as lines and a moving bar with count and time left, on the terminal's stderr."""

    def phase(self, message: str) -> None:
        from rich.console import Console
        from rich.markup import escape

        Console(stderr=True).print(f"[dim]{escape(message)}[/dim]")

    @contextmanager
    def bar(self, description: str, total: int, unit: str = "papers") -> Iterator[Advance]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TimeRemainingColumn

        with Bar("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                 TimeRemainingColumn(), transient=True, console=Console(stderr=True)) as bar:
            task = bar.add_task(f"{description} ({unit})", total=total)
            yield lambda n: bar.advance(task, n)


@contextmanager
def count_bar(description: str, enabled: bool) -> Iterator[Count | None]:
    """A bar 'description ━━ done/total' on the terminal's stderr, fed with (done, total)
    calls; None when not ``enabled`` (``--json``, or stderr is not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn

    with Bar(TextColumn(description), BarColumn(), MofNCompleteColumn(), transient=True,
             console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def progress_for(quiet: bool = False, stream: TextIO | None = None) -> Progress:
    """The reporter for a command: none when quiet, a bar on a terminal, else lines."""
    if quiet:
        return Progress()
    out = stream or sys.stderr
    return TerminalProgress() if out.isatty() else LineProgress(stream)


def as_progress(value: bool | Progress | None) -> Progress:
    """A reporter from the older boolean switch: True means a terminal bar, False nothing."""
    if isinstance(value, Progress):
        return value
    return TerminalProgress() if value else Progress()
