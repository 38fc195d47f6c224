"""Property-based checks of the coverage parsers: X-Hits, issue/event/release decoding, and
single-segment encoding of versions and ids."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from sentry_async import Page
from sentry_async.models import Event, Group, Release, structure
from sentry_async.route import Route
from tests import payloads

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# Keys the models do not read: anything Sentry adds later must not break decoding.
UNKNOWN = st.dictionaries(st.text(min_size=1).map(lambda k: "zz" + k), JSON, max_size=5)


@given(st.text(max_size=30))
def test_hits_is_a_count_or_none_never_an_error(value: str) -> None:
    hits = Page(items=[], cursor=None, next_cursor=None, headers={"X-Hits": value}).hits
    text = value.strip()
    if text.isascii() and text.isdigit():
        assert hits == int(text)
    else:
        assert hits is None


@given(st.integers(min_value=0, max_value=10**12))
def test_hits_reads_every_count(count: int) -> None:
    assert Page(items=[], cursor=None, next_cursor=None, headers={"x-hits": str(count)}).hits == (
        count
    )


@settings(max_examples=60)
@given(UNKNOWN, st.sampled_from(["assignedTo", "statusDetails", "metadata", "project"]))
def test_an_issue_decodes_with_unknown_keys_and_a_null_optional(
    extra: dict[str, Any], nulled: str
) -> None:
    data = {**payloads.issue(), **extra, nulled: None}
    issue = structure(data, Group)
    assert issue.id == "3301"
    assert (
        getattr(
            issue,
            {"assignedTo": "assigned_to", "statusDetails": "status_details"}.get(nulled, nulled),
        )
        is None
    )
    assert all(issue.raw[k] == v for k, v in extra.items())


@settings(max_examples=60)
@given(UNKNOWN, st.sets(st.sampled_from(["user", "contexts", "entries", "tags", "culprit"])))
def test_an_event_decodes_whatever_optional_part_is_missing(
    extra: dict[str, Any], missing: set[str]
) -> None:
    data = {k: v for k, v in payloads.event_full().items() if k not in missing} | extra
    event = structure(data, Event)
    assert event.event_id == "c0ffee00c0ffee00c0ffee00c0ffee00"
    if "entries" in missing:
        assert event.entries is None
    if "user" in missing:
        assert event.user is None


@settings(max_examples=60)
@given(
    UNKNOWN,
    st.integers(min_value=0, max_value=2**40) | st.from_regex(r"[0-9]{1,12}", fullmatch=True),
)
def test_a_release_takes_its_id_as_number_or_decimal_string(extra: dict[str, Any], id: Any) -> None:
    release = structure({**payloads.release(), **extra, "id": id}, Release)
    assert release.id == int(id)
    assert release.version == "checkout@2.14.0"


@given(st.text(min_size=1).filter(lambda t: t.strip() != ""))
def test_a_version_is_always_exactly_one_path_segment(version: str) -> None:
    route = Route.build(
        "GET", "/organizations/{org}/releases/{version}/deploys/", org="acme", version=version
    )
    segments = route.path.split("/")
    assert segments[:3] == ["", "organizations", "acme"]
    assert segments[3] == "releases" and segments[5:] == ["deploys", ""]
    assert len(segments) == 7
    assert unquote(segments[4]) == version
    assert segments[4] not in (".", "..")
    assert not set(segments[4]) & set("?#")
