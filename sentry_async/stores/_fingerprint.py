"""A token's fingerprint: the only form of a token that a rate-limit store ever sees."""

from __future__ import annotations

import hashlib

__all__ = ["token_fingerprint"]

# Domain separation: this digest is of no use for anything but naming rate-limit state.
_CONTEXT = b"sentry_async rate-limit scope v1\x00"
FINGERPRINT_HEX = 24


def token_fingerprint(token: str) -> str:
    """SHA-256 of the token (with a fixed context prefix), truncated to 96 bits as hex.

    Stable across processes and hosts, so every worker holding the same token lands on the
    same shared budget; one-way, so store keys and logs never reveal the token.
    """
    digest = hashlib.sha256(_CONTEXT + token.encode("utf-8")).hexdigest()
    return digest[:FINGERPRINT_HEX]
