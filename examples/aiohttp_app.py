"""An aiohttp.web app sharing one SentryClient across all requests.

The client is opened once in the app's ``cleanup_ctx`` (its lifespan) and closed on
shutdown, so every handler reuses one connection pool and one rate-limit state: concurrent
requests to this app are paced together against Sentry's limits.

Run it (against sentry.io, a self-hosted Sentry, or the fake)::

    python -m sentry_async.testing --demo --token demo-token &   # prints the fake's URL
    SENTRY_URL=http://127.0.0.1:PORT SENTRY_AUTH_TOKEN=demo-token SENTRY_ORG=acme \\
        python examples/aiohttp_app.py --port 8080
    curl http://127.0.0.1:8080/projects

Routes: ``GET /projects`` (slugs and first events), ``GET /projects/{slug}`` (details),
``GET /health``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from sentry_async import NotFound, SentryClient, SentryError

CLIENT = web.AppKey("sentry_client", SentryClient)
ORG = web.AppKey("sentry_org", str)


def create_app(
    *, org: str, token: str | None = None, base_url: str | None = None
) -> web.Application:
    """The app; ``token``/``base_url`` default to ``$SENTRY_AUTH_TOKEN`` / ``$SENTRY_URL``."""
    app = web.Application()
    app[ORG] = org

    async def sentry_client(app: web.Application) -> AsyncIterator[None]:
        async with SentryClient(token, base_url) as client:
            app[CLIENT] = client
            yield  # the app serves requests here; the client closes on shutdown

    app.cleanup_ctx.append(sentry_client)
    app.router.add_get("/health", health)
    app.router.add_get("/projects", list_projects)
    app.router.add_get("/projects/{slug}", project_details)
    return app


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def list_projects(request: web.Request) -> web.Response:
    sentry = request.app[CLIENT]
    projects = await sentry.projects.list(request.app[ORG]).collect()
    body = [
        {
            "slug": p.slug,
            "platform": p.platform,
            "first_event": p.first_event.isoformat() if p.first_event else None,
        }
        for p in projects
    ]
    return web.json_response(body)


async def project_details(request: web.Request) -> web.Response:
    sentry = request.app[CLIENT]
    org, slug = request.app[ORG], request.match_info["slug"]
    try:
        project = await sentry.projects.get(org, slug)
    except NotFound:
        raise web.HTTPNotFound(text=f"no project {slug!r} in {org!r}") from None
    except SentryError as exc:
        raise web.HTTPBadGateway(text=f"Sentry failed: {exc}") from None
    return web.json_response({"slug": project.slug, "name": project.name, "status": project.status})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Sentry project data over HTTP.")
    parser.add_argument("--org", default=os.environ.get("SENTRY_ORG"), required=False)
    parser.add_argument("--base-url", default=os.environ.get("SENTRY_URL"))
    parser.add_argument("--token", default=None, help="default: $SENTRY_AUTH_TOKEN")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    if not args.org:
        parser.error("give --org or set SENTRY_ORG")
    app = create_app(org=args.org, token=args.token, base_url=args.base_url)
    web.run_app(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
