"""Timestamp parsing: every spelling Sentry uses, on every supported Python."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from sentry_async.models import format_datetime, parse_datetime
from sentry_async.models._time import _parse_iso

# Python 3.11+ reads most spellings with the C parser; the fallback is what 3.10 relies on,
# so both are checked against the same table whatever Python runs the tests.
PARSERS = pytest.mark.parametrize("parse", [parse_datetime, _parse_iso], ids=["public", "fallback"])

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-07-06T21:13:01.120263Z", datetime(2021, 7, 6, 21, 13, 1, 120263, tzinfo=UTC)),
        ("2021-07-06T21:13:01.120Z", datetime(2021, 7, 6, 21, 13, 1, 120000, tzinfo=UTC)),
        ("2021-07-06T21:13:01Z", datetime(2021, 7, 6, 21, 13, 1, tzinfo=UTC)),
        ("2021-07-06T21:13:01.5Z", datetime(2021, 7, 6, 21, 13, 1, 500000, tzinfo=UTC)),
        ("2021-07-06T21:13:01.12Z", datetime(2021, 7, 6, 21, 13, 1, 120000, tzinfo=UTC)),
        ("2021-07-06T21:13:01.1234Z", datetime(2021, 7, 6, 21, 13, 1, 123400, tzinfo=UTC)),
        # More digits than Python holds: truncated to microseconds.
        ("2021-07-06T21:13:01.123456789Z", datetime(2021, 7, 6, 21, 13, 1, 123456, tzinfo=UTC)),
        ("2021-07-06T21:13:01.1234567+00:00", datetime(2021, 7, 6, 21, 13, 1, 123456, tzinfo=UTC)),
        ("2021-07-06T21:13:01.120263+00:00", datetime(2021, 7, 6, 21, 13, 1, 120263, tzinfo=UTC)),
        ("2021-07-06T21:13:01+00:00", datetime(2021, 7, 6, 21, 13, 1, tzinfo=UTC)),
        ("2021-07-06T21:13:01+0000", datetime(2021, 7, 6, 21, 13, 1, tzinfo=UTC)),
        ("2021-07-06 21:13:01.5+00:00", datetime(2021, 7, 6, 21, 13, 1, 500000, tzinfo=UTC)),
        ("2021-07-06T23:13:01+02:00", datetime(2021, 7, 6, 21, 13, 1, tzinfo=UTC)),
        ("2021-07-06T16:43:01.25-04:30", datetime(2021, 7, 6, 21, 13, 1, 250000, tzinfo=UTC)),
        ("2021-07-07T01:13:01.5+04", datetime(2021, 7, 6, 21, 13, 1, 500000, tzinfo=UTC)),
        # No offset: Sentry's timestamps are UTC.
        ("2021-07-06T21:13:01.120263", datetime(2021, 7, 6, 21, 13, 1, 120263, tzinfo=UTC)),
        ("2021-07-06T21:13:01", datetime(2021, 7, 6, 21, 13, 1, tzinfo=UTC)),
        ("2021-07-06T21:13Z", datetime(2021, 7, 6, 21, 13, tzinfo=UTC)),
        ("2021-07-06", datetime(2021, 7, 6, tzinfo=UTC)),
        ("2021-07-06t21:13:01z", datetime(2021, 7, 6, 21, 13, 1, tzinfo=UTC)),
        ("2021-07-06T00:30:00+01:00", datetime(2021, 7, 5, 23, 30, tzinfo=UTC)),
    ],
)
@PARSERS
def test_iso_strings(parse: Callable[[str], datetime], text: str, expected: datetime) -> None:
    parsed = parse(text)

    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_541_455_200, datetime(2018, 11, 5, 22, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1_541_455_200.25, datetime(2018, 11, 5, 22, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_epoch_seconds(value: float, expected: datetime) -> None:
    parsed = parse_datetime(value)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_naive_datetime_is_taken_as_utc() -> None:
    parsed = parse_datetime(datetime(2024, 1, 2, 3, 4, 5))

    assert parsed == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parsed.tzinfo is UTC


def test_aware_datetime_is_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))

    parsed = parse_datetime(datetime(2024, 1, 2, 5, 4, 5, tzinfo=plus_two))

    assert parsed == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2021-07-06T21:13:01+02:00Z",
        "2021-13-06T21:13:01Z",
        "2021-07-06T25:13:01Z",
        "2021/07/06 21:13:01",
        "1541455200",
    ],
)
@PARSERS
def test_bad_strings_raise_value_error(parse: Callable[[str], datetime], text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse(text)


@pytest.mark.parametrize("value", [None, True, False, [2021, 7, 6], {"date": "2021-07-06"}])
def test_other_types_raise_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        parse_datetime(value)


def test_format_datetime_round_trips() -> None:
    moment = datetime(2024, 3, 1, 22, 17, 45, 3000, tzinfo=timezone(timedelta(hours=-5)))

    text = format_datetime(moment)

    assert text == "2024-03-02T03:17:45.003000Z"
    assert parse_datetime(text) == moment


def test_format_naive_datetime_as_utc() -> None:
    assert format_datetime(datetime(2024, 3, 1)) == "2024-03-01T00:00:00.000000Z"
