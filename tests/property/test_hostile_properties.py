"""Issue 10's five properties, for any input the server (or a caller) can produce.

Hypothesis generates hostile header values, bodies, statuses and Locations for the pure
modules (wire, ratelimit, retry, route, Link parsing, errors) and checks each property:

1. time   every wait is finite, bounded by the deadline / max_rate_limit_wait, floored
2. size   parsers and renderers are bounded in output and state, linear in input
3. typed  only SentryError (or ValueError/TypeError for caller mistakes) ever escapes
4. origin a redirect is followed only to the base URL's origin or its https upgrade
5. token  no string reachable from an error holds the token; errors survive pickle
"""

from __future__ import annotations

import email.utils
import json
import math
import pickle
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict
from yarl import URL

from sentry_async import RetryPolicy
from sentry_async.clock import ManualClock
from sentry_async.errors import (
    RedirectRefused,
    SentryError,
    _describe,
    preview,
    redact,
    snippet,
)
from sentry_async.pipeline import ClientState, Pipeline
from sentry_async.ratelimit import (
    MAX_COUNT,
    MAX_EPOCH,
    MAX_RESET_AHEAD,
    MAX_SKEW,
    ClockSkew,
    RateSnapshot,
    RouteBudget,
    bounded,
    parse_rate_headers,
)
from sentry_async.retry import Failure, backoff, decide
from sentry_async.route import Route, encode_segment
from sentry_async.stores import MemoryRateLimitStore
from sentry_async.wire import (
    _stdlib_loads,
    decipher,
    loads,
    parse_link_header,
    parse_retry_after,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = 1_700_000_000.0
TOKEN = "sntryu_" + "abad1dea" * 8

# Header values as a hostile server would send them: digits (long ones too), signs, dots,
# exponents, NaN/inf words, dates, and any other text.
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text("0123456789", min_size=1, max_size=500),
    st.sampled_from(["NaN", "nan", "inf", "-inf", "1e999", "None", "", " 5 ", "1_000", "٣"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=40),
)
dates = st.one_of(
    st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.sampled_from(["Sat, 01 Jan 3000 00:00:00 GMT", "Mon, 99 Foo 0000 99:99:99 GMT", ""]),
    st.text(max_size=80),
)
header_text = st.text(st.characters(codec="latin-1"), max_size=300)


def headers_strategy() -> st.SearchStrategy[CIMultiDict[str]]:
    names = st.sampled_from(
        [
            "X-Sentry-Rate-Limit-Limit",
            "X-Sentry-Rate-Limit-Remaining",
            "X-Sentry-Rate-Limit-Reset",
            "X-Sentry-Rate-Limit-ConcurrentLimit",
            "X-Sentry-Rate-Limit-ConcurrentRemaining",
            "Retry-After",
            "Date",
            "Link",
            "Content-Type",
            "Location",
        ]
    )
    return st.dictionaries(names, st.one_of(numbers, dates, header_text), max_size=10).map(
        CIMultiDict
    )


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**25), max_value=10**25),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


# -- 1. time ---------------------------------------------------------------------------------


@FAST
@given(
    failure=st.sampled_from(list(Failure)),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    attempt=st.integers(min_value=1, max_value=10_000),
    elapsed=st.floats(min_value=0, max_value=10_000),
    hint=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    jitter=st.floats(min_value=0, max_value=0.999999),
    deadline=st.one_of(st.none(), st.floats(min_value=0, max_value=1_000, exclude_min=True)),
    max_wait=st.floats(min_value=0, max_value=1_000),
)
def test_every_retry_wait_is_finite_floored_and_within_the_deadline(
    failure: Failure,
    method: str,
    attempt: int,
    elapsed: float,
    hint: float | None,
    jitter: float,
    deadline: float | None,
    max_wait: float,
) -> None:
    policy = RetryPolicy(deadline=deadline, max_rate_limit_wait=max_wait)
    delay = decide(
        policy, method, failure, attempt=attempt, elapsed=elapsed, wait_hint=hint, jitter=jitter
    )
    if delay is None:
        return
    assert math.isfinite(delay) and delay >= 0
    assert delay >= backoff(policy, attempt, jitter) or (
        hint is not None and delay == hint >= policy.initial_backoff
    )
    if deadline is not None:
        assert elapsed + delay <= deadline
    if failure is Failure.RATE_LIMITED:
        assert delay <= max_wait


@FAST
@given(value=st.one_of(numbers, dates, header_text))
def test_retry_after_is_none_or_a_bounded_finite_wait(value: str) -> None:
    wait = parse_retry_after(value, NOW)
    assert wait is None or (math.isfinite(wait) and 0 <= wait <= 1e9)


