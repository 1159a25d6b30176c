"""The adaptive concurrency law (Vegas), driven by a fake clock and a simulated shop (no real time)."""

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
        n, started = ac.limit, clock.now
        for _ in range(n):
            ac.acquire()
        clock.now += latency(n)
        for _ in range(n):
            ac.release(latency_s=latency(n), outcome=outcome(r), started=started)
        limits.append(ac.limit)
    return limits


def knee_shop(base: float = 0.020, workers: int = 4) -> Callable[[int], float]:
    """Service time flat up to ``workers`` in flight, then queueing: latency grows with concurrency."""
    return lambda c: base * max(1.0, c / workers)


POLICY = ConcurrencyPolicy(initial=1, max_limit=32, window=1, min_window_s=0.0)  # a window per round


def test_increases_by_one_per_window_while_latency_is_flat() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 40, lambda _c: 0.02)
    assert ac.limit == 32  # the cap, reached by +1 steps
    assert [c.new - c.old for c in ac.changes] == [1] * 31
    assert all(c.reason.startswith("latency flat: queue 0.0 < 1") for c in ac.changes)


def test_settles_one_request_past_the_knee_so_the_shop_stays_busy_and_latency_within_2x() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    shop = knee_shop(workers=4)
    limits = run_rounds(ac, clock, 800, shop)
    tail = limits[100:]
    assert max(tail) == 5  # 4 workers busy + queue alpha = 1: latency 1.25 x no-load
    assert tail.count(5) / len(tail) >= 0.95  # the rest: the probe windows (see below)
    busy = sum(min(c, 4) / 4 for c in tail) / len(tail)
    assert busy >= 0.95
    assert ac.baseline_s == pytest.approx(0.020)  # no Vegas drift: still the no-load latency


def test_holds_inside_the_band() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 1, lambda _c: 0.020)  # no-load 20 ms: 1 -> 2
    run_rounds(ac, clock, 15, lambda _c: 0.035)  # queue 2 x (1 - 20/35) = 0.9: grows to 3 and stays
    assert ac.limit == 3  # queue 3 x (1 - 20/35) = 1.3: inside [1, 2]
    assert [(c.old, c.new) for c in ac.changes] == [(1, 2), (2, 3)]


def test_decreases_on_a_latency_rise_to_the_middle_of_the_band() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 60, lambda _c: 0.02)
    ac_limit = ac.limit
    assert ac_limit == 32
    run_rounds(ac, clock, 1, lambda _c: 0.024)  # queue 32 x (1 - 20/24) = 5.3 > 2
    assert ac.limit == 28  # 32 - 5.3 + 1.5 = 28.2
    assert ac.changes[-1].reason == "latency rose: queue 5.3 > 2 (median 24.0 ms, no-load 20.0 ms)"


def test_a_shop_four_times_slower_halves_the_limit_in_one_window() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 7, lambda _c: 0.02)
    assert ac.limit == 8
    run_rounds(ac, clock, 1, lambda _c: 0.08)  # gradient 8 x 2 x 20/80 = 4 (queue 6: Vegas' target 3.5)
    assert ac.limit == 4  # never below half in one window
    assert ac.changes[-1].reason == (
        "latency rose: median 80.0 ms > 2 x recent 20.0 ms (queue 6.0, no-load 20.0 ms)"
    )


def test_at_a_small_limit_the_gradient_halves_it_where_the_queue_estimate_cannot() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 2, lambda _c: 0.02)
    assert ac.limit == 3
    run_rounds(ac, clock, 1, lambda _c: 0.08)  # queue 3 x 0.75 = 2.25: Vegas' target 2.25
    assert ac.limit == 1  # the gradient: 3 x 2 x 20 / 80 = 1.5
    assert ac.changes[-1].reason.startswith("latency rose: median 80.0 ms > 2 x recent 20.0 ms")


