"""A real redis-server for the shared rate-limit store, and worker processes that use it.

Each session starts its own ``redis-server`` on 127.0.0.1, on a free port, in a temporary
directory, with persistence off (``--save '' --appendonly no``), and stops it at the end.
Without a ``redis-server`` binary (or the ``redis`` package) these tests skip, saying why,
unless the ``CI`` environment variable is set: then they fail, because CI must run them.

The worker functions at the bottom run in processes started with the ``spawn`` method:
each one is a fresh interpreter with its own event loop, client and store, as in a fleet.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sentry_async.stores import RedisRateLimitStore
from sentry_async.testing import FakeOrg, FakeSentry, serve_in_thread

if TYPE_CHECKING:  # imported by the fixtures, so that without it the tests skip (or fail in CI)
    import redis.asyncio as aioredis

ORG = "acme"
TOKEN = "sntryu_" + "5eed" * 16
NOW = 1_700_000_000.0  # anchors generated dates: the same org every run


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI is set, so the Redis tests must run, not skip", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process on 127.0.0.1 that a test may stop and start again."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start on a free port (or the same port again, after :meth:`stop`)."""
        for _attempt in range(5):
            port = self.port or _free_port()
            log = open(self.directory / f"redis-{port}.log", "ab")  # noqa: SIM115
            with log:
                options = {
                    "--port": str(port),
                    "--bind": "127.0.0.1",
                    "--protected-mode": "yes",
                    "--save": "",
                    "--appendonly": "no",
                    "--dir": str(self.directory),
                    "--daemonize": "no",
                    "--loglevel": "warning",
                }
                process = subprocess.Popen(
                    [self.binary, *(part for pair in options.items() for part in pair)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.directory,
                )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and process.poll() is None:
                if _ping(port):
                    self.port, self._process = port, process
                    return self
                time.sleep(0.02)
            process.kill()
            process.wait()
            if self.port:  # the same port is wanted: try again shortly
                time.sleep(0.2)
        raise RuntimeError(f"redis-server did not start; see the logs in {self.directory}")

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL) and wait until it is gone."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            client.flushall()
        finally:
            client.close()


@pytest.fixture(scope="session")
def redis_package() -> None:
    """The redis package (the ``redis`` extra) is importable."""
    try:
        import redis  # noqa: F401
    except ImportError:
        _unavailable('the redis package is missing: pip install "sentry-async[redis]"')


@pytest.fixture(scope="session")
def redis_binary(redis_package: None) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        _unavailable(
            "no redis-server on PATH: install it (Debian: apt-get install redis-server) to run "
            "the shared rate-limit store tests"
        )
    assert binary is not None
    return binary


@pytest.fixture(scope="session")
def redis_server(
    redis_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisServer]:
    server = RedisServer(redis_binary, tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    if not redis_server.running:
        redis_server.start()
    redis_server.flush()
    return redis_server.url


Stores = Callable[..., RedisRateLimitStore]


async def cancel_acquires(store: RedisRateLimitStore, scope: str, route: str, n: int) -> None:
    """Start ``n`` acquires, each cancelled once its script is sent (perhaps answered)."""
    for _ in range(n):
        task = asyncio.ensure_future(store.acquire(scope, route, 0.0))
        await asyncio.sleep(0)  # sent, perhaps answered, not yet seen
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await store.drain()


@pytest.fixture
async def stores(redis_url: str) -> AsyncIterator[Stores]:
    """Make stores on the test's Redis (all closed at the end)."""
    made: list[RedisRateLimitStore] = []

    def make(**options: float) -> RedisRateLimitStore:
        store = RedisRateLimitStore(redis_url, **options)  # type: ignore[arg-type]
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A plain client on the test's Redis, answering str, to look at the store's keys."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def own_redis(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, which it may stop and restart."""
    server = RedisServer(redis_binary, tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def make_org(projects: int) -> FakeOrg:
    return FakeOrg.generate(ORG, projects=projects, members=5, seed=6, now=NOW)


def fake_sentry(org: FakeOrg, **options: Any) -> contextlib.AbstractContextManager[FakeSentry]:
    """The fake on its own loop and thread (see ``serve_in_thread``), with the test token."""
    options.setdefault("token", TOKEN)
    return serve_in_thread(org, **options)


# -- worker processes -------------------------------------------------------------------------

SPAWN = multiprocessing.get_context("spawn")


def fetch_projects(job: dict[str, Any], go: Any, results: Any) -> None:
    """Worker process: ``projects.get`` for each of ``job["slugs"]``, after ``go`` is set.

    Puts one dict on ``results``: the projects found (slug -> id), each HTTP answer's status,
    ``X-Sentry-Rate-Limit-Reset`` (the server's window) and arrival time, and any error.
    """
    outcome: dict[str, Any] = {"name": job["name"], "found": {}, "answers": [], "error": None}
    try:
        asyncio.run(_fetch_projects(job, go, outcome))
    except BaseException as exc:  # report it: the parent asserts on it
        outcome["error"] = f"{type(exc).__name__}: {exc}"
    results.put(outcome)


async def _fetch_projects(job: dict[str, Any], go: Any, outcome: dict[str, Any]) -> None:
    import logging

    import aiohttp

    from sentry_async import RetryPolicy, SentryClient, fan_out
    from sentry_async.stores import RedisRateLimitStore

    logging.basicConfig(level=logging.WARNING)
    answers: list[tuple[int, str | None, float]] = outcome["answers"]

    async def on_request_end(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        response = params.response
        reset = response.headers.get("X-Sentry-Rate-Limit-Reset")
        answers.append((response.status, reset, time.time()))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    store = (
        RedisRateLimitStore(job["redis_url"], **job.get("store_options", {}))
        if job.get("redis_url")
        else None
    )
    retry = RetryPolicy(attempts=10, initial_backoff=0.01, max_backoff=0.1, deadline=120.0)
    try:
        async with (
            aiohttp.ClientSession(trace_configs=[trace]) as http,
            SentryClient(
                TOKEN, job["fake_url"], session=http, retry=retry, rate_limit_store=store
            ) as sentry,
        ):

            async def get(slug: str) -> str:
                project = await sentry.projects.get(ORG, slug)
                assert project.slug == slug
                return project.id

            if go.wait(60) is False:  # an Event (a Barrier raises if broken)
                raise RuntimeError("never told to go")
            async with fan_out(get, job["slugs"], concurrency=job["concurrency"]) as results:
                async for slug, project_id in results:
                    outcome["found"][slug] = project_id
    finally:
        if store is not None:
            await store.aclose()


def start_worker(job: dict[str, Any], go: Any, results: Any) -> BaseProcess:
    process = SPAWN.Process(target=fetch_projects, args=(job, go, results), name=job["name"])
    process.start()
    return process
