"""Issue 10 §2-§5 through the pipeline: typed errors, safe redirects, bounded state, no token."""

from __future__ import annotations

import asyncio
import json
import pickle
import re
from typing import Any

import pytest
from yarl import URL

import sentry_async.errors as errors_module
from sentry_async import (
    AmbiguousWriteError,
    ConfigurationError,
    DecodeError,
    ManualClock,
    RetryPolicy,
    SentryClient,
    SentryError,
)
from sentry_async.errors import (
    APIError,
    BadRequest,
    RedirectRefused,
    ResponseTooLarge,
    ServerError,
    TransportError,
)
from sentry_async.ratelimit import RateSnapshot
from sentry_async.stores import MemoryRateLimitStore
from sentry_async.stores._memory import MAX_ROUTES

from ._mockhttp import MockHttp
from .conftest import API, TOKEN

PATH = "/organizations/acme/"
URL_ = f"{API}{PATH}"


def sent(mocked: MockHttp, url: str, method: str = "GET") -> int:
    return len(mocked.requests.get((method, URL(url)), []))


# -- §3 every failure is typed; §4 redirects go only where the token may go ---------------


@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "mailto:root@sentry.example",
        "data:text/plain,hello",
        "http://[",
        "https://sentry.example:99999/api/0/",
        "https://user:pw@sentry.example/api/0/organizations/acme/",
        "https://elsewhere.example/api/0/organizations/acme/",
        "http://sentry.example/api/0/organizations/acme/",  # https -> http: a downgrade
        "https://sentry.example:8443/api/0/organizations/acme/",  # another port
        "//elsewhere.example/x",
    ],
)
async def test_redirects_off_origin_or_unparseable_raise_redirect_refused(
    sentry: SentryClient, location: str
) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, status=302, headers={"Location": location})
        with pytest.raises(RedirectRefused, match="base_url") as info:
            await sentry.request("GET", PATH)
    assert info.value.location == location
    assert info.value.status == 302


async def test_same_origin_redirect_is_followed(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, status=301, headers={"Location": "/api/0/organizations/acme-new/"})
        mocked.get(f"{API}/organizations/acme-new/", payload={"slug": "acme-new"})
        assert await sentry.request("GET", PATH) == {"slug": "acme-new"}


async def test_https_upgrade_of_the_same_host_is_followed_with_the_token(
    clock: ManualClock,
) -> None:
    async with SentryClient(TOKEN, "http://sentry.example", clock=clock) as sentry:
        with MockHttp() as mocked:
            mocked.get(
                "http://sentry.example/api/0/x/",
                status=308,
                headers={"Location": "https://sentry.example:443/api/0/x/"},
            )
            mocked.get("https://sentry.example/api/0/x/", payload=[1])
            assert await sentry.request("GET", "/x/") == [1]
            (call,) = mocked.requests[("GET", URL("https://sentry.example/api/0/x/"))]
            assert call.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_a_refused_redirect_records_no_foreign_rate_limits(
    sentry: SentryClient, clock: ManualClock
) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, status=302, headers={"Location": "https://elsewhere.example/"})
        mocked.get(
            "https://elsewhere.example/",
            payload={},
            headers={
                "X-Sentry-Rate-Limit-Limit": "1",
                "X-Sentry-Rate-Limit-Remaining": "0",
                "X-Sentry-Rate-Limit-Reset": "32503680000",
            },
        )
        with pytest.raises(RedirectRefused):
            await sentry.request("GET", PATH)
        mocked.get(URL_, payload={"ok": True})
        assert await sentry.request("GET", PATH) == {"ok": True}
    assert clock.sleeps == []


