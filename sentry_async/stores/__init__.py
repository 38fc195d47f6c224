"""Where rate-limit state lives: in this process (the default) or shared through Redis.

::

    from sentry_async.stores import RedisRateLimitStore

    async with RedisRateLimitStore("redis://127.0.0.1:6379/0") as store:
        async with SentryClient(token, rate_limit_store=store) as sentry:
            ...

Every worker that uses the same token and the same Redis then spends one budget per route
(Sentry limits a token's identity, not a process). ``RedisRateLimitStore`` needs the
``redis`` extra (``pip install "sentry-async[redis]"``); importing it does not.
"""

from __future__ import annotations

from ._fingerprint import token_fingerprint
from ._memory import MemoryRateLimitStore
from ._protocol import Admission, Lease, RateLimitStore, RateLimitStoreError
from ._redis import RedisRateLimitStore

__all__ = [
    "Admission",
    "Lease",
    "MemoryRateLimitStore",
    "RateLimitStore",
    "RateLimitStoreError",
    "RedisRateLimitStore",
    "token_fingerprint",
]
