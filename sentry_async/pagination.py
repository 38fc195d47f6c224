"""Paginator: async iteration over Sentry's paged lists, resumable from any cursor.

Two paging schemes, one interface:

- ``LINK`` (most lists): the ``cursor`` attribute of the ``rel="next"`` Link entry, followed
  only while ``results="true"``. The URL in the header is never followed: Sentry builds it
  from its own configured host, which need not be the one you called.
- ``SCIM``: ``startIndex`` / ``count`` parameters and ``totalResults`` in the body; the
  cursor is the next ``startIndex``.
- ``SINGLE``: the endpoint answers one list and has no paging.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Any, Generic, TypeVar

import attrs

from .decode import DecodedItems, decode_items, inconsistent_answer, undecodable_error
from .errors import PaginationError, UndecodableItemsError
from .pipeline import Pipeline
from .route import Route
from .wire import Answer

__all__ = ["Page", "PageStyle", "Paginator"]

T = TypeVar("T")


class PageStyle(enum.Enum):
    """How an endpoint pages."""

    LINK = "link"
    SCIM = "scim"
    SINGLE = "single"


@attrs.frozen(slots=True)
class Page(Generic[T]):
    """One page: its items, the cursor that fetched it and the one for the next page.

    Save ``next_cursor`` to resume later with ``cursor=`` (None: this was the last page).
    ``headers`` holds the raw answer headers (e.g. ``X-Hits``). ``undecodable`` holds the
    JSON values of items that could not be decoded (usually empty); when it is not, the
    paginator raises UndecodableItemsError right after yielding this page.
    """

    items: list[T]
    cursor: str | None
    next_cursor: str | None
    headers: Mapping[str, str] = attrs.field(repr=False)
    undecodable: list[Any] = attrs.field(factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def hits(self) -> int | None:
        """How many items match in all (``X-Hits``), where the endpoint reports it (issues).

        None when the header is absent or not a count. Sentry may cap or estimate it.
        """
        for name, value in self.headers.items():
            if name.lower() == "x-hits":
                text = value.strip()
                return int(text) if text.isascii() and text.isdigit() else None
        return None


class Paginator(Generic[T]):
    """An async iterable over every item of a list endpoint, fetched a page at a time.

    ``async for item in paginator`` yields items; ``pages()`` yields :class:`Page` objects;
    ``collect(limit=None)`` gathers into a list. Each iteration starts again from the
    cursor given at construction, so a Paginator can be iterated more than once.

    An item that cannot be decoded never costs the others: the page's decodable items are
    delivered, then UndecodableItemsError is raised carrying the undecodable items' JSON
    (``.items``) and the cursor of the next page (``.next_cursor``) to go on from; from
    ``collect()`` it also carries every item gathered so far (``.collected``). Going on
    with ``cursor=exc.next_cursor`` requests that next page again even if ``async for``
    had already prefetched it (the prefetch is cancelled or discarded with the iteration):
    one extra request, never a lost or repeated item.
    """

    __slots__ = (
        "_cursor",
        "_decode",
        "_page_size_param",
        "_params",
        "_per_page",
        "_pipeline",
        "_route",
        "_style",
    )

    def __init__(
        self,
        pipeline: Pipeline,
        route: Route,
        decode: Callable[[Any], T],
        *,
        params: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
        style: PageStyle = PageStyle.LINK,
        page_size_param: str = "per_page",
    ) -> None:
        if per_page is not None and (isinstance(per_page, bool) or per_page < 1):
            raise ValueError(f"per_page must be a positive int, not {per_page!r}")
        if style is PageStyle.SINGLE and (cursor is not None or per_page is not None):
            raise ValueError(f"{route.template} returns a single page: no cursor or per_page")
        self._pipeline = pipeline
        self._route = route
        self._decode = decode
        self._params = dict(params or {})
        self._cursor = cursor
        self._per_page = per_page
        self._style = style
        # Most lists read ``per_page``; the issue search reads ``limit``.
        self._page_size_param = page_size_param

    def __repr__(self) -> str:
        return f"<Paginator {self._route.key} cursor={self._cursor!r}>"

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self._pages(prefetch=True):
            for item in page.items:
                yield item

    async def collect(self, limit: int | None = None) -> list[T]:
        """Every item (or the first ``limit``) as a list; fetches no page beyond the limit.

        Raises UndecodableItemsError (``.collected`` holding the first ``limit`` good items)
        when a page it read had undecodable items, even if the good items reached the
        limit: where the bad items stood among them is not known, so they may have been
        within the first ``limit``.
        """
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        out: list[T] = []
        if limit == 0:
            return out
        try:
            async for page in self._pages(prefetch=limit is None):
                out.extend(page.items)
                if limit is not None and len(out) >= limit:
                    del out[limit:]
                    if not page.undecodable:
                        break
                    # Go on: the generator raises UndecodableItemsError for this page.
        except UndecodableItemsError as exc:
            exc.collected = out
            raise
        return out

    def pages(self, *, prefetch: bool = False) -> AsyncIterator[Page[T]]:
        """Yield each page in turn, starting from the cursor given at construction.

        With ``prefetch=True`` the next page is requested while you work on the current
        one, so I/O and decoding overlap; leaving early then cancels that one request.
        Iterating items (``async for``) and ``collect()`` without a limit always prefetch.
        """
        return self._pages(prefetch=prefetch)

    async def _pages(self, *, prefetch: bool) -> AsyncIterator[Page[T]]:
        cursor = self._cursor
        seen: set[str | None] = {cursor}
        ahead: asyncio.Future[Answer] | None = None
        try:
            answer = await self._send(cursor)
            while True:
                following = answer.next_cursor if self._style is PageStyle.LINK else None
                if prefetch and following is not None and following not in seen:
                    ahead = asyncio.ensure_future(self._send(following))
                    await asyncio.sleep(0)  # let it go out before this page is decoded
                page, reasons = self._page(answer, cursor)
                yield page
                if page.undecodable:
                    raise undecodable_error(
                        answer,
                        DecodedItems(page.items, page.undecodable, reasons),
                        f"items of {self._route.template}",
                        page.next_cursor,
                    )
                cursor = page.next_cursor
                if cursor is None:
                    return
                if cursor in seen:
                    raise PaginationError(
                        f"{self._route.key}: the server sent cursor {cursor!r} a second time; "
                        "stopped instead of looping forever (the pages so far were delivered)",
                        method=self._route.method,
                        route=self._route.template,
                        url=answer.url,
                    )
                seen.add(cursor)
                if ahead is not None:
                    answer, ahead = await ahead, None
                else:
                    answer = await self._send(cursor)
        finally:
            if ahead is not None and not ahead.done():
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead
            elif ahead is not None and not ahead.cancelled():
                ahead.exception()  # retrieved, so an unused failure is not reported as lost

    def _send(self, cursor: str | None) -> Coroutine[Any, Any, Answer]:
        return self._pipeline.send(self._route, params=self._query(cursor))

    def _query(self, cursor: str | None) -> dict[str, Any]:
        query = dict(self._params)
        if self._style is PageStyle.SCIM:
            query["startIndex"] = cursor or "1"
            query["count"] = self._per_page
        elif self._style is PageStyle.LINK:
            query["cursor"] = cursor
            query[self._page_size_param] = self._per_page
        return query

    def _page(self, answer: Answer, cursor: str | None) -> tuple[Page[T], list[str]]:
        name = self._route.template
        if self._style is PageStyle.SCIM:
            return self._scim_page(answer, cursor)
        decoded = decode_items(answer, answer.payload, self._decode, f"items of {name}")
        following = answer.next_cursor if self._style is PageStyle.LINK else None
        return self._make_page(answer, decoded, cursor, following)

    def _make_page(
        self, answer: Answer, decoded: DecodedItems[T], cursor: str | None, following: str | None
    ) -> tuple[Page[T], list[str]]:
        page = Page(
            items=decoded.items,
            cursor=cursor,
            next_cursor=following,
            headers=answer.headers,
            undecodable=decoded.undecodable,
        )
        return page, decoded.reasons

    def _scim_page(self, answer: Answer, cursor: str | None) -> tuple[Page[T], list[str]]:
        body = answer.payload
        if not isinstance(body, dict):
            decode_items(answer, None, self._decode, "SCIM resources")  # raises DecodeError
        # SCIM attribute names are case-insensitive (RFC 7643 §2.1): ``resources`` counts.
        fields = {key.lower(): value for key, value in body.items() if isinstance(key, str)}
        resources = fields.get("resources")
        start = _as_int(fields.get("startindex")) or _as_int(cursor) or 1
        total = _as_int(fields.get("totalresults"))
        if not resources and total is not None and start <= total:
            # A deprovisioning sync must not read "nobody is listed" from a page that says
            # there are users but carries none of them.
            shown = "missing" if "resources" not in fields else repr(resources)
            raise inconsistent_answer(
                answer,
                f"a usable SCIM page: it says totalResults={total} from startIndex={start} "
                f"but its Resources is {shown}, so the users it counts were not sent",
            )
        if resources is None:
            # SCIM (RFC 7644 §3.4.2) lets an empty page leave ``Resources`` out or null.
            resources = []
        decoded = decode_items(answer, resources, self._decode, "SCIM resources")
        following = None
        count = len(resources)
        if count and total is not None and start + count - 1 < total:
            following = str(start + count)
        return self._make_page(answer, decoded, cursor, following)


def _as_int(value: Any) -> int | None:
    """A SCIM count or index: an int, a string of digits, or an integral float (``3.0``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2.0**53:
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
