"""Rate-limit policy: Sentry's headers parsed, and one route's budget as plain state.

Pure: no event loop, no HTTP. The caller passes ``now`` (epoch seconds, as Sentry's
``X-Sentry-Rate-Limit-Reset`` is) and does any waiting itself.

Sentry counts requests in fixed windows aligned to the epoch (``reset`` is when the current
one ends) and may also cap requests in flight. A :class:`RouteBudget` spends the remaining
count locally, so concurrent tasks don't all fire into an exhausted window, and takes the
server's word whenever an answer brings fresher numbers.
"""

from __future__ import annotations

import bisect
import email.utils
import math
import re
from collections.abc import Mapping
from datetime import timezone

import attrs

__all__ = [
    "ClockSkew",
    "RateSnapshot",
    "RouteBudget",
    "bounded",
    "parse_http_date",
    "parse_rate_headers",
]

LIMIT = "X-Sentry-Rate-Limit-Limit"
REMAINING = "X-Sentry-Rate-Limit-Remaining"
RESET = "X-Sentry-Rate-Limit-Reset"
CONCURRENT_LIMIT = "X-Sentry-Rate-Limit-ConcurrentLimit"
CONCURRENT_REMAINING = "X-Sentry-Rate-Limit-ConcurrentRemaining"

# Sentry's default window, used until two answers show a different one.
DEFAULT_WINDOW = 1.0
# Wait this long past a window's reset before spending the next one, so a clock that runs
# slightly ahead of Sentry's does not land requests in the old window; and stop spending a
# window this long before its reset, so that few requests sent at the very end are counted
# in the next window (those that are, are charged to it: see RouteBudget).
RESET_MARGIN = 0.02
# How long after it was sent a request may still arrive at Sentry and be counted there: an
# event loop held up by other work, a proxy's queue, a slow network. A request unanswered
# for longer is taken to be in Sentry's hands (a slow endpoint), not on its way, and is not
# charged to windows that begin later: charging every long-running request to every new
# window would halve a slow endpoint's throughput.
ARRIVAL_ALLOWANCE = 0.5
# Header numbers are clamped before anything stores them (a Redis script, a float): counts
# to int32, resets to a few centuries of epoch seconds. A longer digit string is not parsed
# at all, so a 400-digit value costs nothing and can never overflow.
MAX_COUNT = 2**31 - 1
MAX_EPOCH = 10**10
_DIGITS = re.compile(r"[0-9]{1,32}")
# The furthest ahead of (server) now a window reset is believed: Sentry's longest windows
# are an hour. A later reset (the year 3000) is read as "in an hour", so one hostile or
# broken answer cannot freeze a route for longer than that.
MAX_RESET_AHEAD = 3600.0
# A server clock further than this from ours is not believed (a garbage or stale Date
# header; a cache's): Sentry's clocks are NTP-synced, so a real offset is a clock of ours
# that is wrong by seconds, not hours. It bounds what skew alone can add to a wait.
MAX_SKEW = 300.0


