"""Rate-limit header parsing and one route's budget, with plain values."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from sentry_async.ratelimit import RESET_MARGIN, RateSnapshot, RouteBudget, parse_rate_headers

T0 = 1_700_000_000.0


def headers(**values: str) -> CIMultiDict[str]:
    return CIMultiDict({f"X-Sentry-Rate-Limit-{k}": v for k, v in values.items()})


def test_full_headers_parse() -> None:
    snap = parse_rate_headers(
        headers(
            Limit="40",
            Remaining="12",
            Reset="1700000001",
            ConcurrentLimit="25",
            ConcurrentRemaining="24",
        )
    )
    assert snap == RateSnapshot(40, 12, 1_700_000_001.0, 25, 24)


def test_no_headers_means_no_snapshot() -> None:
    assert parse_rate_headers(CIMultiDict({"Content-Type": "application/json"})) is None


@pytest.mark.parametrize("junk", ["None", "", "abc", "-1", "1.5e3", " "])
def test_garbage_values_become_none(junk: str) -> None:
    snap = parse_rate_headers(
        headers(Limit="40", Remaining=junk, Reset=junk, ConcurrentRemaining=junk)
    )
    assert snap is not None
    assert snap.limit == 40
    assert (snap.remaining, snap.reset, snap.concurrent_remaining) == (None, None, None)


def test_header_names_are_case_insensitive() -> None:
    snap = parse_rate_headers(CIMultiDict({"x-sentry-rate-limit-limit": "5"}))
    assert snap is not None and snap.limit == 5


def test_unknown_budget_never_waits() -> None:
    budget = RouteBudget()
    assert all(budget.reserve(T0) == 0.0 for _ in range(1000))


def test_budget_spends_remaining_then_waits_for_reset() -> None:
    budget = RouteBudget()
    budget.observe(RateSnapshot(limit=3, remaining=2, reset=T0 + 1), T0)
    assert budget.reserve(T0) == 0.0
    assert budget.reserve(T0) == 0.0
    for remaining in (1, 0):  # both answered within the window
        answer = RateSnapshot(limit=3, remaining=remaining, reset=T0 + 1)
        budget.settle(answer, T0, answered=True, ticket=T0)
    wait = budget.reserve(T0 + 0.25)
    assert wait == pytest.approx(0.75 + RESET_MARGIN)
    # After the reset a fresh window of `limit` opens, then it is spent again.
    after = T0 + 1 + RESET_MARGIN
    assert [budget.reserve(after) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.reserve(after) > 0


def test_same_window_takes_the_lower_count() -> None:
    budget = RouteBudget()
    budget.observe(RateSnapshot(limit=40, remaining=30, reset=T0 + 1), T0)
    for _ in range(5):
        budget.reserve(T0)
    assert budget.remaining == 25
    # A late answer with a higher count must not give back budget already spent...
    budget.observe(RateSnapshot(limit=40, remaining=29, reset=T0 + 1), T0)
    assert budget.remaining == 25
    # ...but a lower one (someone else shares the bucket) is believed.
    budget.observe(RateSnapshot(limit=40, remaining=3, reset=T0 + 1), T0)
    assert budget.remaining == 3


def test_newer_window_replaces_and_older_is_ignored() -> None:
    budget = RouteBudget()
    budget.observe(RateSnapshot(limit=40, remaining=0, reset=T0 + 1), T0)
    budget.observe(RateSnapshot(limit=40, remaining=39, reset=T0 + 2), T0 + 1.1)
    assert (budget.remaining, budget.reset_at, budget.window) == (39, T0 + 2, 1.0)
    budget.observe(RateSnapshot(limit=40, remaining=0, reset=T0 + 1), T0 + 1.1)
    assert budget.remaining == 39


def test_window_length_is_learned_for_roll_over() -> None:
    budget = RouteBudget()
    budget.observe(RateSnapshot(limit=2, remaining=0, reset=T0 + 10), T0 + 5)
    budget.observe(RateSnapshot(limit=2, remaining=1, reset=T0 + 20), T0 + 11)
    assert budget.window == 10
    budget.reserve(T0 + 12)
    assert budget.reserve(T0 + 12) == pytest.approx(8 + RESET_MARGIN)


def test_block_until_stops_everything_until_then() -> None:
    budget = RouteBudget()
    budget.block_until(T0 + 5)
    assert budget.reserve(T0) == pytest.approx(5 + RESET_MARGIN)


def test_probe_then_concurrency_from_headers() -> None:
    budget = RouteBudget()
    assert budget.capacity() == 1  # nothing known: one probe at a time
    budget.observe(RateSnapshot(limit=40, remaining=39, reset=T0 + 1, concurrent_limit=25), T0)
    assert budget.capacity() == 25
    budget.in_flight = 25
    assert not budget.can_start()


def test_answer_without_headers_lifts_the_probe() -> None:
    budget = RouteBudget()
    budget.observe(None, T0)
    assert budget.capacity() is None
    budget.in_flight = 10_000
    assert budget.can_start()


def test_the_last_moment_of_a_window_is_not_spent() -> None:
    """A request sent within RESET_MARGIN of the reset may be counted in the next window,
    whose budget is spent in full again: it waits for that window instead."""
    budget = RouteBudget()
    budget.observe(RateSnapshot(limit=40, remaining=30, reset=T0 + 1), T0)
    closing = T0 + 1 - RESET_MARGIN / 2
    assert budget.reserve(closing) == pytest.approx(1.5 * RESET_MARGIN)
    assert budget.remaining == 30  # nothing was taken
    # Nor is the old window's remainder spent after its reset, before the margin is over.
    assert budget.reserve(T0 + 1 + RESET_MARGIN / 2) == pytest.approx(RESET_MARGIN / 2)
    assert budget.reserve(T0 + 1 + RESET_MARGIN) == 0.0
    assert budget.remaining == 39  # the next window, in full, less this one


def window(remaining: int, reset: float, limit: int = 40) -> RateSnapshot:
    return RateSnapshot(limit=limit, remaining=remaining, reset=reset)


def late_request(budget: RouteBudget) -> float:
    """A budget 39 of 40 into the window ending at T0 + 1, and one request let through
    shortly before that reset (its ticket)."""
    budget.observe(window(39, T0 + 1), T0)
    ticket = T0 + 0.9
    assert budget.reserve(ticket) == 0.0
    return ticket


def test_a_request_in_flight_across_the_reset_is_charged_to_the_next_window() -> None:
    """It may arrive after the reset and be counted there: 40 more would make 41."""
    budget = RouteBudget()
    late_request(budget)
    assert budget.reserve(T0 + 1 + RESET_MARGIN) == 0.0
    assert budget.remaining == 38  # 40, less the one in flight, less this one
    assert budget.owed == 1


def test_its_answer_from_the_old_window_gives_the_charge_back() -> None:
    budget = RouteBudget()
    ticket = late_request(budget)
    budget.reserve(T0 + 1.1)
    budget.settle(window(10, T0 + 1), T0 + 1.2, answered=True, ticket=ticket)
    assert budget.remaining == 39
    # An answer from the old window never gives back more than was charged.
    budget.settle(window(9, T0 + 1), T0 + 1.2, answered=True, ticket=ticket)
    assert budget.remaining == 39


def test_its_answer_from_the_new_window_keeps_the_charge() -> None:
    budget = RouteBudget()
    ticket = late_request(budget)
    second = T0 + 1.1
    budget.reserve(second)
    budget.settle(window(39, T0 + 2), T0 + 1.2, answered=True, ticket=ticket)
    assert budget.remaining == 38


def test_a_request_given_up_on_is_charged_while_it_may_still_arrive() -> None:
    """No answer (a timeout, a dropped connection): the server may count it yet."""
    budget = RouteBudget()
    ticket = late_request(budget)
    budget.settle(None, T0 + 0.95, answered=False, ticket=ticket)
    assert budget.reserve(T0 + 1.1) == 0.0
    assert budget.remaining == 38
    # Charged while it may arrive: the window after that is spent in full.
    budget.settle(None, T0 + 1.2, answered=True, ticket=T0 + 1.1)
    budget.reserve(T0 + 2.1)
    assert budget.remaining == 39
    assert budget.recent == [T0 + 2.1]


def test_a_slow_endpoints_requests_are_not_charged_to_every_window() -> None:
    """Unanswered for longer than ARRIVAL_ALLOWANCE: in Sentry's hands, not on the way.

    Charging 40 answers that take 3 s to every window they span would cut the route to a
    third of its limit."""
    budget = RouteBudget()
    budget.observe(window(40, T0 + 1), T0)
    for second in (0, 1, 2, 3):  # none answered yet
        now = T0 + second + 0.05
        assert [budget.reserve(now) for _ in range(40)] == [0.0] * 40, second
    assert budget.reserve(T0 + 3.1) > 0


def test_a_window_learnt_from_an_answer_is_charged_for_requests_still_unanswered() -> None:
    """The server's count is as of that answer's arrival; the others may arrive after it."""
    budget = RouteBudget()
    budget.observe(window(39, T0 + 1), T0)
    tickets = [T0 + 0.8 + n / 100 for n in range(5)]
    for ticket in tickets:
        budget.reserve(ticket)
    # Our clock has not reached the reset yet, the server's has: one answer says so.
    budget.settle(window(30, T0 + 2), T0 + 0.99, answered=True, ticket=tickets[2])
    assert (budget.reset_at, budget.remaining, budget.adopted_from) == (T0 + 2, 26, 30)
    # One that arrived before it was inside its count: given back.
    budget.settle(window(31, T0 + 2), T0 + 0.99, answered=True, ticket=tickets[0])
    assert budget.remaining == 27
    # One that arrived after it was charged rightly.
    budget.settle(window(29, T0 + 2), T0 + 0.99, answered=True, ticket=tickets[3])
    assert budget.remaining == 27


def test_a_lower_count_from_the_server_ends_the_give_backs() -> None:
    """Someone else spends the bucket: the server's count now includes what was charged."""
    budget = RouteBudget()
    budget.observe(window(9, T0 + 1, limit=10), T0 + 0.5)
    a1, a2, x = T0 + 0.9, T0 + 0.91, T0 + 0.92
    for ticket in (a1, a2, x):
        budget.reserve(ticket)
    budget.settle(window(7, T0 + 2, limit=10), T0 + 1.05, answered=True, ticket=x)
    assert (budget.remaining, budget.owed) == (5, 2)
    budget.reserve(T0 + 1.1)
    budget.settle(window(0, T0 + 2, limit=10), T0 + 1.2, answered=True, ticket=T0 + 1.1)
    assert (budget.remaining, budget.owed) == (0, 0)
    budget.settle(window(9, T0 + 2, limit=10), T0 + 1.3, answered=True, ticket=a1)
    assert budget.remaining == 0
    assert budget.reserve(T0 + 1.4) > 0


