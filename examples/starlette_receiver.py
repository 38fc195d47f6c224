"""A Starlette (or FastAPI) receiver for everything Sentry sends to an integration.

Uses the framework-neutral ``sentry_async.webhooks.verify(headers, body, secret)``: no
aiohttp request needed. The same three lines work in a FastAPI route (FastAPI's ``Request``
is Starlette's) or a Django view (``request.headers``, ``request.body``).

- ``POST /sentry/webhook``: integration-platform webhooks (``Sentry-Hook-Signature``, the
  app's client secret) and project service hooks (``X-ServiceHook-Signature``, the secret
  of the hook named by ``X-ServiceHook-GUID``).
- ``POST /sentry/issue-link``: a Sentry app's issue-link UI component creating an issue
  (``Sentry-App-Signature``, the client secret); answers the created issue.
- ``GET /sentry/options``: a select field's options. Sentry sends a GET with an empty body
  and signs the empty string.

Unsigned or badly signed requests get 401 and are never acted on. Verified deliveries are
kept in memory (``app.state.deliveries``); a real receiver would queue them.

Run it (Starlette and an ASGI server such as uvicorn installed)::

    SENTRY_CLIENT_SECRET=... uvicorn --factory examples.starlette_receiver:app_from_env
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sentry_async.webhooks import (
    SERVICE_HOOK_SIGNATURE_HEADER,
    WebhookDelivery,
    WebhookVerificationError,
    verify,
)

log = logging.getLogger("starlette_receiver")

UNAUTHORIZED = JSONResponse({"error": "bad or missing signature"}, status_code=401)


def _secret_for(request: Request) -> str | None:
    if SERVICE_HOOK_SIGNATURE_HEADER in request.headers:
        hooks: Mapping[str, str] = request.app.state.hook_secrets
        return hooks.get(request.headers.get("X-ServiceHook-GUID", ""))
    secret: str | None = request.app.state.client_secret
    return secret


async def _verified(request: Request) -> WebhookDelivery | None:
    """The delivery if its signature checks out, else None (already logged)."""
    secret = _secret_for(request)
    if not secret:
        log.warning("request from an unknown hook or sender; refused")
        return None
    try:
        delivery = verify(request.headers, await request.body(), secret)
    except WebhookVerificationError as exc:
        log.warning("request refused: %s", exc)
        return None
    request.app.state.deliveries.append(delivery)
    log.info("verified %s request (%s)", delivery.scheme, delivery.resource or "no resource")
    return delivery


async def webhook(request: Request) -> JSONResponse:
    if await _verified(request) is None:
        return UNAUTHORIZED
    return JSONResponse({"ok": True})


async def issue_link(request: Request) -> JSONResponse:
    delivery = await _verified(request)
    if delivery is None:
        return UNAUTHORIZED
    payload = delivery.json() or {}
    fields = payload.get("fields") or {}
    # Sentry links the issue it was asked to create: answer its id, a label and a URL.
    number = len(request.app.state.deliveries)
    return JSONResponse(
        {
            "webUrl": f"https://tracker.example/issues/{number}",
            "project": "OPS",
            "identifier": f"OPS-{number}",
            "title": str(fields.get("title", "")),
        },
        status_code=201,
    )


async def options(request: Request) -> JSONResponse:
    if await _verified(request) is None:
        return UNAUTHORIZED
    return JSONResponse([{"label": "Ops", "value": "ops"}, {"label": "Web", "value": "web"}])


def create_app(
    *, client_secret: str | None = None, hook_secrets: Mapping[str, str] | None = None
) -> Starlette:
    """The receiver. ``client_secret`` verifies the Sentry app's requests; ``hook_secrets``
    maps each service hook's id (its GUID) to its secret. Either may be left out."""
    app = Starlette(
        routes=[
            Route("/sentry/webhook", webhook, methods=["POST"]),
            Route("/sentry/issue-link", issue_link, methods=["POST"]),
            Route("/sentry/options", options, methods=["GET"]),
        ]
    )
    app.state.client_secret = client_secret
    app.state.hook_secrets = dict(hook_secrets or {})
    app.state.deliveries = []
    return app


def app_from_env() -> Starlette:
    """``create_app`` from ``SENTRY_CLIENT_SECRET`` and ``SENTRY_HOOK_SECRETS``
    (``guid=secret,...``)."""
    text = os.environ.get("SENTRY_HOOK_SECRETS", "")
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    hooks = {guid.strip(): secret.strip() for guid, secret in pairs}
    client_secret = os.environ.get("SENTRY_CLIENT_SECRET") or None
    if not client_secret and not hooks:
        raise SystemExit("set SENTRY_CLIENT_SECRET and/or SENTRY_HOOK_SECRETS (guid=secret,...)")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    return create_app(client_secret=client_secret, hook_secrets=hooks)
