"""Fault injection: what goes wrong, where, how often, and how many times.

A :class:`FaultPlan` holds :class:`Fault` rules, changeable while the fake runs. For each
request the matching rules are rolled in order (seeded, so runs repeat): every firing SLOW
rule adds its delay, and the first other rule that fires decides the outcome.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable

import attrs

__all__ = ["Draw", "Fault", "FaultKind", "FaultPlan"]


class FaultKind(str, enum.Enum):
    """What the fake does instead of (or on top of) answering normally."""

    SERVER_ERROR = "server_error"  # 5xx with Sentry's JSON body; the handler never runs
    HTML_ERROR = "html_error"  # a proxy's text/html error page (502 by default)
    DROP = "drop"  # the connection is closed without any response
    SLOW = "slow"  # wait ``delay`` seconds, then answer normally
    # Held up on the way (a proxy's queue, a slow network): wait ``delay`` seconds *before*
    # the rate limiter counts the request, so it may be counted in a later window.
    LATE = "late"
    TRUNCATED = "truncated"  # the normal answer with its body cut in half (still status 200)
    APPLIED_THEN_500 = "applied_then_500"  # writes only: the write happens, then a 500


@attrs.frozen
class Fault:
    """One fault rule.

    ``route`` is a route key (``"POST /organizations/{org}/members/"``), a path template
    matching every method (``"/organizations/{org}/members/"``), or None for all routes.
    ``probability`` is rolled per matching request; ``times`` caps how often the rule fires
    (None: forever). ``status`` overrides the 5xx status; ``delay`` is for SLOW and LATE.
    """

    kind: FaultKind
    route: str | None = None
    probability: float = attrs.field(default=1.0, validator=attrs.validators.ge(0.0))
    times: int | None = None
    status: int | None = None
    delay: float = 0.5

    @probability.validator
    def _check_probability(self, _: attrs.Attribute[float], value: float) -> None:
        if value > 1.0:
            raise ValueError(f"probability must be within [0, 1], got {value}")

    def matches(self, key: str, template: str) -> bool:
        return self.route is None or self.route == key or self.route == template


@attrs.frozen
class Draw:
    """The faults chosen for one request."""

    delay: float = 0.0
    fault: Fault | None = None


@attrs.define(slots=True, eq=False)
class _Armed:
    fault: Fault
    remaining: int | None


class FaultPlan:
    """The active fault rules; deterministic for a given ``seed`` and request order."""

    def __init__(self, faults: Iterable[Fault] = (), *, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._armed: list[_Armed] = []
        for fault in faults:
            self.add(fault)

    @property
    def rules(self) -> list[Fault]:
        """The rules still armed, in order."""
        return [armed.fault for armed in self._armed]

    def add(self, fault: Fault) -> Fault:
        """Arm a rule (appended: earlier rules win)."""
        self._armed.append(_Armed(fault, fault.times))
        return fault

    def fail_next(
        self,
        route: str | None,
        n: int = 1,
        kind: FaultKind = FaultKind.SERVER_ERROR,
        *,
        status: int | None = None,
        delay: float = 0.5,
    ) -> Fault:
        """Make the next ``n`` requests to ``route`` fail with ``kind`` (checked first)."""
        fault = Fault(kind, route, times=n, status=status, delay=delay)
        self._armed.insert(0, _Armed(fault, n))
        return fault

    def remove(self, fault: Fault) -> None:
        self._armed = [armed for armed in self._armed if armed.fault is not fault]

    def clear(self) -> None:
        self._armed.clear()

    def reseed(self, seed: int) -> None:
        self._rng.seed(seed)

    def draw_late(self, key: str, template: str) -> float:
        """Roll the LATE rules for one request: seconds to hold it before it is counted.

        Rolled for every request, before the rate limiter; without LATE rules it draws
        nothing, so the other rules' sequence for a seed does not change.
        """
        delay = 0.0
        for armed in list(self._armed):
            fault = armed.fault
            if fault.kind is FaultKind.LATE and self._fires(armed, key, template):
                delay += fault.delay
        return delay

    def _fires(self, armed: _Armed, key: str, template: str) -> bool:
        """Whether a matching rule fires this time (and count it if it does)."""
        fault = armed.fault
        if not fault.matches(key, template):
            return False
        if fault.probability < 1.0 and self._rng.random() >= fault.probability:
            return False
        if armed.remaining is not None:
            armed.remaining -= 1
            if armed.remaining <= 0:
                self._armed.remove(armed)
        return True

    def draw(self, key: str, template: str, *, write: bool) -> Draw:
        """Roll the rules for one request to route ``key`` (all but LATE: see draw_late)."""
        delay = 0.0
        chosen: Fault | None = None
        for armed in list(self._armed):
            fault = armed.fault
            if fault.kind is FaultKind.LATE:
                continue
            if fault.kind is FaultKind.APPLIED_THEN_500 and not write:
                continue
            if fault.kind is not FaultKind.SLOW and chosen is not None:
                continue
            if not self._fires(armed, key, template):
                continue
            if fault.kind is FaultKind.SLOW:
                delay += fault.delay
            else:
                chosen = fault
        return Draw(delay, chosen)
