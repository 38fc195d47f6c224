"""Retry policy: whether, and after how long, to try a request again. Pure.

``decide`` is a function of (policy, method, what went wrong, attempt, time spent, a random
number): no clock, no sleeping, no HTTP. The pipeline turns its answer into a wait.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import attrs

from .errors import (
    DecodeError,
    RateLimited,
    ResponseTooLarge,
    SentryError,
    ServerError,
    TransportError,
)

__all__ = ["IDEMPOTENT_METHODS", "Failure", "RetryPolicy", "backoff", "classify", "decide"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying cares."""

    NOT_SENT = "not sent"  # connection refused / DNS: the server never saw the request
    TIMEOUT = "timeout"  # sent, no answer in time
    CONNECTION_LOST = "connection lost"  # sent, connection broke before a full answer
    RATE_LIMITED = "rate limited"  # 429: the server refused without acting
    SERVER_ERROR = "server error"  # 5xx
    MALFORMED = "malformed answer"  # 2xx whose body is not JSON (cut short, a proxy's page)

    @property
    def server_may_have_acted(self) -> bool:
        return self in (Failure.TIMEOUT, Failure.CONNECTION_LOST, Failure.SERVER_ERROR)


def _seconds(*, allow_zero: bool = False, allow_none: bool = False) -> Any:
    """An attrs validator: a finite real number of seconds, > 0 (or >= 0), or None."""

    def check(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        name = attribute.name
        if value is None and allow_none:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"RetryPolicy {name} must be a number of seconds, not {value!r}")
        if not math.isfinite(value):
            none = " (use None for no bound)" if allow_none else ""
            raise ValueError(f"RetryPolicy {name} must be finite seconds, not {value!r}{none}")
        if value < 0 or (value == 0 and not allow_zero):
            sign = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"RetryPolicy {name} must be {sign} seconds, not {value!r}")

    return check


def _attempts(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"RetryPolicy attempts must be an int, not {value!r}")
    if value < 1:
        raise ValueError(f"RetryPolicy attempts must be >= 1 (the first try), not {value!r}")


def _multiplier(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"RetryPolicy multiplier must be a number, not {value!r}")
    if not (math.isfinite(value) and value >= 1.0):
        raise ValueError(f"RetryPolicy multiplier must be finite and >= 1, not {value!r}")


@attrs.frozen(slots=True)
class RetryPolicy:
    """How hard to retry.

    - ``attempts``: tries per call counting the first, for errors (5xx, timeouts, broken
      connections). 429 waits are not counted here: they are bounded by ``deadline``.
    - Backoff before error retry *n* is uniform in ``[0, min(max_backoff, initial * 2**(n-1))]``
      ("full jitter"), so a crowd of clients does not retry in lock-step.
    - ``deadline``: seconds for the whole call, waits included; None for no bound.
    - ``max_rate_limit_wait``: the longest single wait for a rate-limit window to reset; a
      longer one raises :class:`~sentry_async.errors.RateLimited` instead.

    Checked at construction: seconds must be finite numbers (``deadline``,
    ``initial_backoff`` and ``max_backoff`` > 0; ``max_rate_limit_wait`` >= 0), else
    TypeError (not a number) or ValueError (NaN, infinite, out of range).
    """

    attempts: int = attrs.field(default=6, validator=_attempts)
    initial_backoff: float = attrs.field(default=0.5, validator=_seconds())
    max_backoff: float = attrs.field(default=20.0, validator=_seconds())
    multiplier: float = attrs.field(default=2.0, validator=_multiplier)
    deadline: float | None = attrs.field(default=300.0, validator=_seconds(allow_none=True))
    max_rate_limit_wait: float = attrs.field(default=120.0, validator=_seconds(allow_zero=True))
    retry_rate_limited: bool = True

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """Never retry, not even after a 429."""
        return cls(attempts=1, retry_rate_limited=False)


def backoff(policy: RetryPolicy, attempt: int, jitter: float) -> float:
    """The wait before error retry number ``attempt`` (1-based); ``jitter`` in [0, 1)."""
    try:
        grown = policy.initial_backoff * policy.multiplier ** (attempt - 1)
    except OverflowError:  # the thousandth 429 of a call with no deadline
        grown = math.inf
    return min(policy.max_backoff, grown) * jitter


def decide(
    policy: RetryPolicy,
    method: str,
    failure: Failure,
    *,
    attempt: int,
    elapsed: float,
    wait_hint: float | None = None,
    jitter: float = 1.0,
) -> float | None:
    """Seconds to wait before trying again, or None to stop and raise.

    ``attempt`` counts error attempts made so far (1 after the first failure); ``elapsed`` is
    the time the call has taken; ``wait_hint`` is the server's own idea of when to come back
    (Retry-After or the window reset), used for 429s.

    A hint shorter than ``initial_backoff`` (a ``Retry-After`` of 0, a negative number, NaN,
    a date in the past) is floored by the normal, growing backoff for the attempt: otherwise
    a call would re-send as fast as the server answers until its deadline.
    """
    if failure is Failure.RATE_LIMITED:
        if not policy.retry_rate_limited:
            return None
        hint = wait_hint if wait_hint is not None and not math.isnan(wait_hint) else None
        if hint is not None and hint >= policy.initial_backoff:
            delay = hint
        else:
            delay = max(hint or 0.0, backoff(policy, max(attempt, 1), jitter))
        if delay > policy.max_rate_limit_wait:
            return None
    else:
        verb = method.upper()
        if failure is Failure.MALFORMED and verb not in _READ_METHODS:
            return None  # a 2xx write was applied; sending it again cannot mend its answer
        if verb not in IDEMPOTENT_METHODS and failure.server_may_have_acted:
            return None  # re-sending could apply the write twice
        if attempt >= policy.attempts:
            return None
        delay = backoff(policy, attempt, jitter)
    if policy.deadline is not None and elapsed + delay > policy.deadline:
        return None
    return max(0.0, delay)


_TRANSPORT_FAILURES = {
    "connect": Failure.NOT_SENT,
    "timeout": Failure.TIMEOUT,
    "connection lost": Failure.CONNECTION_LOST,
}


def classify(error: SentryError) -> Failure | None:
    """The retry-relevant kind of an error; None for errors no retry can fix (4xx, TLS).

    A 2xx labelled JSON whose body does not parse counts (a cut-off answer is worth one more
    GET); an HTML page (a login portal, a wrong base URL) does not, and JSON of the wrong
    shape is decoded after the pipeline and never retried.
    """
    if isinstance(error, RateLimited):
        return Failure.RATE_LIMITED
    if isinstance(error, ServerError):
        return Failure.SERVER_ERROR
    if isinstance(error, TransportError):
        return _TRANSPORT_FAILURES.get(error.reason)
    if isinstance(error, ResponseTooLarge):
        return None  # it will be just as large next time
    if isinstance(error, DecodeError) and "json" in error.content_type.lower():
        return Failure.MALFORMED  # JSON cut short; an HTML page is a set-up error instead
    return None
