"""Adaptive concurrency: as many requests in flight as the shop serves without queueing.

A fixed worker count does not know where a shop's knee is: past it, throughput stays flat while
every request waits longer in the shop's PHP queue. :class:`AdaptiveConcurrency` finds the knee
and follows it with **TCP Vegas**, the law of the ``VegasLimit`` in Netflix's *concurrency-limits*:
the queue the limit builds in the shop is estimated from latency, and kept small.

- After each window of ``window`` answers (at least one per slot, and at least ``min_window_s``;
  only requests started in the window count, not those still in flight from the previous limit),
  the window's median latency ``rtt`` is compared with the no-load latency ``rtt_noload``; the
  requests waiting in the shop are ``queue = limit x (1 - rtt_noload / rtt)``.
- **increase**: ``queue < alpha`` and the limit was used: the limit grows by one;
- **hold**: ``alpha <= queue <= beta``;
- **decrease**: ``queue > beta``: the limit goes to the one whose queue would be in the middle of
  the band, ``limit - queue + (alpha + beta) / 2`` (at least one less, never below ``backoff`` x the
  limit).
- **sudden rise**: the median above ``tolerance`` (2) x the *recent* latency (an exponential average
  of the last ``long_windows`` window medians) decreases too, to ``limit x tolerance x recent / rtt``
  if that is lower: the gradient of ``Gradient2Limit`` in the same library (long-term over
  short-term latency, ``rttTolerance``). At a small limit the queue estimate cannot exceed the limit,
  so Vegas alone would not react to a shop that became 4x slower; the gradient halves the limit in
  one window. Against the recent latency, not the no-load one, a machine that is busy with other
  work for a while is not taken for a shop slowing down again and again.
- **overload**: a 5xx, a timeout or a reset, or an HTTP 429, multiplies the limit by ``backoff``
  (0.5) at once, at most once per ``min_window_s`` (one burst is one signal); when the answer said
  ``Retry-After``, no new request starts before that many seconds (at most ``max_pause_s``).

With a shop serving ``N`` requests at once the limit settles at about ``N + alpha`` to ``N + beta``:
the shop is always busy (the throughput of the knee), and each request waits behind one or two
others (latency ``(N + queue) / N`` x the no-load latency).

``rtt_noload`` is the lowest window median of the last ``baseline_windows`` windows (20, about
10 s, as BBR's ``min_rtt`` window). A limit that stays at the knee never sees the no-load latency
again, and Vegas' known drift follows (the queueing latency becomes the new "no-load", the limit
creeps up). So, as in BBR's *ProbeRTT*, when the lowest median is about to leave that history, one
window runs at ``backoff`` x the limit to measure it again; the limit is restored after it. A shop
that is permanently slower is learnt so.

The limit stays within ``[min_limit, max_limit]``: an explicit ``--workers`` is the cap. Every
change is logged at info level with its reason and kept in :attr:`AdaptiveConcurrency.changes` for
the run's metadata. The clock is injectable, so the law is tested deterministically.
"""

from __future__ import annotations

import logging
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol

from oc_connector.errors import ConfigurationError

__all__ = ["DEFAULT_MAX_CONCURRENCY", "AdaptiveConcurrency", "ConcurrencyPolicy", "LimitChange", "Outcome",
           "Report", "adaptive_limit"]

#: the cap of an adaptive limit when the caller gave no worker count
DEFAULT_MAX_CONCURRENCY = 16

log = logging.getLogger(__name__)

Outcome = Literal["ok", "overload", "throttled"]
"""How an answer counts: ``ok`` (any answer, errors of the API included), ``overload`` (5xx,
timeout, reset), ``throttled`` (HTTP 429)."""


class Report(Protocol):
    """What :meth:`AdaptiveConcurrency.slot` yields: say how the request ended."""

    def __call__(self, outcome: Outcome, retry_after: float | None = None) -> None:
        """``outcome``, and the ``Retry-After`` seconds when the answer had one."""


