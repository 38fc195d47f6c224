"""A rate-limit store shared by many processes through Redis (the ``redis`` extra).

Sentry limits a token's identity, not a process: N workers that pace themselves alone
overshoot N-fold. With this store they spend one budget. Per (token fingerprint, route)
Redis holds three keys, all under the hash tag ``{fingerprint}`` so that they live in one
cluster slot::

    <prefix>:{<fingerprint>}:<route template>:budget   hash: what the server said
    <prefix>:{<fingerprint>}:<route template>:leases   sorted set: in-flight slots
    <prefix>:{<fingerprint>}:<route template>:sent     sorted set: tickets of requests sent

Everything that reads and writes them is a Lua script (loaded once, run by SHA), so each
step is atomic however many processes race:

- ``acquire`` reaps expired leases, and then either takes a slot *and* one request of the
  current window, or neither, saying how long to wait. A route nobody has an answer for yet
  has a cap of one slot: one probe for the whole fleet. Every request let through (capped
  route or not) leaves its ticket, when it was let through, in ``sent``.
- ``release`` gives the slot back and settles the answer as
  :meth:`~sentry_async.ratelimit.RouteBudget.settle` does (a newer window: the server's
  count less what may still arrive; the same window: the lower count; an older one: a
  charge given back).
- ``block`` spends the budget for a Retry-After; ``renew`` extends the leases of requests
  still running.

Sentry counts a request in the window in which it *arrives*, so one sent shortly before a
reset, by any worker, may land in the next window. As in ``RouteBudget``, each window the
fleet enters (by the clock in ``acquire``, or learnt from an answer in ``release``) is first
charged with the tickets in ``sent`` less than
:data:`~sentry_async.ratelimit.ARRIVAL_ALLOWANCE` older than its start (unanswered, or
their answer lost); each charge is given back (``owed``) when an answer shows its request
was counted elsewhere.

Windows, tickets and lease expiries use Redis's clock (``TIME``), so that no worker's clock
decides when the fleet's window ends. Each answer's reset is moved from Sentry's clock onto
the worker's (by its ``Date`` headers, in whole seconds) and taken to be on Redis's: the
workers' clocks must agree with Redis's to well under a second (NTP). A worker whose clock
is seconds off names the fleet's windows by other resets than the rest, and the fleet may
overfill Sentry's windows. The library-side state lives in :class:`RedisRateLimitStore`;
see its docstring for leases, timeouts and the fallback.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Final, Literal

from ..ratelimit import (
    ARRIVAL_ALLOWANCE,
    DEFAULT_WINDOW,
    MAX_RESET_AHEAD,
    RESET_MARGIN,
    RateSnapshot,
)
from ._memory import MAX_ROUTES, MemoryRateLimitStore
from ._protocol import Admission, Lease, RateLimitStoreError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRateLimitStore"]

log = logging.getLogger("sentry_async.stores")

INSTALL_HINT = 'RedisRateLimitStore needs the redis package: pip install "sentry-async[redis]"'

# -- the scripts ----------------------------------------------------------------------------
# Numbers that are not integers are stored with string.format('%.6f'): Lua's tostring keeps
# only 14 significant digits, and Redis truncates numbers returned from a script to integers.

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# Sentry counts a request in the window in which it *arrives*, so one sent shortly before a
# reset may land in the next window. KEYS[3] holds the ticket (when acquire let it through,
# on Redis's clock) of every request the fleet sent that is unanswered or whose answer was
# lost. A window entered (by the clock in acquire, or learnt from an answer in release) is
# first charged with the tickets less than the arrival allowance older than its start;
# older ones are taken to be in Sentry's hands (or a dead worker's) and are dropped. 'owed'
# is how much of that charge may still be given back, 'from' the oldest ticket charged,
# 'adopted' the server's count in the answer the window was learnt from. The same rules as
# RouteBudget._charged, observe and settle.
_CHARGE = """
local function charge(budget, sent, count, since)
  redis.call('ZREMRANGEBYSCORE', sent, '-inf', '(' .. string.format('%.6f', since))
  local needed = redis.call('ZCARD', sent)
  local left = math.max(0, count - needed)
  -- 'unpaid': charges the window had no budget left for; given back, they free nothing.
  redis.call('HSET', budget, 'owed', count - left, 'unpaid', needed - (count - left),
    'from', string.format('%.6f', since))
  return left
