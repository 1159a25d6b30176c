"""One request-rate limiter per shop, shared by every thread of the process.

A small token bucket (``per_second`` refill, ``burst`` capacity) with an injectable clock and sleep,
so tests are deterministic.

One bucket per shop (scheme + host + path), whichever channel asks: the catalog client and the
admin client of one shop draw from the same budget. When a client asks for a different rate than
the shop's bucket has, the stricter wins: the bucket takes the lower ``per_second`` and the lower
``burst`` of the two, so no client of the shop ever goes faster than it was told. The registry
holds the buckets weakly: once no client uses a shop's bucket, the next client starts a fresh one
at its own rate. It is its own small bucket rather than a rate-limiting library's: ``acquire()``
must return the seconds it waited (for stats), and tests need one fake clock driving both time and
sleep.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from oc_connector.errors import ConfigurationError

__all__ = ["Limiter", "RateLimit", "shared_limiter"]


@dataclass(frozen=True)
class RateLimit:
    """Requests per second with a burst allowance."""

    per_second: float = 10.0
    burst: int = 10


class Limiter:
    """Thread-safe token bucket.

    Args:
        limit: the rate.
        clock: monotonic seconds.
        sleep: how to wait.

    Raises:
        ConfigurationError: ``per_second`` is not positive or ``burst`` is below 1.
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit.per_second <= 0 or limit.burst < 1:
            raise ConfigurationError(
                "rate limit: per_second must be > 0 and burst >= 1 "
                f"(got per_second={limit.per_second}, burst={limit.burst})"
            )
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(limit.burst)
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        refill = (now - self._last) * self.limit.per_second
        self._tokens = min(float(self.limit.burst), self._tokens + refill)
        self._last = now

    def tighten(self, limit: RateLimit) -> None:
        """Adopt the stricter of the current limit and ``limit`` (lower rate, lower burst)."""
        with self._lock:
            stricter = RateLimit(
                per_second=min(self.limit.per_second, limit.per_second),
                burst=min(self.limit.burst, limit.burst),
            )
            if stricter != self.limit:
                self._refill()  # tokens earned so far at the old rate, then capped at the new burst
                self.limit = stricter
                self._tokens = min(self._tokens, float(stricter.burst))

    def acquire(self) -> float:
        """Take one token, blocking until one is free. Returns the seconds waited."""
        with self._lock:
            self._refill()
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.limit.per_second
        if wait > 0:
            self._sleep(wait)
        return wait


_limiters: weakref.WeakValueDictionary[str, Limiter] = weakref.WeakValueDictionary()
_registry_lock = threading.Lock()


def shared_limiter(key: str, limit: RateLimit) -> Limiter:
    """The process-wide limiter for one shop (``key`` = scheme + host + path), whatever the channel.

    A second caller asking for another rate makes the shop's limiter the stricter of both.
    """
    if limit.per_second <= 0 or limit.burst < 1:
        raise ValueError("rate limit needs per_second > 0 and burst >= 1")
    with _registry_lock:
        lim = _limiters.get(key)
        if lim is None:
            lim = Limiter(limit)
            _limiters[key] = lim
        else:
            lim.tighten(limit)
        return lim
