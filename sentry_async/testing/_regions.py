"""A multi-region fake Sentry: a control host plus one region host per region, on loopback.

Shaped like sentry.io: the control host (``sentry.io``) lists the regions at ``GET
/api/0/users/me/regions/``, answers organization details (with ``links.regionUrl``, as
sentry.io's proxy does, so that clients can learn an org's region) and lists the orgs of
its default region only (the listing gap users report), and forwards nothing else: every
other org-scoped path answers 404 with an empty body there, as region endpoints do on the
wrong host. Each region host is a :class:`FakeSentry` serving its own org, and answers 404
for orgs of other regions.

With ``domain="sentry.test"`` the hosts are named ``sentry.test`` (control) and
``us.sentry.test``, ``de.sentry.test``... (regions), each on its own port of 127.0.0.1;
clients reach them through :class:`LoopbackResolver` on an injected aiohttp session.
With ``ssl_context`` (a server context whose certificate covers those names) the region
hosts speak https.
"""

from __future__ import annotations

import re
import secrets
import socket
import ssl
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.abc import AbstractResolver
from yarl import URL

from ._counters import Counters, LoggedRequest
from ._http import NOT_FOUND, dumps
from ._org import FakeOrg
from ._serialize import org_json
from ._server import FakeSentry

if TYPE_CHECKING:
    from aiohttp.abc import ResolveResult

__all__ = ["FakeSentryRegions", "LoopbackResolver"]

_ORG_DETAILS = re.compile(r"/api/0/organizations/([^/]+)/")
_JSON = "application/json"
_ORG_ROUTE = "GET /organizations/{org}/"


class LoopbackResolver(AbstractResolver):
    """Resolves ``domain`` and every name under it to 127.0.0.1, and nothing else.

    For tests that give loopback servers real-looking names (``us.sentry.test``): pass it
    to ``aiohttp.TCPConnector(resolver=...)``. Any other name fails to resolve, so nothing
    can leave the machine. ``127.0.0.1`` itself is accepted too.
    """

    def __init__(self, domain: str) -> None:
        self.domain = domain.lower().strip(".")

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.lower().rstrip(".")
        if name not in (self.domain, "127.0.0.1") and not name.endswith("." + self.domain):
            raise OSError(f"{host!r} is not under {self.domain!r}: refused to resolve")
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


class _ControlHost:
    """sentry.io's main host, as far as regions go (see the module docstring)."""

    def __init__(self, cloud: FakeSentryRegions, port: int) -> None:
        self._cloud = cloud
        self._port = port
        self._runner: web.ServerRunner | None = None
        self.port: int | None = None
        self.counters = Counters(log=deque(maxlen=1000))

    async def start(self) -> None:
        runner = web.ServerRunner(web.Server(self._handle, access_log=None), handle_signals=False)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", self._port))
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = sock.getsockname()[1]

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.rel_url.raw_path
        status, body, route = self._answer(request, path)
        counters = self.counters
        counters.started(route)
        counters.finished(route)
        counters.statuses[status] += 1
        logged = LoggedRequest(request.method, request.rel_url.raw_path_qs, route, status)
        counters.log.append(logged)
        if body is None:
            return web.Response(status=status)
        return web.Response(status=status, body=dumps(body), content_type=_JSON)

    def _answer(self, request: web.BaseRequest, path: str) -> tuple[int, Any, str]:
        cloud = self._cloud
        if not cloud.authorised(request.headers.get("Authorization")):
            return 401, {"detail": "Invalid token"}, "<unauthorised>"
        if request.method != "GET":
            return 404, None, "<not here>"
        if path == "/api/0/users/me/regions/":
            listed = [{"name": name, "url": url} for name, url in cloud.listed]
            return 200, {"regions": listed}, "GET /users/me/regions/"
        if path == "/api/0/organizations/":
            default = cloud.region(cloud.names[0]).org  # the gap: other regions' orgs missing
            listing = [org_json(default, detailed=False, base_url=self.url)]
            return 200, listing, "GET /organizations/"
        match = _ORG_DETAILS.fullmatch(path)
        if match is not None:
            found = cloud.find_org(match.group(1))
            if found is None:
                return 404, NOT_FOUND, "GET /organizations/{org}/"
            detailed = request.rel_url.query.get("detailed") != "0"
            return 200, org_json(found, detailed=detailed, base_url=self.url), _ORG_ROUTE
        return 404, None, "<not here>"  # region endpoints: empty 404 on the wrong host

    @property
    def url(self) -> str:
        return self._cloud.url


