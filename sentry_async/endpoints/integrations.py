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

    def list_installations(self, org: str) -> Paginator[SentryAppInstallation]:
        """Sentry Apps installed in the organization."""
        route = Route.build("GET", "/organizations/{org}/sentry-app-installations/", org=org)
        return self._paginate(route, SentryAppInstallation)

    def list_external_issues(self, installation_uuid: str) -> Paginator[ExternalIssue]:
        """External issues an installation has linked to Sentry issues."""
        route = Route.build("GET", _EXTERNAL, uuid=installation_uuid)
        return self._paginate(route, ExternalIssue)

    async def create_external_issue(
        self,
        installation_uuid: str,
        *,
        issue_id: str | int,
        web_url: str,
        project: str,
        identifier: str,
    ) -> ExternalIssue:
        """Link a Sentry issue to an issue in your app (Sentry answers 200, not 201)."""
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