end
"""

# KEYS: budget, leases, sent. ARGV: request id, lease ttl (s), reset margin (s), default
# window (s), arrival allowance (s). Returns {0, ticket} admitted, no slot needed (no cap);
# {1, ticket} admitted holding a lease; {2, s} every slot taken, the first lease expires in
# s; {3, s, owed} window spent, resets in s (owed: its charges that may still come back).
# Admitted either way, ARGV[1] is in KEYS[3], scored by its ticket (now, as the string
# handed back: release compares with it exactly).
_ACQUIRE: Final = (
    _NOW
    + _CHARGE
    + """
local s = redis.call('HMGET', KEYS[1], 'known', 'climit', 'limit', 'remaining', 'reset', 'window')
local cap = 1
if s[1] then cap = tonumber(s[2]) end
if cap then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= cap then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {2, string.format('%.6f', tonumber(first[2]) - now)}
  end
end
local window = tonumber(s[6]) or tonumber(ARGV[4])
local allowance = tonumber(ARGV[5])
local remaining, reset = tonumber(s[4]), tonumber(s[5])
if remaining and reset then
  local margin = tonumber(ARGV[3])
  if now >= reset + margin then
    local limit = tonumber(s[3])
    if limit then
      reset = reset + (math.floor((now - reset) / window) + 1) * window
      remaining = charge(KEYS[1], KEYS[3], limit, reset - window - allowance)
      redis.call('HSET', KEYS[1], 'reset', string.format('%.6f', reset), 'remaining', remaining)
      redis.call('HDEL', KEYS[1], 'adopted')  -- entered by the clock, not from an answer
    else
      -- Only a Retry-After block was known, and it is over.
      remaining = nil
      redis.call('HDEL', KEYS[1], 'reset', 'remaining', 'owed', 'unpaid', 'from')
    end
  end
  if remaining then
    if remaining <= 0 or now >= reset - margin then
      -- With charges that may come back (requests on their way at the reset), budget may
      -- free up before the reset: the third value says so.
      local owed = tonumber(redis.call('HGET', KEYS[1], 'owed')) or 0
      return {3, string.format('%.6f', reset + margin - now), owed}
    end
    redis.call('HINCRBY', KEYS[1], 'remaining', -1)
  end
end
-- Tickets too old to be charged to any window still to begin (one begins at most a window
-- before now): a dead worker's, a slow endpoint's.
local stale = '(' .. string.format('%.6f', now - window - allowance)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', stale)
local ttl = tonumber(ARGV[2])
local expiry = math.ceil((ttl + window + allowance) * 1000) + 1000
local ticket = string.format('%.6f', now)
redis.call('ZADD', KEYS[3], ticket, ARGV[1])
redis.call('PEXPIRE', KEYS[3], expiry)
if cap then
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.ceil(ttl * 1000) + 1000)
  return {1, ticket}
end
return {0, ticket}
"""
)

# KEYS: budget, leases, sent. ARGV: request id ('' for one not admitted through Redis),
# answered ('1'/'0'), state ttl (ms), headers ('1'/'0'), limit, remaining, reset, concurrent
# limit ('' where absent), default window (s), arrival allowance (s), longest window (s),
# the request's ticket as acquire returned it ('' for none).
_RELEASE: Final = (
    _CHARGE
    + """
local function give_back(budget, owed, unpaid, left)
  if unpaid > 0 then
    redis.call('HSET', budget, 'unpaid', unpaid - 1)
    return owed, unpaid - 1, left
  end
  redis.call('HSET', budget, 'owed', owed - 1, 'remaining', left + 1)
  return owed - 1, unpaid, left + 1
end
local ticket = ARGV[12] ~= '' and ARGV[12]
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[2], ARGV[1]) end
if ARGV[2] ~= '1' then
  return 0  -- no answer: the server may count it yet, so its ticket stays (and ages out)
