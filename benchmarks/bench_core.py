"""Benchmark 1: the client's own cost per call, against hand-written aiohttp, CPU-bound.

Run ``python benchmarks/bench_core.py [--quick]``. The server is ``_server.py`` in its own
process (pinned to its own core where there are two): it answers pre-rendered bytes, so
the client is the bottleneck and the client's own work shows. Each JSON decoder runs in its
own client process: ``json`` (the default install; orjson is hidden with
``sys.modules["orjson"] = None`` before ``sentry_async`` is imported) and ``orjson`` (the
``speed`` extra). The raw side decodes with the same decoder (``resp.json()``, or
``resp.json(loads=orjson.loads)``).

Measured in each client process, scenarios alternating, median of the runs:

- ``projects.get``, 2,000 calls of a ~1.1 KB project detail, concurrency 32, driven the
  same way on both sides: once by ``gather_bounded(concurrency=32)``, once by
  ``asyncio.Semaphore(32)`` + ``asyncio.gather``. Raw: ``session.get()`` +
  ``await resp.json()``.
- streaming ``async for project in projects.list(org, per_page=100)`` against a raw Link
  loop (``session.get`` with the cursor, regex over ``Link``, decode, plain dicts).

Throughput ratio is ours/raw (above 1: faster), the median of the ratios within each round
(the sides run back to back, so load drift on a shared machine cancels); client CPU is
``time.process_time()`` of the client process per call or item (the server's CPU is in its
own process). Targets (issue 11): ``projects.get`` >= 0.95x and ``projects.list`` >= 1.0x
with json, both >= 1.0x with orjson; printed as PASS/FAIL, exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

import _common
from _common import ROOT, Row, row, server_process

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ("json", "orjson")
CONCURRENCY = 32
PER_PAGE = 100
TARGETS = {("get", "json"): 0.95, ("list", "json"): 1.0, ("get", "orjson"): 1.0}


def _settings(quick: bool) -> dict[str, int]:
    return {
        "calls": 1000 if quick else 2000,
        "pages": 50 if quick else 200,
        "repeats": 3 if quick else 5,
    }


def run(quick: bool) -> list[Row]:
    """Start the server, measure each decoder in its own client process, return the rows."""
    settings = _settings(quick)
    rows: list[Row] = []
    server = ["benchmarks/_server.py", "--pages", str(settings["pages"]), "--per-page", "100"]
    with server_process(server) as srv:
        for mode in MODES:
            rows.extend(_rows(mode, settings, measure_in_child(mode, srv.url, settings)))
    return rows


def measure_in_child(mode: str, url: str, settings: dict[str, int]) -> dict[str, Any]:
    """Run ``_core_client.py`` for one decoder; its last stdout line is the JSON result."""
    command = [
        sys.executable,
        os.path.join(HERE, "_core_client.py"),
        "--mode",
        mode,
        "--url",
        url,
        *(f"--{name}={value}" for name, value in settings.items()),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), HERE, env.get("PYTHONPATH")]))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} client failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[list[float]], index: int) -> float:
    return statistics.median(run[index] for run in runs)


def _rows(mode: str, settings: dict[str, int], result: dict[str, Any]) -> list[Row]:
    runs: dict[str, list[list[float]]] = result["runs"]  # scenario -> [[wall, cpu], ...]
    calls = settings["calls"]
    items = settings["pages"] * PER_PAGE
    label = f"[{result['decoder']}]"

    def compare(name: str, ours: str, raw: str, count: int, unit: str, target: float | None) -> Row:
        ours_wall, raw_wall = _median(runs[ours], 0), _median(runs[raw], 0)
        ours_cpu, raw_cpu = _median(runs[ours], 1), _median(runs[raw], 1)

        def shown(wall: float, cpu: float) -> str:
            return f"{count / wall:,.0f} {unit}/s, {cpu / count * 1e6:,.1f} us CPU/{unit}"

        # Each round runs the two sides back to back: the ratio within a round cancels most
        # of the drift in machine load, so the median of those ratios is the figure.
        ratio = statistics.median(
            base[0] / mine[0] for mine, base in zip(runs[ours], runs[raw], strict=True)
        )
        ok = True if target is None else ratio >= target
        shown_target = "info" if target is None else f">= {target:.2f}"
        verdict = "" if target is None else (" PASS" if ok else " FAIL")
        return row(
            f"{name} {label}",
            ratio=ratio,
            target=shown_target + verdict,
            ok=ok,
            ours_s=ours_wall,
            baseline_s=raw_wall,
            ours=shown(ours_wall, ours_cpu),
            baseline=shown(raw_wall, raw_cpu),
        )

    get_target = TARGETS.get(("get", mode), 1.0)
    list_target = TARGETS.get(("list", mode), 1.0)
    get = f"projects.get x{calls} c={CONCURRENCY}"
    return [
        compare(
            f"{get}, gather_bounded both", "ours_gather", "raw_gather", calls, "call", get_target
        ),
        compare(f"{get}, Semaphore+gather both", "ours_sem", "raw_sem", calls, "call", get_target),
        compare(
            f"{get}, ours gather_bounded vs raw Semaphore",
            "ours_gather",
            "raw_sem",
            calls,
            "call",
            None,
        ),
        compare(
            f"projects.list {items:,} items vs raw Link loop",
            "ours_list",
            "raw_list",
            items,
            "item",
            list_target,
        ),
        compare(
            f"projects.list {items:,} items vs raw Link loop building the same models",
            "ours_list",
            "raw_list_models",
            items,
            "item",
            None,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 calls, 5,000 items, 3 runs")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print(_common.table(rows))
    print(_common.machine())
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
