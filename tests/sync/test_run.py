"""The sync engine end to end against an in-memory shop seeded with the recorded real orders."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from oc_connector.admin.records import AdminHistoryRow
from oc_connector.errors import (
    ConfigurationError,
    ConnectError,
    PermissionDenied,
    ServerError,
    SyncLockedError,
    UnexpectedResponseError,
)
from oc_connector.sync.locks import ShopLock
from oc_connector.sync.run import OrderSync, SyncOptions, SyncProgress, SyncResult
from oc_connector.sync.state import read_hwm
from oc_connector.warehouse.schema import (
    opencart_order_history,
    opencart_orders,
    opencart_quarantine,
    opencart_sync_state,
)
from tests.sync.fakes import FakeShop

NOW = datetime(2026, 11, 27, 1, 0, 0)  # recorded orders were added 2026-11-26: inside lookback


def clock() -> datetime:
    return NOW


def opts(**kw: object) -> SyncOptions:
    base: dict[str, object] = {"shop": "s", "workers": 3, "gap_tolerance": 5, "batch_size": 7}
    base.update(kw)
    return SyncOptions(**base)  # type: ignore[arg-type]


def rows(engine: sa.Engine, table: sa.Table) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table)))


def test_first_sync_loads_every_order_field_for_field(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    seen: list[SyncProgress] = []
    result = OrderSync(shop, warehouse_engine, opts(), now=clock, progress=seen.append).run()
    assert result.orders_inserted == 60
    assert (result.hwm_before, result.hwm_after) == (0, 60)
    assert result.api_calls == 65  # 60 orders + gap_tolerance probes
    assert result.history_rows == 60
    loaded = {r.order_id: r for r in rows(warehouse_engine, opencart_orders)}
    assert sorted(loaded) == list(range(1, 61))
    for oid, raw in shop.orders.items():
        row = loaded[oid]
        assert row.total == Decimal(raw["total"])
        assert row.order_status_id == int(raw["order_status_id"])
        assert row.email == raw["email"]
        assert row.date_modified == datetime.strptime(raw["date_modified"], "%Y-%m-%d %H:%M:%S")
        assert row._deleted_at is None
    assert seen and seen[-1].hwm == 60 and seen[-1].phase == "probe"


def test_quiet_rerun_reads_only_open_lookback_and_probes(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    shop.reset_calls()
    later = NOW + timedelta(days=40)  # outside lookback: only non-final orders are re-read
    open_ids = {
        i for i, o in shop.orders.items() if int(o["order_status_id"]) not in SyncOptions().final_statuses
    }
    # 40 of 160 days since the first run: the sweep re-reads the first quarter of the final orders
    result = OrderSync(
        shop, warehouse_engine, opts(staleness_window=timedelta(days=160)), now=lambda: later
    ).run()
    final_ids = sorted(set(shop.orders) - open_ids)
    swept = set(final_ids[: -(-len(final_ids) // 4)])
    assert result.sweep_reads == len(swept)
    assert set(shop.calls) == open_ids | swept | set(range(61, 66))
    assert shop.total_calls == len(open_ids) + len(swept) + 5 == result.api_calls
    assert result.orders_unchanged == len(open_ids) + len(swept)
    assert (result.orders_inserted, result.orders_updated, result.history_rows) == (0, 0, 0)


def test_status_change_new_order_and_deletion(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    shop.set_status(3, 2, "Processing", "2026-11-27 00:30:00")
    shop.add_order(63, order_status_id="1", order_status="Pending")
    del shop.orders[10]
    result = OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert (result.orders_updated, result.orders_inserted, result.orders_deleted) == (1, 1, 1)
    assert result.hwm_after == 63
    hist = [r for r in rows(warehouse_engine, opencart_order_history) if r.order_id == 3]
    assert [(h.order_status_id, h.source) for h in hist][-1] == (2, "observed")
    assert len(hist) == 2
    assert hist[-1].changed_at == datetime(2026, 11, 27, 0, 30)
    orders = {r.order_id: r for r in rows(warehouse_engine, opencart_orders)}
    assert orders[10]._deleted_at == NOW
    assert orders[3].order_status == "Processing"
    # the order comes back: the soft delete clears
    shop.orders[10] = dict(FakeShop().orders[10])
    OrderSync(shop, warehouse_engine, opts(full=True), now=clock).run()
    assert {r.order_id: r for r in rows(warehouse_engine, opencart_orders)}[10]._deleted_at is None


def test_crash_between_batches_then_rerun_is_exact(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()

    def boom(last_id: int) -> None:
        if last_id >= 21:
            raise RuntimeError("injected crash")

    with pytest.raises(RuntimeError, match="injected"):
        OrderSync(shop, warehouse_engine, opts(), now=clock, after_batch=boom).run()
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_sync_state.c.high_water_mark)).scalar() == 21
        assert conn.execute(sa.select(sa.func.count()).select_from(opencart_orders)).scalar() == 21
        # the lock was released by the failing run
        assert conn.execute(sa.select(opencart_sync_state.c.lock_holder)).scalar() is None
    result = OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert result.hwm_after == 60
    assert sorted(r.order_id for r in rows(warehouse_engine, opencart_orders)) == list(range(1, 61))
    hist = rows(warehouse_engine, opencart_order_history)
    assert sorted(h.order_id for h in hist) == list(range(1, 61))


def test_permission_denied_ends_run_and_rerun_completes(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    shop.fail_on[30] = PermissionDenied("Warning: You do not have permission to access the API!")
    with pytest.raises(PermissionDenied):
        OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    del shop.fail_on[30]
    result = OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert result.hwm_after == 60
    assert len(rows(warehouse_engine, opencart_orders)) == 60


def test_bodies_without_order_id_are_quarantined_under_the_ids_asked_for(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    for oid in (7, 8):
        del shop.orders[oid]["order_id"]
    result = OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert result.quarantined == 2 and result.orders_inserted == 58 and result.hwm_after == 60
    q = {r.entity_id: r.reason for r in rows(warehouse_engine, opencart_quarantine)}
    assert q == {"7": "order_id: missing", "8": "order_id: missing"}
    shop.orders[7]["order_id"] = "7"  # the shop is fixed: the held order loads and is resolved
    OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    held = {r.entity_id: r.resolved for r in rows(warehouse_engine, opencart_quarantine)}
    assert held == {"7": True, "8": False}
    assert len(rows(warehouse_engine, opencart_orders)) == 59


def test_unreadable_orders_are_quarantined_and_resolve_once_the_shop_answers(
    warehouse_engine: sa.Engine,
) -> None:
    shop = FakeShop()
    shop.fail_on[20] = ServerError("HTTP 500", route="api/order/info", status=500, excerpt="PHP Fatal error")
    shop.fail_on[21] = UnexpectedResponseError("not JSON", route="api/order/info", excerpt="<html>")
    shop.fail_on[60] = UnexpectedResponseError("not JSON", route="api/order/info", excerpt="")  # the newest
    result = OrderSync(shop, warehouse_engine, opts(max_consecutive_failures=3), now=clock).run()
    assert result.hwm_after == 60 and result.quarantined == 3 and result.orders_inserted == 57
    q = {r.entity_id: r for r in rows(warehouse_engine, opencart_quarantine)}
    assert set(q) == {"20", "21", "60"}
    assert q["20"].reason == "order/info unreadable: HTTP 500 [http=500]"
    assert "PHP Fatal error" in q["20"].raw and not q["20"].resolved
    shop.fail_on.clear()
    OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert all(r.resolved for r in rows(warehouse_engine, opencart_quarantine))
    assert len(rows(warehouse_engine, opencart_orders)) == 60


def test_an_outage_stops_the_run_and_is_not_quarantined(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    for oid in range(30, 33):  # max_consecutive_failures ids in a row: the shop is down, not one order
        shop.fail_on[oid] = ServerError("HTTP 503", route="api/order/info", status=503)
    with pytest.raises(ServerError):
        OrderSync(shop, warehouse_engine, opts(max_consecutive_failures=3, batch_size=5), now=clock).run()
    assert rows(warehouse_engine, opencart_quarantine) == []
    with warehouse_engine.connect() as conn:
        assert read_hwm(conn, shop="s") < 30
    shop.fail_on.clear()
    assert OrderSync(shop, warehouse_engine, opts(), now=clock).run().hwm_after == 60


def test_transport_errors_stop_the_run_at_once(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    shop.fail_on[30] = ConnectError("connection refused", route="api/order/info")
    with pytest.raises(ConnectError):
        OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert rows(warehouse_engine, opencart_quarantine) == []


def test_bad_rows_go_to_quarantine_and_resolve(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    shop.orders[7]["total"] = "not-a-number"
    shop.orders[8]["date_added"] = "2026-02-30 10:00:00"
    result = OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert result.quarantined == 2 and result.orders_inserted == 58 and result.hwm_after == 60
    q = {r.entity_id: r for r in rows(warehouse_engine, opencart_quarantine)}
    assert set(q) == {"7", "8"}
    assert q["7"].reason.startswith("total: not a number") and '"not-a-number"' in q["7"].raw
    assert q["8"].reason.startswith("date_added: bad date") and not q["8"].resolved
    # the shop fixes order 7: the next run retries it, loads it and resolves its quarantine row
    shop.orders[7]["total"] = "12.5000"
    again = OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    assert again.orders_inserted == 1 and again.quarantined == 1
    q = {r.entity_id: r for r in rows(warehouse_engine, opencart_quarantine)}
    assert q["7"].resolved and not q["8"].resolved
    loaded = {r.order_id: r for r in rows(warehouse_engine, opencart_orders)}
    assert loaded[7].total == Decimal("12.5000") and 8 not in loaded


class FakeAdmin:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def order_history(self, order_id: int) -> list[AdminHistoryRow]:
        self.calls.append(order_id)
        day = date(2026, 11, 26)
        return [
            AdminHistoryRow(date_added=day, comment="", status="Pending", notified=False),
            AdminHistoryRow(date_added=day, comment="paid & shipped", status="Complete", notified=True),
            AdminHistoryRow(date_added=day, comment="", status="Pending", notified=False),
        ]


def test_admin_history_read_for_new_and_changed_orders_idempotently(
    warehouse_engine: sa.Engine,
) -> None:
    shop, admin = FakeShop(), FakeAdmin()
    OrderSync(shop, warehouse_engine, opts(), admin=admin, now=clock).run()
    assert sorted(admin.calls) == list(range(1, 61))
    admin.calls.clear()
    shop.set_status(5, 5, "Complete", "2026-11-27 00:45:00")
    OrderSync(shop, warehouse_engine, opts(), admin=admin, now=clock).run()
    assert admin.calls == [5]  # only the changed order
    hist = [r for r in rows(warehouse_engine, opencart_order_history) if r.order_id == 5]
    admin_rows = sorted((h.order_status, h.comment, h.notify) for h in hist if h.source == "admin")
    assert admin_rows == [
        ("Complete", "paid & shipped", True),
        ("Pending", "", False),
        ("Pending", "", False),
    ]
    assert all(
        h.changed_on == date(2026, 11, 26) and h.changed_at is None for h in hist if h.source == "admin"
    )
    assert [h.order_status_id for h in hist if h.source == "observed"][-1] == 5


def test_admin_history_is_read_outside_the_write_transaction(tmp_path: Path) -> None:
    """No admin HTTP call happens while the batch holds the warehouse's write lock."""
    path = tmp_path / "wh.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    locked_during: list[int] = []

    class LockProbingAdmin(FakeAdmin):
        def order_history(self, order_id: int) -> list[AdminHistoryRow]:
            probe = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")  # fails at once while another connection writes
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError:
                locked_during.append(order_id)
            finally:
                probe.close()
            return super().order_history(order_id)

    admin = LockProbingAdmin()
    try:
        result = OrderSync(FakeShop(), engine, opts(), admin=admin, now=clock).run()
    finally:
        engine.dispose()
    assert result.orders_inserted == 60 and sorted(admin.calls) == list(range(1, 61))
    assert locked_during == []


