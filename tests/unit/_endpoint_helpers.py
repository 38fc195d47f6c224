"""Shared pieces of the endpoint tests: URL patterns, Sentry Link headers, what was sent."""

from __future__ import annotations

import json
import re
from typing import Any

import attrs
from yarl import URL

from ._mockhttp import MockHttp
from .conftest import API

__all__ = ["NO_BODY", "Sent", "at", "link", "sent", "the_one"]

NO_BODY: Any = object()
"""``Sent.json`` of a request that carried no body at all."""


def at(path: str) -> re.Pattern[str]:
    """Match ``API + path`` exactly (trailing slash included) with any query string.

    Tests register responses with this and then assert the query that was actually sent,
    so a missing or extra parameter fails the assertion instead of "no mock matched".
    """
    return re.compile(re.escape(API + path) + r"(\?.*)?$")


def link(path: str, next_cursor: str, *, more: bool, previous: str = "0:0:1") -> str:
    """A ``Link`` header as Sentry writes it: previous entry first, URLs on another host
    (Sentry's configured prefix), ``results`` saying whether the next page has items."""
    base = f"https://sentry.io/api/0{path}"
    prev = f'<{base}?&cursor={previous}>; rel="previous"; results="false"; cursor="{previous}"'
    flag = "true" if more else "false"
    nxt = f'<{base}?&cursor={next_cursor}>; rel="next"; results="{flag}"; cursor="{next_cursor}"'
    return f"{prev}, {nxt}"


@attrs.frozen
class Sent:
    """One request as MockHttp recorded it."""

    method: str
    #: Scheme, host and path, without the query.
    url: str
    #: The query pairs in the order the client sent them (repeated names kept).
    query: list[tuple[str, str]]
    #: The decoded JSON body, or NO_BODY.
    json: Any
    headers: dict[str, str]

    @property
    def path(self) -> str:
        """The path relative to the API root, still percent-encoded."""
        assert self.url.startswith(API), self.url
        return self.url[len(API) :]


def sent(mocked: MockHttp) -> list[Sent]:
    """Every request made so far, in order (MockHttp groups them by method and URL,
    and its dict keeps the order in which each was first seen)."""
    out: list[Sent] = []
    for (method, url), calls in mocked.requests.items():
        for call in calls:
            data = call.kwargs.get("data")
            params = call.kwargs.get("params") or []
            out.append(
                Sent(
                    method=method,
                    url=str(URL(url).with_query(None)),
                    query=[(str(k), str(v)) for k, v in params],
                    json=NO_BODY if data is None else json.loads(data),
                    headers=dict(call.kwargs.get("headers") or {}),
                )
            )
    return out


def the_one(mocked: MockHttp) -> Sent:
    """The single request made; fails if there were none or several."""
    requests = sent(mocked)
    assert len(requests) == 1, [(r.method, r.url, r.query) for r in requests]
    return requests[0]
