"""The sweep without admin credentials: a sandbox shop into SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.sync.options import DEFAULT_FINAL_STATUSES
from oc_connector.sync.run import OrderSync, SyncOptions, SyncProgress
from oc_connector.sync.sweep import slice_size
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_sync_state
from oc_connector.wire.ratelimit import RateLimit
from oc_connector_sandbox import Sandbox

FAST = RateLimit(per_second=1000, burst=1000)
WINDOW = timedelta(days=7)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox.start(orders=300, seed=11, php_notices=False)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _run(
    sb: Sandbox, engine: sa.Engine, now: datetime, *, batch_size: int = 50,
    progress: Callable[[SyncProgress], None] | None = None,
) -> Any:
    api = OpenCartClient(
        sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True, rate_limit=FAST
    )
    opts = SyncOptions(shop="sb", workers=2, gap_tolerance=10, batch_size=batch_size, staleness_window=WINDOW)
    try:
        return OrderSync(api, engine, opts, now=lambda: now, progress=progress).run()
    finally:
        api.close()


def _swept(engine: sa.Engine, now: datetime) -> list[int]:
    """The final orders older than the lookback, by id: what the sweep walks."""
    t = opencart_orders
    q = sa.select(t.c.order_id).where(
        t.c._deleted_at.is_(None),
        t.c.order_status_id.in_(sorted(DEFAULT_FINAL_STATUSES)),
        t.c.date_added_utc < now - timedelta(days=30),
    ).order_by(t.c.order_id)
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(q)]


def _state(engine: sa.Engine) -> tuple[int | None, datetime | None]:
    t = opencart_sync_state
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.c.sweep_order_id, t.c.sweep_at)).one()
    return row.sweep_order_id, row.sweep_at


def _status(engine: sa.Engine, order_id: int) -> int:
    t = opencart_orders
    with engine.connect() as conn:
        return int(conn.execute(sa.select(t.c.order_status_id).where(t.c.order_id == order_id)).scalar_one())


def test_slice_size_follows_the_elapsed_time() -> None:
    assert slice_size(1680, timedelta(hours=1), WINDOW) == 10
    assert slice_size(1681, timedelta(hours=1), WINDOW) == 11  # rounded up: the window is a bound
    assert slice_size(1680, timedelta(hours=5), WINDOW) == 50  # skipped runs grow the next slice
    assert slice_size(1680, timedelta(days=30), WINDOW) == 1680  # never more than the whole set
    assert slice_size(1680, timedelta(0), WINDOW) == 0
    assert slice_size(0, timedelta(days=1), WINDOW) == 0


def test_an_old_final_order_changed_between_runs_is_caught_within_the_window(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = sb.clock.now() + timedelta(minutes=5)
    first = _run(sb, warehouse_engine, now)
    assert first.sweep_reads == 0  # the first run starts the clock
    assert first.staleness == (
        "changes to final orders reach the warehouse within 7 days; give admin credentials for the next run"
    )
    assert _state(warehouse_engine)[1] == now
    final = _swept(warehouse_engine, now + timedelta(days=1))
    # the Complete order the sweep reaches last: caught only in the window's last run
    rows = sb.query("SELECT order_id FROM oc_order WHERE order_status_id = 5")
    complete = {int(r["order_id"]) for r in rows}
    old = max(i for i in final if i in complete)
    sb.set_order_status(old, 11, comment="refund")
    seen: set[int] = set()
    position: int | None = None
    for day in range(1, 8):
        sb.clock.advance(86400)
        now += timedelta(days=1)
        ids = _swept(warehouse_engine, now)
        size = math.ceil(len(ids) / 7)
        after = [i for i in ids if position is None or i > position]
        expected = (after + [i for i in ids if position is not None and i <= position])[:size]
        result = _run(sb, warehouse_engine, now)
        assert result.sweep_reads == size == len(expected)
        position, swept_at = _state(warehouse_engine)
        assert (position, swept_at) == (expected[-1], now)
        seen |= set(expected)
        if day < 7:
            assert _status(warehouse_engine, old) == (11 if old in seen else 5)
    assert set(final) <= seen  # every final order re-read within the 7 days
    assert _status(warehouse_engine, old) == 11


class _Crash(Exception):
    pass


def test_a_crash_mid_sweep_loses_nothing(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    now = sb.clock.now() + timedelta(minutes=5)
    _run(sb, warehouse_engine, now)
    sb.clock.advance(86400)
    now += timedelta(days=1)
    ids = _swept(warehouse_engine, now)
    size = math.ceil(len(ids) / 7)
    assert size >= 20
    changed = ids[15]  # in the slice's second batch of 10
    sb.set_order_status(changed, 13, comment="chargeback")

    def crash(p: SyncProgress) -> None:
        if p.phase == "sweep":
            raise _Crash("killed after the first sweep batch")

    with pytest.raises(_Crash):
        _run(sb, warehouse_engine, now, batch_size=10, progress=crash)
    # the first batch is in, with its position; the slice's end time is not
    before = now - timedelta(days=1)
    assert _state(warehouse_engine) == (ids[9], before)
    result = _run(sb, warehouse_engine, now, batch_size=10)
    assert result.sweep_reads == size  # the same elapsed time, from the stored position
    assert _state(warehouse_engine) == (ids[9 + size], now)
    assert _status(warehouse_engine, changed) == 13
