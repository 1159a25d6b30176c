"""The adaptive concurrency law, driven by a fake clock and a simulated shop (no real time)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from oc_connector.errors import ConfigurationError
from oc_connector.wire.concurrency import AdaptiveConcurrency, ConcurrencyPolicy, Outcome


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_rounds(
    ac: AdaptiveConcurrency,
    clock: Clock,
    rounds: int,
    latency: Callable[[int], float],
    outcome: Callable[[int], Outcome] = lambda _r: "ok",
) -> list[int]:
    """Each round: fill every slot, let the shop answer them all after latency(limit), release."""
    limits = []
    for r in range(rounds):
        n = ac.limit
        for _ in range(n):
            ac.acquire()
        clock.now += latency(n)
        for _ in range(n):
            ac.release(latency_s=latency(n), outcome=outcome(r))
        limits.append(ac.limit)
    return limits


def knee_shop(base: float = 0.020, workers: int = 4) -> Callable[[int], float]:
    """Service time flat up to ``workers`` in flight, then queueing: latency grows with concurrency."""
    return lambda c: base * max(1.0, c / workers)


POLICY = ConcurrencyPolicy(initial=1, max_limit=32, window=8, min_window_s=0.0)


def test_increases_by_one_per_window_while_latency_is_flat() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 200, lambda _c: 0.02)
    assert ac.limit == 32  # the cap, reached by +1 steps
    steps = [c.new - c.old for c in ac.changes]
    assert set(steps) == {1}
    assert all(c.reason.startswith("latency flat") for c in ac.changes)


def test_settles_at_the_knee_and_keeps_latency_within_tolerance() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    shop = knee_shop()
    limits = run_rounds(ac, clock, 400, shop)
    tail = limits[200:]
    assert min(tail) >= 3  # throughput at >= 3 of 4 workers busy most of the time
    assert max(tail) <= 7  # a sawtooth around 6 in flight = 1.5 x the no-load latency
    assert all(shop(c) <= 2 * shop(1) for c in tail)
    assert any(c.reason.startswith("latency rose") for c in ac.changes)


def test_decreases_on_a_latency_rise_by_the_gradient() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 60, lambda _c: 0.02)
    before = ac.limit
    assert before >= 8
    run_rounds(ac, clock, 1, lambda _c: 0.06)  # the shop becomes 3x slower
    assert ac.limit == before // 2  # gradient 1.5 * 20 / 60 = 0.5
    assert ac.changes[-1].reason.startswith("latency rose: median 60 ms > 1.5 x no-load 20 ms")


def test_a_5xx_burst_halves_the_limit_once() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=8, window=8, min_window_s=1.0), clock=clock)
    ac.acquire()
    for _ in range(5):  # five failures at the same moment: one burst
        ac.acquire()
    for _ in range(6):
        ac.release(latency_s=0.02, outcome="overload")
    assert ac.limit == 4
    assert [c.reason for c in ac.changes] == ["5xx / timeout / reset from the shop"]
    clock.now += 1.0
    ac.acquire()
    ac.release(latency_s=0.02, outcome="overload")
    assert ac.limit == 2


def test_retry_after_halves_the_limit() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=6), clock=clock)
    ac.acquire()
    ac.release(latency_s=0.01, outcome="throttled")
    assert ac.limit == 3
    assert ac.changes[-1].reason == "HTTP 429 from the shop"


def test_never_leaves_its_bounds() -> None:
    clock = Clock()
    policy = ConcurrencyPolicy(initial=2, min_limit=2, max_limit=5, window=4, min_window_s=0.0)
    ac = AdaptiveConcurrency(policy, clock=clock)
    limits = run_rounds(ac, clock, 50, lambda _c: 0.01)
    limits += run_rounds(ac, clock, 50, lambda _c: 0.01, outcome=lambda _r: "overload")
    assert min(limits) >= 2 and max(limits) <= 5


def test_learns_a_permanently_slower_shop_again() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 80, lambda _c: 0.02)
    run_rounds(ac, clock, 2000, lambda _c: 0.08)  # 4x slower for good, but flat in concurrency
    assert ac.limit == 32  # after the drop, learnt again and grown back to the cap
    assert ac.baseline_s == pytest.approx(0.08)


def test_only_a_used_limit_grows() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=4, window=4, min_window_s=0.0), clock=clock)
    for _ in range(40):  # one request at a time: the limit of 4 is never used
        ac.acquire()
        clock.now += 0.01
        ac.release(latency_s=0.01)
    assert ac.limit == 4
    assert ac.changes == []


def test_changes_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=4), clock=clock)
    with caplog.at_level(logging.INFO, logger="oc_connector.wire.concurrency"):
        ac.acquire()
        ac.release(latency_s=0.01, outcome="throttled")
    assert caplog.messages == ["concurrency 4 -> 2: HTTP 429 from the shop"]


def test_slot_measures_latency_with_the_clock_and_reports_the_outcome() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=2), clock=clock)
    with ac.slot() as report:
        clock.now += 0.5
        report("overload")
    assert ac.limit == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"min_limit": 3, "initial": 2}, {"max_limit": 1, "initial": 2}, {"tolerance": 0.9},
     {"backoff": 1.0}, {"window": 0}],
)
def test_bad_policies_are_configuration_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        ConcurrencyPolicy(**kwargs)  # type: ignore[arg-type]
