"""An aiohttp.web receiver for Sentry webhooks, verifying both signature schemes.

- Integration platform (Sentry App) webhooks carry ``Sentry-Hook-Signature``, keyed with the
  app's client secret.
- Project service hooks carry ``X-ServiceHook-Signature``, keyed with *that hook's* secret
  (returned once by ``projects.create_hook``), and name the hook in ``X-ServiceHook-GUID``.

Unsigned or badly signed requests get 401 and are never acted on. Verified deliveries are
kept in memory (``app[DELIVERIES]``) and logged; a real receiver would queue them.

Run it::

    SENTRY_CLIENT_SECRET=... SENTRY_HOOK_SECRETS="hook-guid=hook-secret,..." \\
        python examples/webhook_receiver.py --port 8081
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from sentry_async.webhooks import (
    SERVICE_HOOK_SIGNATURE_HEADER,
    Scheme,
    WebhookDelivery,
    WebhookVerificationError,
    verify_request,
)

log = logging.getLogger("webhook_receiver")


@dataclass(frozen=True)
class Secrets:
    """The integration's client secret, and each service hook's secret by hook id."""

    client_secret: str | None = None
    hooks: Mapping[str, str] = field(default_factory=dict)


DELIVERIES = web.AppKey("deliveries", list[WebhookDelivery])
SECRETS = web.AppKey("secrets", Secrets)


def create_app(
    *, client_secret: str | None = None, hook_secrets: Mapping[str, str] | None = None
) -> web.Application:
    """A receiver at ``POST /sentry/webhook``.

    ``client_secret`` verifies integration webhooks; ``hook_secrets`` maps each service
    hook's id (its GUID) to its secret. Either may be left out if you only receive the other.
    """
    app = web.Application()
    app[SECRETS] = Secrets(client_secret, dict(hook_secrets or {}))
    app[DELIVERIES] = []
    app.router.add_post("/sentry/webhook", receive)
    return app


def _secret_for(request: web.Request) -> tuple[str | None, Scheme]:
    # Each secret verifies only its own scheme: a hook's secret must never pass for the
    # app's Sentry-Hook-Signature (the request may carry both headers).
    secrets = request.app[SECRETS]
    if SERVICE_HOOK_SIGNATURE_HEADER in request.headers:
        return secrets.hooks.get(request.headers.get("X-ServiceHook-GUID", "")), "service_hook"
    return secrets.client_secret, "integration"


async def receive(request: web.Request) -> web.Response:
    secret, scheme = _secret_for(request)
    if not secret:
        log.warning("webhook from an unknown hook or sender; refused")
        raise web.HTTPUnauthorized(text="unknown sender")
    try:
        delivery = await verify_request(request, secret, schemes=scheme)
    except WebhookVerificationError as exc:
        log.warning("webhook refused: %s", exc)
        raise web.HTTPUnauthorized(text="bad signature") from None
    request.app[DELIVERIES].append(delivery)
    log.info("verified %s webhook (%s)", delivery.scheme, delivery.resource or "no resource")
    return web.json_response({"ok": True})


def _parse_hook_secrets(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {guid.strip(): secret.strip() for guid, secret in pairs}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Receive and verify Sentry webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    client_secret = os.environ.get("SENTRY_CLIENT_SECRET") or None
    hook_secrets = _parse_hook_secrets(os.environ.get("SENTRY_HOOK_SECRETS", ""))
    if not client_secret and not hook_secrets:
        parser.error("set SENTRY_CLIENT_SECRET and/or SENTRY_HOOK_SECRETS (guid=secret,...)")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    app = create_app(client_secret=client_secret, hook_secrets=hook_secrets)
    web.run_app(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