class FakeSentryRegions:
    """A control host and one :class:`FakeSentry` per region, each on its own loopback port.

    ``regions`` maps region names to the org each serves, default region first
    (``{"us": FakeOrg("acme"), "de": FakeOrg("euro", id="2")}``). ``token``: every host
    demands it. ``domain``: name the hosts ``<domain>`` and ``<region>.<domain>`` (resolve
    them with :class:`LoopbackResolver`); else they are all ``127.0.0.1``. ``ssl_context``
    makes the region hosts https. ``listed`` overrides which regions ``/users/me/regions/``
    names, as ``(name, url)`` pairs (default: every region). Other keyword options go to
    every region's :class:`FakeSentry` (``rate_limit``, ``faults``...).

    Each org's ``links.regionUrl`` points at its region host. Use ``async with``;
    :attr:`url` is the control host's root, :meth:`region` a region's fake and
    :meth:`region_url` its public URL.
    """

    def __init__(
        self,
        regions: Mapping[str, FakeOrg],
        *,
        token: str | None = None,
        domain: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        listed: Iterable[tuple[str, str]] | None = None,
        **options: Any,
    ) -> None:
        if not regions:
            raise ValueError("give at least one region")
        self.names: list[str] = list(regions)
        self._token = token
        self.domain = domain.lower().strip(".") if domain else None
        self._listed = None if listed is None else list(listed)
        self._regions = {
            name: FakeSentry(org, token=token, ssl_context=ssl_context, **options)
            for name, org in regions.items()
        }
        self.control = _ControlHost(self, 0)
        self._started = False

    @property
    def token(self) -> str | None:
        """The token every host demands (None: any); settable while running."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        for fake in self._regions.values():
            fake.token = value

    # -- addresses -----------------------------------------------------------------------

    def _public(self, url: str, label: str | None) -> str:
        if self.domain is None:
            return url
        parsed = URL(url)
        host = self.domain if label is None else f"{label}.{self.domain}"
        return str(parsed.with_host(host)).rstrip("/")

    @property
    def url(self) -> str:
        """The control host's root (``http://sentry.test:PORT``); the API is under /api/0."""
        if self.control.port is None:
            raise RuntimeError("FakeSentryRegions is not started: use 'async with'")
        return self._public(f"http://127.0.0.1:{self.control.port}", None)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/0"

    def region(self, name: str) -> FakeSentry:
        """The fake serving region ``name``."""
        return self._regions[name]

    def region_url(self, name: str) -> str:
        """Region ``name``'s public root URL (``https://de.sentry.test:PORT``)."""
        return self._public(self._regions[name].url, name)

    @property
    def listed(self) -> list[tuple[str, str]]:
        """What ``/users/me/regions/`` names: ``(name, url)`` pairs."""
        if self._listed is not None:
            return self._listed
        return [(name, self.region_url(name)) for name in self.names]

    @listed.setter
    def listed(self, value: Sequence[tuple[str, str]]) -> None:
        self._listed = list(value)

    def find_org(self, slug_or_id: str) -> FakeOrg | None:
        """The org with this slug or id, whichever region holds it."""
        for fake in self._regions.values():
            if slug_or_id in (fake.org.slug, fake.org.id):
                return fake.org
        return None

    def authorised(self, header: str | None) -> bool:
        if self.token is None:
            return True
        parts = (header or "").split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return False
        return secrets.compare_digest(parts[1].encode(), self.token.encode())

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> FakeSentryRegions:
        if self._started:
            return self
        try:
            await self.control.start()
            for name, fake in self._regions.items():
                await fake.start()
                fake.org.region_url = self.region_url(name)
        except BaseException:
            await self.close()
            raise
        self._started = True
        return self

    async def close(self) -> None:
        self._started = False
        await self.control.close()
        for fake in self._regions.values():
            await fake.close()

    async def __aenter__(self) -> FakeSentryRegions:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
