"""The token is masked in every answer, whichever shortcut the scrubber takes."""

import re

from multidict import CIMultiDict, CIMultiDictProxy

from sentry_async.pipeline import _Token
from sentry_async.ratelimit import ClockSkew

TOKEN = "sntryu_" + "a1b2c" * 10


def _headers(**values: str) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(values))


def test_plain_and_escaped_copies_are_masked_in_one_pass() -> None:
    token = _Token(TOKEN)
    escaped = TOKEN.replace("_", "\\u005f").encode()
    headers, body = token.scrub_answer(
        _headers(Server="x", Echo=f"Bearer {TOKEN}"),
        b'{"a": "' + TOKEN.encode() + b'", "b": "' + escaped + b'"}',
    )
    assert TOKEN not in headers["Echo"] and headers["Server"] == "x"
    assert TOKEN.encode() not in body and escaped not in body
    assert body.count(b"<redacted>") == 2


def test_an_answer_without_the_token_is_returned_as_is() -> None:
    token = _Token(TOKEN)
    headers = _headers(Server="x", Link='<https://x/?cursor=1:0:0>; rel="next"')
    body = b'{"path": "C:\\\\dir\\\\file", "slug": "api"}'
    assert token.scrub_answer(headers, body) == (headers, body)


def test_a_token_split_across_two_header_values_is_not_an_echo() -> None:
    token = _Token(TOKEN)
    half = len(TOKEN) // 2
    headers = _headers(A=TOKEN[:half], B=TOKEN[half:])
    assert token.scrub_headers(headers) is headers


def test_the_date_header_is_reparsed_when_it_changes() -> None:
    skew = ClockSkew()
    now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    skew.observe("Fri, 15 Jan 2027 08:00:10 GMT", now, now)
    assert 9.0 <= skew.offset <= 11.0
    skew.observe("Fri, 15 Jan 2027 08:00:10 GMT", now + 0.5, now + 0.5)  # same text: cached
    assert 9.0 <= skew.offset <= 11.0
    skew.observe("garbage", now + 1, now + 1)
    skew.observe("Fri, 15 Jan 2027 08:00:12 GMT", now + 1.5, now + 1.5)
    assert 10.0 <= skew.offset <= 11.0


ORG_TOKEN = "sntrys_eyJpYXQiOjE3MDAwMDAwMDB9/Abc+def=_Zq9XyzSecretPart0123"


def test_a_header_name_echoing_the_token_is_masked() -> None:
    token = _Token(TOKEN)
    headers = token.scrub_headers(_headers(**{f"X-Echo-{TOKEN}": "1", "Server": "x"}))
    assert all(TOKEN not in name for name in headers) and headers["Server"] == "x"


def test_a_utf16_error_page_has_the_token_masked() -> None:
    token = _Token(TOKEN)
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le"):
        page = f"<html>bad gateway for Bearer {TOKEN}</html>".encode(codec)
        scrubbed = token.scrub_body(page)
        assert TOKEN not in scrubbed.decode(codec).replace("\0", ""), codec
        assert "<redacted>" in scrubbed.decode(codec)


def test_errors_lose_the_token_in_url_encoded_forms() -> None:
    from urllib.parse import quote, quote_plus

    from sentry_async.errors import RedirectRefused

    token = _Token(ORG_TOKEN)
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(ORG_TOKEN, safe=""))
    forms = [quote(ORG_TOKEN, safe=""), lower_hex, quote_plus(ORG_TOKEN)]
    for form in forms:
        location = f"http://elsewhere.invalid/?t={form}"
        error = RedirectRefused(
            f"redirected to {location}",
            location=location,
            new_slug=None,
            status=302,
            detail=None,
            body=None,
            method="GET",
            route="/x/",
            url="https://sentry.example/api/0/x/",
        )
        token.scrub(error)
        shown = f"{error} {error.location} {error.args}"
        assert form not in shown and ORG_TOKEN not in shown, form


def test_a_non_ascii_token_echoed_json_escaped_is_masked() -> None:
    import json

    value = "sntrys_" + "ab/cé" * 6 + "🙂"
    token = _Token(value)
    body = json.dumps({"echo": value}).encode()  # ensure_ascii: \u00e9, \ud83d\ude42
    assert b"\\u00e9" in body and b"\\ud83d\\ude42" in body
    scrubbed = token.scrub_body(body)
    assert json.loads(scrubbed)["echo"] == "<redacted>"


def test_the_system_clock_follows_a_patched_time_module() -> None:
    from unittest import mock

    from sentry_async.clock import SystemClock

    with mock.patch("time.time", return_value=42.0):
        assert SystemClock().time() == 42.0
