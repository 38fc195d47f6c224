"""pytest plugin: the ``sentry_fake`` fixture, a running fake Sentry plus a client bound to it.

Registered as a ``pytest11`` entry point, so every pytest session where sentry-async is
installed imports this module: it stays cheap and free of side effects. The fake (aiohttp.web)
and the client are imported only when a test asks for the fixture.

The fixture needs pytest-asyncio (``pip install "sentry-async[testing]"``); without it,
asking for ``sentry_fake`` fails with that advice instead of "fixture not found". It is a
``pytest_asyncio.fixture``, so it works in pytest-asyncio's default *strict* mode (mark the
tests that use it ``@pytest.mark.asyncio``) as well as with ``asyncio_mode = "auto"`` (no
marks needed)::

    import pytest

    @pytest.mark.asyncio          # not needed with asyncio_mode = "auto"
    async def test_projects(sentry_fake):
        ...

Override ``sentry_fake_options`` (keyword arguments of ``FakeSentry``) or
``sentry_fake_client_options`` (of ``SentryClient``) in a conftest to size the org, set rate
limits or faults::

    @pytest.fixture
    def sentry_fake_options():
        return {"org": FakeOrg.generate(projects=300), "rate_limit": RateLimitConfig(limit=40)}

    async def test_audit(sentry_fake):
        projects = await sentry_fake.client.projects.list("acme").collect()
        assert len(projects) == 300
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import pytest

if TYPE_CHECKING:
    from sentry_async import SentryClient
    from sentry_async.testing import FakeSentry

__all__ = [
    "SentryFake",
    "open_sentry_fake",
    "sentry_fake_client_options",
    "sentry_fake_options",
]

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
    from sentry_async import SentryClient
    from sentry_async.testing import FakeSentry

    options = {"token": FAKE_TOKEN, **(fake_options or {})}
    async with FakeSentry(**options) as fake:
        token = options["token"] or FAKE_TOKEN
        client_options = {"regions": False, **(client_options or {})}
        async with SentryClient(token, fake.url, **client_options) as client:
            yield SentryFake(fake, client)


@pytest.fixture
def sentry_fake_options() -> dict[str, Any]:
    """Keyword arguments for the ``FakeSentry`` of ``sentry_fake`` (default: small org)."""
    return {}


@pytest.fixture
def sentry_fake_client_options() -> dict[str, Any]:
    """Keyword arguments for the ``SentryClient`` of ``sentry_fake`` (token and URL are set)."""
    return {}


try:
    import pytest_asyncio
except ImportError:
    __all__ += ["sentry_fake"]

    @pytest.fixture(name="sentry_fake")
    def _sentry_fake_needs_pytest_asyncio() -> None:
        """Stands in for the real fixture when pytest-asyncio is missing, to say so."""
        pytest.fail(
            "the sentry_fake fixture needs pytest-asyncio: pip install "
            '"sentry-async[testing]" (then mark async tests @pytest.mark.asyncio, or set '
            'asyncio_mode = "auto")',
            pytrace=False,
        )
else:
    __all__ += ["sentry_fake"]

    @pytest_asyncio.fixture
    async def sentry_fake(
        sentry_fake_options: dict[str, Any], sentry_fake_client_options: dict[str, Any]
    ) -> AsyncIterator[SentryFake]:
        """A started ``FakeSentry`` (token ``fake-token`` unless overridden) and a client."""
        async with open_sentry_fake(sentry_fake_options, sentry_fake_client_options) as pair:
            yield pair