@attrs.frozen(slots=True)
class RateSnapshot:
    """What one answer's ``X-Sentry-Rate-Limit-*`` headers said (None where absent/garbage)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    concurrent_limit: int | None = None
    concurrent_remaining: int | None = None


# Header texts already read as numbers: limits and resets repeat on every answer, counts
# stay within the limit. Bounded; refilling costs one parse per value.
_NUMBERS: dict[str, int] = {}
_NUMBERS_MAX = 4096


def _int(value: str | None, cap: int = MAX_COUNT) -> int | None:
    """A non-negative decimal header value clamped to ``cap``; None when absent or garbage.

    Only ASCII digits count: ``int()`` would also take "1_000", "+5" or Arabic-Indic digits.
    """
    if value is None:
        return None
    number = _NUMBERS.get(value)
    if number is not None:
        return number if number <= cap else cap
    if value.isdigit() and value.isascii() and len(value) <= 32:
        number = int(value)  # the usual case, without strip() and a regex
        if len(_NUMBERS) >= _NUMBERS_MAX:
            _NUMBERS.clear()
        _NUMBERS[value] = number
        return number if number <= cap else cap
    value = value.strip()
    if len(value) > 32:  # "None", a sign or anything else odd; long digit runs are huge
        return cap if value.isascii() and value.isdigit() else None
    if not _DIGITS.fullmatch(value):  # "None" from older Sentry builds, a sign, a dot
        return None
    return min(int(value), cap)


def parse_rate_headers(headers: Mapping[str, str]) -> RateSnapshot | None:
    """Parse the rate-limit headers; None when there are none (self-hosted Sentry).

    ``headers`` must look names up case-insensitively (aiohttp's and multidict's do).
    """
    get = headers.get
    limit, concurrent_limit = get(LIMIT), get(CONCURRENT_LIMIT)
    if limit is None and concurrent_limit is None:
        return None
    reset = _int(get(RESET), MAX_EPOCH)
    # A limit of 0 can never be met; read it as garbage, not as "wait forever".
    return RateSnapshot(
        limit=_int(limit) or None,
        remaining=_int(get(REMAINING)),
        reset=float(reset) if reset is not None else None,
        concurrent_limit=_int(concurrent_limit) or None,
        concurrent_remaining=_int(get(CONCURRENT_REMAINING)),
    )


def bounded(snapshot: RateSnapshot | None, now: float) -> RateSnapshot | None:
    """``snapshot`` with its reset no further than :data:`MAX_RESET_AHEAD` past ``now``."""
    if snapshot is None or snapshot.reset is None or snapshot.reset <= now + MAX_RESET_AHEAD:
        return snapshot
    return attrs.evolve(snapshot, reset=float(math.ceil(now + MAX_RESET_AHEAD)))


def parse_http_date(value: str | None) -> float | None:
    """Epoch seconds of an HTTP date (``Date``, ``Retry-After``); None if absent or garbage."""
    if not value or len(value) > 64:  # an HTTP date is 29 characters
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
        if when.tzinfo is None:  # "-0000": HTTP dates are always GMT
            when = when.replace(tzinfo=timezone.utc)
        return when.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class ClockSkew:
    """How far the server's clock is ahead of ours, learnt from answers' ``Date`` headers.

    ``Date`` has one-second resolution and was stamped somewhere between sending and
    receiving, so each answer bounds the offset to ``[date - received, date + 1 - sent]``.
    The estimate is the greatest lower bound seen: it errs towards the server being behind,
    which only makes a wait a little longer, never early into a window not yet open (a
    429). It closes in on the true offset as answers arrive at different sub-second phases.
    The first answer sets the estimate; later, one stale ``Date`` (a cache's, a proxy's)
    contradicting it changes nothing, while two agreeing ones (our clock jumped) restart
    it. A Date further than :data:`MAX_SKEW` from our clock,
    missing or unparseable changes nothing.
    """

    __slots__ = ("_date", "_high", "_low", "_pending", "_stamped")

    def __init__(self) -> None:
        self._low: float | None = None
        self._high: float | None = None
        self._pending: tuple[float, float] | None = None
        # The last Date read: answers within one second repeat it, and parsing one costs
        # more than the rest of reading an answer's headers.
        self._date: str | None = None
        self._stamped: float | None = None

    @property
    def offset(self) -> float:
        """Seconds to add to local epoch time to get the server's (0.0 until known)."""
        return 0.0 if self._low is None else self._low

    @property
    def whole_seconds(self) -> int:
        """The offset rounded to whole seconds, from the middle of what is known (0 until
        known): for a shared store, whose resets must stay whole seconds so that answers of
        one window (from any worker) name the same reset."""
        if self._low is None or self._high is None:
            return 0
        return round((self._low + self._high) / 2)

    def observe(self, date: str | None, sent: float, received: float) -> None:
        """Learn from one answer's ``Date`` header; ``sent``/``received`` are local epochs."""
        if date == self._date:
            stamped = self._stamped
        else:
            stamped = parse_http_date(date)
            self._date, self._stamped = date, stamped
        if stamped is None or not received >= sent:
            return
        low, high = stamped - received, stamped + 1.0 - sent
        if not (low >= -MAX_SKEW and high <= MAX_SKEW):
            return
        if self._low is None or self._high is None:
            self._low, self._high = low, high  # the first answer: bounded by MAX_SKEW
            return
        if not (low > self._high or high < self._low):
            self._low, self._high = max(self._low, low), min(self._high, high)
            self._pending = None
            return
        pending = self._pending
        if pending is not None and not (low > pending[1] or high < pending[0]):
            self._low, self._high = max(pending[0], low), min(pending[1], high)
            self._pending = None
        else:
            self._pending = (low, high)


