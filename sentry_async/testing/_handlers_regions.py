"""``GET /users/me/regions/``: the regions the user has organizations in (control silo).

Served only by fakes given ``regions=`` (newer Sentry: sentry.io's control host, or a
self-hosted install listing itself); older self-hosted Sentry answers 404 there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._http import Ctx, Reply, json_reply, not_found
from ._routes import Route

if TYPE_CHECKING:
    from ._server import FakeSentry

__all__ = ["routes"]


def routes(fake: FakeSentry) -> list[Route]:
    """The route of ``fake``'s region listing (read at each request: it may change)."""

    async def list_user_regions(ctx: Ctx) -> Reply:
        if fake.regions is None:
            raise not_found()
        regions = [{"name": name, "url": url} for name, url in fake.regions]
        return json_reply({"regions": regions})

    return [Route("GET", "/users/me/regions/", list_user_regions)]