end
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[3], ARGV[1]) end
redis.call('HSET', KEYS[1], 'known', '1')
if ARGV[4] == '1' then
  if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'climit', ARGV[8]) end
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'limit', ARGV[5]) end
  local remaining, reset = tonumber(ARGV[6]), tonumber(ARGV[7])
  if remaining and reset then
    local s = redis.call('HMGET', KEYS[1],
      'reset', 'remaining', 'window', 'owed', 'adopted', 'from', 'sreset', 'unpaid')
    local current, left = tonumber(s[1]), tonumber(s[2])
    local window = tonumber(s[3])
    -- The window paced by so far: a shorter one learnt from this answer does not move the
    -- resets already rolled over to.
    local paced = window or tonumber(ARGV[9])
    local last = tonumber(s[7])
    if not last or reset > last then
      -- Sentry's resets are window ends aligned to the epoch: the gap between two that
      -- answers named ('sreset') is a whole number of windows; one rolled over to, or a
      -- Retry-After's, is not. A gap longer than any real window says nothing.
      local gap = last and reset - last
      if gap and gap <= tonumber(ARGV[11]) and (not window or gap < window) then
        window = gap
        redis.call('HSET', KEYS[1], 'window', string.format('%.6f', gap))
      end
      redis.call('HSET', KEYS[1], 'sreset', string.format('%.6f', reset))
    end
    window = window or tonumber(ARGV[9])
    if not current or reset > current then
      -- The server's count is as of this answer's arrival: requests sent about then and not
      -- yet answered may arrive after it, in this window.
      left = charge(KEYS[1], KEYS[3], remaining, reset - window - tonumber(ARGV[10]))
      redis.call('HSET', KEYS[1], 'reset', string.format('%.6f', reset), 'remaining', left,
        'adopted', remaining)
    elseif left then
      local owed, unpaid = tonumber(s[4]) or 0, tonumber(s[8]) or 0
      local owes = ticket and (owed > 0 or unpaid > 0)
        and tonumber(ticket) >= (tonumber(s[6]) or math.huge)
      if reset < current then
        -- Counted in an earlier window: gives back its charge. Only a window a whole window
        -- length back is surely an earlier one (a learnt window may be too long).
        if owes and reset <= current - paced then
          give_back(KEYS[1], owed, unpaid, left)
        end
      elseif not ticket then
        -- Same window, a request we hold no ticket of: a lower count means another spender.
        if remaining < left then redis.call('HSET', KEYS[1], 'remaining', remaining) end
      else
        local adopted = tonumber(s[5])
        if owes and adopted and remaining > adopted then
          -- It arrived before the answer this window was learnt from: inside its count.
          owed, unpaid, left = give_back(KEYS[1], owed, unpaid, left)
        end
        -- The server's count as of this request's arrival, less what the fleet sent after it
        -- and may arrive later: lower than ours means someone else spends this bucket too.
        local bound = remaining - redis.call('ZCOUNT', KEYS[3], '(' .. ticket, '+inf')
        if bound < left then
          redis.call('HSET', KEYS[1], 'remaining', math.max(0, bound), 'owed', 0, 'unpaid', 0)
        end
      end
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
)

# KEYS: budget. ARGV: seconds, state ttl (ms). The window's charge is not given back while
# blocked: the server said to wait, whatever was counted where.
_BLOCK: Final = (
    _NOW
    + """
local block_until = now + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'known', '1', 'remaining', 0, 'owed', 0, 'unpaid', 0)
local current = tonumber(redis.call('HGET', KEYS[1], 'reset'))
if not current or block_until > current then
  redis.call('HSET', KEYS[1], 'reset', string.format('%.6f', block_until))
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)

# KEYS: leases. ARGV: lease ttl (s), then the ids of leases whose requests still run. A lease
# that has already expired stays gone (XX): its slot may have been handed out again.
_RENEW: Final = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000) + 1000)
return 1
"""
)

# KEYS: leases, sent. ARGV: the id of a request that was never sent (its acquire was
# cancelled or failed after the script may have run): neither a slot nor a charge.
_FORGET: Final = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""


class RedisLease(str):
    """A request admitted through Redis: its id (its member in ``leases`` and ``sent``),
    and ``ticket``, when it was let through on Redis's clock (as the scripts wrote it)."""

    ticket: str

    def __new__(cls, lease_id: str, ticket: str) -> RedisLease:
        lease = super().__new__(cls, lease_id)
        lease.ticket = ticket
        return lease

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (str(self), self.ticket)


