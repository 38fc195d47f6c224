"""RawResponse: what ``SentryClient.request_raw`` returns for any endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .wire import Answer

__all__ = ["RawResponse"]


@attrs.frozen(slots=True)
class RawResponse:
    """One successful answer, undecoded into models.

    ``status`` is the HTTP status (2xx; errors raise as for every call), ``headers`` the
    answer's headers, ``body`` the decoded JSON (None for an empty body), and
    ``next_cursor`` the cursor of the next page from the ``Link`` header (None when there
    is no further page): pass it as ``cursor=`` to :meth:`SentryClient.paginate` or as the
    ``cursor`` parameter of another ``request_raw``.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: Any = attrs.field(repr=False)
    next_cursor: str | None

    @classmethod
    def from_answer(cls, answer: Answer) -> RawResponse:
        return cls(answer.status, answer.headers, answer.payload, answer.next_cursor)
