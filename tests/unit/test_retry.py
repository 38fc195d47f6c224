"""The retry decision as a pure function."""

from __future__ import annotations

import pytest

from sentry_async.errors import DecodeError, NotFound, RateLimited, ServerError, TransportError
from sentry_async.retry import Failure, RetryPolicy, backoff, classify, decide

POLICY = RetryPolicy(attempts=4, initial_backoff=0.5, max_backoff=4.0, deadline=60.0)


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "failure", [Failure.NOT_SENT, Failure.TIMEOUT, Failure.CONNECTION_LOST, Failure.SERVER_ERROR]
)
def test_idempotent_methods_retry_every_failure(method: str, failure: Failure) -> None:
    assert decide(POLICY, method, failure, attempt=1, elapsed=0.0) == 0.5


@pytest.mark.parametrize("method", ["POST", "PATCH", "post"])
@pytest.mark.parametrize(
    "failure", [Failure.TIMEOUT, Failure.CONNECTION_LOST, Failure.SERVER_ERROR]
)
def test_writes_never_retry_when_the_server_may_have_acted(method: str, failure: Failure) -> None:
    assert decide(POLICY, method, failure, attempt=1, elapsed=0.0) is None


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_writes_retry_when_provably_not_acted(method: str) -> None:
    assert decide(POLICY, method, Failure.NOT_SENT, attempt=1, elapsed=0.0) is not None
    assert decide(POLICY, method, Failure.RATE_LIMITED, attempt=1, elapsed=0.0, wait_hint=2) == 2


def test_attempts_bound_error_retries() -> None:
    delays = [decide(POLICY, "GET", Failure.TIMEOUT, attempt=n, elapsed=0.0) for n in (1, 2, 3, 4)]
    assert delays == [0.5, 1.0, 2.0, None]


def test_backoff_is_capped_and_jittered_within_bounds() -> None:
    for attempt in range(1, 20):
        cap = min(4.0, 0.5 * 2 ** (attempt - 1))
        for jitter in (0.0, 0.3, 0.999):
            delay = backoff(POLICY, attempt, jitter)
            assert 0.0 <= delay <= cap
            assert delay == pytest.approx(cap * jitter)


def test_rate_limit_waits_do_not_use_error_attempts_but_respect_deadline() -> None:
    assert decide(POLICY, "GET", Failure.RATE_LIMITED, attempt=50, elapsed=0.0, wait_hint=1) == 1
    assert decide(POLICY, "GET", Failure.RATE_LIMITED, attempt=1, elapsed=59.5, wait_hint=1) is None


def test_rate_limit_wait_longer_than_allowed_stops() -> None:
    policy = RetryPolicy(max_rate_limit_wait=30.0, deadline=None)
    assert decide(policy, "GET", Failure.RATE_LIMITED, attempt=1, elapsed=0, wait_hint=3600) is None
    assert decide(policy, "GET", Failure.RATE_LIMITED, attempt=1, elapsed=0, wait_hint=29) == 29


def test_rate_limited_without_hint_backs_off() -> None:
    assert decide(POLICY, "GET", Failure.RATE_LIMITED, attempt=2, elapsed=0.0) == 1.0


def test_deadline_bounds_error_retries() -> None:
    assert decide(POLICY, "GET", Failure.SERVER_ERROR, attempt=1, elapsed=59.9) is None


def test_disabled_policy_never_retries() -> None:
    off = RetryPolicy.disabled()
    assert decide(off, "GET", Failure.SERVER_ERROR, attempt=1, elapsed=0) is None
    assert decide(off, "GET", Failure.RATE_LIMITED, attempt=1, elapsed=0, wait_hint=1) is None


def test_policy_validates() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="initial_backoff"):
        RetryPolicy(initial_backoff=-1)


def _api(cls: type, status: int):  # type: ignore[no-untyped-def]
    extra = {"retry_after": None, "rate": None} if cls is RateLimited else {}
    return cls(
        "x", status=status, detail=None, body=None, method="GET", route="/", url="u", **extra
    )


def test_malformed_answers_retry_reads_but_never_writes() -> None:
    assert decide(POLICY, "GET", Failure.MALFORMED, attempt=1, elapsed=0.0) == 0.5
    assert decide(POLICY, "POST", Failure.MALFORMED, attempt=1, elapsed=0.0) is None
    assert not Failure.MALFORMED.server_may_have_acted  # a 2xx: it did act, and said so


def test_classify_errors() -> None:
    def transport(reason: str) -> TransportError:
        return TransportError("x", method="GET", route="/", url="u", reason=reason)

    assert classify(_api(RateLimited, 429)) is Failure.RATE_LIMITED
    assert classify(_api(ServerError, 503)) is Failure.SERVER_ERROR
    assert classify(_api(NotFound, 404)) is None
    assert classify(transport("connect")) is Failure.NOT_SENT
    assert classify(transport("timeout")) is Failure.TIMEOUT
    assert classify(transport("connection lost")) is Failure.CONNECTION_LOST
    assert classify(transport("tls")) is None
    cut = DecodeError(
        "x",
        method="GET",
        route="/",
        url="u",
        status=200,
        snippet='{"a',
        content_type="application/json",
    )
    assert classify(cut) is Failure.MALFORMED
    page = DecodeError(
        "x",
        method="GET",
        route="/",
        url="u",
        status=200,
        snippet="<html>",
        content_type="text/html",
    )
    assert classify(page) is None


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST", "PATCH"])
def test_an_unreadable_2xx_answer_to_a_write_is_not_sent_again(method: str) -> None:
    # The write was applied (2xx); re-sending it cannot mend its answer.
    assert decide(POLICY, method, Failure.MALFORMED, attempt=1, elapsed=0.0) is None


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_an_unreadable_2xx_answer_to_a_read_is_asked_again(method: str) -> None:
    assert decide(POLICY, method, Failure.MALFORMED, attempt=1, elapsed=0.0) is not None
