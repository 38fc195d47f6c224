"""Handler plumbing: the request context, replies, API errors and JSON encoding.

Handlers return a :class:`Reply` (or raise :class:`ApiError`) instead of building aiohttp
responses, so the server can still rewrite the answer afterwards (faults, truncation).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web
from multidict import MultiDictProxy

from ._org import FakeOrg

__all__ = [
    "NOT_FOUND",
    "ApiError",
    "Ctx",
    "Handler",
    "Reply",
    "dumps",
    "field_error",
    "json_reply",
    "no_content",
    "not_found",
]

try:  # orjson is the optional "speed" extra; the fake serves big pages faster with it
    import orjson

    def dumps(data: Any) -> bytes:
        """Compact JSON bytes."""
        return orjson.dumps(data)

except ImportError:  # pragma: no cover - depends on the environment

    def dumps(data: Any) -> bytes:
        """Compact JSON bytes."""
        return json.dumps(data, separators=(",", ":")).encode()


JSON = "application/json"
NOT_FOUND = {"detail": "The requested resource does not exist"}


@attrs.frozen
class Reply:
    """A finished answer: status, body bytes, content type and extra headers."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = JSON
    headers: Mapping[str, str] = attrs.field(factory=dict)


class ApiError(Exception):
    """Raised by handlers to answer with an error status and JSON payload."""

    def __init__(
        self,
        status: int,
        payload: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, payload)
        self.status = status
        self.payload = payload
        self.headers = dict(headers or {})

    def reply(self) -> Reply:
        body = b"" if self.payload is None else dumps(self.payload)
        return Reply(self.status, body, JSON if body else None, self.headers)


def json_reply(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, dumps(data), JSON, headers or {})


def no_content() -> Reply:
    return Reply(204, b"", None)


def not_found() -> ApiError:
    return ApiError(404, NOT_FOUND)


def field_error(field: str, message: str, status: int = 400) -> ApiError:
    """A serializer error: ``{"field": ["message"]}``."""
    return ApiError(status, {field: [message]})


@attrs.define(slots=True)
class Ctx:
    """What a handler gets: the org, decoded path params, the request, and a few services."""

    request: web.BaseRequest
    org: FakeOrg
    params: dict[str, str]
    base_url: str  # the fake's own root URL
    link_base: str  # root URL put in Link headers (may be another host)
    now: float
    created: Counter[str]
    deleted: Counter[str]

    @property
    def query(self) -> MultiDictProxy[str]:
        return self.request.rel_url.query

    @property
    def raw_path(self) -> str:
        return self.request.rel_url.raw_path

    @property
    def raw_query(self) -> str:
        return self.request.rel_url.raw_query_string

    async def body(self) -> dict[str, Any]:
        """The JSON object body (any content type, as DRF and SCIM parse it); {} if empty."""
        raw = await self.request.read()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, {"detail": f"JSON parse error - {exc}"}) from None
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise ApiError(
                400,
                {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]},
            )
        return data


Handler = Callable[[Ctx], Awaitable[Reply]]
