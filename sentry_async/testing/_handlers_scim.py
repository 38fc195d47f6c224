"""SCIM v2 Users: startIndex/count paging, ``userName eq`` filter, PatchOp deactivation.

SCIM sees approved members only, ordered by email; every error uses the SCIM envelope.

As in Sentry's SCIM member endpoints: a POST reads only ``userName`` and ``sentryOrgRole``
(``name``, ``emails`` and ``active`` are accepted and ignored; answers always carry the
``N/A`` name); a PATCH acts on its first operation alone: a deactivation removes the
member (204), anything else (``active: true`` included) answers 400 "Invalid Patch
Operation.". Not modelled: partnership-managed members (403 in Sentry).
"""

from __future__ import annotations

import re
from typing import Any

from ._http import ApiError, Ctx, Reply, json_reply, no_content
from ._records import Member
from ._routes import Route
from ._serialize import scim_user_json

__all__ = ["ROUTES", "scim_error"]

LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
_FILTER = re.compile(r"""^\s*username\s+eq\s+(?:"([^"]*)"|'([^']*)')\s*$""", re.IGNORECASE)
_ROLES = ("member", "admin", "manager", "billing")  # SCIM may not grant owner
_ONLY_OWNER = "You cannot remove the only remaining owner of the organization."


def scim_error(status: int, detail: str | None = None, scim_type: str | None = None) -> ApiError:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA]}
    if scim_type is not None:
        body["scimType"] = scim_type
    if detail is not None:
        body["detail"] = detail
    return ApiError(status, body)


def _check_enabled(ctx: Ctx) -> None:
    if not ctx.org.scim_enabled:
        raise ApiError(403, {"detail": "You do not have permission to perform this action."})


def _scim_members(ctx: Ctx) -> list[Member]:
    members = [m for m in ctx.org.members.values() if m.invite_status == "approved"]
    members.sort(key=lambda m: (m.email, int(m.id) if m.id.isdigit() else 0))
    return members


def _int_param(ctx: Ctx, name: str, default: int, minimum: int) -> int:
    raw = ctx.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise scim_error(400, f"{name}: A valid integer is required.") from None
    if value < minimum:
        raise scim_error(400, f"{name}: Ensure this value is greater than or equal to {minimum}.")
    return value


async def list_users(ctx: Ctx) -> Reply:
    _check_enabled(ctx)
    start = _int_param(ctx, "startIndex", 1, 1)
    count = min(100, _int_param(ctx, "count", 100, 0))
    members = _scim_members(ctx)
    raw_filter = ctx.query.get("filter")
    if raw_filter:
        found = _FILTER.match(raw_filter)
        if found is None:
            raise scim_error(400, scim_type="invalidFilter")
        wanted = (found.group(1) if found.group(1) is not None else found.group(2)).casefold()
        members = [m for m in members if m.email.casefold() == wanted]
    page = members[start - 1 : start - 1 + count]
    return json_reply(
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": len(members),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [scim_user_json(m) for m in page],
        }
    )


def _user(ctx: Ctx) -> Member:
    _check_enabled(ctx)
    member = ctx.org.members.get(ctx.params["member_id"])
    if member is None or member.invite_status != "approved":
        raise scim_error(404, "User not found.")
    return member


def _role(body: dict[str, Any]) -> str | None:
    role = body.get("sentryOrgRole")
    if role is None:
        return None
    if role not in _ROLES:
        raise scim_error(400, "Invalid organization role.")
    return str(role)


async def provision_user(ctx: Ctx) -> Reply:
    _check_enabled(ctx)
    body = await ctx.body()
    email = body.get("userName")
    if not isinstance(email, str) or "@" not in email:
        raise scim_error(400, "Invalid userName.", "invalidValue")
    role = _role(body) or "member"
    if ctx.org.member_by_email(email) is not None:
        raise scim_error(409, "User already exists in the database.")
    member = ctx.org.add_member(
        Member(
            id=ctx.org.new_id(),
            email=email,
            name=email,
            role=role,
            date_created=ctx.now,
            idp_provisioned=True,
        )
    )
    ctx.created["scim_user"] += 1
    return json_reply(scim_user_json(member), status=201)


async def get_user(ctx: Ctx) -> Reply:
    return json_reply(scim_user_json(_user(ctx)))


async def put_user(ctx: Ctx) -> Reply:
    member = _user(ctx)
    role = _role(await ctx.body())
    if role is not None:
        if ctx.org.is_only_owner(member):
            raise scim_error(403, _ONLY_OWNER)
        member.role = role
    return json_reply(scim_user_json(member))


def _deactivates(operation: Any) -> bool:
    """True for ``replace`` of ``active`` with false (either spelling IdPs use)."""
    if not isinstance(operation, dict) or str(operation.get("op", "")).lower() != "replace":
        return False
    path, value = operation.get("path"), operation.get("value")
    if isinstance(value, dict):
        value = value.get("active")
    elif path != "active":
        return False
    if isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"  # Azure AD sends "False"
    return value is False


async def patch_user(ctx: Ctx) -> Reply:
    member = _user(ctx)
    body = await ctx.body()
    operations = body.get("Operations")
    if not isinstance(operations, list) or not 0 < len(operations) <= 100:
        raise scim_error(400, "Invalid Patch Operation.")
    # Sentry decides on the first operation: deactivation is the only one it supports.
    if not _deactivates(operations[0]):
        raise scim_error(400, "Invalid Patch Operation.")
    _remove(ctx, member)
    return no_content()


def _remove(ctx: Ctx, member: Member) -> None:
    if ctx.org.is_only_owner(member):
        raise scim_error(403, _ONLY_OWNER)
    del ctx.org.members[member.id]
    ctx.deleted["scim_user"] += 1


async def delete_user(ctx: Ctx) -> Reply:
    _remove(ctx, _user(ctx))
    return no_content()


_USERS = "/organizations/{org}/scim/v2/Users"
_USER = "/organizations/{org}/scim/v2/Users/{member_id}"
ROUTES = [
    Route("GET", _USERS, list_users),
    Route("POST", _USERS, provision_user),
    Route("GET", _USER, get_user),
    Route("PUT", _USER, put_user),
    Route("PATCH", _USER, patch_user),
    Route("DELETE", _USER, delete_user),
]