@FAST
@given(
    answers=st.lists(
        st.tuples(headers_strategy(), st.floats(min_value=0, max_value=10_000)), max_size=12
    )
)
def test_no_sequence_of_answers_makes_a_route_wait_past_the_reset_bound(
    answers: list[tuple[CIMultiDict[str], float]],
) -> None:
    budget = RouteBudget()
    now = NOW
    for headers, step in answers:
        now += step
        budget.observe(bounded(parse_rate_headers(headers), now), now)
        delay = budget.reserve(now)
        assert math.isfinite(delay) and 0 <= delay <= MAX_RESET_AHEAD + 1


@FAST
@given(
    answers=st.lists(
        st.tuples(dates, st.floats(min_value=-1e6, max_value=1e6), st.floats(0, 10)), max_size=8
    )
)
def test_the_server_clock_estimate_stays_bounded(
    answers: list[tuple[str, float, float]],
) -> None:
    skew = ClockSkew()
    for date, sent_offset, rtt in answers:
        sent = NOW + sent_offset
        skew.observe(date, sent, sent + rtt)
        assert math.isfinite(skew.offset) and abs(skew.offset) <= MAX_SKEW + 1


# -- 2. size and CPU -------------------------------------------------------------------------


@FAST
@given(value=st.text(st.sampled_from('<>;=", \t\\abcrelnxtursoc:0'), max_size=8192))
def test_link_parsing_takes_any_header(value: str) -> None:
    for rel, entry in parse_link_header(value).items():
        assert rel and entry.url in value
        assert entry.cursor is None or entry.cursor in value


def test_link_and_rate_parsers_are_linear_on_maximal_hostile_headers() -> None:
    # Quadratic parsing of 512 KiB would take minutes; linear parsing takes milliseconds.
    for hostile in ("<" * 2**19, "<>" + ";a=" * 2**17, "<" + ";" * 2**19, '<x>; a="' * 2**16):
        parse_link_header(hostile)
        parse_rate_headers(CIMultiDict({"X-Sentry-Rate-Limit-Limit": hostile[:8192]}))
        parse_retry_after(hostile, NOW)
    assert parse_rate_headers(CIMultiDict({"X-Sentry-Rate-Limit-Limit": "9" * 10**6})) == (
        RateSnapshot(limit=MAX_COUNT)
    )


@FAST
@given(headers=headers_strategy())
def test_rate_numbers_are_clamped_before_any_store(headers: CIMultiDict[str]) -> None:
    snap = parse_rate_headers(headers)
    if snap is None:
        return
    for count in (snap.limit, snap.remaining, snap.concurrent_limit, snap.concurrent_remaining):
        assert count is None or 0 <= count <= MAX_COUNT
    assert snap.limit != 0
    assert snap.reset is None or 0 <= snap.reset <= MAX_EPOCH
    bounded_snap = bounded(snap, NOW)
    assert bounded_snap is not None
    assert bounded_snap.reset is None or bounded_snap.reset <= NOW + MAX_RESET_AHEAD + 1


@FAST
@given(value=json_values, depth=st.integers(0, 3000))
def test_error_renderings_are_bounded_whatever_the_shape(value: Any, depth: int) -> None:
    for _ in range(depth):
        value = {"detail": [value]}
    assert len(_describe(value)) <= 400 + 200
    assert len(preview(value)) <= 200
    assert len(snippet(repr(value)[:100_000] if depth < 200 else "x" * 10**5)) <= 200


@FAST
@given(keys=st.lists(st.text(max_size=30), max_size=600))
def test_per_route_state_is_bounded_for_any_paths(keys: list[str]) -> None:
    store = MemoryRateLimitStore(max_routes=64)
    for key in keys:
        store.route_state("scope", f"GET {key}")
    assert len(store) <= 64


# -- 3. every failure is typed ---------------------------------------------------------------


@FAST
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
    status=st.integers(min_value=100, max_value=599),
    headers=headers_strategy(),
    body=st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.integers(0, 3000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(0, 1200).map(lambda n: b'{"detail":' * n + b"1" + b"}" * n),
    ),
)
def test_decipher_answers_or_raises_a_sentry_error(
    method: str, status: int, headers: CIMultiDict[str], body: bytes
) -> None:
    raised: SentryError | None = None
    try:
        decipher(
            method=method, route="/x/", url="u", status=status, headers=headers, body=body, now=NOW
        )
    except SentryError as exc:
        raised = exc
    if raised is not None:
        copy = pickle.loads(pickle.dumps(raised))
        assert type(copy) is type(raised) and str(copy) == str(raised)


def _outcome(decode: Any, body: bytes) -> Any:
    try:
        return ("ok", json.dumps(decode(body), sort_keys=True))
    except ValueError:
        return ("error", None)


