"""Organizations: the detailed shape (default for GET) and the summary nested elsewhere."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .common import Avatar
from .projects import Project
from .teams import Team

__all__ = ["Organization", "OrganizationLinks", "OrganizationQuota", "OrganizationStatus"]


@attrs.frozen(kw_only=True)
class OrganizationStatus:
    """Lifecycle status, e.g. ``active`` or ``pending_deletion``."""

    id: str
    name: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class OrganizationLinks:
    """Where the organization lives."""

    organization_url: str | None = None
    #: Base URL of the organization's data region. Self-hosted Sentry sends an empty string,
    #: which is decoded as None ("no separate region").
    region_url: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class OrganizationQuota:
    """Event ingestion quotas (detailed shape only)."""

    max_rate: int | None = None
    max_rate_interval: int | None = None
    account_limit: int | None = None
    project_limit: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Organization:
    """A Sentry organization.

    Decodes both the summary shape (lists, nested in projects) and the detailed shape returned
    by ``GET /organizations/{org}/``. Settings only present in the detailed shape are None when
    absent rather than a guessed False.
    """

    id: str
    slug: str
    name: str | None = None
    date_created: datetime | None = None
    status: OrganizationStatus | None = None
    avatar: Avatar | None = None
    links: OrganizationLinks | None = None
    is_early_adopter: bool | None = None
    require_2fa: bool | None = None
    require_email_verification: bool | None = None
    has_auth_provider: bool | None = None
    allow_member_invite: bool | None = None
    allow_member_project_creation: bool | None = None
    allow_superuser_access: bool | None = None
    features: list[str] | None = None
    # Detailed shape only from here on.
    #: The caller's organization role (``orgRole``, falling back to the legacy ``role``).
    role: str | None = None
    access: list[str] | None = None
    quota: OrganizationQuota | None = None
    is_default: bool | None = None
    default_role: str | None = None
    open_membership: bool | None = None
    allow_join_requests: bool | None = None
    allow_shared_issues: bool | None = None
    enhanced_privacy: bool | None = None
    data_scrubber: bool | None = None
    data_scrubber_defaults: bool | None = None
    scrub_ip_addresses: bool | None = None
    scrape_javascript: bool | None = None
    sensitive_fields: list[str] | None = None
    safe_fields: list[str] | None = None
    store_crash_reports: int | None = None
    attachments_role: str | None = None
    debug_files_role: str | None = None
    events_member_admin: bool | None = None
    alerts_member_write: bool | None = None
    pending_access_requests: int | None = None
    teams: list[Team] | None = None
    projects: list[Project] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
