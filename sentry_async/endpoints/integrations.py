"""``sentry.integrations``: Sentry App installations and their external issues."""

from __future__ import annotations

from ..models import ExternalIssue, SentryAppInstallation
from ..models._outgoing import to_wire
from ..pagination import Paginator
from ..route import Route
from ._base import Endpoint

__all__ = ["Integrations"]

_EXTERNAL = "/sentry-app-installations/{uuid}/external-issues/"


class Integrations(Endpoint):
    """Sentry App (integration platform) calls."""

    __slots__ = ()

    def list_installations(
        self, org: str, *, cursor: str | None = None, per_page: int | None = None
    ) -> Paginator[SentryAppInstallation]:
        """Sentry Apps installed in the organization, newest first."""
        route = Route.build("GET", "/organizations/{org}/sentry-app-installations/", org=org)
        return self._paginate(route, SentryAppInstallation, cursor=cursor, per_page=per_page)

    def list_external_issues(
        self,
        org: str,
        issue_id: str | int,
        *,
        cursor: str | None = None,
        per_page: int | None = None,
    ) -> Paginator[ExternalIssue]:
        """External issues linked to one Sentry issue, by every app (see ``service_type``).

        Sentry has no list under ``/sentry-app-installations/{uuid}/external-issues/`` (that
        path only takes POST); links are listed per issue, at
        ``/organizations/{org}/issues/{issue_id}/external-issues/``.
        """
        route = Route.build(
            "GET",
            "/organizations/{org}/issues/{issue_id}/external-issues/",
            org=org,
            issue_id=issue_id,
        )
        return self._paginate(route, ExternalIssue, cursor=cursor, per_page=per_page)

    async def create_external_issue(
        self,
        installation_uuid: str,
        *,
        issue_id: str | int,
        web_url: str,
        project: str,
        identifier: str,
    ) -> ExternalIssue:
        """Link Sentry issue ``issue_id`` to an issue in your app (Sentry answers 200, not
        201). ``project`` and ``identifier`` name it in your tracker (shown as
        ``project#identifier``). Needs the installation's token; a POST, never re-sent after
        an unclear failure."""
        body = to_wire(
            {
                "issue_id": int(issue_id),
                "web_url": web_url,
                "project": project,
                "identifier": identifier,
            }
        )
        route = Route.build("POST", _EXTERNAL, uuid=installation_uuid)
        return await self._fetch(route, ExternalIssue, json=body)

    async def delete_external_issue(
        self, installation_uuid: str, external_issue_id: str | int
    ) -> None:
        """Unlink an external issue."""
        route = Route.build(
            "DELETE",
            "/sentry-app-installations/{uuid}/external-issues/{external_issue_id}/",
            uuid=installation_uuid,
            external_issue_id=external_issue_id,
        )
        await self._send(route)
