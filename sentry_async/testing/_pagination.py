"""Sentry's cursor pagination: ``value:offset:is_prev`` cursors and the Link header.

Three cursor styles, as real endpoints use them:

- ``page``: OffsetPaginator (org projects), ``per_page:page:is_prev`` e.g. ``100:1:0``;
- ``row``: generic offset lists, ``0:row_offset:is_prev`` e.g. ``0:100:0``;
- ``keyed``: lists sorted by a descending key (epoch ms), ``key:skip:is_prev``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ._http import ApiError, Ctx, Reply, json_reply

__all__ = ["Cursor", "Page", "keyed_page", "link_header", "page_page", "paged_reply", "row_page"]

MAX_PER_PAGE = 100


@attrs.frozen
class Cursor:
    value: int | float
    offset: int
    is_prev: bool

    def __str__(self) -> str:
        return f"{self.value}:{self.offset}:{int(self.is_prev)}"


@attrs.frozen
class Page:
    """Which slice to serve, and the two cursors around it."""

    start: int
    stop: int
    prev: Cursor
    prev_results: bool
    next: Cursor
    next_results: bool


def parse_cursor(ctx: Ctx) -> Cursor | None:
    raw = ctx.query.get("cursor")
    if not raw:
        return None
    bits = raw.split(":")
    try:
        if len(bits) != 3:
            raise ValueError(raw)
        value = float(bits[0]) if "." in bits[0] else int(bits[0])
        return Cursor(value, int(bits[1]), bool(int(bits[2])))
    except ValueError:
        raise ApiError(400, {"detail": "Invalid cursor parameter."}) from None


def per_page(ctx: Ctx, name: str = "per_page", default: int = MAX_PER_PAGE) -> int:
    """The page size asked for in the ``name`` parameter (the issues list calls it ``limit``)."""
    raw = ctx.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, {"detail": f"Invalid {name} parameter."}) from None
    if not 1 <= value <= MAX_PER_PAGE:
        detail = f"Invalid {name} value. Must be between 1 and {MAX_PER_PAGE}."
        raise ApiError(400, {"detail": detail})
    return value


def row_page(ctx: Ctx, total: int, *, limit: int | None = None) -> Page:
    """Generic offset list: the cursor offset is the row to start at; ``limit`` overrides
    the ``per_page`` parameter."""
    limit = per_page(ctx) if limit is None else limit
    cursor = parse_cursor(ctx)
    start = max(0, cursor.offset) if cursor else 0
    stop = min(total, start + limit)
    return Page(
        start,
        max(start, stop),
        Cursor(0, max(0, start - limit), True),
        start > 0,
        Cursor(0, start + limit, False),
        start + limit < total,
    )


def page_page(ctx: Ctx, total: int) -> Page:
    """OffsetPaginator: the cursor offset is a page number, its value the page size."""
    limit = per_page(ctx)
    cursor = parse_cursor(ctx)
    page = cursor.offset if cursor else 0
    size = int(cursor.value) if cursor and cursor.value else limit
    start = page * size if page >= 0 else total  # a negative page is past the start: empty
    stop = min(total, start + limit)
    return Page(
        start,
        max(start, stop),
        Cursor(limit, page - 1, True),
        page > 0,
        Cursor(limit, page + 1, False),
        start + limit < total,
    )


def keyed_page(ctx: Ctx, keys_desc: Sequence[int]) -> Page:
    """Keyed list, newest first: ``key:skip`` resumes after the ``skip``-th item with ``key``.

    A cursor for position p carries the key of item p-1 and how many items with that key come
    before p, so ties never repeat or drop an item; value 0 means "from the start".
    """
    limit = per_page(ctx)
    cursor = parse_cursor(ctx)
    negated = [-key for key in keys_desc]  # ascending, for bisect
    total = len(keys_desc)

    def above(key: int | float) -> int:  # items whose key sorts strictly before ``key``
        return bisect.bisect_left(negated, -key)

    def cursor_at(position: int, is_prev: bool) -> Cursor:
        if position <= 0:
            return Cursor(0, 0, is_prev)
        key = keys_desc[position - 1]
        return Cursor(key, position - above(key), is_prev)

    if cursor is None:
        start = 0
    elif cursor.value == 0:
        start = min(total, max(0, cursor.offset))
    else:
        start = min(total, above(cursor.value) + max(0, cursor.offset))
    stop = min(total, start + limit)
    return Page(
        start,
        stop,
        cursor_at(max(0, start - limit), True),
        start > 0,
        cursor_at(stop, False),
        stop < total,
    )


def link_header(ctx: Ctx, page: Page) -> str:
    """``previous`` then ``next``, each with URL, ``results`` and ``cursor`` attributes.

    The URL is the link base (maybe another host) + raw path + the query minus ``cursor``
    + ``&cursor=C``, so an empty query gives ``?&cursor=`` exactly as Sentry does.
    """
    kept = [part for part in ctx.raw_query.split("&") if part and part.split("=")[0] != "cursor"]
    url = f"{ctx.link_base}{ctx.raw_path}?{'&'.join(kept)}&cursor="
    prev, nxt = page.prev, page.next
    return (
        f'<{url}{prev}>; rel="previous"; results="{str(page.prev_results).lower()}"; '
        f'cursor="{prev}", '
        f'<{url}{nxt}>; rel="next"; results="{str(page.next_results).lower()}"; cursor="{nxt}"'
    )


def paged_reply(
    ctx: Ctx,
    items: Sequence[Any],
    to_json: Callable[[Any], Any],
    style: Callable[[Ctx, int], Page] = row_page,
) -> Reply:
    """Serve one page of ``items`` with its Link header."""
    page = style(ctx, len(items))
    body = [to_json(item) for item in items[page.start : page.stop]]
    return json_reply(body, headers={"Link": link_header(ctx, page)})
