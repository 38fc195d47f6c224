"""The small parts: argument parsing, plain progress, atomic writes, signal bookkeeping."""

from __future__ import annotations

import io
import os
import signal
import stat
from pathlib import Path

import pytest
from rich.console import Console

from sentry_async.cli._args import AuditOptions, parse
from sentry_async.cli._collect import period_seconds
from sentry_async.cli._output import write_atomic
from sentry_async.cli._progress import (
    NO_RICH_ENV,
    NullProgress,
    PlainProgress,
    RateEstimate,
    make_progress,
    use_rich_for,
)
from sentry_async.cli._signals import Interrupt
from sentry_async.cli._table import _short

from .helpers import ESC

TOKEN = "sntrys_CLI-PARTS-TOKEN-9f8e7d"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


# --------------------------------------------------------------------------- arguments


def test_defaults() -> None:
    options = parse(["audit", "my-org"], {})
    assert options == AuditOptions(
        org="my-org",
        format="table",
        output=None,
        concurrency=25,
        stats_period="14d",
        base_url=None,
        token=None,
        demo=False,
        demo_size="full",
        progress=True,
    )


def test_demo_makes_org_optional() -> None:
    options = parse(["audit", "--demo", "--demo-size", "small"], {})
    assert isinstance(options, AuditOptions)
    assert (options.org, options.demo, options.demo_size) == ("acme", True, "small")


def test_all_options(tmp_path: Path) -> None:
    argv = [
        "audit", "o", "--format", "csv", "--output", str(tmp_path / "r.csv"),
        "--concurrency", "7", "--stats-period", "2W", "--base-url", "https://sentry.example/",
        "--token", TOKEN, "--no-progress",
    ]  # fmt: skip
    options = parse(argv, {})
    assert isinstance(options, AuditOptions)
    assert options.output == tmp_path / "r.csv"
    assert (options.format, options.concurrency, options.stats_period) == ("csv", 7, "2w")
    assert (options.base_url, options.token, options.progress) == (
        "https://sentry.example/",
        TOKEN,
        False,
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["audit"], "give the organization slug"),
        (["audit", "o", "--format", "xml"], "invalid choice"),
        (["audit", "o", "--concurrency", "0"], "between 1 and 100"),
        (["audit", "o", "--stats-period", "14"], "not a period"),
        (["audit", "o", "--stats-period", "91d"], "at most 90d"),
        (["audit", "o", "--base-url", "ftp://x"], "not an http(s) URL"),
        (["audit", "o", "--base-url", "https://u:p@x"], "credentials"),
        (["audit", "--demo", "--base-url", "https://x"], "leave out --base-url"),
        (["audit", "o", "--output", "/nonexistent-dir/r.json"], "does not exist"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parse(argv, {}) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err


def test_usage_errors_never_echo_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    # A stray extra argument after the token, and the token also in the environment.
    assert parse(["audit", "o", "--token", TOKEN, TOKEN], {"SENTRY_AUTH_TOKEN": TOKEN}) == 2
    assert parse(["audit", "o", f"--token={TOKEN}", "--concurrency", TOKEN], {}) == 2
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert "<redacted>" in captured.err


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse(["--version"], {}) == 0
    assert capsys.readouterr().out.startswith("sentry-async ")
    assert parse(["audit", "--help"], {}) == 0
    out = capsys.readouterr().out
    for text in ("--demo", "--format", "SENTRY_AUTH_TOKEN", "exit status", "130"):
        assert text in out
    assert parse([], {}) == 2
    assert "audit" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "seconds"), [("14d", 14 * 86400), ("24h", 86400), ("2w", 1209600), ("90m", 5400)]
)
def test_periods(text: str, seconds: int) -> None:
    assert period_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "0d", "-1d", "1y", "1.5d", "14 d"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        period_seconds(text)


# --------------------------------------------------------------------------- progress


def test_plain_progress_prints_phases_then_at_most_one_line_per_interval() -> None:
    out = io.StringIO()
    clock = FakeClock()
    progress = PlainProgress(out, interval=1.0, clock=clock)
    progress.status("listing")
    progress.start("projects", 10)
    for _ in range(4):  # all within the same second: no line
        clock.now += 0.125
        progress.advance()
    clock.now += 0.75  # 1.25 s after the start
    progress.advance()
    for _ in range(5):
        clock.now += 0.0625
        progress.advance()  # the last one completes: always shown
    progress.stop()
    lines = out.getvalue().splitlines()
    assert lines == [
        "sentry-async: listing",
        "sentry-async: projects 0/10 (0%)",
        # 1.25 s in: too early for an honest pace.
        "sentry-async: projects 5/10 (50%), estimating the pace",
        "sentry-async: projects 10/10 (100%), 6.4/s",
        "sentry-async: projects: 10/10 done in 1.6s",
    ]
    assert ESC not in out.getvalue() and "\r" not in out.getvalue()


def test_plain_progress_stopped_early_shows_where_it_stopped() -> None:
    out = io.StringIO()
    clock = FakeClock()
    progress = PlainProgress(out, clock=clock)
    progress.start("projects", 50)
    clock.now += 0.2
    progress.advance(3)
    progress.stop()
    progress.stop()  # idempotent
    assert out.getvalue().splitlines()[-2:] == [
        "sentry-async: projects 3/50 (6%), estimating the pace",
        "sentry-async: projects: 3/50 done in 0.2s",
    ]


