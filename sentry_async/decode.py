"""Turning an answer's JSON into models, with failures reported as DecodeError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .errors import DecodeError, preview, snippet
from .wire import Answer

__all__ = ["decode_answer", "decode_items"]

T = TypeVar("T")


def _error(answer: Answer, what: str, exc: BaseException | None) -> DecodeError:
    # Bounded and iterative: a payload nested 900 deep must not raise RecursionError here.
    shown = preview(answer.payload)
    body = "an empty body" if answer.payload is None else f"body starts {shown}"
    reason = f": {type(exc).__name__}: {snippet(str(exc))}" if exc is not None else ""
    return DecodeError(
        f"{answer.method} {answer.route} answered {answer.status} with JSON that is not "
        f"{what}{reason} (url: {answer.url}; {body})",
        method=answer.method,
        route=answer.route,
        url=answer.url,
        status=answer.status,
        snippet=shown,
    )


def decode_answer(answer: Answer, decode: Callable[[Any], T], what: str) -> T:
    """``decode(answer.payload)``, any failure raised as DecodeError naming ``what``."""
    try:
        return decode(answer.payload)
    except Exception as exc:
        raise _error(answer, what, exc) from exc


def decode_items(answer: Answer, items: Any, decode: Callable[[Any], T], what: str) -> list[T]:
    """Decode a JSON list of items, each with ``decode``."""
    if not isinstance(items, list):
        raise _error(answer, f"a list of {what}", None)
    try:
        return [decode(item) for item in items]
    except Exception as exc:
        raise _error(answer, f"a list of {what}", exc) from exc
