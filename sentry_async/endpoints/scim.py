"""``sentry.scim``: SCIM v2 user provisioning (needs SAML with SCIM enabled, and a SCIM token).

SCIM paths have no trailing slash, page with ``startIndex``/``count``, and answer errors in
the SCIM envelope; they map onto the same error classes as the rest of the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import ScimUser
from ..models._outgoing import scim_patch, to_wire
from ..pagination import PageStyle, Paginator
from ..route import Route
from ..sentinel import UNSET, Unset
from ._base import Endpoint

__all__ = ["Scim"]

_USERS = "/organizations/{org}/scim/v2/Users"
_USER = "/organizations/{org}/scim/v2/Users/{user_id}"


class Scim(Endpoint):
    """SCIM v2 Users of an organization."""

    __slots__ = ()

    def list_users(
        self,
        org: str,
        *,
        filter: str | None = None,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[ScimUser]:
        """Active members as SCIM users. ``filter`` supports only ``userName eq "x"``;
        ``cursor`` is a 1-based ``startIndex``, ``per_page`` the SCIM ``count``."""
        route = Route.build("GET", _USERS, org=org)
        return self._paginate(
            route,
            ScimUser,
            params={"filter": filter},
            cursor=cursor,
            per_page=per_page,
            style=PageStyle.SCIM,
        )

    async def get_user(self, org: str, user_id: str | int) -> ScimUser:
        """One SCIM user (a member id)."""
        return await self._fetch(Route.build("GET", _USER, org=org, user_id=user_id), ScimUser)

    async def provision_user(
        self,
        org: str,
        *,
        user_name: str,
        sentry_org_role: str | Unset = UNSET,
        given_name: str | Unset = UNSET,
        family_name: str | Unset = UNSET,
        emails: Sequence[str] | Unset = UNSET,
        active: bool | Unset = UNSET,
    ) -> ScimUser:
        """Invite ``user_name`` (an email) with the SCIM core User body (RFC 7643 §4.1).

        ``given_name``/``family_name`` are sent as ``name.givenName``/``name.familyName``,
        ``emails`` as ``[{"value", "primary", "type": "work"}]`` with the first one primary,
        ``active`` as is, ``sentry_org_role`` as ``sentryOrgRole``; what is not given is not
        sent. Sentry stores only ``userName`` and ``sentryOrgRole`` (it answers ``N/A``
        names) but identity providers send the rest, so servers that read it get it.
        A POST: never re-sent after an unclear failure; a duplicate answers Conflict.
        """
        if isinstance(emails, str):
            raise TypeError("emails must be a sequence of addresses, not one string")
        name = to_wire({"given_name": given_name, "family_name": family_name})
        body = to_wire(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "user_name": user_name,
                "name": name or UNSET,
                "emails": UNSET
                if isinstance(emails, Unset)
                else [
                    {"value": email, "primary": index == 0, "type": "work"}
                    for index, email in enumerate(emails)
                ],
                "active": active,
                "sentry_org_role": sentry_org_role,
            }
        )
        return await self._fetch(Route.build("POST", _USERS, org=org), ScimUser, json=body)

    async def set_role(self, org: str, user_id: str | int, sentry_org_role: str) -> ScimUser:
        """Change a member's organization role through SCIM (PUT ``sentryOrgRole``)."""
        body = to_wire({"sentry_org_role": sentry_org_role})
        route = Route.build("PUT", _USER, org=org, user_id=user_id)
        return await self._fetch(route, ScimUser, json=body)

    async def patch_user(
        self, org: str, user_id: str | int, operations: Sequence[Mapping[str, Any]]
    ) -> ScimUser | None:
        """Apply SCIM PatchOp ``operations``; None when Sentry answers 204 (deactivation,
        which removes the member)."""
        if not operations:
            raise ValueError("operations must not be empty")
        route = Route.build("PATCH", _USER, org=org, user_id=user_id)
        answer = await self._pipeline.send(route, json=scim_patch([dict(op) for op in operations]))
        if answer.payload is None:
            return None
        return self._decode(answer, ScimUser)

    async def set_active(self, org: str, user_id: str | int, active: bool) -> ScimUser | None:
        """Set ``active``; ``False`` deactivates, which in Sentry removes the member (204 ->
        None). Sentry supports no other PATCH: ``True`` answers BadRequest ("Invalid Patch
        Operation."), which other SCIM servers may accept.

        Raises TypeError when ``active`` is not a ``bool``: ``"false"`` or ``0`` would
        otherwise be sent as ``true``.
        """
        if not isinstance(active, bool):
            raise TypeError(f"active must be True or False, got {type(active).__name__} {active!r}")
        operation = {"op": "replace", "path": "active", "value": active}
        return await self.patch_user(org, user_id, [operation])

    async def delete_user(self, org: str, user_id: str | int) -> None:
        """Remove the member."""
        await self._send(Route.build("DELETE", _USER, org=org, user_id=user_id))
