"""Sans-I/O wire decoding: Link headers, Retry-After, bodies to answers or typed errors."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from sentry_async.errors import (
    APIError,
    BadRequest,
    Conflict,
    DecodeError,
    Forbidden,
    NotFound,
    RateLimited,
    ResourceMoved,
    ServerError,
    Unauthorized,
)
from sentry_async.wire import decipher, next_cursor, parse_link_header, parse_retry_after

NOW = 1_700_000_000.0

LINK_MIDDLE = (
    '<https://sentry.io/api/0/organizations/acme/projects/?&cursor=100:0:1>; rel="previous"; '
    'results="true"; cursor="100:0:1", '
    '<https://sentry.io/api/0/organizations/acme/projects/?&cursor=100:2:0>; rel="next"; '
    'results="true"; cursor="100:2:0"'
)
LINK_LAST = (
    '<https://eu.example/api/0/x/?&cursor=0:0:1>; rel="previous"; results="true"; '
    'cursor="0:0:1", <https://eu.example/api/0/x/?&cursor=0:200:0>; rel="next"; '
    'results="false"; cursor="0:200:0"'
)


def answer(status: int, body: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return decipher(
        method="GET",
        route="/organizations/{org}/",
        url="https://sentry.io/api/0/organizations/acme/",
        status=status,
        headers=CIMultiDict({k.replace("_", "-"): v for k, v in headers.items()}),
        body=body,
        now=NOW,
    )


def test_link_header_entries_parsed_with_colons_in_cursor() -> None:
    entries = parse_link_header(LINK_MIDDLE)
    assert entries["previous"].cursor == "100:0:1"
    assert entries["next"].cursor == "100:2:0"
    assert entries["next"].results is True
    assert entries["next"].url.endswith("?&cursor=100:2:0")


def test_next_cursor_only_while_results_true() -> None:
    assert next_cursor(CIMultiDict({"Link": LINK_MIDDLE})) == "100:2:0"
    assert next_cursor(CIMultiDict({"Link": LINK_LAST})) is None
    assert next_cursor(CIMultiDict()) is None


def test_next_cursor_is_case_insensitive_and_tolerates_spacing() -> None:
    header = '<http://x/?cursor=a>;rel=next;results=TRUE;cursor="abc:1:0"'
    assert next_cursor(CIMultiDict({"link": header})) == "abc:1:0"


def test_link_entries_without_rel_are_ignored() -> None:
    assert parse_link_header('<http://x/>; results="true"') == {}
    assert parse_link_header("garbage, more garbage") == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", None),  # garbage: the retry floor applies instead
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds_or_http_date(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == (None if expected is None else pytest.approx(expected))


def test_success_decodes_json_and_rate_snapshot() -> None:
    got = answer(
        200,
        b'{"slug": "acme"}',
        X_Sentry_Rate_Limit_Limit="40",
        X_Sentry_Rate_Limit_Remaining="39",
        X_Sentry_Rate_Limit_Reset=str(int(NOW) + 1),
    )
    assert got.payload == {"slug": "acme"}
    assert got.rate is not None
    assert (got.rate.limit, got.rate.remaining, got.rate.reset) == (40, 39, NOW + 1)


def test_empty_204_is_none() -> None:
    assert answer(204, b"").payload is None


def test_html_200_is_a_decode_error_with_snippet() -> None:
    with pytest.raises(DecodeError) as info:
        answer(200, b"<html><body>Login required</body></html>", Content_Type="text/html")
    assert "Login required" in str(info.value)
    assert info.value.status == 200
    assert "/organizations/{org}/" in str(info.value)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (418, APIError),
        (500, ServerError),
        (502, ServerError),
        (302, ResourceMoved),
    ],
)
def test_status_maps_to_error_class(status: int, cls: type[APIError]) -> None:
    with pytest.raises(cls) as info:
        answer(status, b'{"detail": "nope"}')
    err = info.value
    assert type(err) is cls
    assert (err.status, err.detail, err.method) == (status, "nope", "GET")
    assert f"answered {status}" in str(err)


def test_detail_may_be_list_or_object_and_message_says_it() -> None:
    with pytest.raises(Forbidden) as info:
        answer(403, b'{"error_type":"unavailable_feature","detail":["You do not have that"]}')
    assert info.value.detail == ["You do not have that"]
    with pytest.raises(Unauthorized) as info2:
        answer(401, b'{"detail":{"code":"sso-required","message":"SSO needed","extra":{}}}')
    assert info2.value.detail["code"] == "sso-required"
    assert "SSO needed" in str(info2.value)
    assert "SENTRY_AUTH_TOKEN" in str(info2.value)


def test_serializer_errors_without_detail_become_the_detail() -> None:
    with pytest.raises(BadRequest) as info:
        answer(400, b'{"slug": ["Enter a valid slug."]}')
    assert info.value.detail == {"slug": ["Enter a valid slug."]}
    assert "Enter a valid slug." in str(info.value)


def test_scim_error_envelope_maps_to_same_classes() -> None:
    body = (
        b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],'
        b'"detail":"User already exists in the database."}'
    )
    with pytest.raises(Conflict) as info:
        answer(409, body)
    assert info.value.detail == "User already exists in the database."


def test_html_error_page_gives_class_and_snippet() -> None:
    page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"
    with pytest.raises(ServerError) as info:
        answer(502, page, Content_Type="text/html")
    assert isinstance(info.value.body, str)
    assert "502 Bad Gateway" in info.value.body
    assert "\n" not in str(info.value)


def test_429_with_html_content_type_parses_json_and_waits_for_reset() -> None:
    with pytest.raises(RateLimited) as info:
        answer(
            429,
            b'{"detail":"You are attempting to use this endpoint too frequently. '
            b'Limit is 40 requests in 1 seconds"}',
            Content_Type="text/html; charset=utf-8",
            X_Sentry_Rate_Limit_Limit="40",
            X_Sentry_Rate_Limit_Remaining="0",
            X_Sentry_Rate_Limit_Reset=str(int(NOW) + 3),
        )
    err = info.value
    assert "too frequently" in err.detail
    assert err.retry_after == pytest.approx(3.0)
    assert err.rate is not None and err.rate.remaining == 0


def test_429_retry_after_header_wins_over_reset() -> None:
    with pytest.raises(RateLimited) as info:
        answer(
            429,
            b'"Rate limit exceeded"',
            Retry_After="9",
            X_Sentry_Rate_Limit_Limit="40",
            X_Sentry_Rate_Limit_Remaining="0",
            X_Sentry_Rate_Limit_Reset=str(int(NOW) + 3),
        )
    assert info.value.retry_after == 9.0
    assert info.value.detail == "Rate limit exceeded"


def test_429_without_any_hint_has_no_retry_after() -> None:
    with pytest.raises(RateLimited) as info:
        answer(429, b"")
    assert info.value.retry_after is None


def test_redirect_not_followed_reports_new_slug() -> None:
    body = (
        b'{"slug":"web-new","detail":{"code":"resource-moved","message":"Resource has been moved"}}'
    )
    with pytest.raises(ResourceMoved) as info:
        answer(302, body, Location="/api/0/projects/acme/web-new/")
    assert info.value.new_slug == "web-new"
    assert info.value.location == "/api/0/projects/acme/web-new/"
