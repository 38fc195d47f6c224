"""``--demo``: the bundled fake Sentry, in-process on 127.0.0.1, with the demo organization.

Limits are sentry.io-like: 40 requests per second per route and 25 in flight, so the audit
paces itself exactly as it would against the real service. The token is random, used only
between this process and its own fake, and never shown.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

__all__ = ["DEMO_ORG", "DEMO_SIZES", "DemoServer", "demo_server"]

DEMO_ORG = "acme"
#: (projects, members) per ``--demo-size``. "full" is the realistic default; "small" is for CI.
DEMO_SIZES = {"full": (540, 230), "small": (60, 70)}
RATE_LIMIT = 40
CONCURRENT_LIMIT = 25


@dataclass(frozen=True)
class DemoServer:
    url: str
    token: str
    org: str


@contextlib.asynccontextmanager
async def demo_server(org: str = DEMO_ORG, size: str = "full") -> AsyncIterator[DemoServer]:
    """Serve ``FakeOrg.demo()`` for the duration of the block."""
    from sentry_async.testing import FakeOrg, FakeSentry, RateLimitConfig

    projects, members = DEMO_SIZES[size]
    token = secrets.token_urlsafe(24)
    fake = FakeSentry(
        FakeOrg.demo(slug=org, projects=projects, members=members),
        rate_limit=RateLimitConfig(limit=RATE_LIMIT, concurrent_limit=CONCURRENT_LIMIT),
        token=token,
    )
    async with fake:
        yield DemoServer(url=fake.url, token=token, org=org)
