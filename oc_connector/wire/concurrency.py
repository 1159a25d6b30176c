"""Adaptive concurrency: as many requests in flight as the shop serves without queueing.

A fixed worker count does not know where a shop's knee is: past it, throughput stays flat while
every request waits longer in the shop's PHP queue. :class:`AdaptiveConcurrency` finds the knee
and follows it, with the control law of Netflix's *concurrency-limits* family:

- **additive increase**: after each window of ``window`` answers (at least one per slot, so one
  decision per round trip at most, and at least ``min_window_s``),
  if the window's median latency stays within ``tolerance`` x the no-load latency and the limit was
  actually used, the limit grows by one;
- **multiplicative decrease on a latency gradient**: if the median rose above that, the limit is
  multiplied by ``tolerance x baseline / median`` (never below ``backoff``), as in the Gradient
  limit: a shop that became 3x slower halves the concurrency in one window;
- **multiplicative decrease on overload**: a 5xx, a timeout or a reset, or an HTTP 429, multiplies
  the limit by ``backoff`` (0.5) at once, at most once per ``min_window_s`` (one burst is one
  signal).

The no-load latency (``baseline``) is the lowest window median of the last ``baseline_windows``
windows: the sawtooth's low points keep it at the shop's real no-load latency, and a shop that is
permanently slower is learnt again after that many windows instead of pinning the limit at its
minimum. The limit stays within ``[min_limit, max_limit]``: an explicit
``--workers`` is the cap. Every change is logged at info level with its reason and kept in
:attr:`AdaptiveConcurrency.changes` for the run's metadata. The clock is injectable, so the law is
tested deterministically.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from oc_connector.errors import ConfigurationError

__all__ = ["DEFAULT_MAX_CONCURRENCY", "AdaptiveConcurrency", "ConcurrencyPolicy", "LimitChange", "Outcome",
           "adaptive_limit"]

#: the cap of an adaptive limit when the caller gave no worker count
DEFAULT_MAX_CONCURRENCY = 16

log = logging.getLogger(__name__)

Outcome = Literal["ok", "overload", "throttled"]
"""How an answer counts: ``ok`` (any answer, errors of the API included), ``overload`` (5xx,
timeout, reset), ``throttled`` (HTTP 429)."""


@dataclass(frozen=True)
class ConcurrencyPolicy:
    """The control law's settings (see the module docstring).

    Attributes:
        initial: the limit to start with.
        min_limit: the limit never goes below this.
        max_limit: the cap (an explicit worker count).
        tolerance: latency ratio to the no-load latency that still counts as "not queueing".
        backoff: factor applied on overload, and the smallest factor of a latency decrease.
        window: answers per decision.
        min_window_s: a decision waits at least this long, and overload halves at most this often.
        baseline_windows: how many recent windows the no-load latency is the minimum of.
    """

    initial: int = 2
    min_limit: int = 1
    max_limit: int = 16
    tolerance: float = 1.5
    backoff: float = 0.5
    window: int = 16
    min_window_s: float = 0.5
    baseline_windows: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.min_limit <= self.initial <= self.max_limit:
            raise ConfigurationError("concurrency policy needs 1 <= min_limit <= initial <= max_limit")
        counts = min(self.window, self.baseline_windows)
        if self.tolerance < 1.0 or not 0.0 < self.backoff < 1.0 or counts < 1:
            raise ConfigurationError(
                "concurrency policy needs tolerance >= 1, 0 < backoff < 1, window and baseline_windows >= 1"
            )


@dataclass(frozen=True)
class LimitChange:
    """One change of the limit: when (clock seconds), from, to, and why."""

    at: float
    old: int
    new: int
    reason: str


@dataclass
class _Window:
    started: float
    latencies: list[float] = field(default_factory=list)
    peak_inflight: int = 0


class AdaptiveConcurrency:
    """A concurrency limit shared by every thread that calls one shop.

    Use :meth:`slot` around each request; it blocks while ``limit`` requests are in flight.

    Args:
        policy: the control law's settings.
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(
        self, policy: ConcurrencyPolicy | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or ConcurrencyPolicy()
        self._clock = clock
        self._cond = threading.Condition()
        self._limit = self.policy.initial
        self._inflight = 0
        self._medians: deque[float] = deque(maxlen=self.policy.baseline_windows)
        self._window = _Window(started=clock())
        self._last_overload = float("-inf")
        self.changes: list[LimitChange] = []

    @property
    def limit(self) -> int:
        """The current limit."""
        return self._limit

    @property
    def baseline_s(self) -> float | None:
        """The no-load latency learnt so far, in seconds (None before the first window)."""
        return min(self._medians) if self._medians else None

    def acquire(self) -> None:
        """Wait for a free slot and take it."""
        with self._cond:
            while self._inflight >= self._limit:
                self._cond.wait()
            self._inflight += 1
            self._window.peak_inflight = max(self._window.peak_inflight, self._inflight)

    def release(self, *, latency_s: float, outcome: Outcome = "ok") -> None:
        """Give the slot back with what the request saw, and apply the control law."""
        with self._cond:
            self._inflight -= 1
            now = self._clock()
            if outcome != "ok":
                self._on_overload(now, outcome)
            else:
                self._window.latencies.append(latency_s)
                if len(self._window.latencies) >= max(self.policy.window, self._limit) and (
                    now - self._window.started >= self.policy.min_window_s
                ):
                    self._decide(now)
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[Callable[[Outcome], None]]:
        """Hold a slot for one request; call the yielded function to say how it ended (default ``ok``)."""
        outcome: list[Outcome] = ["ok"]
        self.acquire()
        started = self._clock()
        try:
            yield lambda o: outcome.__setitem__(0, o)
        finally:
            self.release(latency_s=self._clock() - started, outcome=outcome[0])

    def _set(self, now: float, new: int, reason: str) -> None:
        new = max(self.policy.min_limit, min(self.policy.max_limit, new))
        if new == self._limit:
            return
        change = LimitChange(at=now, old=self._limit, new=new, reason=reason)
        self.changes.append(change)
        log.info("concurrency %d -> %d: %s", change.old, change.new, reason)
        self._limit = new

    def _on_overload(self, now: float, outcome: Outcome) -> None:
        if now - self._last_overload < self.policy.min_window_s:
            return  # the same burst
        self._last_overload = now
        what = "HTTP 429 from the shop" if outcome == "throttled" else "5xx / timeout / reset from the shop"
        self._set(now, int(self._limit * self.policy.backoff), what)
        self._window = _Window(started=now)

    def _decide(self, now: float) -> None:
        p, window = self.policy, self._window
        self._window = _Window(started=now)
        median = statistics.median(window.latencies)
        self._medians.append(median)
        baseline = min(self._medians)
        bound = p.tolerance * baseline
        if median > bound:
            factor = max(p.backoff, bound / median)
            self._set(
                now,
                int(self._limit * factor),
                f"latency rose: median {median * 1000:.0f} ms > {p.tolerance:g} x no-load "
                f"{baseline * 1000:.0f} ms",
            )
        elif window.peak_inflight >= self._limit:
            self._set(
                now,
                self._limit + 1,
                f"latency flat: median {median * 1000:.0f} ms <= {p.tolerance:g} x no-load "
                f"{baseline * 1000:.0f} ms",
            )


def adaptive_limit(
    workers: int | None = None, *, clock: Callable[[], float] = time.monotonic
) -> AdaptiveConcurrency:
    """The sync's default limit: adaptive from 2, capped at ``workers`` (or 16 when not given).

    Raises:
        ConfigurationError: ``workers`` is below 1.
    """
    cap = DEFAULT_MAX_CONCURRENCY if workers is None else workers
    if cap < 1:
        raise ConfigurationError("workers must be >= 1")
    return AdaptiveConcurrency(ConcurrencyPolicy(initial=min(2, cap), max_limit=cap), clock=clock)
