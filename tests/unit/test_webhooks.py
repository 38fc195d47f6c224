"""Webhook signatures: raw-bytes HMAC-SHA256 for both Sentry schemes, and the aiohttp helper."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sentry_async.webhooks import (
    WebhookDelivery,
    WebhookVerificationError,
    verify_request,
    verify_signature,
)

if TYPE_CHECKING:
    HookClient = tuple[TestClient[web.Request, web.Application], list[WebhookDelivery]]

SECRET = "s3cr3t-client-secret-4f2a"

# Spacing, key order, an escaped non-ASCII character and "1.0": json.dumps(json.loads(BODY))
# gives different bytes, so verifying a re-serialised copy would fail.
BODY = b'{"action":"created", "installation":{"uuid":"7a4c"},"data":{"note":"caf\\u00e9","n":1.0}}'


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- verify_signature


def test_known_answer() -> None:
    # The widely published HMAC-SHA256 test vector.
    signature = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert verify_signature(b"The quick brown fox jumps over the lazy dog", signature, "key")


def test_signature_covers_the_raw_bytes_not_the_json() -> None:
    signature = sign(BODY)
    assert verify_signature(BODY, signature, SECRET)
    for reserialised in (
        json.dumps(json.loads(BODY)).encode(),
        json.dumps(json.loads(BODY), separators=(",", ":"), ensure_ascii=False).encode(),
    ):
        assert reserialised != BODY
        assert not verify_signature(reserialised, signature, SECRET)


def test_bytes_like_bodies_are_accepted() -> None:
    signature = sign(BODY)
    assert verify_signature(bytearray(BODY), signature, SECRET)
    assert verify_signature(memoryview(BODY), signature, SECRET)


def test_secret_is_utf8() -> None:
    secret = "clé-secrète"
    body = b"{}"
    assert verify_signature(
        body, hmac.new(secret.encode("utf-8"), body, "sha256").hexdigest(), secret
    )


def test_wrong_secret_and_tampered_body_fail() -> None:
    signature = sign(BODY)
    assert not verify_signature(BODY, signature, SECRET + "x")
    assert not verify_signature(BODY.replace(b"created", b"deleted"), signature, SECRET)
    assert not verify_signature(BODY + b"\n", signature, SECRET)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "   ",
        "not-a-signature",
        "z" * 64,  # right length, not hex
        "é" * 64,  # not ASCII at all
        "abc",  # odd length
        "ab" * 31,  # too short
        "ab" * 33,  # too long
        "sha256=" + sign(BODY),  # GitHub's style, not Sentry's
        sign(BODY)[:-1] + " " + sign(BODY)[-1],  # whitespace inside
        sign(BODY, "other secret"),
    ],
)
def test_bad_signatures_are_false_not_errors(signature: str | None) -> None:
    assert verify_signature(BODY, signature, SECRET) is False


def test_non_str_signature_is_false() -> None:
    assert verify_signature(BODY, sign(BODY).encode(), SECRET) is False  # type: ignore[arg-type]


def test_whitespace_around_and_upper_case_are_tolerated() -> None:
    signature = sign(BODY)
    assert verify_signature(BODY, f"  {signature}\r\n", SECRET)
    assert verify_signature(BODY, signature.upper(), SECRET)


def test_str_body_is_a_teaching_type_error() -> None:
    with pytest.raises(TypeError, match=r"raw body bytes.*request\.read\(\)"):
        verify_signature(BODY.decode(), sign(BODY), SECRET)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="raw request bytes"):
        verify_signature({"action": "created"}, sign(BODY), SECRET)  # type: ignore[arg-type]


def test_empty_or_non_str_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="secret is empty"):
        verify_signature(BODY, sign(BODY), "")
    with pytest.raises(TypeError, match="secret must be a str"):
        verify_signature(BODY, sign(BODY), SECRET.encode())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- verify_request


@pytest.fixture
async def hook_client() -> AsyncIterator[HookClient]:
    deliveries: list[WebhookDelivery] = []

    async def handler(request: web.Request) -> web.Response:
        try:
            delivery = await verify_request(request, SECRET)
        except WebhookVerificationError as exc:
            return web.json_response({"error": str(exc), "header": exc.header}, status=401)
        deliveries.append(delivery)
        assert await request.read() == delivery.body  # the body is still there for the app
        return web.json_response({"ok": True})

    async def app_only(request: web.Request) -> web.Response:
        try:
            delivery = await verify_request(request, SECRET, schemes="sentry_app")
        except WebhookVerificationError as exc:
            return web.json_response({"error": str(exc), "header": exc.header}, status=401)
        deliveries.append(delivery)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", handler)
    app.router.add_post("/issue-link", app_only)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield client, deliveries
    finally:
        await client.close()


async def test_integration_platform_delivery(hook_client: HookClient) -> None:
    client, deliveries = hook_client
    response = await client.post(
        "/hook",
        data=BODY,
        headers={
            "Content-Type": "application/json",
            "Request-ID": "c3f2a0d1e4b54f7e9a8b7c6d5e4f3a2b",
            "Sentry-Hook-Resource": "installation",
            "Sentry-Hook-Timestamp": "1700000000",
            "Sentry-Hook-Signature": sign(BODY),
        },
    )
    assert response.status == 200
    [delivery] = deliveries
    assert delivery == WebhookDelivery(
        body=BODY,
        scheme="integration",
        resource="installation",
        timestamp=datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc),
        request_id="c3f2a0d1e4b54f7e9a8b7c6d5e4f3a2b",
        hook_id=None,
    )
    assert delivery.json()["data"]["note"] == "café"


async def test_service_hook_delivery(hook_client: HookClient) -> None:
    client, deliveries = hook_client
    body = b'{"project":{"slug":"web","name":"Web"},"event":{"url":"https://sentry.example/e/1/"}}'
    response = await client.post(
        "/hook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-ServiceHook-Timestamp": "1700000123",
            "X-ServiceHook-GUID": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "X-ServiceHook-Signature": sign(body),
        },
    )
    assert response.status == 200
    [delivery] = deliveries
    assert delivery.scheme == "service_hook"
    assert delivery.hook_id == "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert delivery.timestamp == datetime.fromtimestamp(1700000123, tz=timezone.utc)
    assert delivery.resource is None and delivery.request_id is None
    assert delivery.json()["project"]["slug"] == "web"


async def test_missing_signature_header_is_rejected(hook_client: HookClient) -> None:
    client, deliveries = hook_client
    response = await client.post("/hook", data=BODY, headers={"Sentry-Hook-Resource": "issue"})
    assert response.status == 401
    answer = await response.json()
    assert "Sentry-Hook-Signature" in answer["error"]
    assert "X-ServiceHook-Signature" in answer["error"]
    assert "Sentry-App-Signature" in answer["error"]
    assert answer["header"] is None
    assert deliveries == []


@pytest.mark.parametrize(
    ("header", "key_name"),
    [("Sentry-Hook-Signature", "client secret"), ("X-ServiceHook-Signature", "hook's secret")],
)
async def test_bad_signature_is_rejected_without_leaking_the_secret(
    hook_client: HookClient, header: str, key_name: str
) -> None:
    client, deliveries = hook_client
    for signature in (sign(BODY, "wrong"), "", "garbage"):
        response = await client.post("/hook", data=BODY, headers={header: signature})
        assert response.status == 401
        answer = await response.json()
        assert answer["header"] == header
        assert key_name in answer["error"]
        assert SECRET not in answer["error"]
    assert deliveries == []


async def test_tampered_body_is_rejected(hook_client: HookClient) -> None:
    client, _ = hook_client
    response = await client.post(
        "/hook",
        data=BODY.replace(b"7a4c", b"7a4d"),
        headers={"Sentry-Hook-Signature": sign(BODY)},
    )
    assert response.status == 401


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
        (" 1700000000.5 ", datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=timezone.utc)),
        ("yesterday", None),
        ("", None),
        ("nan", None),
        ("inf", None),
        ("1e300", None),
        (None, None),
    ],
)
async def test_timestamp_parsing(
    hook_client: HookClient, value: str | None, expected: datetime | None
) -> None:
    client, deliveries = hook_client
    headers = {"Sentry-Hook-Signature": sign(BODY)}
    if value is not None:
        headers["Sentry-Hook-Timestamp"] = value
    response = await client.post("/hook", data=BODY, headers=headers)
    assert response.status == 200
    assert deliveries[0].timestamp == expected


async def test_empty_secret_fails_before_judging_the_request() -> None:
    async def handler(request: web.Request) -> web.Response:
        with pytest.raises(ValueError, match="secret is empty"):
            await verify_request(request, "")
        return web.Response(text="checked")

    app = web.Application()
    app.router.add_post("/hook", handler)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.post("/hook", data=BODY, headers={"Sentry-Hook-Signature": "x"})
        assert await response.text() == "checked"


def test_delivery_repr_leaves_the_body_out() -> None:
    delivery = WebhookDelivery(body=BODY, scheme="integration", resource="issue")
    assert "created" not in repr(delivery) and "7a4c" not in repr(delivery)
    assert "resource='issue'" in repr(delivery)
    with pytest.raises(AttributeError):
        delivery.resource = "error"  # type: ignore[misc]


async def test_verify_request_schemes_refuses_other_schemes(hook_client: HookClient) -> None:
    client, deliveries = hook_client
    hook_signed = {"X-ServiceHook-Signature": sign(BODY), "X-ServiceHook-GUID": "g"}
    response = await client.post("/issue-link", data=BODY, headers=hook_signed)
    assert response.status == 401
    assert "no Sentry-App-Signature" in (await response.json())["error"]
    app_signed = {"Sentry-App-Signature": sign(BODY)}
    assert (await client.post("/issue-link", data=BODY, headers=app_signed)).status == 200
    assert [d.scheme for d in deliveries] == ["sentry_app"]
