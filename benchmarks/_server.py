"""A minimal Sentry stand-in that answers pre-rendered bytes, for benchmarks of client CPU.

    python benchmarks/_server.py [--pages N] [--per-page 100]

Prints its root URL (``http://127.0.0.1:PORT``) on one line, then serves until terminated.
It is a raw :class:`asyncio.Protocol`: every response is rendered once at start-up and a
request costs a dict lookup and one ``write``, so the client being measured, not this
server, is the bottleneck. HTTP/1.1 keep-alive; GET only; no request bodies.

Routes (the organization is ``acme``):

- ``GET /api/0/projects/acme/{slug}/``: a project-detail body of about 1.2 KB for each of
  the slugs ``project-0`` ... ``project-63``;
- ``GET /api/0/organizations/acme/projects/?per_page=P[&cursor=0:OFFSET:0]``: page N of
  ``--pages`` pages of ``--per-page`` list items (about 700 bytes each), with Sentry's
  ``Link`` header (``results="true"`` on ``next`` until the last page).

Every answer carries Sentry's rate-limit headers (generous limits), as real Sentry does, so
the client parses the same headers it parses in production.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from typing import Any

ORG = "acme"
DETAIL_SLUGS = 64
_NOT_FOUND = b'{"detail":"The requested resource does not exist"}'


def detail(slug: str, index: int) -> dict[str, Any]:
    """A project-detail payload shaped like Sentry's (a subset of its fields)."""
    return {
        "id": str(4500000000 + index),
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "platform": "python",
        "dateCreated": "2023-03-14T09:26:53.589793Z",
        "isBookmarked": False,
        "isMember": True,
        "features": ["alert-filters", "minidump", "rate-limits", "servicehooks"],
        "firstEvent": "2023-03-15T11:02:07.000000Z",
        "firstTransactionEvent": True,
        "access": ["member:read", "event:read", "project:read", "project:write", "team:read"],
        "hasAccess": True,
        "hasSessions": False,
        "hasReplays": False,
        "hasMonitors": True,
        "isInternal": False,
        "isPublic": False,
        "avatar": {"avatarType": "letter_avatar", "avatarUuid": None},
        "color": "#3f70bf",
        "status": "active",
        "team": {"id": "17", "slug": "platform", "name": "Platform"},
        "teams": [{"id": "17", "slug": "platform", "name": "Platform"}],
        "latestRelease": {"version": "backend@2.14.1"},
        "options": {"sentry:token": "********", "sentry:reprocessing_active": False},
        "digestsMinDelay": 300,
        "digestsMaxDelay": 1800,
        "resolveAge": 0,
        "dataScrubber": True,
        "safeFields": [],
        "scrubIPAddresses": False,
        "allowedDomains": ["*"],
        "organization": {
            "id": "190",
            "slug": ORG,
            "name": "Acme",
            "dateCreated": "2019-01-02T10:00:00.000000Z",
            "isEarlyAdopter": False,
            "status": {"id": "active", "name": "active"},
        },
    }


def list_item(index: int) -> dict[str, Any]:
    """One item of the organization's project list, shaped like Sentry's."""
    slug = f"service-{index:06d}"
    return {
        "id": str(5000000 + index),
        "slug": slug,
        "name": f"Service {index:06d}",
        "platform": "javascript-react" if index % 3 else "python-django",
        "platforms": ["javascript"],
        "dateCreated": "2022-06-01T08:30:00.123456Z",
        "firstEvent": None if index % 5 == 0 else "2022-06-02T10:00:00Z",
        "firstTransactionEvent": bool(index % 2),
        "isBookmarked": False,
        "isMember": True,
        "hasAccess": True,
        "access": [],
        "team": {"id": "17", "slug": "platform", "name": "Platform"},
        "teams": [{"id": "17", "slug": "platform", "name": "Platform"}],
        "environments": ["production", "staging"],
        "features": ["releases", "minidump"],
        "hasSessions": True,
        "hasReplays": False,
        "hasMonitors": False,
        "hasProfiles": False,
        "hasFeedbacks": False,
        "latestRelease": None,
    }


def _response(body: bytes, *, status: str = "200 OK", link: str | None = None) -> bytes:
    head = [
        f"HTTP/1.1 {status}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
        "X-Sentry-Rate-Limit-Limit: 1000000",
        "X-Sentry-Rate-Limit-Remaining: 999999",
        f"X-Sentry-Rate-Limit-Reset: {int(time.time()) + 1800}",  # within the hour clients accept
        "X-Sentry-Rate-Limit-ConcurrentLimit: 1000",
        "X-Sentry-Rate-Limit-ConcurrentRemaining: 999",
    ]
    if link is not None:
        head.append(f"Link: {link}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def render(root: str, pages: int, per_page: int) -> dict[bytes, bytes]:
    """Every answer the server gives, keyed by request target (path and query)."""
    answers: dict[bytes, bytes] = {}
    for index in range(DETAIL_SLUGS):
        slug = f"project-{index}"
        target = f"/api/0/projects/{ORG}/{slug}/"
        answers[target.encode()] = _response(_dumps(detail(slug, index)))
    path = f"/api/0/organizations/{ORG}/projects/"
    for page in range(pages):
        offset = page * per_page
        body = _dumps([list_item(offset + i) for i in range(per_page)])
        prev = f"0:{max(offset - per_page, 0)}:1"
        after = f"0:{offset + per_page}:0"
        link = (
            f'<{root}{path}?cursor={prev}>; rel="previous"; '
            f'results="{"true" if page else "false"}"; cursor="{prev}", '
            f'<{root}{path}?cursor={after}>; rel="next"; '
            f'results="{"true" if page + 1 < pages else "false"}"; cursor="{after}"'
        )
        answer = _response(body, link=link)
        query = f"per_page={per_page}"
        first = page == 0
        for target in (
            f"{path}?{query}&cursor=0:{offset}:0",
            f"{path}?cursor=0:{offset}:0&{query}",
            *((f"{path}?{query}", path) if first else ()),
        ):
            answers[target.encode()] = answer
    return answers


class _Protocol(asyncio.Protocol):
    """Reads request heads, writes the pre-rendered answer for each."""

    def __init__(self, answers: dict[bytes, bytes]) -> None:
        self._answers = answers
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data if self._buffer else data
        answers = self._answers
        assert self._transport is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            line_end = buffer.find(b"\r\n")
            target = buffer[:line_end].split(b" ", 2)[1]
            buffer = buffer[end + 4 :]
            answer = answers.get(target)
            if answer is None:
                answer = _response(_NOT_FOUND, status="404 Not Found")
            self._transport.write(answer)
        self._buffer = buffer


async def serve(pages: int, per_page: int) -> None:
    loop = asyncio.get_running_loop()
    holder: dict[bytes, bytes] = {}
    server = await loop.create_server(lambda: _Protocol(holder), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    root = f"http://127.0.0.1:{port}"
    holder.update(render(root, pages, per_page))
    print(root, flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=50, help="pages in the project list")
    parser.add_argument("--per-page", type=int, default=100, help="items per page")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.pages, args.per_page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
