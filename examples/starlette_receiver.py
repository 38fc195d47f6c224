"""A Starlette (or FastAPI) receiver for everything Sentry sends to an integration.

Uses the framework-neutral ``sentry_async.webhooks.verify(headers, body, secret,
schemes=...)``: no aiohttp request needed. The same lines work in a FastAPI route (FastAPI's
``Request`` is Starlette's) or a Django view (``request.headers``, ``request.body``).

Each route accepts exactly one signing scheme, with the one secret that belongs to it;
accepting any scheme everywhere would let a service hook's secret (known to every project
admin) sign issue-link or select-options requests:

- ``POST /sentry/webhook``: integration-platform webhooks (``Sentry-Hook-Signature``, the
  app's client secret).
- ``POST /sentry/hook``: project service hooks (``X-ServiceHook-Signature``, the secret of
  the hook named by ``X-ServiceHook-GUID``).
- ``POST /sentry/issue-link``: a Sentry app's issue-link UI component creating an issue
  (``Sentry-App-Signature``, the client secret); answers the created issue. A body that is
  not a JSON object gets 400.
- ``GET /sentry/options``: a select field's options (``Sentry-App-Signature``). Sentry sends
  a GET with an empty body and signs the empty string: the query string is *not* signed, so
  it must not decide anything that matters (here it only filters the public option list).

Unsigned or badly signed requests get 401 and are never acted on. Verified deliveries are
kept in memory (``app.state.deliveries``); a real receiver would queue them.

Run it (Starlette and an ASGI server such as uvicorn installed)::

    SENTRY_CLIENT_SECRET=... uvicorn --factory examples.starlette_receiver:app_from_env
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sentry_async.webhooks import (
    Scheme,
    WebhookDelivery,
    WebhookVerificationError,
    verify,
)

log = logging.getLogger("starlette_receiver")

UNAUTHORIZED = JSONResponse({"error": "bad or missing signature"}, status_code=401)
OPTIONS = [{"label": "Ops", "value": "ops"}, {"label": "Web", "value": "web"}]


async def _verified(request: Request, secret: str | None, scheme: Scheme) -> WebhookDelivery | None:
    """The delivery if it carries a valid signature of ``scheme``, else None (logged)."""
    if not secret:
        log.warning("no %s secret for this request; refused", scheme)
        return None
    try:
        delivery = verify(request.headers, await request.body(), secret, schemes=scheme)
    except WebhookVerificationError as exc:
        log.warning("request refused: %s", exc)
        return None
    request.app.state.deliveries.append(delivery)
    log.info("verified %s request (%s)", delivery.scheme, delivery.resource or "no resource")
    return delivery


def _client_secret(request: Request) -> str | None:
    secret: str | None = request.app.state.client_secret
    return secret


async def webhook(request: Request) -> JSONResponse:
    if await _verified(request, _client_secret(request), "integration") is None:
        return UNAUTHORIZED
    return JSONResponse({"ok": True})


async def service_hook(request: Request) -> JSONResponse:
    hooks: Mapping[str, str] = request.app.state.hook_secrets
    secret = hooks.get(request.headers.get("X-ServiceHook-GUID", ""))
    if await _verified(request, secret, "service_hook") is None:
        return UNAUTHORIZED
    return JSONResponse({"ok": True})


async def issue_link(request: Request) -> JSONResponse:
    delivery = await _verified(request, _client_secret(request), "sentry_app")
    if delivery is None:
        return UNAUTHORIZED
    try:
        payload: Any = delivery.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return JSONResponse({"error": "expected a JSON object"}, status_code=400)
    fields = payload.get("fields")
    title = fields.get("title", "") if isinstance(fields, dict) else ""
    # Sentry links the issue it was asked to create: answer its id, a label and a URL.
    number = len(request.app.state.deliveries)
    return JSONResponse(
        {
            "webUrl": f"https://tracker.example/issues/{number}",
            "project": "OPS",
            "identifier": f"OPS-{number}",
            "title": str(title),
        },
        status_code=201,
    )


async def options(request: Request) -> JSONResponse:
    if await _verified(request, _client_secret(request), "sentry_app") is None:
        return UNAUTHORIZED
    # Unsigned input: only narrows a list that is public anyway.
    query = request.query_params.get("query", "").lower()
    return JSONResponse([option for option in OPTIONS if query in option["label"].lower()])


def create_app(
    *, client_secret: str | None = None, hook_secrets: Mapping[str, str] | None = None
) -> Starlette:
    """The receiver. ``client_secret`` verifies the Sentry app's requests; ``hook_secrets``
    maps each service hook's id (its GUID) to its secret. Either may be left out."""
    app = Starlette(
        routes=[
            Route("/sentry/webhook", webhook, methods=["POST"]),
            Route("/sentry/hook", service_hook, methods=["POST"]),
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