@FAST
@given(
    value=json_values,
    extra=st.sampled_from(
        [
            "",
            "NaN",
            "Infinity",
            "-Infinity",
            "1e999999",
            "1E400",
            '"\\ud800"',
            "18446744073709551616",
        ]
    ),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b" "]),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
)
def test_both_json_decoders_decide_every_body_alike(
    value: Any, extra: str, prefix: bytes, encoding: str
) -> None:
    text = json.dumps([value, json.loads("0")]) if not extra else f"[{json.dumps(value)}, {extra}]"
    body = prefix + text.encode(encoding, "surrogatepass")
    fast = _outcome(loads, body)
    body_for_stdlib = body[3:] if body[:3] == b"\xef\xbb\xbf" else body
    assert _outcome(_stdlib_loads, body_for_stdlib) == fast


@FAST
@given(value=st.one_of(st.text(max_size=50), st.integers(), st.none(), st.floats(), st.booleans()))
def test_path_parameters_encode_or_raise_caller_errors(value: Any) -> None:
    try:
        segment = encode_segment(value)
    except (ValueError, TypeError):
        return
    assert "/" not in segment and segment not in (".", "..")
    Route.build("GET", "/projects/{org}/", org=value)


# -- 4. redirects go only where the token may go ---------------------------------------------


def _pipeline(base: str) -> Pipeline:
    state = ClientState(
        base_url=base, token=TOKEN, session=None, clock=ManualClock(), max_concurrency=None
    )
    return Pipeline(state, timeout=5.0, retry=RetryPolicy())


PIPELINES = {
    base: _pipeline(base) for base in ("https://sentry.example", "http://sentry.example:8080")
}

locations = st.one_of(
    header_text,
    st.sampled_from(
        ["file:///etc/passwd", "mailto:a@b", "data:,x", "http://[", "https://h:99999/", "//x/"]
    ),
    st.builds(
        lambda scheme, user, host, port, path: f"{scheme}://{user}{host}{port}{path}",
        st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript"]),
        st.sampled_from(["", "u:p@", "@", "u@"]),
        st.sampled_from(
            ["sentry.example", "SENTRY.example", "sentry.example.", "evil.example", "[::1]"]
        ),
        st.sampled_from(["", ":443", ":80", ":8080", ":0", ":65536", ":x"]),
        st.text(max_size=20),
    ),
)


@FAST
@given(base=st.sampled_from(sorted(PIPELINES)), location=locations)
def test_a_redirect_is_followed_only_within_the_trusted_origins(base: str, location: str) -> None:
    pipeline = PIPELINES[base]
    route = Route("GET", "/x/", "/x/")
    here = pipeline.state.url_for("/x/")
    try:
        target = pipeline._redirect_target(route, here, 302, location)
    except RedirectRefused as refused:
        message = str(refused)
        target = None
    if target is None:
        assert "base_url" in message
        return
    origin = (target.scheme, target.host, target.port)
    assert origin in pipeline.state.trusted
    assert target.user is None and target.password is None
    assert isinstance(target, URL)


# -- 5. the token is unreachable -------------------------------------------------------------


def _strings(obj: Any) -> list[str]:
    found: list[str] = []
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, BaseException):
            stack.extend(item.args)
            stack.extend(vars(item).values())
            stack.extend(x for x in (item.__cause__, item.__context__) if x is not None)
    return found


@FAST
@given(
    status=st.integers(min_value=300, max_value=599),
    value=json_values,
    spot=st.integers(0, 10_000),
    as_json=st.booleans(),
)
def test_an_echoed_token_is_unreachable_from_any_error(
    status: int, value: Any, spot: int, as_json: bool
) -> None:
    echoed = {"detail": f"Authorization: Bearer {TOKEN}", "deep": [[{TOKEN: value}]]}
    text = json.dumps([value, echoed]) if as_json else f"<p>{TOKEN}</p>"
    cut = random.Random(spot).randint(0, len(text))
    body = (text if as_json else text[:cut] + f" {TOKEN} " + text[cut:]).encode()
    raised: SentryError | None = None
    try:
        decipher(method="GET", route="/x/", url="u", status=status, headers={}, body=body, now=NOW)
    except SentryError as exc:
        raised = redact(exc, TOKEN)
    assert raised is not None  # every status >= 300 is an error
    assert not [s for s in _strings(raised) if TOKEN in s]
    pickle.loads(pickle.dumps(raised))


# -- second review: the token masked at the source, encoders alike, policies and clocks -------

token_text = st.text(
    st.sampled_from("abcdefABCDEF0123456789_/+=-"), min_size=16, max_size=80
).filter(lambda t: t[0] not in "\\")


