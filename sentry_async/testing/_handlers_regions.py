"""``GET /users/me/regions/``: the regions the user has organizations in (control silo).

Served only by fakes given ``regions=`` (newer Sentry: sentry.io's control host, or a
self-hosted install listing itself); older self-hosted Sentry answers 404 there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._http import Ctx, Reply, json_reply, not_found
from ._routes import Route

__all__ = ["routes"]


def routes(regions: Callable[[], Sequence[tuple[str, str]] | None]) -> list[Route]:
    """The region listing route; ``regions()`` gives (name, URL) pairs at each request (a
    fake's regions may change), or None to answer 404."""

    async def list_user_regions(ctx: Ctx) -> Reply:
        listed = regions()
        if listed is None:
            raise not_found()
        return json_reply({"regions": [{"name": name, "url": url} for name, url in listed]})

    return [Route("GET", "/users/me/regions/", list_user_regions)]
