"""Benchmark 5: many worker processes sharing one token, with and without the Redis store.

Run ``python benchmarks/bench_redis.py [--quick]``; it needs ``redis-server`` on PATH (it
starts its own on 127.0.0.1, persistence off) and the ``redis`` extra.

Fleet rows. The fake Sentry process enforces 40 requests per 1 s window and 25 in flight
per route, and every answer takes 0.25 s (so that the in-flight cap binds when a window
opens). N worker processes (1, 2, 4), each with its own interpreter, event loop and client
on the same token, run ``fan_out(sentry.projects.get, endless slugs, concurrency=64)`` for a
whole number of windows (10; 3 with ``--quick``), once with each process pacing itself
alone (in-memory state, the default: the baseline) and once sharing one budget through
``RedisRateLimitStore`` (ours). Goodput is measured as in benchmark 4: all processes start
exactly at a window boundary; successes that arrive within the span count; goodput =
successes per second / 40. Every answer's status is counted through an aiohttp
``TraceConfig`` (retries included) for the 429 share.

Overhead rows. In one process, ``RateGate.acquire`` + ``release`` on a route whose limits
are known and never reached, through the in-memory store (baseline) and the Redis store on
loopback (ours): first one task (the latency a request pays), then 32 tasks at once (the
rate one process can pass through one route).

Targets (issue 6): with Redis, goodput >= 0.9 of the limit and <= 1% 429s for every N
(ratio: goodput); store overhead < 1 ms per request (ratio: overhead / 1 ms); >= 1,000
requests/s per process and route (ratio: rate / 1,000).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import _common
import aiohttp
from _common import ORG, ROOT, TOKEN, Row, fake_process, row

from sentry_async import SentryClient, SystemClock, fan_out
from sentry_async.gate import RateGate
from sentry_async.ratelimit import RateSnapshot
from sentry_async.stores import MemoryRateLimitStore, RateLimitStore, RedisRateLimitStore

LIMIT = 40
CONCURRENT = 25
ANSWER_DELAY = 0.25
PROJECTS = 400
FLEETS = (1, 2, 4)
GOODPUT_TARGET = 0.9
THROTTLE_TARGET = 0.01
OVERHEAD_TARGET_S = 0.001
RATE_TARGET = 1000.0
STARTUP = 2.0  # seconds for worker processes to import and get ready
ROUTE_KEY = "GET /projects/{org}/{project}/"


# -- a private redis-server ------------------------------------------------------------------


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Start ``redis-server`` on a free loopback port in a temp dir; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("bench_redis needs redis-server on PATH (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", directory, "--loglevel", "warning"]
        proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, cwd=directory)
        try:
            deadline = time.monotonic() + 10
            while True:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn,
                ):
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- one worker process of a fleet -----------------------------------------------------------


async def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    start: float = spec["start"]
    end: float = spec["end"]
    successes = 0
    statuses: Counter[int] = Counter()

    def inside() -> bool:
        return start <= time.time() < end

    async def on_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if inside():
            statuses[params.response.status] += 1

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    store = RedisRateLimitStore(spec["redis"], prefix=spec["prefix"]) if spec["redis"] else None
    try:
        async with (
            aiohttp.ClientSession(trace_configs=[trace]) as session,
            SentryClient(TOKEN, spec["fake"], session=session, rate_limit_store=store) as sentry,
        ):

            async def get(slug: str) -> None:
                nonlocal successes
                await sentry.projects.get(ORG, slug)
                if inside():
                    successes += 1

            async def work() -> None:
                slugs = itertools.cycle(spec["slugs"])
                async with fan_out(get, slugs, concurrency=64) as results:
                    async for _ in results:
                        pass

            late = time.time() - start
            if late > 0:
                print(f"bench_redis: a worker was ready {late:.2f} s late", file=sys.stderr)
            await asyncio.sleep(max(0.0, -late))
            task = asyncio.create_task(work())
            await asyncio.sleep(max(0.0, end - time.time()))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        if store is not None:
            await store.aclose()
    return {"successes": successes, "statuses": dict(statuses)}


def _fleet(fake_url: str, redis_url: str | None, slugs: list[str], n: int, windows: int) -> Row:
    """Run ``n`` worker processes for ``windows`` whole windows; sum up what they got."""
    start = math.ceil(time.time() + STARTUP)
    spec = {
        "fake": fake_url,
        "redis": redis_url,
        "prefix": f"bench-{start}",  # a fresh budget for every run
        "start": start,
        "end": start + windows,
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps({**spec, "slugs": slugs[k::n]})],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for k in range(n)
    ]
    outcomes = []
    for proc in procs:
        out, _ = proc.communicate(timeout=windows + STARTUP + 60)
        if proc.returncode != 0:
            raise RuntimeError(f"a worker failed with exit status {proc.returncode}")
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    if time.time() < start + windows:
        raise RuntimeError("workers ended early")
    successes = sum(o["successes"] for o in outcomes)
    statuses: Counter[str] = Counter()
    for outcome in outcomes:
        statuses.update(outcome["statuses"])
    answers = sum(statuses.values())
    return {
        "goodput": successes / windows / LIMIT,
        "throttled": statuses["429"] / answers if answers else 0.0,
        "answers": answers,
    }


def _describe(result: Row) -> str:
    return f"{result['goodput']:.2f} of limit, {result['throttled']:.1%} 429 of {result['answers']}"


def fleet_rows(redis_url: str, quick: bool) -> list[Row]:
    windows = 3 if quick else 10
    args = ["--rate-limit", str(LIMIT), "--concurrent-limit", str(CONCURRENT)]
    args += ["--fault", f"slow:1:{ANSWER_DELAY}"]
    rows = []
    with fake_process(*args, projects=PROJECTS) as fake:

        async def list_slugs() -> list[str]:
            async with SentryClient(TOKEN, fake.url) as sentry:
                return [p.slug async for p in sentry.projects.list(ORG)]

        slugs = asyncio.run(list_slugs())
        for n in FLEETS:
            alone = _fleet(fake.url, None, slugs, n, windows)
            shared = _fleet(fake.url, redis_url, slugs, n, windows)
            ok = shared["goodput"] >= GOODPUT_TARGET and shared["throttled"] <= THROTTLE_TARGET
            result = row(
                f"{n} process{'es' if n > 1 else ''}, one token ({windows} x 1 s windows)",
                ratio=shared["goodput"],
                target=f">= {GOODPUT_TARGET} of limit, <= {THROTTLE_TARGET:.0%} 429",
                ok=ok,
                ours="Redis: " + _describe(shared),
                baseline="alone: " + _describe(alone),
            )
            result.update(
                processes=n,
                goodput_redis=round(shared["goodput"], 3),
                goodput_alone=round(alone["goodput"], 3),
                share_429_redis=round(shared["throttled"], 4),
                share_429_alone=round(alone["throttled"], 4),
            )
            rows.append(result)
    return rows


# -- the store's own cost --------------------------------------------------------------------


async def _gate_seconds(store: RateLimitStore, tasks: int, per_task: int) -> float:
    """Seconds per acquire+release through a gate on ``store`` (limits known, never hit)."""
    gate = RateGate(SystemClock(), store=store, scope="bench")
    known = RateSnapshot(
        limit=10**9, remaining=10**9, reset=time.time() + 3600, concurrent_limit=10**6
    )
    probe = await gate.acquire(ROUTE_KEY)
    gate.release(ROUTE_KEY, known, answered=True, ticket=probe)
    drain = getattr(store, "drain", None)
    if drain is not None:
        await drain()

    async def loop() -> None:
        for _ in range(per_task):
            ticket = await gate.acquire(ROUTE_KEY)
            gate.release(ROUTE_KEY, None, answered=True, ticket=ticket)

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(tasks)))
    if drain is not None:
        await drain()  # the releases' round trips count too
    return (time.perf_counter() - started) / (tasks * per_task)


def overhead_rows(redis_url: str, quick: bool) -> list[Row]:
    n = 2_000 if quick else 10_000
    rows = []
    for tasks, label in ((1, "1 task"), (32, "32 tasks")):

        async def measure(tasks: int = tasks) -> tuple[float, float]:
            memory = await _gate_seconds(MemoryRateLimitStore(), tasks, max(1, 50 * n // tasks))
            async with RedisRateLimitStore(redis_url, prefix="bench-overhead") as store:
                shared = await _gate_seconds(store, tasks, max(1, n // tasks))
            return shared, memory

        shared, memory = asyncio.run(measure())
        if tasks == 1:
            overhead = shared - memory
            ratio = overhead / OVERHEAD_TARGET_S
            target = f"< {OVERHEAD_TARGET_S * 1000:g} ms added per request (ratio < 1)"
            extra = {"overhead_ms": round(overhead * 1000, 3)}
            ok = ratio < 1
        else:
            ratio = 1 / shared / RATE_TARGET
            target = f">= {RATE_TARGET:,.0f} req/s per process and route (ratio >= 1)"
            extra = {"requests_per_s": round(1 / shared)}
            ok = ratio >= 1
        result = row(
            f"gate acquire+release, Redis vs memory store ({label})",
            ratio=ratio,
            target=target,
            ok=ok,
            ours=f"{shared * 1e6:.0f} us/request",
            baseline=f"{memory * 1e6:.2f} us/request",
        )
        result.update(ours_s=shared, baseline_s=memory, **extra)
        rows.append(result)
    return rows


def run(quick: bool) -> list[Row]:
    """Run benchmark 5; one row per fleet size, then the per-request overhead."""
    with redis_server() as redis_url:
        return fleet_rows(redis_url, quick) + overhead_rows(redis_url, quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 windows instead of 10, fewer gate rounds"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(asyncio.run(_worker(json.loads(args.worker)))))
        return 0
    rows = run(args.quick)
    print(_common.table(rows))
    print(_common.machine())
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
