"""Sentry-style rate limits: fixed epoch-aligned windows plus a concurrent-request cap.

Off by default, like self-hosted Sentry (no headers, no 429). When configured, every
response of a limited route carries the ``X-Sentry-Rate-Limit-*`` headers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping

import attrs

__all__ = ["Admission", "RateLimitConfig", "RateLimiter", "RouteLimit"]

RATE_MESSAGE = (
    "You are attempting to use this endpoint too frequently. Limit is {limit} requests in "
    "{window} seconds"
)
CONCURRENCY_MESSAGE = (
    "You are attempting to go above the allowed concurrency for this endpoint. "
    "Concurrency limit is {limit}"
)


@attrs.frozen
class RouteLimit:
    """Limits of one route: ``limit`` requests per ``window`` seconds, ``concurrent`` in flight.

    Either may be None (not limited). Routes naming the same ``bucket`` share one budget,
    as same-group endpoints do on Sentry; by default each route key is its own bucket.
    """

    limit: int | None = None
    window: int = 1
    concurrent: int | None = None
    bucket: str | None = None


@attrs.frozen
class RateLimitConfig:
    """Default limits for every route, plus per-route overrides keyed by route template.

    ``RateLimitConfig(limit=40, concurrent_limit=25)`` is sentry.io-like: each route key
    (``"GET /organizations/{org}/projects/"``) gets 40 requests per 1 s window and 25 in
    flight. ``routes`` overrides single routes. ``retry_after`` adds a ``Retry-After`` header
    to 429s (Sentry's own limiter never sends one).
    """

    limit: int | None = None
    window: int = 1
    concurrent_limit: int | None = None
    routes: Mapping[str, RouteLimit] = attrs.field(factory=dict)
    retry_after: bool = False

    def for_route(self, key: str) -> RouteLimit | None:
        override = self.routes.get(key)
        if override is not None:
            return override
        if self.limit is None and self.concurrent_limit is None:
            return None
        return RouteLimit(self.limit, self.window, self.concurrent_limit)


@attrs.define(slots=True)
class Admission:
    """The limiter's verdict on one request: headers to send, and a 429 message if refused."""

    headers: dict[str, str]
    refused: str | None = None
    concurrency_refused: bool = False
    bucket: str | None = None  # set while holding a concurrency slot


class RateLimiter:
    """Counts requests per bucket and window, and requests in flight per bucket."""

    def __init__(self, config: RateLimitConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}  # bucket -> (window index, count)
        self._in_flight: Counter[str] = Counter()

    def reset(self) -> None:
        """Forget window counts (in-flight requests are still tracked until they finish)."""
        self._windows.clear()

    def admit(self, key: str) -> Admission:
        rule = self.config.for_route(key)
        if rule is None:
            return Admission({})
        bucket = rule.bucket or key
        now = self._clock()
        headers: dict[str, str] = {}
        refused = None
        reset_at = now
        if rule.limit is not None:
            index = math.floor(now / rule.window)
            seen_index, count = self._windows.get(bucket, (index, 0))
            count = count + 1 if seen_index == index else 1
            self._windows[bucket] = (index, count)
            reset_at = (index + 1) * rule.window
            headers["X-Sentry-Rate-Limit-Limit"] = str(rule.limit)
            headers["X-Sentry-Rate-Limit-Remaining"] = str(max(0, rule.limit - count))
            headers["X-Sentry-Rate-Limit-Reset"] = str(int(reset_at))
            if count > rule.limit:
                refused = RATE_MESSAGE.format(limit=rule.limit, window=rule.window)
        admission = Admission(headers, refused)
        if rule.concurrent is not None:
            in_flight = self._in_flight[bucket]
            if refused is None and in_flight >= rule.concurrent:
                admission.refused = CONCURRENCY_MESSAGE.format(limit=rule.concurrent)
                admission.concurrency_refused = True
            elif refused is None:
                in_flight += 1
                self._in_flight[bucket] = in_flight
                admission.bucket = bucket
            headers["X-Sentry-Rate-Limit-ConcurrentLimit"] = str(rule.concurrent)
            headers["X-Sentry-Rate-Limit-ConcurrentRemaining"] = str(
                max(0, rule.concurrent - in_flight)
            )
        if admission.refused and self.config.retry_after:
            wait = reset_at - now if not admission.concurrency_refused else 1
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return admission

    def release(self, admission: Admission) -> None:
        if admission.bucket is not None:
            self._in_flight[admission.bucket] -= 1
            admission.bucket = None
