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
