"""Benchmark 1b: the client's own cost per call in CPU instructions, which load cannot blur.

Run ``python benchmarks/bench_instructions.py [--quick]`` (needs ``valgrind``: Debian's
``valgrind`` package; without it the benchmark says so and reports nothing). The workloads
are ``bench_core``'s, against the same pre-rendered server (``_server.py``, its own
process): ``projects.get`` through ``gather_bounded(concurrency=32)`` against
``session.get()`` + ``resp.json()``, and ``async for`` over ``projects.list`` (100 per page)
against a hand-written Link loop building no models; each with the standard library's json
and with orjson.

Why a second benchmark of the same thing: wall and CPU time on a shared or virtual machine
swing by 30-50% from run to run, more than the differences being measured. Callgrind counts
the instructions the client process executes, the same on every run. Each scenario runs
twice, with a small and a large count, and the difference divided by the extra calls (or
items) is the cost of one, start-up and first connections cancelled out. The ratio is
raw/ours instructions: the throughput ratio a client bound by its CPU would see (cache and
branch effects aside), so the targets are bench_core's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import _common
from _common import ROOT, Row, row, server_process

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ("json", "orjson")
TARGETS = {("get", "json"): 0.95, ("list", "json"): 1.0}
_COLLECTED = re.compile(r"Collected : (\d+)")


def _sizes(quick: bool) -> dict[str, tuple[int, int]]:
    """Small and large count per kind: calls for get, pages of 100 for list."""
    return {"get": (50, 250), "list": (1, 5)} if quick else {"get": (100, 600), "list": (2, 12)}


def instructions(mode: str, url: str, scenario: str, count: int) -> int:
    """Instructions the client process executed for one run of ``scenario``."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        os.path.join(HERE, "_instr_client.py"),
        f"--mode={mode}",
        f"--url={url}",
        f"--scenario={scenario}",
        f"--count={count}",
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # Compiling every module from source at start-up would take most of the run under
    # callgrind (it cancels out of the difference, but costs minutes).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{scenario} [{mode}] failed under callgrind: {done.stderr[-3000:]}")
    return int(found.group(1))


def per_unit(mode: str, url: str, scenario: str, sizes: tuple[int, int], unit: int) -> float:
    """Instructions per call or item: the difference between a small and a large run."""
    # Counts do not depend on load, so the two runs go side by side (one core each).
    with ThreadPoolExecutor(max_workers=2) as pool:
        small, large = pool.map(lambda size: instructions(mode, url, scenario, size), sizes)
    return (large - small) / ((sizes[1] - sizes[0]) * unit)


def run(quick: bool) -> list[Row]:
    """Count both sides of both workloads with both decoders; return the rows."""
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed; skipped", file=sys.stderr)
        return []
    sizes = _sizes(quick)
    rows: list[Row] = []
    # Write the bytecode caches first: the first run would otherwise compile every module
    # and the small and large runs would not start alike.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = "import aiohttp, sentry_async, sentry_async.models, json; import orjson"
    subprocess.run([sys.executable, "-c", warm], env=env, cwd=ROOT, check=False)
    pages = max(sizes["list"]) + 1
    server = ["benchmarks/_server.py", "--pages", str(pages), "--per-page", "100"]
    with server_process(server) as srv:
        for mode in MODES:
            for kind, unit, what in (("get", 1, "call"), ("list", 100, "item")):
                ours = per_unit(mode, srv.url, f"ours_{kind}", sizes[kind], unit)
                raw = per_unit(mode, srv.url, f"raw_{kind}", sizes[kind], unit)
                target = TARGETS.get((kind, mode), 1.0)
                ratio = raw / ours
                label = (
                    "projects.get c=32 (gather_bounded both)"
                    if kind == "get"
                    else "projects.list vs raw Link loop"
                )
                rows.append(
                    row(
                        f"{label}: instructions/{what} [{mode}]",
                        ratio=ratio,
                        target=f">= {target:.2f} {'PASS' if ratio >= target else 'FAIL'}",
                        ok=ratio >= target,
                        ours=f"{ours:,.0f} instr/{what}",
                        baseline=f"{raw:,.0f} instr/{what}",
                    )
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and pages")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    if rows:
        print(_common.table(rows))
        print(_common.machine())
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
