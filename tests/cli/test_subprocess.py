"""The real command in a child process: entry points, the demo, signals, exit codes.

The fake Sentry runs in the test's event loop; the child talks to it over 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sentry_async import __version__
from sentry_async.testing import FakeSentry, RateLimitConfig

from .helpers import ESC, PROJECTS, TOKEN, names_in, parse_csv

SCRIPT = Path(sys.executable).with_name("sentry-async")
HOOKS = "GET /projects/{org}/{project}/hooks/"
STATS = "GET /projects/{org}/{project}/stats/"


def child_env(**extra: str) -> dict[str, str]:
    """A clean environment: no Sentry settings leak in from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(extra)
    return env


async def spawn(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sentry_async",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env or child_env(),
    )


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str, str]:
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_console_script_version_and_help() -> None:
    proc = await asyncio.create_subprocess_exec(
        str(SCRIPT), "--version", stdout=asyncio.subprocess.PIPE
    )
    version, _ = await proc.communicate()
    assert proc.returncode == 0
    assert version.decode().strip() == f"sentry-async {__version__}"
    code, out, _ = await finish(await spawn("audit", "--help"))
    assert code == 0
    assert "usage: sentry-async audit" in out and "--demo-size" in out


async def test_demo_small_via_python_m(tmp_path: Path) -> None:
    code, out, err = await finish(
        await spawn("audit", "--demo", "--demo-size", "small", "--format", "csv")
    )
    assert code == 0, err
    rows = parse_csv(out)
    assert {row["rule"] for row in rows} >= {"hook-not-https", "key-without-rate-limit"}
    # stderr is a pipe, not a terminal: plain progress lines, no control codes.
    assert ESC not in err and "\r" not in err
    assert "sentry-async: projects 60/60 (100%)" in err


async def test_bad_token_in_a_child_exits_3_without_echoing_it(fake: FakeSentry) -> None:
    wrong = "sntryu_CHILD-WRONG-TOKEN-31337"
    code, out, err = await finish(
        await spawn("audit", "acme", "--base-url", fake.url, "--token", wrong)
    )
    assert code == 3
    assert "SENTRY_AUTH_TOKEN" in err.splitlines()[-1]
    assert "Traceback" not in err
    assert wrong not in out + err


async def test_unknown_org_in_a_child_exits_4(fake: FakeSentry) -> None:
    env = child_env(SENTRY_AUTH_TOKEN=TOKEN, SENTRY_URL=fake.url)
    code, out, err = await finish(await spawn("audit", "ghost-org", env=env))
    assert code == 4
    assert "'ghost-org'" in err.splitlines()[-1]
    assert TOKEN not in out + err


async def _wait_until_under_way(proc: asyncio.subprocess.Process, fake: FakeSentry) -> str:
    """Read the child's progress until the fan-out has started and a few projects are done."""
    assert proc.stderr is not None
    seen = ""
    while "sentry-async: projects 0/" not in seen:
        line = await asyncio.wait_for(proc.stderr.readline(), timeout=30)
        assert line, f"child ended early: {seen}"
        seen += line.decode()
    # The fake's counters offer no event to wait on: poll them.
    while fake.counters.by_route[HOOKS] < 4 or fake.counters.by_route[STATS] < 4:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    return seen


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_signal_stops_cleanly_with_a_partial_report(
    fake: FakeSentry, tmp_path: Path, signum: int, code: int
) -> None:
    fake.rate_limit = RateLimitConfig(limit=8)  # ~4 s for the whole org: time to interrupt
    target = tmp_path / "audit.json"
    env = child_env(SENTRY_AUTH_TOKEN=TOKEN)
    proc = await spawn(
        "audit", "acme", "--base-url", fake.url, "--format", "json", "-o", str(target), env=env
    )
    seen = await _wait_until_under_way(proc, fake)
    proc.send_signal(signum)
    returncode, out, rest = await finish(proc)
    err = seen + rest
    assert returncode == code, err
    assert "Traceback" not in err
    name = signal.Signals(signum).name
    assert f"interrupted ({name})" in err.splitlines()[-1]
    report = json.loads(target.read_text())
    assert report["partial"] is True
    assert 0 < report["totals"]["projects_audited"] < PROJECTS
    assert out == ""
    assert TOKEN not in out + err + target.read_text()
    assert names_in(tmp_path) == ["audit.json"]


# --------------------------------------------------------------------------- terminals and pipes

_RUN_MAIN = "import sys; from sentry_async.cli import main; sys.exit(main(sys.argv[1:]))"
_WITHOUT_RICH = "import sys; sys.modules['rich'] = None; " + _RUN_MAIN


def on_a_terminal(code: str, *args: str) -> tuple[int, str]:
    """Run ``code`` with stdout and stderr on a pseudo-terminal; returns (status, output)."""
    master, slave = pty.openpty()
    env = child_env(TERM="xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end of the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_the_rich_bar_and_tables() -> None:
    code, output = on_a_terminal(_RUN_MAIN, "audit", "--demo", "--demo-size", "small")
    assert code == 0, output
    assert ESC + "[" in output  # drawn live
    assert "60/60" in output and "Totals" in output and "hook-not-https" in output
    assert "Traceback" not in output


def test_without_rich_a_terminal_gets_plain_text() -> None:
    code, output = on_a_terminal(_WITHOUT_RICH, "audit", "--demo", "--demo-size", "small")
    assert code == 0, output
    assert ESC not in output
    assert "sentry-async: projects 60/60 (100%)" in output
    assert "Sentry audit of Acme Corporation (acme)" in output


def test_closed_stdout_ends_quietly() -> None:
    with subprocess.Popen(
        [
            *(sys.executable, "-m", "sentry_async", "audit", "--demo", "--demo-size", "small"),
            *("--format", "markdown", "--no-progress"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before anything is written
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "Exception ignored" not in err
