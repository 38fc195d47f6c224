"""One route's budget against a simulated Sentry window counter: never over the limit.

Sentry counts a request in the fixed window in which it *arrives*. Hypothesis chooses when
the client tries to send, how long each request takes to arrive (a busy event loop or a slow
network carries it across window boundaries), in which order answers come back, which
requests are lost before arriving and which answers are lost after. The client's clock may
be behind the server's, never ahead: that is what ``ClockSkew``'s lower bound guarantees.

Whatever the schedule, no window may count more than the limit, and once everything has
ended the next window is spendable in full again.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from sentry_async.ratelimit import RateSnapshot, RouteBudget

LIMIT = 5
WINDOW = 1.0
T0 = 1_700_000_000.0

Action = tuple[Literal["send", "wait", "arrive", "answer", "lose", "drop", "learn"], float]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(1, 8).map(float)),
        st.tuples(st.just("wait"), st.sampled_from([0.01, 0.05, 0.2, 0.45, 0.9, 1.3])),
        st.tuples(st.just("arrive"), st.integers(0, 63).map(float)),
        st.tuples(st.just("answer"), st.integers(0, 63).map(float)),
        st.tuples(st.just("lose"), st.integers(0, 63).map(float)),
        st.tuples(st.just("drop"), st.integers(0, 63).map(float)),
        st.tuples(st.just("learn"), st.floats(0.0, 1.0)),
    ),
    max_size=120,
)


class Simulation:
    """A client budget, a window counter at the server, and the requests between them."""

    def __init__(self, behind: float) -> None:
        self.budget = RouteBudget()
        self.now = T0 + 0.5  # the server's clock
        self.behind = behind  # how far the client's estimate of it lags
        self.counts: Counter[int] = Counter()
        self.travelling = 0  # sent, not yet arrived
        self.arrived: list[RateSnapshot] = []  # arrived, not yet answered

    def client_now(self) -> float:
        return self.now - self.behind

    def send(self, tries: int) -> None:
        budget = self.budget
        for _ in range(tries):
            if not budget.can_start() or budget.reserve(self.client_now()) > 0:
                return
            budget.in_flight += 1
            self.travelling += 1

    def arrive(self) -> None:
        self.travelling -= 1
        index = math.floor(self.now / WINDOW)
        self.counts[index] += 1
        assert self.counts[index] <= LIMIT, f"window {index} counted {self.counts[index]}"
        remaining = LIMIT - self.counts[index]
        self.arrived.append(RateSnapshot(LIMIT, remaining, (index + 1) * WINDOW))

    def settle(self, snapshot: RateSnapshot | None, *, answered: bool) -> None:
        self.budget.settle(snapshot, self.client_now(), answered=answered)
        self.budget.in_flight -= 1

    def run(self, action: Action) -> None:
        kind, value = action
        if kind == "send":
            self.send(int(value))
        elif kind == "wait":
            self.now += value
        elif kind == "learn":
            self.behind *= value  # the estimate closes in; it never passes the server's clock
        elif kind in ("arrive", "lose") and self.travelling:
            if kind == "arrive":
                self.arrive()
            else:  # the connection failed before the request reached Sentry
                self.travelling -= 1
                self.settle(None, answered=False)
        elif kind in ("answer", "drop") and self.arrived:
            snapshot = self.arrived.pop(int(value) % len(self.arrived))
            self.settle(snapshot, answered=kind == "answer")

    def finish(self) -> None:
        while self.travelling:
            self.arrive()
        while self.arrived:
            self.settle(self.arrived.pop(), answered=True)


@settings(max_examples=400, deadline=None)
@given(schedule=actions, behind=st.floats(0.0, 0.9))
def test_no_schedule_of_arrivals_and_answers_overfills_a_window(
    schedule: list[Action], behind: float
) -> None:
    simulation = Simulation(behind)
    probe: list[Action] = [("send", 1.0), ("arrive", 0.0), ("answer", 0.0)]
    for action in probe + schedule:  # the probe first: the window is known
        simulation.run(action)
    simulation.finish()
    # Nothing in flight: the next window may still be charged for a request whose answer
    # was lost (it may yet arrive); the one after it is the client's in full.
    budget = simulation.budget
    for last in (False, True):
        assert budget.reset_at is not None
        # Past the reset as the client sees it (its learnt window may span several).
        simulation.now = budget.reset_at + simulation.behind + 0.1
        went = budget.reserve(simulation.client_now()) == 0.0
        assert went or not last
        if went:
            budget.settle(None, simulation.client_now(), answered=True)
    assert (budget.sent, budget.lost) == (0, 0)
    assert budget.remaining == LIMIT - 1