def test_an_answer_from_a_window_that_only_looks_older_gives_nothing_back() -> None:
    """A learnt window that is too long (two resets two seconds apart) puts the current
    reset past the server's: an answer counted in the server's current window is not from
    an earlier one."""
    budget = RouteBudget()
    budget.observe(window(39, T0 + 1), T0)
    budget.observe(window(39, T0 + 3), T0 + 2.5)  # nothing seen of the window between
    assert budget.window == 2
    ticket = T0 + 2.9
    budget.reserve(ticket)
    assert budget.reserve(T0 + 3.1) == 0.0  # rolled over to a reset at T0 + 5
    before = budget.remaining
    budget.settle(window(30, T0 + 4), T0 + 3.2, answered=True, ticket=ticket)
    assert budget.remaining == before


def test_nothing_is_given_back_during_a_retry_after_block() -> None:
    budget = RouteBudget()
    ticket = late_request(budget)
    budget.reserve(T0 + 1.1)
    budget.block_until(T0 + 30)
    budget.settle(window(10, T0 + 1), T0 + 1.2, answered=True, ticket=ticket)
    assert budget.remaining == 0


def test_the_window_is_learnt_from_the_servers_resets_only() -> None:
    """Sentry's window here is 2 s. Rolling over on the default 1 s guess, then hearing of
    the reset after, must not teach a 1 s window: 40 every second would be 80 a window."""
    budget = RouteBudget()
    budget.observe(window(39, T0 + 2), T0 + 1.5)
    budget.reserve(T0 + 2.1)  # rolled over by the clock to a reset of T0 + 3 (a guess)
    budget.observe(window(38, T0 + 4), T0 + 2.2)
    assert budget.window == 2
    assert budget.reset_at == T0 + 4


def test_a_retry_after_block_teaches_no_window() -> None:
    budget = RouteBudget()
    budget.observe(window(39, T0 + 1), T0)
    budget.block_until(T0 + 1.7)  # a proxy's 429, Retry-After past the reset
    budget.observe(window(39, T0 + 2), T0 + 1.8)
    assert budget.window == 1


def test_a_charge_the_window_could_not_pay_frees_nothing_when_given_back() -> None:
    """One left, two requests that may arrive: the window is charged both (one unpaid).
    One shown counted elsewhere leaves the other, which may still take the one left."""
    budget = RouteBudget()
    budget.observe(None, T0)
    for ticket in (T0 + 0.6, T0 + 0.7, T0 + 0.75):
        budget.reserve(ticket)
    budget.settle(window(1, T0 + 2, limit=3), T0 + 1.1, answered=True, ticket=T0 + 0.75)
    assert (budget.remaining, budget.owed, budget.unpaid) == (0, 1, 1)
    budget.settle(window(0, T0 + 1, limit=3), T0 + 1.15, answered=True, ticket=T0 + 0.6)
    assert (budget.remaining, budget.owed, budget.unpaid) == (0, 1, 0)
    assert budget.reserve(T0 + 1.2) > 0
