"""A token too short to be a real one is not masked: masking it would garble every answer."""

from __future__ import annotations

from sentry_async import ManualClock, SentryClient
from sentry_async.errors import SentryError, redact
from sentry_async.exchange import MockExchange, MockRequest, MockResponse


async def test_a_one_letter_token_leaves_answers_intact() -> None:
    def answer(request: MockRequest) -> MockResponse:
        return MockResponse.json({"id": "1", "slug": "acme", "name": "total"})

    exchange = MockExchange(answer)
    async with SentryClient("t", regions=False, clock=ManualClock(), exchange=exchange) as sentry:
        org = await sentry.organizations.get("acme")
    assert (org.slug, org.name) == ("acme", "total")


def test_redact_ignores_secrets_too_short_to_be_tokens() -> None:
    error = SentryError("GET /organizations/acme/: not found")
    assert str(redact(error, "t")) == "GET /organizations/acme/: not found"
    error = SentryError("token sntryu_abcdef0123 echoed")
    assert "sntryu_abcdef0123" not in str(redact(error, "sntryu_abcdef0123"))
