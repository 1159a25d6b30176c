"""One request-rate limiter per shop, shared by every thread of the process.

A small token bucket (``per_second`` refill, ``burst`` capacity) with an injectable clock and sleep,
so tests are deterministic. pyrate-limiter 4.5 was the intended base; this module keeps its own
bucket because ``acquire()`` must return the seconds it waited (for stats) and tests need a fake
clock driving both time and sleep, which pyrate-limiter's bucket/clock split makes awkward.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

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
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit.per_second <= 0 or limit.burst < 1:
            raise ValueError("rate limit needs per_second > 0 and burst >= 1")
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(limit.burst)
        self._last = clock()

    def acquire(self) -> float:
        """Take one token, blocking until one is free. Returns the seconds waited."""
        with self._lock:
            now = self._clock()
            refill = (now - self._last) * self.limit.per_second
            self._tokens = min(float(self.limit.burst), self._tokens + refill)
            self._last = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.limit.per_second
        if wait > 0:
            self._sleep(wait)
        return wait


_limiters: dict[tuple[str, RateLimit], Limiter] = {}
_registry_lock = threading.Lock()


def shared_limiter(key: str, limit: RateLimit) -> Limiter:
    """The process-wide limiter for one shop (``key`` = scheme + host + path)."""
    with _registry_lock:
        lim = _limiters.get((key, limit))
        if lim is None:
            lim = _limiters[(key, limit)] = Limiter(limit)
        return lim
