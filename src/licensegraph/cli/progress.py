"""Progress a person can trust: what is being done, with counts and rate, only on a terminal.

Commands hand the api a callback `progress(label, done, total)`. Each new label is a new
step: `total > 0` draws a bar of bytes with rate and time left; `total == 0` a spinner with
the time spent. Nothing is drawn on a pipe or with --quiet; with --verbose each step's
time is printed on stderr when the command ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from licensegraph.cli.app import err

ProgressFn = Callable[[str, int, int], None]


@contextmanager
def phase_progress(quiet: bool = False, verbose: bool = False) -> Iterator[ProgressFn]:
    """A progress callback drawing on stderr while the block runs (when stderr is a terminal)."""
    shown = not quiet and err.is_terminal
    bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), console=err, transient=True, disable=not shown)
    spinners = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=err, transient=True, disable=not shown)
    tasks: dict[str, tuple[Progress, TaskID]] = {}
    live: list[Live] = []
    started: dict[str, float] = {}
    order: list[str] = []

    def progress(label: str, done: int, total: int) -> None:
        if label not in tasks:
            for owner, task in tasks.values():  # a new step ends the previous ones
                owner.update(task, visible=False)
            owner = bars if total > 0 else spinners
            tasks[label] = (owner, owner.add_task(label, total=total or None))
            started[label] = time.perf_counter()
            order.append(label)
            if live:  # draw every new step at once, however short it is
                live[0].refresh()
        owner, task = tasks[label]
        if total > 0:
            owner.update(task, completed=done, total=total)

    if shown:
        with Live(Group(bars, spinners), console=err, transient=True, refresh_per_second=8) as display:
            live.append(display)
            yield progress
    else:
        yield progress
    if verbose and order:
        now = time.perf_counter()
        ends = [started[label] for label in order[1:]] + [now]
        for label, end in zip(order, ends):
            err.print(f"{label}: {end - started[label]:.2f}s", highlight=False, style="dim")