def _arg(value: float | None) -> str:
    return "" if value is None else repr(value)


def _describe(url: str) -> str:
    """The URL without its password, for logs and errors."""
    try:
        from yarl import URL

        parsed = URL(url)
        if parsed.password is not None:
            parsed = parsed.with_password("***")
        return str(parsed)
    except (ValueError, TypeError):
        return "redis"


class RedisRateLimitStore:
    """Rate-limit state shared through Redis by every process that uses the same token.

    ``url_or_client`` is a Redis URL (``redis://host:6379/0``, ``rediss://``, ``unix://``)
    or a ``redis.asyncio.Redis`` client you own (then its own timeouts apply too, and
    :meth:`aclose` leaves it open). Keys start with ``prefix`` and hold only a fingerprint
    of the token and route templates, never the token.

    Concurrency slots are leases that expire ``lease_ttl`` seconds after they were taken or
    last renewed; while a request runs, this process renews its leases every
    ``lease_ttl / 3`` seconds, so a long request keeps its slot whatever its timeout, and a
    worker that dies (even by SIGKILL) gives its slots back within ``lease_ttl``. A request
    sent shortly before a window began and still unanswered is charged to that window, for
    every worker (see the module docstring).

    Every Redis call is bounded by ``op_timeout`` seconds. When one fails or times out,
    ``on_error`` decides:

    - ``"fallback"`` (the default): log a warning, pace this process alone with in-process
      state (as without Redis: the fleet may overshoot and retry a few 429s) for
      ``cooldown`` seconds, then try Redis again; a success logs that it is back;
    - ``"fail"``: the request raises :class:`~sentry_async.stores.RateLimitStoreError`
      before anything is sent.

    Waiting for a slot that another process holds is polled: at most every
    ``poll_interval`` seconds per route and process (a finished request of this process
    wakes the waiter at once). Route state not touched for ``state_ttl`` seconds expires.

    Use it from one event loop; close it with :meth:`aclose` (or ``async with``), which lets
    pending releases reach Redis.
    """

    def __init__(
        self,
        url_or_client: str | Redis,
        *,
        prefix: str = "sentry_async",
        lease_ttl: float = 30.0,
        on_error: Literal["fallback", "fail"] = "fallback",
        op_timeout: float = 0.5,
        cooldown: float = 5.0,
        poll_interval: float = 0.025,
        state_ttl: float = 3600.0,
    ) -> None:
        try:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
            from redis.exceptions import RedisError
        except ImportError:
            raise ImportError(INSTALL_HINT) from None
        if on_error not in ("fallback", "fail"):
            raise ValueError(f"on_error must be 'fallback' or 'fail', not {on_error!r}")
        for name, value in (
            ("lease_ttl", lease_ttl),
            ("op_timeout", op_timeout),
            ("cooldown", cooldown),
            ("poll_interval", poll_interval),
            ("state_ttl", state_ttl),
        ):
            if not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
        if not prefix or "{" in prefix or "}" in prefix:
            raise ValueError(f"prefix must be non-empty and without braces, not {prefix!r}")
        if isinstance(url_or_client, str):
            self._redis: Redis = aioredis.Redis.from_url(
                url_or_client,
                socket_timeout=op_timeout,
                socket_connect_timeout=op_timeout,
                # One quick retry on a fresh connection (Redis restarted), then our fallback.
                retry=Retry(NoBackoff(), 1),
            )
            self._owns_client = True
            self._where = _describe(url_or_client)
        else:
            self._redis = url_or_client
            self._owns_client = False
            self._where = "the given Redis client"
        self.prefix = prefix
        self.lease_ttl = float(lease_ttl)
        self.on_error = on_error
        self.op_timeout = float(op_timeout)
        self.cooldown = float(cooldown)
        self.poll_interval = float(poll_interval)
        self._state_ttl_ms = str(max(1, round(state_ttl * 1000)))
        self._errors: tuple[type[BaseException], ...] = (
            RedisError,
            OSError,
            asyncio.TimeoutError,
        )
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        self._block = self._redis.register_script(_BLOCK)
        self._renew = self._redis.register_script(_RENEW)
        self._forget_script = self._redis.register_script(_FORGET)
        self._acquire_tail = (
            _arg(self.lease_ttl),
            _arg(RESET_MARGIN),
            _arg(DEFAULT_WINDOW),
            _arg(ARRIVAL_ALLOWANCE),
        )
        self._release_tail = (
            _arg(DEFAULT_WINDOW),
            _arg(ARRIVAL_ALLOWANCE),
            _arg(MAX_RESET_AHEAD),
        )
        # In-process state: the fallback, kept warm with every answer while Redis is up.
        self._local = MemoryRateLimitStore()
        self._down = False
        self._down_until = 0.0  # time.monotonic() until which Redis is not asked
        self._keys: dict[tuple[str, str], tuple[str, str, str]] = {}
        # A route's keys -> ids of the requests this process has in flight through Redis.
        self._held: dict[str, set[str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._renewer: asyncio.Task[None] | None = None
        self._nonce = secrets.token_hex(4)
        self._ids = itertools.count()

    def __repr__(self) -> str:
        return (
            f"<RedisRateLimitStore {self._where} prefix={self.prefix!r} on_error={self.on_error!r}>"
        )

    @property
    def redis_down(self) -> bool:
        """True while falling back to in-process state after a Redis failure."""
        return self._down

    def keys(self, scope: str, route: str) -> tuple[str, str, str]:
        """The Redis keys of one route: (budget hash, leases and sent sorted sets)."""
        pair = (scope, route)
        keys = self._keys.get(pair)
        if keys is None:
            base = f"{self.prefix}:{{{scope}}}:{route}"
            if len(self._keys) >= MAX_ROUTES:
                self._keys.clear()  # a cache, bounded like the memory store: rebuilt on use
            keys = self._keys[pair] = (f"{base}:budget", f"{base}:leases", f"{base}:sent")
        return keys

    # -- the store protocol ------------------------------------------------------------

    async def acquire(self, scope: str, route: str, now: float) -> Admission:
        if self._down and time.monotonic() < self._down_until:
            return self._local.try_acquire(scope, route, now)
        keys = self.keys(scope, route)
        # pid in the id: a forked copy of this object never reuses its parent's ids.
        lease_id = f"{os.getpid()}.{self._nonce}.{next(self._ids)}"
        try:
            reply = await asyncio.wait_for(
                self._acquire(keys=keys, args=(lease_id, *self._acquire_tail)),
                self.op_timeout,
            )
        except asyncio.CancelledError:
            self._forget(keys, lease_id)  # the script may have run: don't leak its slot
            raise
        except self._errors as exc:
            self._forget(keys, lease_id)
            self._failed(exc, "acquire", background=False)
            return self._local.try_acquire(scope, route, now)
        if self._down:
            self._recovered()
        code = int(reply[0])
        if code <= 1:
            # With a slot (1) or without (0, no cap): the id names the request's ticket too,
            # which its release settles. Only a slot is renewed while the request runs.
            if code == 1:
                held = self._held.get(keys[1])
                if held is None:
                    held = self._held[keys[1]] = set()
                held.add(lease_id)
                self._ensure_renewer()
            ticket = reply[1]
            return Admission(
                True, RedisLease(lease_id, ticket.decode() if isinstance(ticket, bytes) else ticket)
            )
        wait = max(0.001, float(reply[1]))
        if code == 2:
            return Admission(False, None, min(wait, self.poll_interval), "slot")
        if len(reply) > 2 and int(reply[2]) > 0:
            # Charges of this window may come back with answers still on their way: ask
            # again soon rather than sleep to the reset (a budget given back goes unused).
            return Admission(False, None, min(wait, self.poll_interval), "window")
        return Admission(False, None, wait, "window")

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
        redis_lease = lease if isinstance(lease, str) else None
        if redis_lease is None:  # taken from the fallback (or by someone else's code)
            self._local.release(scope, route, lease, snapshot, answered=answered, now=now)
        elif answered:  # keep the fallback warm
            self._local.route_state(scope, route).budget.observe(snapshot, now)
        keys = self.keys(scope, route)
        if redis_lease is not None:
            held = self._held.get(keys[1])
            if held is not None:
                held.discard(redis_lease)
        if (redis_lease is None and not answered) or self._resting():
            # Nothing to say, or Redis is resting: the lease expires by itself (within
            # lease_ttl), the ticket ages out.
            return
        if answered and snapshot is not None:
            headers = (
                "1",
                _arg(snapshot.limit),
                _arg(snapshot.remaining),
                _arg(snapshot.reset),
                _arg(snapshot.concurrent_limit),
            )
        else:
            headers = ("0", "", "", "", "")
        args = (
            redis_lease or "",
            "1" if answered else "0",
            self._state_ttl_ms,
            *headers,
            *self._release_tail,
            redis_lease.ticket if isinstance(redis_lease, RedisLease) else "",
        )
        self._spawn(self._release(keys=keys, args=args), "release")

    def block(self, scope: str, route: str, seconds: float, now: float) -> None:
        self._local.block(scope, route, seconds, now)
        if not self._resting():
            keys = self.keys(scope, route)
            args = (_arg(float(seconds)), self._state_ttl_ms)
            self._spawn(self._block(keys=keys[:1], args=args), "block")

    # -- life cycle --------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait until the releases and blocks sent so far have reached Redis (or failed)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        """Let pending releases reach Redis, stop renewing, close the client if it is ours."""
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        await self.drain()  # each is bounded by op_timeout
        if self._owns_client:
            await self._redis.aclose()

    async def __aenter__(self) -> RedisRateLimitStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- internals ---------------------------------------------------------------------

    def _resting(self) -> bool:
        return self._down and time.monotonic() < self._down_until

    def _failed(self, exc: BaseException, what: str, *, background: bool) -> None:
        cause = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        if self.on_error == "fail":
            if background:
                log.warning(
                    "Redis rate-limit store at %s: %s failed (%s); slots it held come back "
                    "when their leases expire (lease_ttl=%ss)",
                    self._where,
                    what,
                    cause,
                    self.lease_ttl,
                )
                return
            raise RateLimitStoreError(
                f"the shared rate-limit store (Redis at {self._where}) failed to {what} "
                f"within {self.op_timeout}s: {cause}. With on_error='fail' no request is "
                "sent without it; check that Redis is up, or use on_error='fallback' to pace "
                "each process alone while it is down"
            ) from exc
        self._down_until = time.monotonic() + self.cooldown
        if not self._down:
            self._down = True
            log.warning(
                "Redis rate-limit store at %s unavailable (%s during %s); pacing this "
                "process alone, trying Redis again every %ss",
                self._where,
                cause,
                what,
                self.cooldown,
            )

    def _recovered(self) -> None:
        self._down = False
        log.warning("Redis rate-limit store at %s is back; sharing the budget again", self._where)

    def _spawn(self, op: Awaitable[Any], what: str) -> None:
        task = asyncio.get_running_loop().create_task(self._background(op, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _background(self, op: Awaitable[Any], what: str) -> None:
        try:
            await asyncio.wait_for(op, self.op_timeout)
        except self._errors as exc:
            self._failed(exc, what, background=True)
        else:
            if self._down:
                self._recovered()

    def _forget(self, keys: tuple[str, str, str], lease_id: str) -> None:
        """Remove a lease that may or may not have been granted (its caller gave up)."""
        self._spawn(self._forget_script(keys=keys[1:], args=(lease_id,)), "forget a lease")

    def _ensure_renewer(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew_leases())

    async def _renew_leases(self) -> None:
        interval = self.lease_ttl / 3
        ttl = _arg(self.lease_ttl)
        while True:
            await asyncio.sleep(interval)
            for key in [key for key, ids in self._held.items() if not ids]:
                del self._held[key]
            if not self._held:
                return  # restarted by the next lease taken
            for key, ids in list(self._held.items()):
                await self._renew_one(key, ttl, list(ids))

    async def _renew_one(self, key: str, ttl: str, ids: Iterable[str]) -> None:
        try:
            await asyncio.wait_for(self._renew(keys=(key,), args=(ttl, *ids)), self.op_timeout)
        except self._errors as exc:
            log.debug("could not renew leases on %s: %s", key, type(exc).__name__)
