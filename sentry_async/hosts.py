"""The hosts one client talks to: its base URL and, on sentry.io, each org's region.

A :class:`Host` is one ``/api/0`` root with what the pipeline needs per host: absolute URLs
of paths (parsed once), the origins a redirect may lead to with the token, and the name
that makes rate-limit keys per host as well as per route (region hosts limit separately).
"""

from __future__ import annotations

from yarl import URL

from .route import Route

__all__ = ["Host", "origin_of"]

_URL_CACHE = 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: URL) -> tuple[str, str, int | None]:
    """The origin as browsers compare them: scheme, host, port (default ports filled in)."""
    return (url.scheme.lower(), (url.host or "").lower(), url.port)


class Host:
    """One API root (``https://de.sentry.io/api/0``): URLs, redirect trust, rate-limit keys."""

    __slots__ = ("_urls", "api", "name", "origin", "prefix", "trusted")

    def __init__(self, api: URL) -> None:
        self.api = api
        self.prefix = str(api)
        self.origin = origin_of(api)
        scheme, host, port = self.origin
        # Where a redirect may lead with the token: this origin, or its https upgrade.
        self.trusted = {self.origin, ("https", host, 443)}
        if api.explicit_port is not None:
            self.trusted.add(("https", host, api.explicit_port))
        #: ``de.sentry.io`` (with ``:port`` when not the scheme's default).
        self.name = host if _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
        # Audits call the same few thousand paths again and again: parse each URL once.
        self._urls: dict[str, URL] = {}

    def url_for(self, path: str) -> URL:
        """The absolute URL of an already-encoded path relative to ``/api/0``."""
        url = self._urls.get(path)
        if url is None:
            url = URL(self.prefix + path, encoded=True)
            if len(self._urls) >= _URL_CACHE:
                self._urls.clear()  # bounded; refilling costs one parse per path
            self._urls[path] = url
        return url

    def key(self, route: Route) -> str:
        """The rate-limit key of ``route`` on this host: ``"de.sentry.io GET /teams/{org}/"``."""
        return f"{self.name} {route.key}"

    def __repr__(self) -> str:
        return f"<Host {self.prefix}>"
