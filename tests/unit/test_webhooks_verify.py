"""``verify``: the framework-neutral check of all three signature schemes, and its properties.

Properties (hypothesis) over hostile headers and bodies: ``verify`` raises nothing but
WebhookVerificationError, a wrong value never verifies, and oversize header values are
refused before any parsing or HMAC (the bounded-work guarantee, checked without timing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_async.webhooks as webhooks
from sentry_async.webhooks import (
    SENTRY_APP_SIGNATURE_HEADER,
    WebhookDelivery,
    WebhookVerificationError,
    verify,
)

SECRET = "client-secret-9c1e"
HEADERS = ("Sentry-Hook-Signature", "X-ServiceHook-Signature", "Sentry-App-Signature")


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_issue_link_request_with_sentry_app_signature() -> None:
    body = b'{"fields":{"title":"Crash"},"issueId":"1","installationId":"abc"}'
    headers = {"Content-Type": "application/json", "Request-ID": "r1"}
    headers[SENTRY_APP_SIGNATURE_HEADER] = sign(body)

    delivery = verify(headers, body, SECRET)

    assert (delivery.scheme, delivery.request_id, delivery.timestamp) == ("sentry_app", "r1", None)
    assert delivery.json()["issueId"] == "1"


def test_select_options_get_signs_the_empty_body() -> None:
    delivery = verify({"sentry-app-signature": sign(b"")}, b"", SECRET)
    assert delivery.scheme == "sentry_app" and delivery.json() is None


def test_wrong_sentry_app_signature_fails() -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify({SENTRY_APP_SIGNATURE_HEADER: sign(b"x", "other")}, b"x", SECRET)
    assert caught.value.header == SENTRY_APP_SIGNATURE_HEADER
    assert SECRET not in str(caught.value)


def test_no_signature_names_all_three_headers() -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify({"Content-Type": "application/json"}, b"{}", SECRET)
    assert all(name in str(caught.value) for name in HEADERS)
    assert caught.value.header is None


@pytest.mark.parametrize("scheme", ["integration", "service_hook"])
def test_header_names_in_any_case_and_as_pairs_or_bytes(scheme: str) -> None:
    body = b'{"action":"created"}'
    name = HEADERS[0] if scheme == "integration" else HEADERS[1]
    pairs: list[tuple[Any, Any]] = [
        (name.upper().encode(), sign(body).encode()),
        (b"sentry-hook-resource", b"issue"),
        ("X-SERVICEHOOK-GUID", "g1"),
        ("sentry-hook-timestamp", "1700000000"),
    ]
    delivery = verify(pairs, body, SECRET)
    assert delivery.scheme == scheme and delivery.resource == "issue"
    assert delivery.hook_id == "g1" and delivery.timestamp is not None


def test_a_signature_header_sent_twice_is_refused() -> None:
    body = b"{}"
    pairs = [(HEADERS[0], sign(body)), (HEADERS[0].lower(), sign(body))]
    with pytest.raises(WebhookVerificationError, match="more than once"):
        verify(pairs, body, SECRET)


def test_empty_body_json_is_none_and_bad_json_is_a_value_error() -> None:
    assert WebhookDelivery(body=b"", scheme="integration").json() is None
    assert WebhookDelivery(body=b"  \n", scheme="integration").json() is None
    with pytest.raises(json.JSONDecodeError):
        WebhookDelivery(body=b"{", scheme="integration").json()


def test_configuration_errors_come_first() -> None:
    with pytest.raises(ValueError, match="secret is empty"):
        verify({}, b"", "")
    with pytest.raises(TypeError, match="raw body"):
        verify({HEADERS[0]: "0" * 64}, "text body", SECRET)  # type: ignore[arg-type]


# -- properties ------------------------------------------------------------------------------

header_text = st.text(max_size=300) | st.text(alphabet="0123456789abcdefABCDEF \t", max_size=80)
header_names = st.sampled_from([*HEADERS, "Sentry-Hook-Timestamp", "Request-ID", "X-Other"])
hostile_headers = st.dictionaries(header_names, header_text, max_size=6)
bodies = st.binary(max_size=2048)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(headers=hostile_headers, body=bodies)
def test_hostile_requests_raise_only_the_documented_error(
    headers: dict[str, str], body: bytes
) -> None:
    try:
        delivery = verify(headers, body, SECRET)
    except WebhookVerificationError:
        return
    # Anything accepted carried a correct signature for exactly this body.
    present = [name for name in HEADERS if name in headers]
    assert hmac.compare_digest(headers[present[0]].strip().lower(), sign(body))
    assert delivery.body == body


@settings(max_examples=200)
@given(body=bodies, other=bodies, header=st.sampled_from(HEADERS))
def test_a_signature_of_anything_else_never_verifies(
    body: bytes, other: bytes, header: str
) -> None:
    if other == body:
        other += b"!"
    with pytest.raises(WebhookVerificationError):
        verify({header: sign(other)}, body, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify({header: sign(body, SECRET + "x")}, body, SECRET)


@settings(max_examples=200)
@given(body=bodies, header=st.sampled_from(HEADERS), flip=st.integers(0, 63))
def test_one_changed_hex_digit_never_verifies(body: bytes, header: str, flip: int) -> None:
    good = sign(body)
    digit = "0" if good[flip] != "0" else "1"
    bad = good[:flip] + digit + good[flip + 1 :]
    with pytest.raises(WebhookVerificationError):
        verify({header: bad}, body, SECRET)


@settings(max_examples=50)
@given(
    filler=st.sampled_from(["0", "a", " ", "\t", "é", "0a" * 2, "1e9"]),
    header=st.sampled_from(HEADERS),
)
def test_8_kb_header_values_are_refused_before_any_parsing(filler: str, header: str) -> None:
    calls: list[str] = []

    class Spy:
        def fullmatch(self, text: str) -> None:
            calls.append("regex")

    huge = (filler * 8192)[:8192]
    headers = {header: huge, "Sentry-Hook-Timestamp": "1" * 8192}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webhooks, "_HEX_SHA256", Spy())
        with pytest.raises(WebhookVerificationError):
            verify(headers, b"{}", SECRET)
    # Work on an oversize value is one length check: no pattern match, no HMAC.
    assert calls == []
    assert webhooks._parse_timestamp("1" * 8192) is None


def test_schemes_restricts_which_signature_is_accepted() -> None:
    body = b'{"fields":{"title":"Crash"}}'
    hook_signed = {"X-ServiceHook-Signature": sign(body, "hook-secret")}
    # Accepted by default (any scheme), refused where only the Sentry app scheme is allowed.
    assert verify(hook_signed, body, "hook-secret").scheme == "service_hook"
    with pytest.raises(WebhookVerificationError, match="X-ServiceHook-Signature") as caught:
        verify(hook_signed, body, "hook-secret", schemes="sentry_app")
    assert "no Sentry-App-Signature" in str(caught.value)
    assert caught.value.header is None
    # The accepted header wins even when another scheme's header is present.
    both = {**hook_signed, "Sentry-App-Signature": sign(body)}
    assert verify(both, body, SECRET, schemes=["sentry_app"]).scheme == "sentry_app"
    with pytest.raises(WebhookVerificationError) as caught:
        verify(both, body, "hook-secret", schemes=("sentry_app",))
    assert caught.value.header == "Sentry-App-Signature"
    pair = verify(
        {"Sentry-Hook-Signature": sign(body)}, body, SECRET, schemes={"integration", "sentry_app"}
    )
    assert pair.scheme == "integration"
    with pytest.raises(WebhookVerificationError, match="none of Sentry-Hook-Signature or Sentry"):
        verify({}, body, SECRET, schemes=("integration", "sentry_app"))


@pytest.mark.parametrize("schemes", [(), "hook", ["sentry_app", "nope"]])
def test_schemes_must_name_known_schemes(schemes: Any) -> None:
    with pytest.raises(ValueError, match="schemes must name"):
        verify({"Sentry-App-Signature": sign(b"")}, b"", SECRET, schemes=schemes)


@pytest.mark.parametrize("headers", ["Sentry-Hook-Signature", b"x", ["Sentry-Hook-Signature"]])
def test_headers_of_the_wrong_shape_raise_type_error(headers: Any) -> None:
    with pytest.raises(TypeError, match="headers must be a mapping"):
        verify(headers, b"{}", SECRET)


def test_duplicate_signature_header_names_it_in_canonical_case() -> None:
    pairs = [("x-servicehook-signature", "0" * 64), ("X-SERVICEHOOK-SIGNATURE", "1" * 64)]
    with pytest.raises(WebhookVerificationError) as caught:
        verify(pairs, b"", SECRET)
    assert caught.value.header == "X-ServiceHook-Signature"
    assert "X-ServiceHook-Signature more than once" in str(caught.value)
