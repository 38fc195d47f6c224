"""Everything drawn with rich: the live progress bar and the summary tables.

Imported only when rich is installed and output goes to a terminal (or a caller forces it),
so the rest of the CLI works without the ``cli`` extra.
"""

from __future__ import annotations

import time
from typing import TextIO

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as _Bar
from rich.table import Table
from rich.text import Text

from ._progress import RateEstimate
from ._report import Report
from ._table import EXAMPLES, example_line, summary

__all__ = ["RateColumn", "RichProgress", "print_summary"]

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


class RateColumn(ProgressColumn):
    """Items per second and time left, from the bar's :class:`RateEstimate` (smoothed)."""

    def render(self, task: Task) -> Text:
        estimate = task.fields.get("estimate")
        rate = estimate.rate(finished=task.finished) if estimate is not None else None
        if rate is None or rate <= 0:
            return Text("estimating", style="progress.remaining")
        text = f"{rate:.1f}/s"
        if not task.finished and task.total is not None:
            text += f"  eta {max(0.0, (task.total - task.completed) / rate):.0f}s"
        return Text(text, style="progress.data.speed")


class RichProgress:
    """A live bar on stderr while projects are audited; phase lines before it."""

    def __init__(self, stream: TextIO) -> None:
        self._console = Console(file=stream, stderr=True)
        self._bar: _Bar | None = None
        self._task: TaskID | None = None
        self._estimate = RateEstimate()
        self._done = 0

    def status(self, message: str) -> None:
        self._console.print(Text(message, style="dim"))

    def start(self, label: str, total: int) -> None:
        self._bar = _Bar(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            RateColumn(),
            console=self._console,
        )
        self._bar.start()
        self._estimate = RateEstimate()
        self._estimate.add(time.monotonic(), 0)
        self._done = 0
        self._task = self._bar.add_task(label, total=total, estimate=self._estimate)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None and self._task is not None:
            self._done += n
            self._estimate.add(time.monotonic(), self._done)
            self._bar.advance(self._task, n)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def print_summary(report: Report, console: Console, *, examples: int = EXAMPLES) -> None:
    """The terminal summary as rich tables."""
    s = summary(report, examples=examples)
    console.print(Text(s.title, style="bold"))
    console.print(Text(s.subtitle, style="dim"))
    for note in s.notes:
        console.print(Text(f"! {note}", style="bold yellow"))
    totals = Table(title="Totals", box=box.SIMPLE, title_justify="left", show_header=False)
    totals.add_column("what")
    totals.add_column("count", justify="right")
    for label, value in s.totals:
        totals.add_row(label, value)
    console.print(totals)
    if not s.by_rule:
        console.print("No findings.")
        return
    rules = Table(title=f"Findings ({len(report.findings)})", box=box.SIMPLE, title_justify="left")
    rules.add_column("severity", no_wrap=True)
    rules.add_column("rule", no_wrap=True)
    rules.add_column("count", justify="right", no_wrap=True)
    rules.add_column("what to do", overflow="fold")
    for severity, rule, count, action in s.by_rule:
        style = _SEVERITY_STYLE.get(severity, "")
        rules.add_row(Text(severity, style=style), rule, count, action)
    console.print(rules)
    console.print(Text("Where", style="italic"))
    for rule, named, more in s.examples:
        line = Text("  ")
        line.append(rule, style="bold")
        line.append(": " + example_line(named, more))
        console.print(line)
    console.print(Text(s.footer, style="dim"))
