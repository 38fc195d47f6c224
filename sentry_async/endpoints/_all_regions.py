"""A paginator over every region: one list endpoint asked on each region host in turn.

sentry.io keeps each organization in one region, and each region host lists only its own
(the main host's ``GET /organizations/`` may miss the others). This pages each region
lazily, one after the other, and merges the items (an item seen in an earlier region is
not yielded twice). On an install that does not route (self-hosted, ``regions=False``)
it is an ordinary paginator on the base URL.

Cursors stay resumable: with several regions, ``Page.next_cursor`` is
``"<region>|<cursor>"`` (``"de|1700000000000:0:0"``; ``"de|"`` is the start of region
``de``), where ``<region>`` is the listed name, or the URL when the region has none. A
plain cursor (no ``|``) resumes the first region.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from typing import Any, TypeVar

from ..errors import PaginationError
from ..pagination import Page, PageStyle, Paginator
from ..pipeline import Pipeline
from ..regions import Region
from ..route import Route

__all__ = ["AllRegionsPaginator"]

T = TypeVar("T")
_SEP = "|"


class AllRegionsPaginator(Paginator[T]):
    """Every item of ``route`` from every region the user has organizations in.

    ``identity`` names an item (an org's ``id``): an item already yielded from another
    region is skipped. Otherwise used exactly like :class:`~sentry_async.Paginator`.
    """

    __slots__ = ("_identity",)

    def __init__(
        self,
        pipeline: Pipeline,
        route: Route,
        decode: Callable[[Any], T],
        *,
        identity: Callable[[T], Hashable],
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
        style: PageStyle = PageStyle.LINK,
    ) -> None:
        super().__init__(
            pipeline, route, decode, params=params, cursor=cursor, per_page=per_page, style=style
        )
        self._identity = identity

    async def _pages(self, *, prefetch: bool) -> AsyncIterator[Page[T]]:
        regions = await self._pipeline.regions()
        if len(regions) == 1 and not regions[0].routed:
            async for page in self._in(self._pipeline, self._cursor)._pages(prefetch=prefetch):
                yield page
            return
        start, cursor = self._resume(regions)
        seen: set[Hashable] = set()
        identity = self._identity
        for index in range(start, len(regions)):
            region = regions[index]
            after = regions[index + 1] if index + 1 < len(regions) else None
            inner = self._in(self._pipeline.at(region), cursor if index == start else None)
            async for page in inner._pages(prefetch=prefetch):
                items = []
                for item in page.items:
                    key = identity(item)
                    if key not in seen:
                        seen.add(key)
                        items.append(item)
                if page.next_cursor is not None:
                    following: str | None = _join(region, page.next_cursor)
                else:
                    following = None if after is None else _join(after, "")
                yield Page(
                    items=items,
                    cursor=_join(region, page.cursor or ""),
                    next_cursor=following,
                    headers=page.headers,
                )

    def _in(self, pipeline: Pipeline, cursor: str | None) -> Paginator[T]:
        return Paginator(
            pipeline,
            self._route,
            self._decode,
            params=self._params,
            cursor=cursor,
            per_page=self._per_page,
            style=self._style,
        )

    def _resume(self, regions: tuple[Region, ...]) -> tuple[int, str | None]:
        cursor = self._cursor
        if cursor is None or _SEP not in cursor:
            return 0, cursor
        name, _, rest = cursor.partition(_SEP)
        for index, region in enumerate(regions):
            if name in (region.name, region.url):
                return index, rest or None
        raise PaginationError(
            f"{self._route.key}: the cursor {cursor!r} resumes region {name!r}, which is not "
            f"among the regions listed now ({', '.join(_label(r) for r in regions)}); start "
            "again without a cursor",
            method=self._route.method,
            route=self._route.template,
        )


def _label(region: Region) -> str:
    return region.name or region.url


def _join(region: Region, cursor: str) -> str:
    return f"{_label(region)}{_SEP}{cursor}"
