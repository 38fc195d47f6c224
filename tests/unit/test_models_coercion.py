"""Coercion edge cases and how lists with bad items decode (keep what decodes)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentry_async.models import ClientKey, structure
from sentry_async.models.resolve import Event
from sentry_async.models.scim import ScimListResponse
from sentry_async.models.stats import StatsGroup


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("12.0", 12),
        (12.0, 12),
        ("NaN", None),
        ("inf", None),
        ("-Infinity", None),
        ("1e400", None),
        (float("nan"), None),
        (2.0**53, 2**53),
        (2.0**53 + 2, None),  # a float this large is no longer an exact integer
        (1e300, None),
        ("12345678901234567890", 12345678901234567890),  # a quoted id stays exact
    ],
)
def test_int_fields(value: Any, expected: int | None) -> None:
    assert structure({"id": "k", "projectId": value}, ClientKey).project_id == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7), ("12.0", 12.0), (12.0, 12.0), ("NaN", None), ("inf", None), (float("inf"), None)],
)
def test_totals_never_hold_nan_or_inf(value: Any, expected: float | None) -> None:
    group = structure({"totals": {"sum(quantity)": value, "other": 3}}, StatsGroup)
    assert group.totals == {"sum(quantity)": expected, "other": 3}


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_an_int_field_is_exact_or_none(value: float) -> None:
    got = structure({"id": "k", "projectId": value}, ClientKey).project_id
    assert got is None or (got == value and abs(value) <= 2**53)
    text = structure({"id": "k", "projectId": repr(value)}, ClientKey).project_id
    assert text is None or (math.isfinite(value) and text == value)


def test_lists_keep_the_items_that_decode() -> None:
    # Non-positional lists drop what does not decode (it stays in raw) and keep the rest.
    event = structure({"id": "e", "entries": [{"type": "message"}, None, 3, []]}, Event)
    assert event.entries == [{"type": "message"}]
    assert event.raw["entries"][1] is None
    page = structure({"totalResults": 2, "Resources": [{"id": "1"}, None]}, ScimListResponse)
    assert page.resources == [{"id": "1"}]


def test_a_list_that_is_not_a_list_is_none() -> None:
    assert structure({"id": "e", "entries": {"type": "message"}}, Event).entries is None
