"""Client key details: read, rename / enable / re-limit, delete."""

from __future__ import annotations

from typing import Any

from ._http import Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import project_of
from ._records import ClientKey
from ._routes import Route
from ._serialize import key_json
from ._validate import boolean, string

__all__ = ["ROUTES", "key_rate_limit"]


def key_rate_limit(body: dict[str, Any]) -> tuple[int, int] | None:
    """``rateLimit: {"window", "count"}`` as ``(window, count)``; None for null or absent."""
    value = body.get("rateLimit")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise field_error("rateLimit", "Invalid data.")
    window, count = value.get("window"), value.get("count")
    if not (
        isinstance(window, int) and _count(window) and isinstance(count, int) and _count(count)
    ):
        raise field_error("rateLimit", "window and count must be non-negative integers")
    return window, count


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _key(ctx: Ctx) -> ClientKey:
    for key in ctx.org.keys_of(project_of(ctx)):
        if key.id == ctx.params["key_id"]:
            return key
    raise not_found()


async def get_key(ctx: Ctx) -> Reply:
    return json_reply(key_json(_key(ctx), ctx.org))


async def update_key(ctx: Ctx) -> Reply:
    key = _key(ctx)
    body = await ctx.body()
    name = string(body, "name", max_length=64)
    active = boolean(body, "isActive")
    if "rateLimit" in body:
        key.rate_limit = key_rate_limit(body)
    if name is not None:
        key.label = name
    if active is not None:
        key.is_active = active
    ctx.org._touch()
    return json_reply(key_json(key, ctx.org))


async def delete_key(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    key = _key(ctx)
    ctx.org.keys_of(project).remove(key)
    ctx.org._touch()
    ctx.deleted["key"] += 1
    return no_content()


_KEY = "/projects/{org}/{project}/keys/{key_id}/"
ROUTES = [
    Route("GET", _KEY, get_key),
    Route("PUT", _KEY, update_key),
    Route("DELETE", _KEY, delete_key),
]
