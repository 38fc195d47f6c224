"""What the ``sentry_fake`` pytest fixture yields, and the context manager behind it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import attrs

from sentry_async.client import SentryClient

from ._server import FakeSentry

__all__ = ["FAKE_TOKEN", "SentryFake", "open_sentry_fake"]

FAKE_TOKEN = "fake-token"


@attrs.frozen
class SentryFake:
    """What ``sentry_fake`` yields: the running fake and an open client pointed at it."""

    fake: FakeSentry
    client: SentryClient


@contextlib.asynccontextmanager
async def open_sentry_fake(
    fake_options: Mapping[str, Any] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> AsyncIterator[SentryFake]:
    """Start a ``FakeSentry(**fake_options)`` and open a ``SentryClient`` bound to it.

    The fake requires the token ``fake-token`` unless ``fake_options`` sets ``token``; the
    client sends whatever token the fake expects. The fake is one host, so the client does
    not probe for regions (``regions=False``) unless ``client_options`` say otherwise, and
    the fake's counters show the test's own requests only. Both are closed on exit.
    """
    options = {"token": FAKE_TOKEN, **(fake_options or {})}
    async with FakeSentry(**options) as fake:
        token = options["token"] or FAKE_TOKEN
        client_options = {"regions": False, **(client_options or {})}
        async with SentryClient(token, fake.url, **client_options) as client:
            yield SentryFake(fake, client)
