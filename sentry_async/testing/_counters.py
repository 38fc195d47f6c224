"""What the fake served, for tests to assert on; plus a bounded log of recent requests."""

from __future__ import annotations

from collections import Counter, deque

import attrs

__all__ = ["Counters", "LoggedRequest"]


@attrs.frozen
class LoggedRequest:
    """One served request. ``status`` is 0 when the connection was dropped."""

    method: str
    path: str
    route: str
    status: int
    fault: str | None = None


@attrs.define
class Counters:
    """Running totals since start (or the last :meth:`reset`).

    Route-keyed counters use route keys like ``"GET /organizations/{org}/projects/"``
    (``"<unmatched>"`` for paths that match no route). ``created``/``deleted`` are keyed by
    resource kind: ``project``, ``member``, ``hook``, ``key``, ``external_issue``,
    ``scim_user``. ``writes_applied`` counts successful non-GET handler runs, including
    those answered with an injected 500 afterwards.
    """

    requests: int = 0
    by_route: Counter[str] = attrs.field(factory=Counter)
    statuses: Counter[int] = attrs.field(factory=Counter)
    rate_limited: int = 0
    concurrency_limited: int = 0
    faults: Counter[str] = attrs.field(factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    in_flight_by_route: Counter[str] = attrs.field(factory=Counter)
    max_in_flight_by_route: Counter[str] = attrs.field(factory=Counter)
    created: Counter[str] = attrs.field(factory=Counter)
    deleted: Counter[str] = attrs.field(factory=Counter)
    writes_applied: int = 0
    log: deque[LoggedRequest] = attrs.field(factory=lambda: deque(maxlen=1000), repr=False)

    @property
    def throttled(self) -> int:
        """All 429s the limiter sent (request rate and concurrency)."""
        return self.rate_limited + self.concurrency_limited

    def started(self, route: str) -> None:
        self.requests += 1
        self.by_route[route] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        now = self.in_flight_by_route[route] + 1
        self.in_flight_by_route[route] = now
        if now > self.max_in_flight_by_route[route]:
            self.max_in_flight_by_route[route] = now

    def finished(self, route: str) -> None:
        self.in_flight -= 1
        left = self.in_flight_by_route[route] - 1
        if left:
            self.in_flight_by_route[route] = left
        else:
            del self.in_flight_by_route[route]  # keep the counter (and its repr) small

    def reset(self) -> None:
        """Zero everything; maxima restart from what is in flight right now."""
        fresh = Counters(
            in_flight=self.in_flight,
            max_in_flight=self.in_flight,
            in_flight_by_route=+self.in_flight_by_route,
            max_in_flight_by_route=+self.in_flight_by_route,
            log=deque(maxlen=self.log.maxlen),
        )
        for field in attrs.fields(Counters):
            setattr(self, field.name, getattr(fresh, field.name))
