"""Secrets in an answer never reach a DecodeError's message or snippet."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from sentry_async.decode import decode_answer, decode_items, undecodable_error
from sentry_async.errors import DecodeError
from sentry_async.models import ClientKey, Member, ServiceHook, json_name, structurer
from sentry_async.models._converter import MODELS
from sentry_async.models._secret import SECRET_KEYS, is_secret_field, mask_text, mask_value
from sentry_async.wire import Answer

KEY_SECRET = "189485c3b8ccf582bf5e12c530ef8858"
HOOK_SECRET = "8fcac28aaa4c4f5fa572b61d40a8e084364db25fd37449c299e5a41c0504cbc2"
INVITE_TOKEN = "c5f7e0d1a2b34cd1b2aa0f9e8d7c6b5a"


def answer(payload: Any, method: str = "GET") -> Answer:
    return Answer(
        method=method,
        route="/r/",
        url="http://127.0.0.1/api/0/r/",
        status=200,
        headers={},
        payload=payload,
        rate=None,
        next_cursor=None,
    )


def key_without_id() -> dict[str, Any]:
    return {
        "name": "Default",
        "public": "60120449b6b1d5e45f75561e6dabd80b",
        "secret": KEY_SECRET,
        "dsn": {
            "public": "https://60120449b6b1d5e45f75561e6dabd80b@o1.ingest.sentry.io/4",
            "secret": f"https://60120449b6b1d5e45f75561e6dabd80b:{KEY_SECRET}@o1.ingest.sentry.io/4",
        },
    }


def everything(error: DecodeError) -> str:
    return str(error) + repr(error) + repr(error.snippet) + repr(error.args)


@pytest.mark.parametrize(
    ("payload", "cls", "secret"),
    [
        (key_without_id(), ClientKey, KEY_SECRET),
        ({"id": None, **key_without_id()}, ClientKey, KEY_SECRET),
        ({"url": "https://x", "secret": HOOK_SECRET}, ServiceHook, HOOK_SECRET),
        (
            {"email": "a@example.com", "inviteLink": f"https://s.io/accept/9/{INVITE_TOKEN}/"},
            Member,
            INVITE_TOKEN,
        ),
    ],
)
def test_decode_error_masks_secret_values(payload: Any, cls: type[Any], secret: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_answer(answer(payload, "POST"), structurer(cls), cls.__name__)
    assert secret not in everything(caught.value)
    assert "<redacted>" in caught.value.snippet


def test_decode_error_masks_secrets_inside_lists_and_reasons() -> None:
    def decode(_value: Any) -> Any:
        raise ValueError(f"bad item {{'secret': '{KEY_SECRET}'}}")

    with pytest.raises(DecodeError) as caught:
        decode_answer(answer([1, {"x": [key_without_id()]}]), decode, "things")
    assert KEY_SECRET not in everything(caught.value)
    decoded = decode_items(answer([key_without_id()]), [key_without_id()], decode, "keys")
    error = undecodable_error(answer([]), decoded, "keys", None)
    assert KEY_SECRET not in str(error) + repr(error) + repr(error.reasons)
    # The raw items stay available to the caller, secrets included (documented).
    assert error.items[0]["secret"] == KEY_SECRET


def test_every_secret_attribute_is_masked_and_hidden_from_repr() -> None:
    # One definition: a model attribute left out of the repr is a secret_field(), and its
    # JSON key is masked in error messages; no other attribute hides from the repr.
    seen = set()
    for cls in MODELS:
        for field in attrs.fields(cls):
            if field.name == "raw":
                continue
            if is_secret_field(field):
                assert field.repr is False, (cls, field.name)
                assert json_name(cls, field.name) in SECRET_KEYS, (cls, field.name)
                seen.add((cls.__name__, field.name))
            else:
                assert field.repr is not False, (cls, field.name)
    assert {("ClientKey", "secret"), ("ServiceHook", "secret"), ("Member", "invite_link")} <= seen


def test_mask_value_is_bounded_and_keeps_shape() -> None:
    deep: Any = {"secret": "s"}
    for _ in range(5000):
        deep = [deep]
    masked = mask_value(deep)
    assert isinstance(masked, list)
    wide = mask_value({"k": list(range(100_000))})
    assert len(wide["k"]) == 65
    assert mask_text("{'a': 1}") == "{'a': 1}"
    assert mask_text('"token": "abc"') == "\"token\": '<redacted>'"
