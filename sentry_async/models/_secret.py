"""The one definition of which answer fields hold secrets.

Models declare such attributes with ``secret_field()`` (readable, never in a repr), and the
JSON keys they come from are in ``SECRET_KEYS``; ``sentry_async.decode`` masks the values of
those keys wherever it shows a piece of an answer (``DecodeError`` messages and ``snippet``).
A test checks that the two agree, so a new secret attribute cannot be added to one only.
"""

import re
from typing import Any

import attrs

__all__ = [
    "MASK",
    "SECRET_KEYS",
    "is_secret_field",
    "mask_text",
    "mask_value",
    "secret_field",
]

MASK = "<redacted>"

#: JSON keys whose values are secrets: a client key's secret and DSN (``secret``), a service
#: hook's signing secret (``secret``), a member invitation's link (``inviteLink``, which
#: carries the invite token), a project's security token, and the credentials of Sentry app
#: and API token answers the client may be handed through ``raw`` requests.
SECRET_KEYS: frozenset[str] = frozenset(
    {
        "secret",
        "inviteLink",
        "invite_link",
        "securityToken",
        "sentry:token",
        "token",
        "refreshToken",
        "clientSecret",
    }
)

# Messages show at most 64 items of a container; one more keeps their "…" marker.
_SHOWN = 64

_SECRET_KEY_NAMES = "|".join(re.escape(key) for key in sorted(SECRET_KEYS))
# A secret key followed by its quoted value, as repr() or JSON renders it.
_QUOTED = re.compile(rf"""(['"](?:{_SECRET_KEY_NAMES})['"]\s*:\s*)(['"])(?:(?!\2).)*\2?""")
# The password part of a URL (``https://public:secret@host/1``, a DSN with its secret key).
_USERINFO = re.compile(r"(//[^/\s:@'\"]+:)[^@\s'\"]+@")


def secret_field() -> Any:
    """An optional ``str`` attribute holding a secret: readable, left out of the repr."""
    return attrs.field(default=None, repr=False, metadata={"secret": True})


def is_secret_field(field: "attrs.Attribute[Any]") -> bool:
    """Whether a model attribute was declared with ``secret_field()``."""
    return bool(field.metadata.get("secret"))


def mask_text(text: str) -> str:
    """``text`` with the values of secret keys and URL passwords replaced by ``MASK``."""
    if ":" not in text:
        return text
    text = _QUOTED.sub(rf"\g<1>'{MASK}'", text)
    return _USERINFO.sub(rf"\g<1>{MASK}@", text)


def mask_value(value: Any, budget: int = 512) -> Any:
    """A copy of decoded JSON with secret values masked, for display only.

    Copies at most ``budget`` containers and strings (messages show a bounded prefix);
    anything past that is replaced by ``"…"``. Iterative: no depth raises RecursionError.
    """
    root: list[Any] = [value]
    # (container to fill, key or index in it, value to copy)
    work: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    left = budget
    while work:
        target, slot, item = work.pop()
        left -= 1
        if left < 0:
            target[slot] = "…"
            continue
        if isinstance(item, dict):
            copy: dict[Any, Any] = {}
            pending: list[tuple[Any, Any, Any]] = []
            for n, (key, entry) in enumerate(item.items()):
                if n > _SHOWN:
                    break
                if isinstance(key, str) and key in SECRET_KEYS and entry is not None:
                    copy[key] = MASK
                else:
                    copy[key] = None
                    pending.append((copy, key, entry))
            work.extend(reversed(pending))
            target[slot] = copy
        elif isinstance(item, list):
            seq: list[Any] = [None] * min(len(item), _SHOWN + 1)
            for index in range(len(seq) - 1, -1, -1):
                work.append((seq, index, item[index]))
            target[slot] = seq
        elif isinstance(item, str):
            target[slot] = mask_text(item)
        else:
            target[slot] = item
    return root[0]
