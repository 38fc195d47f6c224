"""The token is masked in every answer, whichever shortcut the scrubber takes."""

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