@attrs.define(slots=True)
class RouteBudget:
    """The request budget of one route template, as far as this process knows it.

    ``known`` turns True with the route's first answer. Until then only one request is let
    through (a probe), so a wide fan-out does not burst past a concurrency limit it has not
    yet been told about.

    Sentry counts a request in the window in which it *arrives*, which this process cannot
    see: one sent shortly before a window's reset (or held up on its way) may be counted in
    the next. So every window this process moves into is first charged with the requests
    sent less than :data:`ARRIVAL_ALLOWANCE` before it began (and, for a window learnt from
    an answer, any sent since) that are unanswered or whose answer was lost (``recent``),
    and each charge is given back (``owed``) once an answer shows that request was counted
    elsewhere: in an earlier window, or, when the window was learnt from an answer, before
    that answer. Spending the new window in full while such requests landed in it is what
    got a fan-out a few 429s on a loaded machine.

    A request let through by :meth:`reserve` is identified by the ``now`` it was let
    through at (its ticket), to be handed back to :meth:`settle`.
    """

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    window: float | None = None
    concurrent_limit: int | None = None
    in_flight: int = 0
    known: bool = False
    #: Tickets of requests that may yet arrive: unanswered, or settled without an answer.
    #: Ascending; pruned once too old to be counted in a window not yet begun.
    recent: list[float] = attrs.field(factory=list)
    #: How many of the charges made to the current window may still be given back.
    owed: int = 0
    #: Requests the current window should have been charged with beyond what it had left:
    #: shown to be counted elsewhere, they free nothing.
    unpaid: int = 0
    #: Requests let through at or after this were charged to the current window.
    charged_from: float = math.inf
    #: The server's remaining count in the answer the current window was learnt from
    #: (None when this process rolled over into it by the clock).
    adopted_from: int | None = None
    #: The latest reset an answer named. The window length is learnt from the gaps between
    #: these alone: ``reset_at`` may be one this process rolled over to, or a Retry-After's.
    server_reset: float | None = None

    # -- the request-rate window -------------------------------------------------------

    def reserve(self, now: float) -> float:
        """Take one request from the window: 0.0 if it may go now, else seconds to wait.

        A window is spent only while ``now`` is more than ``RESET_MARGIN`` from its reset.
        After waiting, call again: another task may have taken the freed budget first. A
        request let through must be settled with :meth:`settle`, ticket ``now``.
        """
        if self.remaining is not None and self.reset_at is not None:
            if now >= self.reset_at + RESET_MARGIN:
                self._roll_over(now)
            if self.remaining is not None:
                if self.remaining <= 0 or now >= self.reset_at - RESET_MARGIN:
                    return self.reset_at + RESET_MARGIN - now
                self.remaining -= 1
        recent = self.recent
        if not recent or now >= recent[-1]:
            recent.append(now)
        else:  # the clock estimate moved back
            bisect.insort(recent, now)
        return 0.0

    def _window_length(self) -> float:
        return self.window or DEFAULT_WINDOW

    def _roll_over(self, now: float) -> None:
        assert self.reset_at is not None
        if self.limit is None:  # only a Retry-After block was known: it is over
            self.reset_at = self.remaining = None
            self._drop_charges()
            return
        window = self._window_length()
        passed = math.floor((now - self.reset_at) / window) + 1
        self.reset_at += passed * window
        self.remaining = self._charged(self.limit)
        self.adopted_from = None

    def _charged(self, count: int) -> int:
        """``count`` less the requests that may yet arrive in the window just entered."""
        assert self.reset_at is not None
        since = self._prune(self.reset_at - self._window_length())
        candidates = len(self.recent)
        remaining = max(0, count - candidates)
        self.owed = count - remaining
        self.unpaid = candidates - self.owed
        self.charged_from = since
        return remaining

    def _prune(self, start: float) -> float:
        """Drop tickets too old to arrive in a window beginning at ``start`` or later;
        return the oldest ticket kept possible."""
        since = start - ARRIVAL_ALLOWANCE
        del self.recent[: bisect.bisect_left(self.recent, since)]
        return since

    def _drop_charges(self) -> None:
        """Nothing charged to the current window may be given back any more."""
        self.owed = self.unpaid = 0
        self.charged_from = math.inf

    def settle(
        self, snapshot: RateSnapshot | None, now: float, *, answered: bool, ticket: float | None
    ) -> None:
        """A request let through by :meth:`reserve` at ``ticket`` ended; merge its answer.

        Not ``answered`` (no answer accepted): the server may count it yet, so it stays in
        ``recent`` until it is too old to arrive. ``ticket`` None: a request this budget did
        not let through (its answer is merged, nothing else).
        """
        if ticket is None:
            if answered:
                self.observe(snapshot, now)
            return
        if not answered:
            # Older tickets cannot be charged to any window still to begin (one begins at
            # most a window before now, and this ticket is not later than now).
            self._prune(ticket - self._window_length())
            return
        recent = self.recent
        index = bisect.bisect_left(recent, ticket)
        if index < len(recent) and recent[index] == ticket:
            del recent[index]
        self.observe(snapshot, now, ticket=ticket)

    def observe(
        self, snapshot: RateSnapshot | None, now: float, *, ticket: float | None = None
    ) -> None:
        """Merge an answer's headers into the budget (None: the route is not limited).

        ``ticket``: when the answered request was let through (see :meth:`settle`); None
        for an answer to a request this budget did not let through.
        """
        self.known = True
        if snapshot is None:
            return
        if snapshot.concurrent_limit is not None:
            self.concurrent_limit = snapshot.concurrent_limit
        if snapshot.limit is not None:
            self.limit = snapshot.limit
        reset, remaining = snapshot.reset, snapshot.remaining
        if reset is None or remaining is None:
            return
        # The window this budget has been pacing by: a shorter one learnt from this answer
        # does not move the resets already rolled over to.
        window = self._window_length()
        last = self.server_reset
        if last is None or reset > last:
            # Sentry's resets are window ends aligned to the epoch: the gap between two is a
            # whole number of windows. One longer than any real window (a reset of 0, then
            # of next year) says nothing; believing it would push the next reset away.
            if last is not None and reset - last <= MAX_RESET_AHEAD:
                gap = reset - last
                self.window = gap if self.window is None else min(self.window, gap)
            self.server_reset = reset
        current = self.reset_at
        if current is None or reset > current:
            self.reset_at = reset
            # The server's count is as of this answer's arrival: requests sent about then
            # and not yet answered may arrive after it, in this window.
            self.remaining = self._charged(remaining)
            self.adopted_from = remaining
            return
        if self.remaining is None:
            return
        if reset < current:
            # Counted in an earlier window: says nothing of this one's count, but gives back
            # its charge. Only a window a whole window length back is surely an earlier
            # one: a learnt window that is too long makes the current one look older.
            if reset <= current - window and self._owes(ticket):
                self._give_back()
            return
        if ticket is None:
            # Same window: our count already includes requests the server has not seen
            # yet; a lower server count means someone else shares the bucket.
            self.remaining = min(self.remaining, remaining)
            return
        if self._owes(ticket) and self.adopted_from is not None and remaining > self.adopted_from:
            # It arrived before the answer this window was learnt from: inside its count.
            self._give_back()
        # The server's count as of this request's arrival, less what this process sent after
        # it and may arrive later: lower than ours means someone else spends this bucket too.
        # Requests sent before it are taken to have arrived before it (one that was
        # overtaken on the way, while another spender fills the window, is not covered).
        recent = self.recent
        bound = remaining - (len(recent) - bisect.bisect_right(recent, ticket))
        if bound < self.remaining:
            self.remaining = max(0, bound)
            self.owed = self.unpaid = 0  # the server's count stands in for the charges now

    def _owes(self, ticket: float | None) -> bool:
        """Whether the request let through at ``ticket`` was charged to the current window."""
        return (
            ticket is not None
            and (self.owed > 0 or self.unpaid > 0)
            and ticket >= self.charged_from
        )

    def _give_back(self) -> None:
        """A request charged to the current window was counted elsewhere."""
        if self.unpaid > 0:  # a charge the window could not pay frees nothing
            self.unpaid -= 1
        else:
            self.owed -= 1
            assert self.remaining is not None
            self.remaining += 1

    def block_until(self, until: float) -> None:
        """Spend the budget until ``until`` (a 429 with Retry-After but no window headers)."""
        self.known = True
        if self.reset_at is None or until > self.reset_at:
            self.reset_at = until
        self.remaining = 0
        self._drop_charges()

    # -- the in-flight cap -------------------------------------------------------------

    def capacity(self) -> int | None:
        """How many requests may be in flight on this route (None: no cap)."""
        if not self.known:
            return 1
        return self.concurrent_limit

    def can_start(self) -> bool:
        cap = self.capacity()
        return cap is None or self.in_flight < cap
