"""The exchange seam: MockExchange as users drive it, and the limits every exchange applies."""

from __future__ import annotations

import pytest
from yarl import URL

from sentry_async import ManualClock, RetryPolicy, SentryClient, TransportError
from sentry_async.errors import ConfigurationError, NotFound, ResponseTooLarge
from sentry_async.exchange import (
    ERROR_BODY_LIMIT,
    ExchangeError,
    MockExchange,
    MockRequest,
    MockResponse,
    bounded,
)

from .conftest import TOKEN

ORG = {"id": "1", "slug": "acme", "name": "Acme"}


def client(exchange: MockExchange, **options: object) -> SentryClient:
    return SentryClient(
        TOKEN,
        "https://sentry.example",
        exchange=exchange,
        clock=ManualClock(),
        retry=RetryPolicy(attempts=3, deadline=60.0),
        regions=False,  # each test pins every request; no region lookups to answer
        **options,  # type: ignore[arg-type]
    )


async def test_a_handler_answers_and_sees_the_request_as_sent() -> None:
    def handler(request: MockRequest) -> MockResponse:
        return MockResponse.json(ORG)

    exchange = MockExchange(handler)
    async with client(exchange) as sentry:
        org = await sentry.organizations.get("acme")
        await sentry.request("GET", "/organizations/acme/projects/", params={"query": "a b"})
    assert org.slug == "acme"
    first, second = exchange.requests
    assert first.method == "GET"
    assert first.url == URL("https://sentry.example/api/0/organizations/acme/")
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.body is None and first.json() is None
    assert second.url.query["query"] == "a b"
    assert TOKEN not in repr(first) and "<redacted>" in repr(first)


async def test_an_async_handler_sees_the_json_body_of_a_write() -> None:
    async def handler(request: MockRequest) -> MockResponse:
        return MockResponse.json({**ORG, "name": request.json()["name"]})

    exchange = MockExchange(handler)
    async with client(exchange) as sentry:
        org = await sentry.organizations.update("acme", name="Renamed")
    assert org.name == "Renamed"
    assert exchange.requests[0].method == "PUT"
    assert exchange.requests[0].headers["Content-Type"] == "application/json"


async def test_errors_and_retries_apply_to_mock_answers() -> None:
    answers = [MockResponse.json({"detail": "busy"}, status=503), MockResponse.json(ORG)]
    exchange = MockExchange(lambda request: answers.pop(0))
    async with client(exchange) as sentry:
        assert (await sentry.organizations.get("acme")).slug == "acme"
    assert len(exchange.requests) == 2

    missing = MockExchange(lambda request: MockResponse.json({"detail": "gone"}, status=404))
    async with client(missing) as sentry:
        with pytest.raises(NotFound):
            await sentry.organizations.get("acme")


async def test_a_simulated_failure_is_a_typed_transport_error_without_the_token() -> None:
    def handler(request: MockRequest) -> MockResponse:
        raise ExchangeError("timeout", f"slow {request.headers['Authorization']}")

    async with client(MockExchange(handler)) as sentry:
        with pytest.raises(TransportError) as info:
            await sentry.organizations.get("acme")
    assert info.value.reason == "timeout"
    assert TOKEN not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


async def test_a_mock_body_over_max_body_size_is_refused() -> None:
    exchange = MockExchange(lambda request: MockResponse(200, {}, b"[" + b"1," * 600 + b"1]"))
    async with client(exchange, max_body_size=1000) as sentry:
        with pytest.raises(ResponseTooLarge):
            await sentry.request("GET", "/x/")


def test_bounded_cuts_bodies_as_a_network_exchange_does() -> None:
    assert bounded(200, {}, b"abc", 3)[::2] == (200, b"abc")
    assert not bounded(200, {}, b"abc", 3).truncated
    assert bounded(200, {}, b"abcd", 3)[2:] == (b"abc", True)
    # A declared length over the limit is not read at all.
    assert bounded(200, {"Content-Length": "4"}, b"abcd", 3)[2:] == (b"", True)
    # An error answer: only a prefix, whatever max_body_size allows.
    big = b"x" * (ERROR_BODY_LIMIT + 1)
    assert bounded(500, {"Content-Length": str(len(big))}, big, 10**9)[2:] == (
        big[:ERROR_BODY_LIMIT],
        True,
    )


def test_session_and_exchange_are_exclusive() -> None:
    with pytest.raises(ConfigurationError, match="either"):
        SentryClient(
            TOKEN,
            exchange=MockExchange(lambda r: MockResponse()),
            session=object(),  # type: ignore[arg-type]
        )
