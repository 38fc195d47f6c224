"""Sentry App installations and the external issues they link (create answers 200)."""

from __future__ import annotations

from ._http import Ctx, Reply, field_error, json_reply, no_content, not_found
from ._lookup import installation_of
from ._pagination import paged_reply
from ._routes import Route
from ._serialize import external_issue_json, installation_json
from ._validate import required_string, required_url

__all__ = ["ROUTES"]


async def list_installations(ctx: Ctx) -> Reply:
    installations = list(ctx.org.installations.values())
    return paged_reply(ctx, installations, lambda inst: installation_json(inst, ctx.org))


async def list_issue_external_issues(ctx: Ctx) -> Reply:
    """Sentry lists external issues per Sentry issue, across the org's installations."""
    issue_id = ctx.params["issue_id"]
    linked = [
        issue
        for installation in ctx.org.installations.values()
        for issue in installation.external_issues
        if issue.issue_id == issue_id
    ]
    return json_reply([external_issue_json(issue) for issue in linked])


async def create_external_issue(ctx: Ctx) -> Reply:
    installation = installation_of(ctx)
    body = await ctx.body()
    issue_id = body.get("issueId")
    if isinstance(issue_id, bool) or not isinstance(issue_id, (int, str)):
        raise field_error("issueId", "This field is required.")
    if not str(issue_id).isdigit():
        raise field_error("issueId", "A valid integer is required.")
    web_url = required_url(body, "webUrl")
    project = required_string(body, "project")
    identifier = required_string(body, "identifier")
    issue = ctx.org.add_external_issue(
        installation, str(issue_id), web_url, display_name=f"{project}#{identifier}"
    )
    ctx.created["external_issue"] += 1
    return json_reply(external_issue_json(issue))  # 200, not 201, as Sentry answers


async def delete_external_issue(ctx: Ctx) -> Reply:
    installation = installation_of(ctx)
    for issue in installation.external_issues:
        if issue.id == ctx.params["external_issue_id"]:
            installation.external_issues.remove(issue)
            ctx.deleted["external_issue"] += 1
            return no_content()
    raise not_found()


_ISSUES = "/sentry-app-installations/{uuid}/external-issues/"
ROUTES = [
    Route("GET", "/organizations/{org}/sentry-app-installations/", list_installations),
    Route(
        "GET", "/organizations/{org}/issues/{issue_id}/external-issues/", list_issue_external_issues
    ),
    Route("POST", _ISSUES, create_external_issue),
    Route("DELETE", _ISSUES + "{external_issue_id}/", delete_external_issue),
]
