"""Run every benchmark and print one table: benchmark | ours | baseline | ratio | target | ok.

    python benchmarks/run.py            # full: a few minutes
    python benchmarks/run.py --quick    # under a minute
    python benchmarks/run.py --only core,stream
    python benchmarks/run.py --only instructions   # callgrind counts: ~10 minutes

Each benchmark module exposes ``run(quick) -> list[dict]``; see their docstrings for what is
measured and how. Ratios compare against a baseline measured in the same run, on the same
machine, so they travel better than absolute numbers. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import _common
import bench_core
import bench_fanout
import bench_faults
import bench_goodput
import bench_instructions
import bench_stream

BENCHMARKS: dict[str, Callable[[bool], list[dict[str, Any]]]] = {
    "core": bench_core.run,
    "instructions": bench_instructions.run,
    "stream": bench_stream.run,
    "fanout": bench_fanout.run,
    "goodput": bench_goodput.run,
    "faults": bench_faults.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, under a minute")
    parser.add_argument(
        "--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}", default=""
    )
    args = parser.parse_args(argv)
    # The instruction counts run under valgrind for minutes: only when asked for by name.
    everyday = [name for name in BENCHMARKS if name != "instructions"]
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or everyday
    unknown = sorted(set(chosen) - BENCHMARKS.keys())
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name in chosen:
        began = time.perf_counter()
        print(f"running {name}...", file=sys.stderr, flush=True)
        rows.extend(BENCHMARKS[name](args.quick))
        print(f"  {name}: {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
    print(_common.table(rows))
    mode = "quick" if args.quick else "full"
    print(f"\n{mode} run, {time.perf_counter() - started:.0f} s; {_common.machine()}")
    missed = [r["benchmark"] for r in rows if not r["ok"]]
    if missed:
        print(f"missed targets: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