def test_admin_history_read_for_a_row_changed_by_another_writer_meanwhile(
    warehouse_engine: sa.Engine,
) -> None:
    """An order judged unchanged before the transaction but changed by the time it writes gets its history."""
    shop = FakeShop()
    OrderSync(shop, warehouse_engine, opts(), now=clock).run()
    shop.set_status(5, 5, "Complete", "2026-11-27 00:45:00")

    class MeddlingAdmin(FakeAdmin):
        def order_history(self, order_id: int) -> list[AdminHistoryRow]:
            if order_id == 5:  # read before the transaction: meanwhile another writer touches order 6
                with warehouse_engine.begin() as conn:
                    t = opencart_orders
                    conn.execute(t.update().where(t.c.shop == "s", t.c.order_id == 6).values(_hash="stale"))
            return super().order_history(order_id)

    admin = MeddlingAdmin()
    result = OrderSync(shop, warehouse_engine, opts(), admin=admin, now=clock).run()
    assert admin.calls == [5, 6]  # 6 read inside the transaction, once its upsert found it changed
    assert result.orders_updated == 2
    sources = {(h.order_id, h.source) for h in rows(warehouse_engine, opencart_order_history)}
    assert {(5, "admin"), (6, "admin")} <= sources


def test_backfill_reads_exact_range_without_moving_hwm(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    result = OrderSync(shop, warehouse_engine, opts(), now=clock).backfill(10, 19)
    assert set(shop.calls) == set(range(10, 20))
    assert result.orders_inserted == 10 and result.hwm_after == 0
    assert sorted(r.order_id for r in rows(warehouse_engine, opencart_orders)) == list(range(10, 20))


def test_lock_blocks_second_sync_with_clear_message(warehouse_engine: sa.Engine) -> None:
    from oc_connector.warehouse.migrate import upgrade

    upgrade(warehouse_engine)
    ShopLock(engine=warehouse_engine, shop="s", holder="other-host:42", now=clock).acquire()
    sync = OrderSync(FakeShop(), warehouse_engine, opts(), now=clock, lock_wait=timedelta(0))
    with pytest.raises(SyncLockedError, match=r"other-host:42.*2026-11-27 01:00:00"):
        sync.run()
    # a stale lock expires
    late = NOW + timedelta(hours=2)
    result = OrderSync(FakeShop(), warehouse_engine, opts(), now=lambda: late).run()
    assert result.orders_inserted == 60


def test_two_concurrent_syncs_do_not_corrupt(sqlite_engine: sa.Engine) -> None:
    shop = FakeShop()
    outcomes: list[object] = []

    def go() -> None:
        try:
            outcomes.append(
                OrderSync(shop, sqlite_engine, opts(), now=clock, lock_wait=timedelta(seconds=30)).run()
            )
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2
    assert all(isinstance(o, SyncResult) for o in outcomes), outcomes
    inserted = sorted(o.orders_inserted for o in outcomes if isinstance(o, SyncResult))
    assert inserted == [0, 60]  # the second waited for the lock, then found everything loaded
    assert sorted(r.order_id for r in rows(sqlite_engine, opencart_orders)) == list(range(1, 61))
    assert len(rows(sqlite_engine, opencart_order_history)) == 60


def test_sigkilled_sync_then_rerun_is_exact(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wh.db'}"
    script = "tests.sync.killed_sync"
    proc = subprocess.run([sys.executable, "-m", script, url, "28"],
        check=False, timeout=120, cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == -signal.SIGKILL
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            state = conn.execute(sa.select(opencart_sync_state)).one()
            assert state.high_water_mark == 28
            assert state.lock_holder is not None  # the killed process never released it
        result = OrderSync(FakeShop(), engine, opts(), now=clock, lock_wait=timedelta(0)).run()
        assert (result.hwm_before, result.hwm_after) == (28, 60)
        assert sorted(r.order_id for r in rows(engine, opencart_orders)) == list(range(1, 61))
        assert sorted(h.order_id for h in rows(engine, opencart_order_history)) == list(range(1, 61))
    finally:
        engine.dispose()


def test_sync_on_duckdb(tmp_path: Path) -> None:
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    try:
        shop = FakeShop()
        first = OrderSync(shop, engine, opts(), now=clock).run()
        assert (first.orders_inserted, first.hwm_after, first.history_rows) == (60, 60, 60)
        shop.set_status(2, 3, "Shipped", "2026-11-27 00:10:00")
        second = OrderSync(shop, engine, opts(), now=clock).run()
        assert (second.orders_updated, second.orders_inserted, second.history_rows) == (1, 0, 1)
        loaded = {r.order_id: r for r in rows(engine, opencart_orders)}
        assert loaded[2].order_status == "Shipped" and isinstance(loaded[2].total, Decimal)
    finally:
        engine.dispose()


def test_run_whose_lock_was_taken_over_stops_without_writing(sqlite_engine: sa.Engine) -> None:
    def steal(last_id: int) -> None:
        with sqlite_engine.begin() as conn:
            conn.execute(opencart_sync_state.update().values(lock_holder="thief:1", locked_at=NOW))

    with pytest.raises(SyncLockedError, match="taken over"):
        OrderSync(FakeShop(), sqlite_engine, opts(), now=clock, after_batch=steal).run()
    # the first batch committed before the theft, the second was rolled back
    assert sorted(r.order_id for r in rows(sqlite_engine, opencart_orders)) == list(range(1, 8))
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_sync_state.c.lock_holder)).scalar() == "thief:1"


def test_unknown_timezone_is_a_configuration_error(sqlite_engine: sa.Engine) -> None:
    with pytest.raises(ConfigurationError, match="Mars/Olympus"):
        OrderSync(FakeShop(), sqlite_engine, opts(shop_timezone="Mars/Olympus"))
