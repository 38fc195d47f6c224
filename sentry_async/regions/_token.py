"""What an org auth token says about itself: its org and its region, read without a request.

Sentry's org auth tokens (``sntrys_``) are ``sntrys_<payload>_<secret>`` where the payload is
base64 of the JSON ``{"iat", "url", "region_url", "org"}`` (getsentry/sentry
``src/sentry/utils/security/orgauthtoken_token.py``). Only the payload is read; the secret is
never decoded, kept or shown.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import attrs

__all__ = ["ORG_TOKEN_PREFIX", "OrgTokenClaims", "parse_org_token"]

ORG_TOKEN_PREFIX = "sntrys_"
# A real payload is ~150 characters; anything far longer is not one, and is not decoded.
_MAX_PAYLOAD = 4096
_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")


@attrs.frozen(slots=True)
class OrgTokenClaims:
    """The public claims of an org auth token (never its secret).

    ``org``: the org slug the token belongs to; ``region_url``: the URL of that org's region
    (``"https://us.sentry.io"``; ``""`` when the server named none); ``url``: the Sentry
    install's own URL (``"https://sentry.io"``), or None when absent.
    """

    org: str
    region_url: str
    url: str | None = None


def parse_org_token(token: object) -> OrgTokenClaims | None:
    """The claims of an org auth token, or None for any other token and for garbage.

    Accepts base64 with or without ``=`` padding, in the standard or URL-safe alphabet (the
    payload is what comes before the *last* ``_``). Never raises.
    """
    if not isinstance(token, str) or not token.startswith(ORG_TOKEN_PREFIX):
        return None
    body = token[len(ORG_TOKEN_PREFIX) :]
    cut = body.rfind("_")
    if cut <= 0 or cut == len(body) - 1 or cut > _MAX_PAYLOAD:
        return None  # no payload, or no secret after it
    data = _decode(body[:cut])
    if not isinstance(data, dict):
        return None
    org, region_url, url = data.get("org"), data.get("region_url"), data.get("url")
    if not isinstance(org, str) or not org.strip() or not isinstance(region_url, str):
        return None
    return OrgTokenClaims(org=org, region_url=region_url, url=url if isinstance(url, str) else None)


def _decode(payload: str) -> Any:
    if not payload.isascii():
        return None
    text = payload.rstrip("=").translate(_URLSAFE_TO_STANDARD)
    if "=" in text:
        return None
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, RecursionError):
        return None
