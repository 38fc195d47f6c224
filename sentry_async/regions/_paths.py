"""Which API paths belong to one organization's region, and which stay on the main host.

Sentry splits its API into a *control* silo (users, auth, integrations, Sentry apps, tokens:
served by the main host, ``sentry.io``) and *region* silos (an org's events, projects,
teams, members...: served by ``us.sentry.io``, ``de.sentry.io``...). The main host proxies
region calls, but not all of them and not for free; a region host does not serve control
endpoints at all. So a path is sent to the org's region only when it is certainly a region
endpoint of that org:

- ``/organizations/{org}/…`` (the org's details too), ``/projects/{org}/…``,
  ``/teams/{org}/…``, and SCIM (``/organizations/{org}/scim/v2/…``, region endpoints in
  Sentry's ``core/endpoints/scim``);
- except the subtrees of ``/organizations/{org}/`` whose endpoints are control-silo in
  getsentry/sentry (``@control_silo_endpoint`` / ``ControlSiloOrganizationEndpoint``):
  API keys, audit logs, auth providers, integrations and their configuration, org auth
  tokens, Sentry apps and their installations and components, pipelines, monitoring
  providers, data secrecy, the Intercom JWT and the org's region lookup. A region endpoint
  wrongly kept here is still proxied by the main host; a control endpoint sent to a region
  host would fail, so a subtree holding both kinds (integrations) stays on the main host.
- Never routed: ``/organizations/`` (listed per region by ``organizations.list``),
  ``/users/…``, ``/sentry-app-installations/{uuid}/…`` and every other path without an org
  in it (the main host routes those itself).
"""

from __future__ import annotations

from urllib.parse import unquote

__all__ = ["CONTROL_SUBTREES", "ORG_SCOPED_ROOTS", "org_of"]

ORG_SCOPED_ROOTS = frozenset({"organizations", "projects", "teams"})

CONTROL_SUBTREES = frozenset(
    {
        "api-keys",
        "audit-logs",
        "auth-provider",
        "auth-providers",
        "config",
        "data-secrecy",
        "integrations",
        "intercom-jwt",
        "monitoring-providers",
        "org-auth-tokens",
        "pipeline",
        "region",
        "sentry-app-components",
        "sentry-app-installations",
        "sentry-apps",
    }
)


def org_of(path: str) -> str | None:
    """The org slug (decoded) a path relative to ``/api/0`` belongs to, if it is routed.

    ``"/projects/acme/web/"`` -> ``"acme"``; ``"/organizations/acme/integrations/"`` ->
    None (control silo); ``"/users/me/"`` -> None. Never raises.
    """
    if not isinstance(path, str):
        return None
    end = len(path)
    for stop in ("?", "#"):
        found = path.find(stop)
        if found != -1:
            end = min(end, found)
    parts = path[:end].split("/", 4)
    if len(parts) < 4 or parts[0] or parts[1] not in ORG_SCOPED_ROOTS or not parts[2]:
        return None
    if parts[1] == "organizations" and parts[3] in CONTROL_SUBTREES:
        return None
    org = unquote(parts[2])
    return org if org.strip() and org not in (".", "..") else None
