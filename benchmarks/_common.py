"""Shared benchmark helpers: servers in their own process, timing, rows and tables.

The fake Sentry runs as ``python -m sentry_async.testing`` in a child process (and the
pre-rendered server of ``_server.py`` likewise), so the client being
measured has its own interpreter (and, on a machine with two or more cores, its own core:
the child is pinned to the last CPU and this process to the others while the fake runs).
The child is always terminated on the way out, whatever happened.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.metadata
import importlib.util
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("sentry_async") is None:
    # Run as a script from a checkout: make the package importable without installing it.
    sys.path.insert(0, str(ROOT))

TOKEN = "sntryu_" + "be7c4" * 12 + "beef"
ORG = "acme"
STARTUP_TIMEOUT = 60.0

Row = dict[str, Any]


class FakeProcess:
    """A fake Sentry served by a child process; ``url`` is its root URL."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url

    @property
    def api(self) -> str:
        return f"{self.url}/api/0"


def _pin(pid: int, cpus: set[int]) -> None:
    with contextlib.suppress(AttributeError, OSError):  # not on macOS/Windows
        os.sched_setaffinity(pid, cpus)


@contextlib.contextmanager
def fake_process(*args: str, projects: int = 1000, token: str = TOKEN) -> Iterator[FakeProcess]:
    """Start ``python -m sentry_async.testing --port 0 --projects N ...``; kill it at the end."""
    command = [
        "-m",
        "sentry_async.testing",
        "--port",
        "0",
        "--org",
        ORG,
        "--projects",
        str(projects),
        "--members",
        "10",
        "--token",
        token,
        *args,
    ]
    with server_process(command) as fake:
        yield fake


@contextlib.contextmanager
def server_process(arguments: Sequence[str]) -> Iterator[FakeProcess]:
    """Run ``python ARGUMENTS`` (a server that prints its root URL first) in a child process.

    On two or more CPUs the child is pinned to the last one and this process to the others
    until the child ends; the child is terminated on the way out, whatever happened.
    """
    command = [sys.executable, *arguments]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    get_affinity = getattr(os, "sched_getaffinity", None)
    mine = set(get_affinity(0)) if get_affinity is not None else set()
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env, cwd=ROOT
        )
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], STARTUP_TIMEOUT)
            line = proc.stdout.readline().strip() if ready else ""
            if not line.startswith("http://"):
                errors.seek(0)
                raise RuntimeError(f"the server did not start ({line!r}): {errors.read()[-2000:]}")
            if len(mine) >= 2:
                last = max(mine)
                _pin(proc.pid, {last})
                _pin(0, mine - {last})
            yield FakeProcess(proc, line)
        finally:
            if len(mine) >= 2:
                _pin(0, mine)
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


class Timing:
    """Wall and CPU seconds of one measured block (``with Timing() as t: ...``)."""

    wall = 0.0
    cpu = 0.0

    def __enter__(self) -> Timing:
        gc.collect()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def best_of_alternating(
    ours: Callable[[], Timing], baseline: Callable[[], Timing], repeats: int
) -> tuple[Timing, Timing]:
    """Run baseline, ours, baseline, ours...; keep each side's fastest run (by wall time).

    Alternating spreads any drift in machine load over both sides alike.
    """
    best_ours: Timing | None = None
    best_base: Timing | None = None
    for _ in range(repeats):
        base = baseline()
        if best_base is None or base.wall < best_base.wall:
            best_base = base
        mine = ours()
        if best_ours is None or mine.wall < best_ours.wall:
            best_ours = mine
    assert best_ours is not None
    assert best_base is not None
    return best_ours, best_base


def row(
    benchmark: str,
    *,
    ratio: float,
    target: str,
    ok: bool,
    ours_s: float | None = None,
    baseline_s: float | None = None,
    peak_mb: float | None = None,
    ours: str | None = None,
    baseline: str | None = None,
) -> Row:
    """One result row, with the keys bench_fanout uses (plus optional display strings)."""
    result: Row = {
        "benchmark": benchmark,
        "ratio": round(ratio, 3),
        "target": target,
        "ours_s": None if ours_s is None else round(ours_s, 3),
        "baseline_s": None if baseline_s is None else round(baseline_s, 3),
        "peak_mb": None if peak_mb is None else round(peak_mb, 2),
        "ok": ok,
    }
    if ours is not None:
        result["ours"] = ours
    if baseline is not None:
        result["baseline"] = baseline
    return result


def _shown(r: Row, side: str) -> str:
    text = r.get(side)
    if text is not None:
        return str(text)
    seconds = r.get(f"{side}_s")
    shown = "-" if seconds is None else f"{seconds:.3f} s"
    if side == "ours" and r.get("peak_mb") is not None:
        shown += f", peak {r['peak_mb']:.2f} MB"
    return shown


def _ratio(value: float) -> str:
    shown = f"{value:.2f}"
    if shown == "1.00" and value != 1.0:  # 0.9993 is not "1.00": a lost item must show
        shown = f"{value:.4f}"
    return shown


def table(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table: benchmark | ours | baseline | ratio | target | ok."""
    header = ("benchmark", "ours", "baseline", "ratio", "target", "ok")
    lines = [
        (
            str(r["benchmark"]),
            _shown(r, "ours"),
            _shown(r, "baseline"),
            _ratio(r["ratio"]),
            str(r["target"]),
            "yes" if r["ok"] else "NO",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt(line) for line in lines]
    return "\n".join(out)


def machine() -> str:
    """A one-line description of where the numbers were measured."""
    cpus = os.cpu_count() or 0
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = [f"Python {sys.version.split()[0]}"]
    for name in ("aiohttp", "orjson"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{name} {importlib.metadata.version(name)}")
    where = f"{sys.platform}, {cpus} CPU(s) {model}".strip()
    return f"{', '.join(versions)} on {where}"


def script_main(
    doc: str | None, run: Callable[[bool], list[Row]], quick_help: str, argv: list[str] | None
) -> int:
    """The command line every benchmark script shares: ``[--quick]``, one table, exit 1 on a
    missed target."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print(table(rows))
    print(machine())
    return 0 if all(r["ok"] for r in rows) else 1
