"""The contract between the rate/concurrency gate and the place its state lives.

The gate (:class:`~sentry_async.gate.RateGate`) asks a store three things per request:

1. :meth:`RateLimitStore.acquire` before sending: take one in-flight slot on the route *and*
   one request from its current window, both or neither, atomically;
2. :meth:`RateLimitStore.release` after the exchange: merge what the answer's
   ``X-Sentry-Rate-Limit-*`` headers said, and give the slot back;
3. :meth:`RateLimitStore.block` after a 429 that carried no window headers, only a wait.

State is keyed by ``scope`` (a fingerprint of the token, see
:func:`~sentry_async.stores.token_fingerprint`; never the token) and ``route`` (the route
template key, ``"GET /projects/{org}/{project}/"``). Taking the slot and the window budget in
one step costs a shared store one round trip, and no request holds a fleet-wide slot while
it sleeps for the next window.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import attrs

from ..errors import SentryError
from ..ratelimit import RateSnapshot

__all__ = ["Admission", "Lease", "RateLimitStore", "RateLimitStoreError"]

#: What a store hands out with an admitted request and wants back in
#: :meth:`RateLimitStore.release`: its slot, and its ticket (when it was let through).
#: Opaque to the gate, and interchangeable between requests on one route; may be None.
Lease = object


@attrs.frozen(slots=True)
class Admission:
    """A store's answer to :meth:`RateLimitStore.acquire`.

    ``admitted``: the request may go now, and ``lease`` must be given back to ``release``.
    Otherwise ``wait`` is how long to wait before asking again, and ``waiting_for`` says
    why: ``"window"`` (the window's budget is spent: ``wait`` is exact, until its reset) or
    ``"slot"`` (every in-flight slot is taken: ``wait`` is only an upper bound, ask again as
    soon as a slot is given back).
    """

    admitted: bool
    lease: Lease | None = None
    wait: float = 0.0
    waiting_for: Literal["", "window", "slot"] = ""


@runtime_checkable
class RateLimitStore(Protocol):
    """Where a client's rate-limit state lives: in-process (the default) or shared.

    ``now`` is the client's wall clock (epoch seconds). A store shared by several hosts may
    use one clock of its own instead, so that no single host's skew moves the fleet's
    windows. Implementations must never store or log anything but ``scope`` and ``route``
    as identity: the token itself is not given to them.
    """

    async def acquire(self, scope: str, route: str, now: float) -> Admission:
        """Take an in-flight slot and one request of the current window, or neither."""
        ...

    def release(
        self,
        scope: str,
        route: str,
        lease: Lease | None,
        snapshot: RateSnapshot | None,
        *,
        answered: bool,
        now: float,
    ) -> None:
        """Give ``lease`` back and, if the server ``answered``, merge its ``snapshot``.

        Must not block: a shared store finishes the work in the background. ``snapshot``
        None with ``answered`` means the route is not limited (no headers).
        """
        ...

    def block(self, scope: str, route: str, seconds: float, now: float) -> None:
        """Spend the route's budget for ``seconds`` (a 429 with only a Retry-After)."""
        ...


class RateLimitStoreError(SentryError):
    """The shared rate-limit store failed and was configured to fail closed.

    Raised by a request instead of sending it (``RedisRateLimitStore(on_error="fail")``),
    when the store is unreachable or does not answer within its ``op_timeout``. The cause is
    ``__cause__``; nothing was sent to Sentry.
    """
