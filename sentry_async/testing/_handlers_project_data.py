"""Per-project sub-resources: users, tag values, client keys and service hooks."""

from __future__ import annotations

from typing import Any

from ._handlers_keys import key_rate_limit
from ._http import Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import project_of
from ._pagination import paged_reply
from ._records import Project, ServiceHook
from ._routes import Route
from ._serialize import hook_json, key_json
from ._synth import TAG_KEYS, project_users, tag_values
from ._validate import required_url, string, string_list, url

__all__ = ["ROUTES"]

HOOK_EVENTS = ("event.alert", "event.created")
# ``query=field:value`` prefixes the users endpoint understands, and the JSON key each reads.
_USER_FIELDS = {"id": "identifier", "email": "email", "username": "username", "ip": "ipAddress"}


async def list_users(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    users = project_users(ctx.org.seed, project, ctx.org.now)
    query = ctx.query.get("query")
    if query:
        # Sentry needs a ``field:value`` query and answers [] for anything else.
        field, _, value = query.strip().partition(":")
        key = _USER_FIELDS.get(field)
        users = [u for u in users if key is not None and u[key] == value]
    return paged_reply(ctx, users, _same)


async def list_tag_values(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    key = ctx.params["key"]
    if key not in TAG_KEYS:
        raise not_found()
    return paged_reply(ctx, tag_values(ctx.org.seed, project, key, ctx.org.now), _same)


async def list_keys(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    keys = ctx.org.keys_of(project)
    status = ctx.query.get("status")
    if status in ("active", "inactive"):
        keys = [key for key in keys if key.is_active == (status == "active")]
    return paged_reply(ctx, keys, lambda key: key_json(key, ctx.org))


async def create_key(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    body = await ctx.body()
    label = string(body, "name", max_length=64) or "Default"
    rate_limit = key_rate_limit(body)
    key = ctx.org.add_key(project, label)
    if rate_limit is not None:
        key.rate_limit = rate_limit
    ctx.created["key"] += 1
    return json_reply(key_json(key, ctx.org), status=201)


async def list_hooks(ctx: Ctx) -> Reply:
    return paged_reply(ctx, ctx.org.hooks_of(project_of(ctx)), hook_json)


def _events(body: dict[str, Any]) -> list[str] | None:
    events = string_list(body, "events")
    for event in events or ():
        if event not in HOOK_EVENTS:
            raise field_error("events", f"Invalid event name: {event}")
    return events


async def create_hook(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    body = await ctx.body()
    hook_url = required_url(body, "url")
    events = _events(body) or []
    hook = ctx.org.add_hook(project, hook_url, events)
    ctx.created["hook"] += 1
    return json_reply(hook_json(hook), status=201)


def _hook(ctx: Ctx, project: Project) -> ServiceHook:
    for hook in ctx.org.hooks_of(project):
        if hook.id == ctx.params["hook_id"]:
            return hook
    raise not_found()


async def get_hook(ctx: Ctx) -> Reply:
    return json_reply(hook_json(_hook(ctx, project_of(ctx))))


async def update_hook(ctx: Ctx) -> Reply:
    hook = _hook(ctx, project_of(ctx))
    body = await ctx.body()
    hook_url = url(body, "url")
    events = _events(body)
    if hook_url is not None:
        hook.url = hook_url
    if events is not None:
        hook.events = events
    return json_reply(hook_json(hook))


async def delete_hook(ctx: Ctx) -> Reply:
    project = project_of(ctx)
    hook = _hook(ctx, project)
    ctx.org.hooks_of(project).remove(hook)
    ctx.deleted["hook"] += 1
    return no_content()


def _same(item: Any) -> Any:
    return item


_HOOK = "/projects/{org}/{project}/hooks/{hook_id}/"
ROUTES = [
    Route("GET", "/projects/{org}/{project}/users/", list_users),
    Route("GET", "/projects/{org}/{project}/tags/{key}/values/", list_tag_values),
    Route("GET", "/projects/{org}/{project}/keys/", list_keys),
    Route("POST", "/projects/{org}/{project}/keys/", create_key),
    Route("GET", "/projects/{org}/{project}/hooks/", list_hooks),
    Route("POST", "/projects/{org}/{project}/hooks/", create_hook),
    Route("GET", _HOOK, get_hook),
    Route("PUT", _HOOK, update_hook),
    Route("DELETE", _HOOK, delete_hook),
]
