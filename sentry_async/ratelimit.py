"""Rate-limit policy: Sentry's headers parsed, and one route's budget as plain state.

Pure: no event loop, no HTTP. The caller passes ``now`` (epoch seconds, as Sentry's
``X-Sentry-Rate-Limit-Reset`` is) and does any waiting itself.

Sentry counts requests in fixed windows aligned to the epoch (``reset`` is when the current
one ends) and may also cap requests in flight. A :class:`RouteBudget` spends the remaining
count locally, so concurrent tasks don't all fire into an exhausted window, and takes the
server's word whenever an answer brings fresher numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

__all__ = ["RateSnapshot", "RouteBudget", "parse_rate_headers"]

LIMIT = "X-Sentry-Rate-Limit-Limit"
REMAINING = "X-Sentry-Rate-Limit-Remaining"
RESET = "X-Sentry-Rate-Limit-Reset"
CONCURRENT_LIMIT = "X-Sentry-Rate-Limit-ConcurrentLimit"
CONCURRENT_REMAINING = "X-Sentry-Rate-Limit-ConcurrentRemaining"

# Sentry's default window, used until two answers show a different one.
DEFAULT_WINDOW = 1.0
# Wait this long past a window's reset before spending the next one, so a clock that runs
# slightly ahead of Sentry's does not land requests in the old window; and stop spending a
# window this long before its reset, so a request sent at the very end (or by a clock that
# runs behind) is not counted in the next window, whose budget is spent in full again.
RESET_MARGIN = 0.02


@attrs.frozen(slots=True)
class RateSnapshot:
    """What one answer's ``X-Sentry-Rate-Limit-*`` headers said (None where absent/garbage)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    concurrent_limit: int | None = None
    concurrent_remaining: int | None = None


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:  # "None" from older Sentry builds, or anything else odd
        return None
    return number if number >= 0 else None


def parse_rate_headers(headers: Mapping[str, str]) -> RateSnapshot | None:
    """Parse the rate-limit headers; None when there are none (self-hosted Sentry).

    ``headers`` must look names up case-insensitively (aiohttp's and multidict's do).
    """
    if headers.get(LIMIT) is None and headers.get(CONCURRENT_LIMIT) is None:
        return None
    reset = _int(headers, RESET)
    return RateSnapshot(
        limit=_int(headers, LIMIT),
        remaining=_int(headers, REMAINING),
        reset=float(reset) if reset is not None else None,
        concurrent_limit=_int(headers, CONCURRENT_LIMIT) or None,
        concurrent_remaining=_int(headers, CONCURRENT_REMAINING),
    )


@attrs.define(slots=True)
class RouteBudget:
    """The request budget of one route template, as far as this process knows it.

    ``known`` turns True with the route's first answer. Until then only one request is let
    through (a probe), so a wide fan-out does not burst past a concurrency limit it has not
    yet been told about.
    """

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    window: float | None = None
    concurrent_limit: int | None = None
    in_flight: int = 0
    known: bool = False

    # -- the request-rate window -------------------------------------------------------

    def reserve(self, now: float) -> float:
        """Take one request from the window: 0.0 if it may go now, else seconds to wait.

        A window is spent only while ``now`` is more than ``RESET_MARGIN`` from its reset.
        After waiting, call again: another task may have taken the freed budget first.
        """
        if self.remaining is None or self.reset_at is None:
            return 0.0
        if now >= self.reset_at + RESET_MARGIN:
            self._roll_over(now)
            if self.remaining is None:
                return 0.0
        if self.remaining > 0 and now < self.reset_at - RESET_MARGIN:
            self.remaining -= 1
            return 0.0
        return self.reset_at + RESET_MARGIN - now

    def _roll_over(self, now: float) -> None:
        assert self.reset_at is not None
        if self.limit is None:  # only a Retry-After block was known: it is over
            self.reset_at = self.remaining = None
            return
        window = self.window or DEFAULT_WINDOW
        passed = math.floor((now - self.reset_at) / window) + 1
        self.reset_at += passed * window
        self.remaining = self.limit

    def observe(self, snapshot: RateSnapshot | None, now: float) -> None:
        """Merge an answer's headers into the budget (None: the route is not limited)."""
        self.known = True
        if snapshot is None:
            return
        if snapshot.concurrent_limit is not None:
            self.concurrent_limit = snapshot.concurrent_limit
        if snapshot.limit is not None:
            self.limit = snapshot.limit
        reset, remaining = snapshot.reset, snapshot.remaining
        if reset is None or remaining is None:
            return
        if self.reset_at is None or reset > self.reset_at:
            if self.reset_at is not None:
                gap = reset - self.reset_at
                self.window = gap if self.window is None else min(self.window, gap)
            self.reset_at = reset
            self.remaining = remaining
        elif reset == self.reset_at and self.remaining is not None:
            # Same window: our count already includes requests the server has not seen yet;
            # a lower server count means someone else shares the bucket.
            self.remaining = min(self.remaining, remaining)
        # An answer from an older window (a slow response) says nothing about the current one.

    def block_until(self, until: float) -> None:
        """Spend the budget until ``until`` (a 429 with Retry-After but no window headers)."""
        self.known = True
        if self.reset_at is None or until > self.reset_at:
            self.reset_at = until
        self.remaining = 0

    # -- the in-flight cap -------------------------------------------------------------

    def capacity(self) -> int | None:
        """How many requests may be in flight on this route (None: no cap)."""
        if not self.known:
            return 1
        return self.concurrent_limit

    def can_start(self) -> bool:
        cap = self.capacity()
        return cap is None or self.in_flight < cap
