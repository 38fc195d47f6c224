"""SCIM v2 users (``/organizations/{org}/scim/v2/Users``)."""

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ScimEmail", "ScimListResponse", "ScimMeta", "ScimName", "ScimUser"]


@attrs.frozen(kw_only=True)
class ScimEmail:
    """An e-mail address of a SCIM user."""

    value: str | None = None
    primary: bool | None = None
    #: Sentry always sends ``work``.
    type: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ScimName:
    """A SCIM name; Sentry fills both parts with ``N/A``."""

    given_name: str | None = None
    family_name: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ScimMeta:
    """SCIM resource metadata."""

    resource_type: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ScimUser:
    """An organization member as SCIM sees it.

    ``user_name`` is the Sentry username of a joined member and the invite e-mail of a
    pending one.
    """

    id: str
    user_name: str | None = None
    emails: list[ScimEmail] | None = None
    name: ScimName | None = None
    #: None when omitted, which Sentry does for Azure AD provisioning.
    active: bool | None = None
    sentry_org_role: str | None = None
    schemas: list[str] | None = None
    meta: ScimMeta | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ScimListResponse:
    """One page of a SCIM list; decode ``resources`` items with the matching model."""

    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    resources: list[Mapping[str, Any]] | None = None
    schemas: list[str] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
