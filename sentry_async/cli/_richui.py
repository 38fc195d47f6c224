"""Everything drawn with rich: the live progress bar and the summary tables.

Imported only when rich is installed and output goes to a terminal (or a caller forces it),
so the rest of the CLI works without the ``cli`` extra.
"""

from __future__ import annotations

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
    TimeRemainingColumn,
)
from rich.progress import Progress as _Bar
from rich.table import Table
from rich.text import Text

from ._report import Report
from ._table import EXAMPLES, example_line, summary

__all__ = ["RateColumn", "RichProgress", "print_summary"]

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


class RateColumn(ProgressColumn):
    """Items per second, from rich's own speed estimate."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-/s" if speed is None else f"{speed:.1f}/s", style="progress.data.speed")


class RichProgress:
    """A live bar on stderr while projects are audited; phase lines before it."""

    def __init__(self, stream: TextIO) -> None:
        self._console = Console(file=stream, stderr=True)
        self._bar: _Bar | None = None
        self._task: TaskID | None = None

    def status(self, message: str) -> None:
        self._console.print(Text(message, style="dim"))

    def start(self, label: str, total: int) -> None:
        self._bar = _Bar(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=self._console,
        )
        self._bar.start()
        self._task = self._bar.add_task(label, total=total)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None and self._task is not None:
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
