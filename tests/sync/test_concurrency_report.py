"""A run reports its adaptive limit and the changes made during it (fake clock, fake shop)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.wire.concurrency import AdaptiveConcurrency, ConcurrencyPolicy
from tests.sync.fakes import FakeShop


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class AdaptiveShop(FakeShop):
    """Each read takes 10 ms on the limit's clock and goes through the limit, like the transport."""

    def __init__(self, limit: AdaptiveConcurrency, clock: Clock) -> None:
        super().__init__()
        self.concurrency = limit
        self._clock = clock

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        with self.concurrency.slot():
            with self._lock:
                self._clock.now += 0.010
            return super().order_info_raw(order_id)


def test_the_result_carries_the_final_limit_and_each_change(tmp_path: Path) -> None:
    clock = Clock()
    limit = AdaptiveConcurrency(
        ConcurrencyPolicy(initial=1, max_limit=1, window=2, min_window_s=0.0), clock=clock
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    shop = AdaptiveShop(limit, clock)
    before = len(limit.changes)
    result = OrderSync(shop, engine, SyncOptions(workers=1, gap_tolerance=3)).run()
    assert result.concurrency_limit == limit.limit == 1
    assert len(result.concurrency_changes) == len(limit.changes) - before
    meta = result.as_metadata()
    assert meta["concurrency_limit"] == 1
    assert isinstance(meta["concurrency_changes"], str)
    engine.dispose()


def test_a_change_during_the_run_is_listed_with_its_reason(tmp_path: Path) -> None:
    clock = Clock()
    limit = AdaptiveConcurrency(
        ConcurrencyPolicy(initial=2, max_limit=4, window=2, min_window_s=0.0), clock=clock
    )

    class Overloaded(AdaptiveShop):
        def order_info_raw(self, order_id: int) -> dict[str, Any]:
            if order_id == 2:
                self.concurrency.acquire()
                clock.now += 1.0
                self.concurrency.release(latency_s=0.01, outcome="overload")
            return super().order_info_raw(order_id)

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    result = OrderSync(Overloaded(limit, clock), engine, SyncOptions(workers=1, gap_tolerance=3)).run()
    reasons = [why for _at, _old, _new, why in result.concurrency_changes]
    assert "5xx / timeout / reset from the shop" in reasons
    assert result.concurrency_limit == limit.limit
    assert "5xx / timeout / reset from the shop" in str(result.as_metadata()["concurrency_changes"])
    engine.dispose()


def test_a_fixed_worker_count_reports_no_adaptive_limit(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    result = OrderSync(FakeShop(), engine, SyncOptions(workers=2, gap_tolerance=3)).run()
    assert (result.concurrency_limit, result.concurrency_changes) == (0, ())
    assert result.as_metadata()["concurrency_changes"] == ""
    engine.dispose()
