"""Sentry App (integration platform) installations and their external issues."""

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "ExternalIssue",
    "SentryAppInstallation",
    "SentryAppInstallationApp",
    "SentryAppInstallationOrganization",
]


@attrs.frozen(kw_only=True)
class SentryAppInstallationApp:
    """The app that was installed."""

    uuid: str
    slug: str | None = None
    sentry_app_id: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class SentryAppInstallationOrganization:
    """The organization the app is installed in."""

    slug: str
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class SentryAppInstallation:
    """An installation of a Sentry App in an organization."""

    uuid: str
    #: ``pending`` or ``installed`` (plain ``str``).
    status: str | None = None
    app: SentryAppInstallationApp | None = None
    organization: SentryAppInstallationOrganization | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class ExternalIssue:
    """A link from a Sentry issue to an issue in the app's own tracker."""

    id: str
    issue_id: str | None = None
    service_type: str | None = None
    display_name: str | None = None
    web_url: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