async def test_json_nested_100k_deep_is_a_decode_error(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.get(
            URL_,
            body="[" * 100_000 + "]" * 100_000,
            content_type="text/html",  # not retried: the body is not what a GET expects
        )
        with pytest.raises(DecodeError):
            await sentry.request("GET", PATH)


async def test_an_error_detail_nested_900_deep_gives_a_bounded_message(
    sentry: SentryClient,
) -> None:
    body = '{"detail": ' + '{"detail": [' * 900 + '"innermost"' + "]}" * 900 + "}"
    with MockHttp() as mocked:
        mocked.get(URL_, status=400, body=body)
        with pytest.raises(BadRequest) as info:
            await sentry.request("GET", PATH)
    assert len(str(info.value)) < 600


async def test_an_error_detail_with_thousands_of_keys_is_cut(sentry: SentryClient) -> None:
    detail = {f"field{i}": ["bad"] for i in range(3000)}  # error bodies are read to 64 KiB
    with MockHttp() as mocked:
        mocked.get(URL_, status=400, body=json.dumps({"detail": detail}))
        with pytest.raises(BadRequest, match="field0: bad") as info:
            await sentry.request("GET", PATH)
    assert len(str(info.value)) < 600


@pytest.mark.parametrize("header", ["X-Sentry-Rate-Limit-Reset", "X-Sentry-Rate-Limit-Limit"])
async def test_a_400_digit_header_on_a_200_is_harmless(sentry: SentryClient, header: str) -> None:
    headers = {
        "X-Sentry-Rate-Limit-Limit": "40",
        "X-Sentry-Rate-Limit-Remaining": "39",
        "X-Sentry-Rate-Limit-Reset": "1700000001",
        header: "9" * 400,
    }
    with MockHttp() as mocked:
        mocked.get(URL_, payload={"ok": 1}, headers=headers, repeat=True)
        for _ in range(3):
            assert await sentry.request("GET", PATH) == {"ok": 1}


# -- issue 9 §3: an empty 200 labelled JSON is malformed -----------------------------------


async def test_an_empty_json_200_is_retried_for_gets_and_then_says_empty_body(
    sentry: SentryClient,
) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, body=b"", content_type="application/json", repeat=True)
        with pytest.raises(DecodeError, match="an empty body"):
            await sentry.request("GET", PATH)
        assert sent(mocked, URL_) == 3  # the policy's attempts


async def test_an_empty_json_200_to_a_get_recovers_on_retry(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, body=b"", content_type="application/json")
        mocked.get(URL_, payload={"ok": 1})
        assert await sentry.request("GET", PATH) == {"ok": 1}


