"""A fake Sentry for the CLI tests (the helpers to run the CLI are in ``helpers``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sentry_async.testing import FakeOrg, FakeSentry

from .helpers import MEMBERS, PROJECTS, TOKEN


@pytest.fixture
async def fake() -> AsyncIterator[FakeSentry]:
    """A fake Sentry with a small generated org, requiring :data:`TOKEN`."""
    org = FakeOrg.generate(projects=PROJECTS, members=MEMBERS, seed=3)
    async with FakeSentry(org, token=TOKEN) as server:
        yield server
