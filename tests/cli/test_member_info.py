"""A joined member whose user object does not decode is still joined, and its 2FA counts."""

from __future__ import annotations

from sentry_async.cli._model import member_has_2fa, member_pending
from sentry_async.models import Member, structure


def test_joined_member_with_undecodable_user_is_not_pending() -> None:
    # The user lacks its id, so Member.user is None; the member has joined all the same.
    raw = {
        "id": "41",
        "email": "ada@example.com",
        "orgRole": "admin",
        "pending": False,
        "user": {"email": "ada@example.com", "has2fa": False},
    }
    member = structure(raw, Member)
    assert member.user is None
    assert member_pending(member) is False
    assert member_has_2fa(member) is False


def test_pending_follows_the_user_when_sentry_leaves_pending_out() -> None:
    invite = structure({"id": "1", "email": "x@example.com", "user": None}, Member)
    assert member_pending(invite) is True and member_has_2fa(invite) is None
    joined = structure({"id": "2", "user": {"id": "9", "has2fa": True}}, Member)
    assert member_pending(joined) is False and member_has_2fa(joined) is True