def test_a_one_worker_shop_gets_one_request_queued_at_most_twice_the_no_load_latency() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    shop = knee_shop(workers=1)
    limits = run_rounds(ac, clock, 200, shop)
    tail = limits[20:]
    assert max(tail) == 2  # one queued: queue 1, inside the band (3 would be 3x the no-load latency)
    assert tail.count(2) / len(tail) >= 0.95  # the rest: probe windows at 1


def test_a_machine_busy_with_other_work_for_a_while_lowers_the_limit_without_pinning_it() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    shop = knee_shop(workers=4)
    run_rounds(ac, clock, 30, shop)
    assert ac.limit == 5
    before = len(ac.changes)
    run_rounds(ac, clock, 40, lambda c: 2.5 * shop(c))  # every request 2.5x slower, for a while
    lowered = [c.new for c in ac.changes[before:] if not c.reason.startswith("probe")]
    assert lowered[0] == 3 and min(lowered) == 3  # once, then Vegas holds (queue 1.8), no fall to 1
    assert ac.baseline_s == pytest.approx(0.050)  # learnt again within baseline_windows
    assert ac.limit >= 5
    after = run_rounds(ac, clock, 80, shop)[40:]  # the machine quiet again: back at the knee
    assert max(after) == 5 and after.count(5) >= 0.9 * len(after)  # the rest: probe windows


def test_a_5xx_burst_halves_the_limit_once() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=8, window=8, min_window_s=1.0), clock=clock)
    for _ in range(6):  # six failures at the same moment: one burst
        ac.acquire()
    for _ in range(6):
        ac.release(latency_s=0.02, outcome="overload")
    assert ac.limit == 4
    assert [c.reason for c in ac.changes] == ["5xx / timeout / reset from the shop"]
    clock.now += 1.0
    ac.acquire()
    ac.release(latency_s=0.02, outcome="overload")
    assert ac.limit == 2


def test_a_429_with_retry_after_halves_the_limit_and_pauses_every_slot_that_long() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=6), clock=clock)
    assert ac.acquire(blocking=False)
    ac.release(latency_s=0.01, outcome="throttled", retry_after=3.0)
    assert ac.limit == 3
    assert ac.changes[-1].reason == "HTTP 429 from the shop"
    assert ac.resume_at == 3.0
    clock.now = 2.9
    assert not ac.acquire(blocking=False)  # free slots, but the shop asked to wait
    clock.now = 3.0
    assert ac.acquire(blocking=False)


def test_a_retry_after_pause_is_capped() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=2, max_pause_s=30.0), clock=clock)
    ac.acquire()
    ac.release(latency_s=0.01, outcome="throttled", retry_after=3600.0)
    assert ac.resume_at == 30.0


def test_a_429_without_retry_after_only_halves() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=6), clock=clock)
    ac.acquire()
    ac.release(latency_s=0.01, outcome="throttled")
    assert (ac.limit, ac.resume_at) == (3, float("-inf"))
    assert ac.acquire(blocking=False)


def test_a_full_limit_does_not_give_a_slot() -> None:
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=1), clock=Clock())
    assert ac.acquire(blocking=False)
    assert not ac.acquire(blocking=False)


def test_never_leaves_its_bounds() -> None:
    clock = Clock()
    policy = ConcurrencyPolicy(initial=2, min_limit=2, max_limit=5, window=4, min_window_s=0.0)
    ac = AdaptiveConcurrency(policy, clock=clock)
    limits = run_rounds(ac, clock, 50, lambda _c: 0.01)
    limits += run_rounds(ac, clock, 50, lambda c: 0.01 * c)
    limits += run_rounds(ac, clock, 50, lambda _c: 0.01, outcome=lambda _r: "overload")
    assert min(limits) == 2 and max(limits) == 5


def test_learns_a_permanently_slower_shop_again() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(POLICY, clock=clock)
    run_rounds(ac, clock, 80, lambda _c: 0.02)
    run_rounds(ac, clock, 2000, lambda _c: 0.08)  # 4x slower for good, but flat in concurrency
    assert ac.limit == 32  # after the drop, learnt again and grown back to the cap
    assert ac.baseline_s == pytest.approx(0.08)