def test_rate_estimate_ignores_the_first_burst() -> None:
    estimate = RateEstimate(window=10.0, warmup=3.0)
    estimate.add(0.0, 0)
    estimate.add(0.05, 70)  # the first requests all finish at once
    assert estimate.rate() is None  # not yet warmed up: no 1400/s shown
    done = 70
    for tick in range(1, 41):  # then a steady 40/s, paced by the rate limit
        done += 4
        estimate.add(0.05 + tick * 0.1, done)
    # 4 s in: the window still holds the burst, so the pace is high but already honest-ish...
    assert estimate.rate() == pytest.approx((done - 0) / 4.05, rel=1e-6)
    for tick in range(41, 161):
        done += 4
        estimate.add(0.05 + tick * 0.1, done)
    # ...and once the burst has left the window, it is the steady pace.
    assert estimate.rate() == pytest.approx(40.0, rel=0.02)
    assert estimate.left(400) == pytest.approx(10.0, rel=0.02)


def test_plain_progress_shows_the_steady_pace_not_the_burst() -> None:
    out = io.StringIO()
    clock = FakeClock()
    progress = PlainProgress(out, clock=clock)
    progress.start("projects", 1000)
    progress.advance(60)  # a burst at t=0
    for _ in range(200):
        clock.now += 0.1
        progress.advance(4)
    rates = [
        float(line.split(", ")[1].removesuffix("/s"))
        for line in out.getvalue().splitlines()
        if "/s" in line
    ]
    assert rates, out.getvalue()
    assert all(r < 65 for r in rates)  # never the burst's hundreds per second
    assert rates[-1] == pytest.approx(40.0, rel=0.02)


def test_progress_choice() -> None:
    assert isinstance(make_progress(TTY(), {}, enabled=False), NullProgress)
    assert isinstance(make_progress(io.StringIO(), {}, enabled=True), PlainProgress)
    # A terminal gets rich, unless the environment or the caller says plain.
    assert use_rich_for(TTY(), {}) is True
    assert use_rich_for(TTY(), {NO_RICH_ENV: "1"}) is False
    assert use_rich_for(TTY(), {NO_RICH_ENV: "0"}) is True
    assert use_rich_for(TTY(), {}, force=False) is False
    assert use_rich_for(io.StringIO(), {}, force=True) is True
    assert isinstance(make_progress(TTY(), {NO_RICH_ENV: "1"}, enabled=True), PlainProgress)
    assert type(make_progress(TTY(), {}, enabled=True)).__name__ == "RichProgress"


def test_rich_progress_draws_on_its_stream() -> None:
    out = TTY()
    progress = make_progress(out, {}, enabled=True)
    progress.status("listing")
    progress.start("projects", 3)
    progress.advance(3)
    progress.stop()
    text = out.getvalue()
    assert "listing" in text and "3/3" in text


def test_rich_rate_column_waits_for_an_honest_pace() -> None:
    from rich.progress import Progress as Bar

    from sentry_async.cli._richui import RateColumn

    estimate = RateEstimate(window=10.0, warmup=3.0)
    estimate.add(0.0, 0)
    estimate.add(0.1, 60)  # the first burst
    with Bar(RateColumn(), console=Console(file=io.StringIO())) as bar:
        task = bar.add_task("projects", total=600, estimate=estimate)
        column = RateColumn()
        assert column.render(bar.tasks[task]).plain == "estimating"
        for tick in range(1, 101):
            estimate.add(0.1 + tick * 0.1, 60 + 4 * tick)
        bar.update(task, completed=460)
        assert column.render(bar.tasks[task]).plain == "40.0/s  eta 4s"


def test_long_subjects_are_shortened_but_ids_never_cut() -> None:
    hook = "b934cab84c075f65654b1093494b9f18"
    subject = f"a-very-long-project-slug-for-the-payments-team/hook:{hook}"
    assert _short(subject).endswith(f"/hook:{hook}")  # whole, however long
    key = _short("a-very-long-project-slug-for-the-payments-team-and-more/key:Default")
    assert key == "a-very-long-project-slug-for-the-.../key:Default" and len(key) <= 48
    assert _short("short/hook:1") == "short/hook:1"
    assert _short("x" * 60) == "x" * 60  # nothing to cut around: shown whole


# --------------------------------------------------------------------------- output


def test_write_atomic_creates_with_umask_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_atomic(target, "héllo\n")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_atomic_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "a,b\r\nc,d\n")
    assert target.read_bytes() == b"a,b\r\nc,d\n"  # newlines written as given
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_failed_write_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "bad \udcff surrogate")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


# --------------------------------------------------------------------------- signals


def test_interrupt_remembers_the_first_signal() -> None:
    interrupt = Interrupt()
    assert interrupt.exit_code == 130  # the default reading, before any signal
    interrupt.trigger(signal.SIGTERM)
    interrupt.trigger(signal.SIGINT)
    assert (interrupt.signum, interrupt.exit_code, interrupt.name) == (
        signal.SIGTERM,
        143,
        "SIGTERM",
    )
    other = Interrupt()
    other.trigger(signal.SIGINT)
    assert other.exit_code == 130
