"""Origins, compared as browsers compare them, and the two rules that make a region trusted.

A region URL is trusted only if its whole origin (scheme, host, port) is listed by the base
host's ``GET /users/me/regions/``, or if it is https and its host is a subdomain of the base
host (``us.sentry.io`` under ``sentry.io``). Nothing else may receive the token.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection

import attrs
from yarl import URL

__all__ = ["Origin", "is_https_subdomain", "is_trusted"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_URL = 2048
_HOSTNAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


@attrs.frozen(slots=True)
class Origin:
    """``scheme://host:port`` with the scheme and host lower-cased and the port explicit.

    ``https://US.sentry.io`` and ``https://us.sentry.io:443`` are the same origin;
    ``http://us.sentry.io`` and ``https://us.sentry.io:8443`` are not.
    """

    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, value: object) -> Origin | None:
        """The origin of an absolute http(s) URL, or None for anything else. Never raises.

        Refused: other schemes, no host, credentials in the URL, a query or fragment,
        whitespace, backslashes or control characters anywhere, and malformed ports.
        """
        if not isinstance(value, str) or not value or len(value) > _MAX_URL:
            return None
        if not value.isprintable() or any(c.isspace() or c == "\\" for c in value):
            return None
        try:
            url = URL(value)
            scheme = (url.scheme or "").lower()
            host = url.raw_host
            port = url.port
            if url.user is not None or url.password is not None:
                return None
            if url.raw_query_string or url.raw_fragment:
                return None
        except (ValueError, TypeError, UnicodeError):
            return None
        if scheme not in _DEFAULT_PORTS or not host or port is None or not 0 < port < 65536:
            return None
        host = host.lower()
        if not _is_ip(host):
            if "" in host.split("."):
                return None  # empty labels ("a..b", ".a", "a.") name no real host
            if not _HOSTNAME.fullmatch(host):
                return None  # "%65vil", "a;b": not a DNS name (IDNs arrive as xn--)
        return cls(scheme, host, port)

    @classmethod
    def of(cls, url: URL) -> Origin:
        """The origin of an already-validated absolute URL (the client's base URL)."""
        origin = cls.parse(str(url.origin()))
        if origin is None and url.raw_host and url.raw_host.endswith("."):
            # ``https://sentry.io.`` (a fully qualified name) is the same host as sentry.io.
            origin = cls.parse(str(url.origin().with_host(url.raw_host.rstrip("."))))
        if origin is None:
            raise ValueError(f"not an http(s) origin: {url}")
        return origin

    @property
    def url(self) -> str:
        """``https://us.sentry.io`` (the port only when it is not the scheme's default)."""
        default = _DEFAULT_PORTS[self.scheme] == self.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" if default else f"{self.scheme}://{host}:{self.port}"

    def __str__(self) -> str:
        return self.url


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_https_subdomain(candidate: Origin, base: Origin) -> bool:
    """Whether ``candidate`` is https on a strict subdomain of ``base``'s host (any port).

    Hosts are compared label by label, so ``evilsentry.io`` is not under ``sentry.io``;
    an IP address has no subdomains.
    """
    if candidate.scheme != "https" or _is_ip(base.host) or _is_ip(candidate.host):
        return False
    return candidate.host.endswith("." + base.host)


def is_trusted(candidate: Origin, base: Origin, listed: Collection[Origin]) -> bool:
    """Whether the token may be sent to ``candidate``: listed by the base host, or the
    base host's own https subdomain (or the base origin itself)."""
    return candidate == base or candidate in listed or is_https_subdomain(candidate, base)
