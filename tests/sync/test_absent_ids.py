"""Ids the shop answered "not found" for and that were never loaded explain the warehouse's id gaps.

The sandbox generator deletes some orders, as shops do; the gap check must pass on such a shop and
still report an id that nobody read. Expectations come from the sandbox's own ``oc_order`` table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.marts import unexplained_gaps
from oc_connector.warehouse.orders_schema import opencart_absent_ids, opencart_orders
from oc_connector.wire.ratelimit import RateLimit
from oc_connector_sandbox import Sandbox

FAST = RateLimit(per_second=1000, burst=1000)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=120, seed=5) as shop:
        yield shop


def _sync(sb: Sandbox, engine: sa.Engine, **options: object) -> OrderSync:
    client = OpenCartClient(sb.url, api_key=sb.api_key, allow_insecure_http=True, rate_limit=FAST)
    now = sb.clock.now() + timedelta(minutes=5)
    return OrderSync(client, engine, SyncOptions(shop="s", workers=3, gap_tolerance=6, **options),
                     now=lambda: now)


def _shop_ids(sb: Sandbox) -> set[int]:
    return {int(r["order_id"]) for r in sb.query("SELECT order_id FROM oc_order")}


def _absent(engine: sa.Engine) -> set[int]:
    with engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(sa.select(opencart_absent_ids.c.order_id))}


def test_deleted_ids_below_the_mark_are_recorded_absent_and_the_gap_check_passes(
    warehouse_engine: sa.Engine, sb: Sandbox
) -> None:
    shop = _shop_ids(sb)
    last = max(shop)
    deleted = set(range(1, last + 1)) - shop
    assert deleted, "the generated shop should have deleted ids for this test to mean anything"
    result = _sync(sb, warehouse_engine, batch_size=7).run()  # small batches: gaps span batches
    assert result.hwm_after == last
    assert _absent(warehouse_engine) == deleted  # the trailing probes past the last order are not gaps
    assert unexplained_gaps(warehouse_engine, shop="s") == []


def test_an_id_nobody_read_is_still_reported(warehouse_engine: sa.Engine, sb: Sandbox) -> None:
    _sync(sb, warehouse_engine).run()
    victim = min(_shop_ids(sb))
    with warehouse_engine.begin() as conn:  # e.g. a row removed by hand
        conn.execute(sa.delete(opencart_orders).where(opencart_orders.c.order_id == victim))
    assert unexplained_gaps(warehouse_engine, shop="s") == [victim]


def test_a_backfill_records_absent_ids_up_to_the_mark_only(warehouse_engine: sa.Engine, sb: Sandbox) -> None:
    shop = _shop_ids(sb)
    last = max(shop)
    sync = _sync(sb, warehouse_engine)
    sync.run()
    with warehouse_engine.begin() as conn:
        conn.execute(sa.delete(opencart_absent_ids))
    sync.backfill(1, last + 20)  # a range past the shop's last order
    assert _absent(warehouse_engine) == set(range(1, last + 1)) - shop
    assert unexplained_gaps(warehouse_engine, shop="s") == []