@dataclass(frozen=True)
class ConcurrencyPolicy:
    """The control law's settings (see the module docstring).

    Attributes:
        initial: the limit to start with.
        min_limit: the limit never goes below this.
        max_limit: the cap (an explicit worker count).
        alpha: below this many requests queued in the shop, the limit grows.
        beta: above this many, it shrinks.
        backoff: factor applied on overload, the smallest factor of a latency decrease, and the
            factor of a probe window.
        window: answers per decision.
        min_window_s: a decision waits at least this long, and overload halves at most this often.
        baseline_windows: how many recent windows the no-load latency is the minimum of.
        tolerance: a window median above this x the recent latency is a sudden rise.
        long_windows: the recent latency averages about this many window medians.
        max_pause_s: the longest ``Retry-After`` pause honoured for every slot.
    """

    initial: int = 2
    min_limit: int = 1
    max_limit: int = 16
    alpha: float = 1.0
    beta: float = 2.0
    backoff: float = 0.5
    window: int = 16
    min_window_s: float = 0.5
    baseline_windows: int = 20
    tolerance: float = 2.0
    long_windows: int = 10
    max_pause_s: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_limit <= self.initial <= self.max_limit:
            raise ConfigurationError("concurrency policy needs 1 <= min_limit <= initial <= max_limit")
        if not 0.0 <= self.alpha <= self.beta or self.tolerance <= 1.0 or self.long_windows < 1:
            raise ConfigurationError(
                "concurrency policy needs 0 <= alpha <= beta, tolerance > 1, long_windows >= 1"
            )
        counts = min(self.window, self.baseline_windows)
        if not 0.0 < self.backoff < 1.0 or counts < 1 or self.max_pause_s < 0:
            raise ConfigurationError(
                "concurrency policy needs 0 < backoff < 1, window and baseline_windows >= 1, max_pause_s >= 0"
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

    Use :meth:`slot` around each request; it blocks while ``limit`` requests are in flight (and
    during a ``Retry-After`` pause).

    Args:
        policy: the control law's settings.
        clock: monotonic seconds (tests pass a fake; a blocking wait for a pause to end assumes the
            clock runs in real seconds).
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
        self._recent: float | None = None
        self._window = _Window(started=clock())
        self._last_overload = float("-inf")
        self._resume_at = float("-inf")
        self._probe_restore: int | None = None
        self.changes: list[LimitChange] = []

    @property
    def limit(self) -> int:
        """The current limit."""
        return self._limit

    @property
    def baseline_s(self) -> float | None:
        """The no-load latency learnt so far, in seconds (None before the first window)."""
        return min(self._medians) if self._medians else None

    @property
    def resume_at(self) -> float:
        """Clock time before which no request starts (a ``Retry-After`` pause); -inf when none."""
        return self._resume_at

    @property
    def probing(self) -> bool:
        """True while a window runs at a lowered limit to measure the no-load latency again."""
        return self._probe_restore is not None

    def acquire(self, *, blocking: bool = True) -> bool:
        """Take a slot, waiting for a free one and for a pause to end (False if not ``blocking``)."""
        with self._cond:
            while True:
                if self._inflight < self._limit:
                    pause = self._resume_at - self._clock()
                    if pause <= 0:
                        break
                    if not blocking:
                        return False
                    self._cond.wait(pause)
                else:
                    if not blocking:
                        return False
                    self._cond.wait()
            self._inflight += 1
            self._window.peak_inflight = max(self._window.peak_inflight, self._inflight)
            return True

    def release(
        self,
        *,
        latency_s: float,
        outcome: Outcome = "ok",
        retry_after: float | None = None,
        started: float | None = None,
    ) -> None:
        """Give the slot back with what the request saw, and apply the control law.

        Args:
            latency_s: the request's round trip.
            outcome: how it ended.
            retry_after: the ``Retry-After`` of its answer, if any: no request starts before then.
            started: clock time the request started; one that started before the current window
                (under another limit) does not count in it.
        """
        with self._cond:
            self._inflight -= 1
            now = self._clock()
            if retry_after is not None and retry_after > 0:
                self._resume_at = max(self._resume_at, now + min(retry_after, self.policy.max_pause_s))
            if outcome != "ok":
                self._on_overload(now, outcome)
            elif started is None or started >= self._window.started:
                self._window.latencies.append(latency_s)
                if len(self._window.latencies) >= max(self.policy.window, self._limit) and (
                    now - self._window.started >= self.policy.min_window_s
                ):
                    self._decide(now)
            # one waiter per free slot (waking all of them costs CPU the shop's cores need)
            self._cond.notify(max(0, self._limit - self._inflight))

    @contextmanager
    def slot(self) -> Iterator[Report]:
        """Hold a slot for one request; call the yielded function to say how it ended (default ``ok``)."""
        said: list[tuple[Outcome, float | None]] = [("ok", None)]

        def report(outcome: Outcome, retry_after: float | None = None) -> None:
            said[0] = (outcome, retry_after)

        self.acquire()
        started = self._clock()
        try:
            yield report
        finally:
            self.release(
                latency_s=self._clock() - started, outcome=said[0][0], retry_after=said[0][1], started=started
            )

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
        if self._probe_restore is not None:  # a probe ends here; the decrease applies to the real limit
            self._limit, self._probe_restore = self._probe_restore, None
        self._set(now, int(self._limit * self.policy.backoff), what)
        self._window = _Window(started=now)

    def _decide(self, now: float) -> None:
        p, window = self.policy, self._window
        self._window = _Window(started=now)
        median = statistics.median(window.latencies)
        self._medians.append(median)
        baseline = min(self._medians)
        if self._probe_restore is not None:
            restore, self._probe_restore = self._probe_restore, None
            self._set(now, restore, f"probe done: no-load {baseline * 1000:.1f} ms")
            return
        queue = self._limit * (1.0 - baseline / median) if median > 0 else 0.0
        recent = median if self._recent is None else self._recent
        self._recent = recent + (median - recent) * 2 / (p.long_windows + 1)
        ceiling = p.tolerance * recent
        if queue > p.beta or median > ceiling:
            target = self._limit - queue + (p.alpha + p.beta) / 2
            if median > ceiling:  # the gradient
                target = min(target, self._limit * ceiling / median)
                why = (f"latency rose: median {median * 1000:.1f} ms > {p.tolerance:g} x recent "
                       f"{recent * 1000:.1f} ms (queue {queue:.1f}, no-load {baseline * 1000:.1f} ms)")
            else:
                why = (f"latency rose: queue {queue:.1f} > {p.beta:g} (median {median * 1000:.1f} ms, "
                       f"no-load {baseline * 1000:.1f} ms)")
            new = max(math.floor(target), math.floor(self._limit * p.backoff), p.min_limit)
            self._set(now, min(new, self._limit - 1), why)
        elif queue < p.alpha and window.peak_inflight >= self._limit:
            self._set(now, self._limit + 1, f"latency flat: queue {queue:.1f} < {p.alpha:g} "
                      f"(median {median * 1000:.1f} ms, no-load {baseline * 1000:.1f} ms)")
        if (len(self._medians) == self._medians.maxlen and self._medians[0] == baseline
                and baseline not in list(self._medians)[1:]):
            # the no-load sample leaves the history with the next window: measure it again
            probe = max(p.min_limit, math.floor(self._limit * p.backoff))
            if probe < self._limit:
                restore, age = self._limit, len(self._medians)
                self._set(now, probe, f"probe: measuring the no-load latency ({age} windows old)")
                self._probe_restore = restore


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