async def test_an_empty_json_answer_to_a_post_is_never_resent(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.post(URL_, body=b"", content_type="application/json", repeat=True)
        with pytest.raises(DecodeError, match=r"was accepted.*do not send it again"):
            await sentry.request("POST", PATH, json={"a": 1})
        assert sent(mocked, URL_, "POST") == 1


async def test_a_204_and_an_untyped_empty_200_are_still_none(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.delete(URL_, status=204)
        mocked.get(URL_, body=b"", content_type="text/plain")
        assert await sentry.request("DELETE", PATH) is None
        assert await sentry.request("GET", PATH) is None


# -- issue 14: one message for an ambiguous write ------------------------------------------


async def test_ambiguous_write_message_gives_one_piece_of_advice(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.post(URL_, status=502, body="Bad gateway")
        with pytest.raises(AmbiguousWriteError) as info:
            await sentry.request("POST", PATH, json={"a": 1})
    message = str(info.value)
    assert "check whether it took effect" in message
    assert "retry later" not in message
    assert "it answered 502" in message


# -- §5 the token cannot be reached --------------------------------------------------------


def reachable(root: BaseException) -> list[Any]:
    """Every object reachable from an error: cause, context, args, attributes, containers."""
    seen: set[int] = set()
    out: list[Any] = []
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None:
            continue
        seen.add(id(obj))
        out.append(obj)
        if isinstance(obj, BaseException):
            stack += [obj.__cause__, obj.__context__, *obj.args, obj.__traceback__ and None]
        if isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.extend(vars(obj).values())
        elif hasattr(obj, "__slots__"):
            stack.extend(getattr(obj, s, None) for s in obj.__slots__)
    return out


def assert_token_unreachable(error: BaseException) -> None:
    for obj in reachable(error):
        if isinstance(obj, (str, bytes)):
            assert TOKEN not in (obj if isinstance(obj, str) else obj.decode("latin-1"))
        else:
            assert TOKEN not in repr(obj)[:100_000]


async def test_a_server_echoing_the_token_does_not_put_it_in_errors(
    sentry: SentryClient,
) -> None:
    echo = {"detail": f"bad header: Bearer {TOKEN}", "headers": {"Authorization": TOKEN}}
    with MockHttp() as mocked:
        mocked.get(URL_, status=400, body=json.dumps(echo))
        mocked.post(URL_, status=503, body=f"proxy saw Authorization: Bearer {TOKEN}")
        mocked.put(URL_, body=f"<html>{TOKEN}</html>", content_type="text/html")
        for call in (
            sentry.request("GET", PATH),
            sentry.request("POST", PATH, json={}),
            sentry.request("PUT", PATH, json={}),
        ):
            with pytest.raises(SentryError) as info:
                await call
            assert_token_unreachable(info.value)
            cause = info.value.__cause__ or info.value
            assert "<redacted>" in str(cause)


async def test_transport_errors_keep_no_aiohttp_exception(sentry: SentryClient) -> None:
    import aiohttp

    with MockHttp() as mocked:
        mocked.get(URL_, exception=aiohttp.ServerDisconnectedError(), repeat=True)
        with pytest.raises(TransportError) as info:
            await sentry.request("GET", PATH)
    chain = reachable(info.value)
    assert not [o for o in chain if isinstance(o, aiohttp.ClientError)]
    assert info.value.__context__ is None
    assert "ServerDisconnectedError" in str(info.value)  # a safe string of the cause


# -- §3 errors survive pickle ---------------------------------------------------------------


def every_error() -> list[SentryError]:
    common: dict[str, Any] = {
        "status": 400,
        "detail": {"a": ["b"]},
        "body": {"detail": {"a": ["b"]}},
        "method": "GET",
        "route": "/x/",
        "url": "https://sentry.example/api/0/x/",
    }
    made: list[SentryError] = [
        SentryError("plain"),
        ConfigurationError("bad base_url"),
        TransportError("t", method="GET", route="/x/", url="u", reason="timeout"),
        DecodeError("d", method="GET", route="/x/", url="u", status=200, snippet="<html>"),
        ResponseTooLarge(
            "big", limit=10, method="GET", route="/x/", url="u", status=200, snippet="s"
        ),
        AmbiguousWriteError("a", method="POST", route="/x/", url="u"),
        errors_module.PaginationError("p"),
        errors_module.RateLimited("r", retry_after=1.5, rate=RateSnapshot(40, 0, 1.0), **common),
        errors_module.ResourceMoved("m", location="/y/", new_slug="y", **common),
        RedirectRefused("rr", location="file:///", new_slug=None, **common),
        errors_module.UndecodableItemsError(
            "u",
            method="GET",
            route="/x/",
            url="u",
            status=200,
            items=[{"id": None}],
            reasons=["id: missing"],
            next_cursor="0:100:0",
        ),
    ]
    for cls in (
        APIError,
        BadRequest,
        errors_module.Unauthorized,
        errors_module.Forbidden,
        errors_module.NotFound,
        errors_module.Conflict,
        ServerError,
    ):
        made.append(cls("api", **common))
    return made


def test_every_error_class_is_covered_by_the_pickle_test() -> None:
    classes = {
        obj
        for obj in vars(errors_module).values()
        if isinstance(obj, type) and issubclass(obj, SentryError) and obj.__name__[0] != "_"
    }
    assert classes <= {type(e) for e in every_error()}


@pytest.mark.parametrize("error", every_error(), ids=lambda e: type(e).__name__)
def test_errors_survive_pickle_with_their_attributes(error: SentryError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


# -- §2 per-route state is bounded ------------------------------------------------------------


async def test_request_state_per_concrete_path_is_bounded(clock: ManualClock) -> None:
    store = MemoryRateLimitStore(max_routes=32)  # the default is MAX_ROUTES
    headers = {
        "X-Sentry-Rate-Limit-Limit": "40",
        "X-Sentry-Rate-Limit-Remaining": "39",
        "X-Sentry-Rate-Limit-Reset": "1700000001",
    }
    async with SentryClient(
        TOKEN, "https://sentry.example", clock=clock, rate_limit_store=store
    ) as sentry:
        with MockHttp() as mocked:
            mocked.get(re.compile(r".*/events/\d+/$"), payload={}, headers=headers, repeat=True)
            for i in range(120):
                await sentry.request("GET", f"/events/{i}/")
    assert len(store) <= 32
    assert MemoryRateLimitStore().__class__.__init__.__defaults__ == (MAX_ROUTES,)


# -- issue 14: one client, one event loop ---------------------------------------------------


def test_reusing_a_client_in_a_second_event_loop_is_a_clear_error() -> None:
    sentry = SentryClient(TOKEN, "https://sentry.example", retry=RetryPolicy.disabled())

    async def call() -> Any:
        with MockHttp() as mocked:
            mocked.get(URL_, payload={"ok": 1})
            return await sentry.request("GET", PATH)

    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(call()) == {"ok": 1}
        # Before: aiohttp's bare RuntimeError("Event loop is closed") or a hang.
        with pytest.raises(ConfigurationError, match="one client per event loop"):
            asyncio.run(call())
        first.run_until_complete(sentry.close())
    finally:
        first.close()


async def test_a_model_call_on_an_empty_answer_says_empty_body(sentry: SentryClient) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, body=b"", content_type="text/plain")
        with pytest.raises(DecodeError, match="an empty body") as info:
            await sentry.organizations.get("acme")
    assert "body starts None" not in str(info.value)


async def test_a_model_call_on_a_deeply_nested_answer_is_a_decode_error(
    sentry: SentryClient,
) -> None:
    with MockHttp() as mocked:
        mocked.get(URL_, body="[" * 900 + "]" * 900, content_type="application/json")
        with pytest.raises(DecodeError) as info:
            await sentry.organizations.get("acme")
    assert len(str(info.value)) < 800
