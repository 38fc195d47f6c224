"""Organization members and the Sentry user accounts behind them."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._secret import secret_field
from .common import Avatar

__all__ = ["Member", "MemberTeamRole", "MemberUser", "MemberUserEmail"]


@attrs.frozen(kw_only=True)
class MemberUserEmail:
    """One e-mail address of a user account."""

    id: str | None = None
    email: str | None = None
    is_verified: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class MemberUser:
    """The Sentry account of a member who accepted the invitation."""

    id: str
    name: str | None = None
    username: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    avatar: Avatar | None = None
    is_active: bool | None = None
    is_managed: bool | None = None
    is_superuser: bool | None = None
    is_staff: bool | None = None
    has_password_auth: bool | None = None
    has2fa: bool | None = None
    date_joined: datetime | None = None
    last_login: datetime | None = None
    last_active: datetime | None = None
    emails: list[MemberUserEmail] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class MemberTeamRole:
    """A member's role in one team."""

    team_slug: str
    #: ``contributor`` or ``admin``; None means the organization role's default.
    role: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Member:
    """A member of an organization, or a pending invitation."""

    id: str
    email: str | None = None
    name: str | None = None
    #: None for pending invitations: there is no account yet.
    user: MemberUser | None = None
    #: Organization role (``member``, ``admin``, ``manager``, ``owner``, ``billing``...), read
    #: from ``orgRole`` with a fallback to the legacy ``role`` key.
    role: str | None = None
    role_name: str | None = None
    pending: bool | None = None
    expired: bool | None = None
    #: ``approved``, ``requested_to_be_invited`` or ``requested_to_join`` (plain ``str``).
    invite_status: str | None = None
    inviter_name: str | None = None
    #: Keys contain colons, e.g. ``sso:linked`` or ``idp:provisioned``.
    flags: Mapping[str, bool] | None = None
    date_created: datetime | None = None
    #: Team slugs (details only). None means the answer did not say, not "no teams": never
    #: send it back to ``members.update(teams=...)`` as ``[]``.
    teams: list[str] | None = None
    team_roles: list[MemberTeamRole] | None = None
    #: Carries the invitation's token (anyone holding it can join): left out of the repr.
    invite_link: str | None = secret_field()
    is_only_owner: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