def test_a_probe_window_measures_the_no_load_latency_at_half_the_limit_then_restores_it() -> None:
    clock = Clock()
    policy = ConcurrencyPolicy(initial=5, max_limit=5, window=1, min_window_s=0.0, baseline_windows=5)
    ac = AdaptiveConcurrency(policy, clock=clock)
    shop = knee_shop(workers=4)
    run_rounds(ac, clock, 1, lambda _c: 0.020)  # the no-load latency, seen once
    limits = run_rounds(ac, clock, 8, shop)  # 5 in flight: 25 ms, queue 1 (held)
    assert 2 in limits  # the first window's sample was about to leave the history
    probe, done = ac.changes[:2]
    assert (probe.old, probe.new, done.old, done.new) == (5, 2, 2, 5)
    assert probe.reason == "probe: measuring the no-load latency (5 windows old)"
    assert done.reason == "probe done: no-load 20.0 ms"
    assert ac.limit == 5
    assert ac.baseline_s == pytest.approx(0.020)


def test_an_overload_during_a_probe_halves_the_limit_the_probe_would_restore() -> None:
    clock = Clock()
    policy = ConcurrencyPolicy(initial=8, max_limit=8, window=1, min_window_s=0.0, baseline_windows=1)
    ac = AdaptiveConcurrency(policy, clock=clock)
    run_rounds(ac, clock, 1, lambda _c: 0.020)  # the only sample leaves with the next window: probe
    assert ac.probing and ac.limit == 4
    ac.acquire()
    ac.release(latency_s=0.02, outcome="overload")
    assert (ac.probing, ac.limit) == (False, 4)  # 8 x 0.5, not 4 x 0.5
    assert ac.changes[-1].reason == "5xx / timeout / reset from the shop"


def test_requests_started_under_the_previous_limit_do_not_count_in_the_next_window() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=1, window=2, min_window_s=0.0), clock=clock)
    for _ in range(2):
        ac.acquire()
        clock.now += 0.01
        ac.release(latency_s=0.01, started=clock.now - 0.01)
    assert ac.limit == 2
    ac.acquire()
    ac.acquire()
    for _ in range(5):  # started before the window began: ignored, however slow
        ac.release(latency_s=0.5, started=-1.0)
        ac.acquire()
    assert ac.changes[-1].new == 2 and len(ac.changes) == 1


def test_only_a_used_limit_grows() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=4, window=4, min_window_s=0.0), clock=clock)
    for _ in range(40):  # one request at a time: the limit of 4 is never used
        ac.acquire()
        clock.now += 0.01
        ac.release(latency_s=0.01)
    assert ac.limit == 4
    assert ac.changes == []


def test_a_decision_waits_for_min_window_s() -> None:
    clock = Clock()
    ac = AdaptiveConcurrency(ConcurrencyPolicy(initial=1, window=2, min_window_s=0.5), clock=clock)
    for _ in range(40):
        ac.acquire()
        clock.now += 0.01
        ac.release(latency_s=0.01)
    assert ac.limit == 1  # 40 answers, 0.4 s: no decision yet
    ac.acquire()
    clock.now += 0.1
    ac.release(latency_s=0.01)
    assert ac.limit == 2


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
        report("throttled", 2.0)
    assert ac.limit == 1
    assert ac.resume_at == 2.5


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"min_limit": 3, "initial": 2}, {"max_limit": 1, "initial": 2}, {"alpha": -1.0},
     {"alpha": 3.0, "beta": 2.0}, {"tolerance": 1.0}, {"long_windows": 0}, {"backoff": 1.0}, {"window": 0},
     {"max_pause_s": -1.0}],
)
def test_bad_policies_are_configuration_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        ConcurrencyPolicy(**kwargs)  # type: ignore[arg-type]
