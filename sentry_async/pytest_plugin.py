"""pytest plugin: the ``sentry_fake`` fixture, a running fake Sentry plus a client bound to it.

Registered as a ``pytest11`` entry point, so every pytest session where sentry-async is
installed imports this module: it lives outside ``sentry_async.testing`` and has no side
effects. Importing it imports ``sentry_async`` (the client, ~0.3-0.5 s); the fake
(aiohttp.web, ``sentry_async.testing``) is imported only when a test asks for the fixture.
Annotate with ``sentry_async.testing.SentryFake``; ``open_sentry_fake`` gives the same pair
outside pytest.

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

    from sentry_async.testing import FakeOrg, RateLimitConfig

    @pytest.fixture
    def sentry_fake_options():
        return {"org": FakeOrg.generate(projects=300), "rate_limit": RateLimitConfig(limit=40)}

    async def test_audit(sentry_fake):
        projects = await sentry_fake.client.projects.list("acme").collect()
        assert len(projects) == 300
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sentry_async.testing import SentryFake

__all__ = ["sentry_fake_client_options", "sentry_fake_options"]


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
        from sentry_async.testing import open_sentry_fake

        async with open_sentry_fake(sentry_fake_options, sentry_fake_client_options) as pair:
            yield pair