def _escape_some(text: str, picks: list[bool]) -> str:
    out = []
    for n, char in enumerate(text):
        escape = picks[n % len(picks)] if picks else False
        if escape:
            out.append("\\/" if char == "/" and n % 2 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


@FAST
@given(
    token=token_text,
    value=json_values,
    picks=st.lists(st.booleans(), max_size=8),
    status=st.sampled_from([200, 201, 400, 401, 404, 429, 500]),
)
def test_a_body_scrubbed_at_the_source_holds_the_token_nowhere(
    token: str, value: Any, picks: list[bool], status: int
) -> None:
    """Property 5 at the source: whatever JSON (escaped or not) echoes the token, nothing
    decoded or raised from the scrubbed body holds it, not even cut short in a snippet."""
    from sentry_async.pipeline import _Token

    secret = _Token(token)
    text = json.dumps([value, "x" * (len(json.dumps(value)) % 200)])
    text = text[:-1] + ', "' + _escape_some(token, picks) + '"]'
    body = secret.scrub_body(text.encode())
    assert token.encode() not in body
    raised: SentryError | None = None
    try:
        answer = decipher(
            method="GET", route="/x/", url="u", status=status, headers={}, body=body, now=NOW
        )
    except SentryError as exc:
        raised = exc
    if raised is not None:
        assert not [s for s in _strings(raised) if token in s or token[:12] in s]
    else:
        assert token not in json.dumps(answer.payload)


@FAST
@given(
    prefix=st.text(max_size=400),
    size=st.integers(8, 64),
    token=token_text,
)
def test_a_secret_cut_at_any_point_leaves_no_start_of_it(
    prefix: str, size: int, token: str
) -> None:
    error = SentryError(snippet(prefix + token + " tail", limit=len(prefix) + size))
    redact(error, token)
    shown = str(error)
    assert token not in shown
    assert token[:12] not in shown or token[:12] in prefix


body_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),  # NaN and infinities included
        st.text(max_size=10),
        st.binary(max_size=4),
        st.sampled_from(["\ud800", "a\udfffb"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.one_of(st.text(max_size=5), st.integers(0, 3)), inner, max_size=4)
        | st.frozensets(st.integers(0, 3), max_size=2)
    ),
    max_leaves=20,
)


@FAST
@given(value=body_values)
def test_both_json_encoders_write_or_refuse_every_body_alike(value: Any) -> None:
    """Property 3 for what a caller sends: one meaning (or one refusal) on both paths."""
    from sentry_async.wire import _check_body, _stdlib_dumps, dumps

    outcomes = []
    for encode in (dumps, _stdlib_dumps):
        try:
            if encode is _stdlib_dumps:
                _check_body(value)
            outcomes.append(("ok", json.loads(encode(value))))
        except (TypeError, ValueError) as exc:
            outcomes.append(("refused", type(exc).__name__))
    assert outcomes[0] == outcomes[1]


seconds_like = st.one_of(
    st.none(),
    st.floats(),
    st.integers(-5, 10**6),
    st.text(max_size=3),
    st.booleans(),
)


@FAST
@given(
    deadline=seconds_like,
    max_wait=seconds_like,
    initial=seconds_like,
    hint=st.one_of(st.none(), st.floats()),
    attempt=st.integers(1, 1000),
)
def test_a_policy_is_refused_at_construction_or_bounds_every_wait(
    deadline: Any, max_wait: Any, initial: Any, hint: float | None, attempt: int
) -> None:
    """Property 1/3: any RetryPolicy either fails to construct (ValueError/TypeError) or
    gives finite waits within its deadline."""
    try:
        policy = RetryPolicy(
            deadline=deadline, max_rate_limit_wait=max_wait, initial_backoff=initial
        )
    except (TypeError, ValueError):
        return
    for failure in Failure:
        delay = decide(
            policy, "GET", failure, attempt=attempt, elapsed=0.0, wait_hint=hint, jitter=0.5
        )
        if delay is not None:
            assert math.isfinite(delay) and delay >= 0
            assert policy.deadline is None or delay <= policy.deadline


@FAST
@given(
    true_offset=st.floats(-200, 200),
    outlier=st.floats(-MAX_SKEW * 3, MAX_SKEW * 3),
    spot=st.integers(1, 6),
    phases=st.lists(st.floats(0, 0.999), min_size=8, max_size=8),
)
def test_one_outlying_date_never_moves_the_clock_estimate(
    true_offset: float, outlier: float, spot: int, phases: list[float]
) -> None:
    """Property 1: a single stale or lying Date among honest ones changes nothing, so it
    can never turn a paced call into a refusal."""
    skew = ClockSkew()
    for n, phase in enumerate(phases):
        now = NOW + 10 * n + phase
        offset = outlier if n == spot else true_offset
        skew.observe(email.utils.formatdate(now + offset, usegmt=True), now, now)
        if n >= 1 and n != spot:
            assert abs(skew.offset - true_offset) <= 1.0
