"""Turning an answer's JSON into models, with failures reported as DecodeError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

from .errors import DecodeError, UndecodableItemsError, preview, snippet
from .models._secret import mask_text, mask_value
from .wire import Answer

__all__ = [
    "DecodedItems",
    "decode_answer",
    "decode_items",
    "inconsistent_answer",
    "undecodable_error",
]

T = TypeVar("T")


def _error(answer: Answer, what: str, exc: BaseException | None) -> DecodeError:
    # Bounded and iterative: a payload nested 900 deep must not raise RecursionError here.
    # Secrets (a key's DSN, a hook's secret, an invite link) are masked: errors get logged.
    shown = preview(mask_value(answer.payload))
    body = "an empty body" if answer.payload is None else f"body starts {shown}"
    reason = f": {type(exc).__name__}: {mask_text(snippet(str(exc)))}" if exc is not None else ""
    return DecodeError(
        f"{answer.method} {answer.route} answered {answer.status} with JSON that is not "
        f"{what}{reason} (url: {answer.url}; {body})",
        method=answer.method,
        route=answer.route,
        url=answer.url,
        status=answer.status,
        snippet=shown,
    )


def inconsistent_answer(answer: Answer, what: str) -> DecodeError:
    """A DecodeError for JSON that has the right shape but contradicts itself (``what``)."""
    return _error(answer, what, None)


def decode_answer(answer: Answer, decode: Callable[[Any], T], what: str) -> T:
    """``decode(answer.payload)``, any failure raised as DecodeError naming ``what``."""
    try:
        return decode(answer.payload)
    except Exception as exc:
        failed = _error(answer, what, exc)
    # Raised outside the except block, with no cause: the converter's error holds the
    # payload, which must not travel with the error (only a bounded string of it does).
    raise failed


class DecodedItems(NamedTuple, Generic[T]):
    """A list's items that decoded, and the raw values (with reasons) of those that did not."""

    items: list[T]
    undecodable: list[Any]
    reasons: list[str]


def decode_items(
    answer: Answer, items: Any, decode: Callable[[Any], T], what: str
) -> DecodedItems[T]:
    """Decode a JSON list of items, each with ``decode``, one at a time.

    An item that fails does not take the others with it: it is set aside with its reason.
    Raises DecodeError only when ``items`` is not a list at all.
    """
    if not isinstance(items, list):
        raise _error(answer, f"a list of {what}", None)
    try:
        return DecodedItems([decode(item) for item in items], [], [])
    except Exception:
        pass
    good: list[T] = []
    bad: list[Any] = []
    reasons: list[str] = []
    for item in items:
        try:
            good.append(decode(item))
        except Exception as exc:
            bad.append(item)
            reasons.append(f"{type(exc).__name__}: {mask_text(snippet(str(exc)))}")
    return DecodedItems(good, bad, reasons)


def undecodable_error(
    answer: Answer, decoded: DecodedItems[Any], what: str, next_cursor: str | None
) -> UndecodableItemsError:
    """The error raised after a page's good items, describing the ones set aside."""
    count = len(decoded.undecodable)
    resume = (
        f"pass cursor={next_cursor!r} to go on with the next page"
        if next_cursor is not None
        else "it was the last page"
    )
    return UndecodableItemsError(
        f"{answer.method} {answer.route} answered {count} item(s) that are not {what} "
        f"(first: {decoded.reasons[0]}); the other {len(decoded.items)} item(s) of the page "
        f"were delivered, and the undecodable ones are in .items; {resume} "
        f"(url: {answer.url})",
        method=answer.method,
        route=answer.route,
        url=answer.url,
        status=answer.status,
        items=decoded.undecodable,
        reasons=decoded.reasons,
        next_cursor=next_cursor,
    )
