"""One route's budget against a simulated Sentry window counter: never over the limit.

Sentry counts a request in the fixed window in which it *arrives*. Hypothesis chooses when
the client tries to send, when each request arrives (at most ``ARRIVAL_ALLOWANCE`` after it
was sent, less how far the client's clock estimate lags: the budget's contract), in which
order answers come back, which requests are lost on the way, which are given up by the
client while still travelling (a timeout) and which answers are lost. The client's clock
may be behind the server's, never ahead: that is what ``ClockSkew``'s lower bound
guarantees.

Whatever the schedule, no window may count more than the limit, and once everything has
ended a later window is spendable in full again.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Literal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from sentry_async.ratelimit import ARRIVAL_ALLOWANCE, RateSnapshot, RouteBudget

LIMIT = 5
WINDOW = 1.0
T0 = 1_700_000_000.0

Kind = Literal["send", "wait", "arrive", "answer", "lose", "abandon", "drop", "learn"]
Action = tuple[Kind, float]


def _action(kind: Kind) -> st.SearchStrategy[Action]:
    if kind == "send":
        value: st.SearchStrategy[float] = st.integers(1, 8).map(float)
    elif kind == "wait":
        value = st.sampled_from([0.01, 0.05, 0.2, 0.45, 0.9, 1.3])
    elif kind == "learn":
        value = st.floats(0.0, 1.0)
    else:  # which request: an index, modulo how many there are
        value = st.integers(0, 63).map(float)
    return value.map(lambda v: (kind, v))


# Sends and waits make the schedules; the rest pick what happens to requests in flight.
KINDS: list[Kind] = ["send", "send", "send", "wait", "wait", "wait", "arrive", "answer"]
KINDS += ["lose", "abandon", "drop", "learn"]
actions = st.lists(st.sampled_from(KINDS).flatmap(_action), max_size=60)


@attrs.define
class Request:
    ticket: float  # when the client let it through, on its estimate of the server's clock
    due: float  # the latest it arrives, on the server's clock
    settled: bool = False  # the client gave up on it (it may still arrive)


class Simulation:
    """A client budget, a window counter at the server, and the requests between them."""

    def __init__(self, behind: float) -> None:
        self.budget = RouteBudget()
        self.now = T0 + 0.5  # the server's clock
        self.behind = behind  # how far the client's estimate of it lags
        self.max_delay = ARRIVAL_ALLOWANCE - behind
        self.counts: Counter[int] = Counter()
        self.travelling: list[Request] = []  # sent, not yet arrived
        self.arrived: list[tuple[Request, RateSnapshot]] = []  # arrived, not yet answered

    def client_now(self) -> float:
        return self.now - self.behind

    def send(self, tries: int) -> None:
        budget = self.budget
        for _ in range(tries):
            ticket = self.client_now()
            if not budget.can_start() or budget.reserve(ticket) > 0:
                return
            budget.in_flight += 1
            self.travelling.append(Request(ticket, self.now + self.max_delay))

    def arrive(self, request: Request) -> None:
        self.travelling.remove(request)
        index = math.floor(self.now / WINDOW)
        self.counts[index] += 1
        assert self.counts[index] <= LIMIT, f"window {index} counted {self.counts[index]}"
        snapshot = RateSnapshot(LIMIT, LIMIT - self.counts[index], (index + 1) * WINDOW)
        if not request.settled:
            self.arrived.append((request, snapshot))

    def settle(self, request: Request, snapshot: RateSnapshot | None, *, answered: bool) -> None:
        request.settled = True
        self.budget.settle(snapshot, self.client_now(), answered=answered, ticket=request.ticket)
        self.budget.in_flight -= 1

    def wait(self, seconds: float) -> None:
        """Let time pass; a request reaches the server by its due time at the latest."""
        until = self.now + seconds
        while due := [r for r in self.travelling if r.due <= until]:
            request = min(due, key=lambda r: r.due)
            self.now = max(self.now, request.due)
            self.arrive(request)
        self.now = until

    def run(self, action: Action) -> None:
        kind, value = action
        if kind == "send":
            self.send(int(value))
        elif kind == "wait":
            self.wait(value)
        elif kind == "learn":
            self.behind *= value  # the estimate closes in; it never passes the server's clock
        elif kind in ("arrive", "lose", "abandon"):
            pending = [r for r in self.travelling if kind == "arrive" or not r.settled]
            if not pending:
                return
            request = pending[int(value) % len(pending)]
            if kind == "arrive":
                self.arrive(request)
            else:  # the client gives up; a lost request never arrives, an abandoned one may
                if kind == "lose":
                    self.travelling.remove(request)
                self.settle(request, None, answered=False)
        elif kind in ("answer", "drop") and self.arrived:
            request, snapshot = self.arrived.pop(int(value) % len(self.arrived))
            self.settle(request, snapshot, answered=kind == "answer")

    def finish(self) -> None:
        self.wait(ARRIVAL_ALLOWANCE + WINDOW)
        while self.arrived:
            request, snapshot = self.arrived.pop()
            self.settle(request, snapshot, answered=True)


@settings(max_examples=400, deadline=None)
@given(
    schedule=actions,
    behind=st.one_of(st.just(0.0), st.floats(0.0, ARRIVAL_ALLOWANCE - 0.05)),
)
def test_no_schedule_of_arrivals_and_answers_overfills_a_window(
    schedule: list[Action], behind: float
) -> None:
    simulation = Simulation(behind)
    probe: list[Action] = [("send", 1.0), ("arrive", 0.0), ("answer", 0.0)]
    for action in probe + schedule:  # the probe first: the window is known
        simulation.run(action)
    simulation.finish()
    # Nothing in flight: the next window may still be charged for a request whose answer
    # was lost (it might have arrived there); a later one is the client's in full.
    budget = simulation.budget
    for last in (False, True):
        assert budget.reset_at is not None
        # Past the reset as the client sees it (its learnt window may span several) and the
        # arrival allowance of anything sent before, in the middle of a server window.
        later = max(budget.reset_at, simulation.now + ARRIVAL_ALLOWANCE) + 1.0
        simulation.now = math.floor(later) + 0.5
        ticket = simulation.client_now()
        went = budget.reserve(ticket) == 0.0
        assert went or not last
        if went:
            budget.settle(None, ticket, answered=True, ticket=ticket)
    assert budget.recent == []
    assert budget.remaining == LIMIT - 1
