"""Run the fake Sentry as its own process (benchmarks, manual poking).

    python -m sentry_async.testing --port 0 --projects 100000 --rate-limit 40 --concurrent-limit 25

The first stdout line is the root URL; it then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from ._faults import Fault, FaultKind
from ._org import FakeOrg
from ._ratelimit import RateLimitConfig
from ._server import FakeSentry


def _fault(spec: str) -> Fault:
    """``KIND:PROBABILITY[:DELAY][=STATUS][@ROUTE]``, e.g. ``server_error:0.1``,
    ``slow:0.2:0.5``, or ``server_error:1=403@GET /projects/{org}/{project}/hooks/`` (a
    route Sentry refuses: any status, with Sentry's JSON error body)."""
    body, _, route = spec.partition("@")
    body, _, status = body.partition("=")
    kind, _, rest = body.partition(":")
    probability, _, delay = rest.partition(":")
    try:
        return Fault(
            FaultKind(kind),
            route.strip() or None,
            probability=float(probability or 1.0),
            delay=float(delay or 0.5),
            status=int(status) if status else None,
        )
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad fault {spec!r}: {exc}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sentry_async.testing", description="Serve a fake Sentry on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free one)")
    parser.add_argument("--org", default="acme", help="organization slug")
    parser.add_argument("--projects", type=int, help="project count (default 100; demo 540)")
    parser.add_argument("--members", type=int, help="member count (default 50; demo 230)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--demo", action="store_true", help="the demo org (sizes apply if given)")
    parser.add_argument("--rate-limit", type=int, help="requests per window, per route")
    parser.add_argument("--window", type=int, default=1, help="rate-limit window in seconds")
    parser.add_argument("--concurrent-limit", type=int, help="requests in flight, per route")
    parser.add_argument("--retry-after", action="store_true", help="send Retry-After on 429")
    parser.add_argument("--token", help="require this bearer token")
    parser.add_argument("--link-host", help="host put in Link URLs, e.g. https://other.example")
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="KIND:P[:DELAY][=STATUS][@ROUTE]",
        help=f"inject a fault; kinds: {', '.join(k.value for k in FaultKind)}; =STATUS sets "
        "the status (server_error:1=403@ROUTE: the route answers 403 Forbidden)",
    )
    return parser


async def _serve(args: argparse.Namespace) -> None:
    sizes = {
        name: value
        for name, value in (("projects", args.projects), ("members", args.members))
        if value is not None
    }
    if args.demo:
        org = FakeOrg.demo(slug=args.org, seed=args.seed or 2024, **sizes)
    else:
        org = FakeOrg.generate(
            args.org,
            projects=sizes.get("projects", 100),
            members=sizes.get("members", 50),
            seed=args.seed,
        )
    limits = RateLimitConfig(
        limit=args.rate_limit,
        window=args.window,
        concurrent_limit=args.concurrent_limit,
        retry_after=args.retry_after,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows' proactor loop
            loop.add_signal_handler(sig, stop.set)
    fake = FakeSentry(
        org,
        rate_limit=limits,
        faults=args.fault,
        token=args.token,
        link_host=args.link_host,
        port=args.port,
    )
    async with fake:
        print(fake.url, flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
