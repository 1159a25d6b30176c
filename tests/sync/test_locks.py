"""Per-range backfill locks: disjoint ranges in parallel, overlaps refused, take-over, release."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.errors import SyncLockedError
from oc_connector.sync.locks import RangeLock, ShopLock
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.sync.state import read_hwm
from oc_connector.warehouse.migrate import current_version, upgrade
from oc_connector.warehouse.schema import (
    SCHEMA_VERSION,
    opencart_order_history,
    opencart_orders,
    opencart_quarantine,
    opencart_sync_range_lock,
    opencart_sync_state,
)
from oc_connector.warehouse.transactions import SQLITE_BUSY_TIMEOUT_MS, begin_write
from tests.sync.fakes import FakeShop

NOW = datetime(2026, 11, 27, 1, 0, 0)
GUARD_S = 60  # only against a hung test: every wait below ends on an event, not on time


def clock() -> datetime:
    return NOW


def opts(shop: str = "s", **kw: Any) -> SyncOptions:
    return SyncOptions(shop=shop, workers=3, gap_tolerance=5, batch_size=7, **kw)


def take_range(engine: sa.Engine, **kw: Any) -> None:
    RangeLock(engine=engine, **kw).acquire()


def release_range(engine: sa.Engine, **kw: Any) -> None:
    RangeLock(engine=engine, now=clock, **kw).release()


def held(engine: sa.Engine) -> list[tuple[str, int, int, str]]:
    t = opencart_sync_range_lock
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.shop, t.c.first_id, t.c.last_id, t.c.holder).order_by(t.c.first_id))
        return [(str(a), int(b), int(c), str(d)) for a, b, c, d in rows]


def in_thread(fn: Callable[[], object], out: list[object]) -> threading.Thread:
    def go() -> None:
        try:
            out.append(fn())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def dead_holder() -> str:
    """A holder naming a process of this host that does not exist.

    On Linux a pid above ``pid_max`` can never be in use; elsewhere an exited child's pid stands
    in (the kernel could in principle hand it out again at once).
    """
    pid_max = Path("/proc/sys/kernel/pid_max")
    if pid_max.exists():
        return f"{socket.gethostname()}:{int(pid_max.read_text()) + 1}:0"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:0"


def test_disjoint_ranges_are_held_at_the_same_time(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    inside = {"low": threading.Event(), "high": threading.Event()}
    seen_during: list[list[tuple[str, int, int, str]]] = []

    def meet(me: str, other: str) -> Callable[[int], None]:
        def hook(last_id: int) -> None:
            if inside[me].is_set():
                return
            inside[me].set()
            # each backfill stops after its first batch until the other has committed one too:
            # both can pass only while both hold their range at the same time
            assert inside[other].wait(GUARD_S), f"{other} never ran beside {me}"
            seen_during.append(held(warehouse_engine))

        return hook

    out: list[object] = []
    no_wait = timedelta(0)  # a backfill blocked by the other would fail at once
    threads = [
        in_thread(
            lambda: OrderSync(
                shop, warehouse_engine, opts(), now=clock, after_batch=meet("low", "high"), lock_wait=no_wait
            ).backfill(1, 30),
            out,
        ),
        in_thread(
            lambda: OrderSync(
                shop, warehouse_engine, opts(), now=clock, after_batch=meet("high", "low"), lock_wait=no_wait
            ).backfill(31, 60),
            out,
        ),
    ]
    for t in threads:
        t.join()
    assert all(isinstance(o, SyncResult) for o in out), out
    assert sorted(o.orders_inserted for o in out if isinstance(o, SyncResult)) == [30, 30]
    assert [[(s, a, b) for s, a, b, _ in rows] for rows in seen_during] == [[("s", 1, 30), ("s", 31, 60)]] * 2
    assert held(warehouse_engine) == []  # both released
    with warehouse_engine.connect() as conn:
        assert read_hwm(conn, shop="s") == 0
    t = opencart_orders
    with warehouse_engine.connect() as conn:
        assert sorted(r[0] for r in conn.execute(sa.select(t.c.order_id))) == list(range(1, 61))


def test_backfill_records_its_own_start_and_end(warehouse_engine: sa.Engine) -> None:
    """The state row's last run is one run's start and end, never a backfill's end with a sync's start."""
    shop = FakeShop()
    ticks = iter(range(10_000))

    def ticking() -> datetime:
        return NOW + timedelta(minutes=next(ticks))

    OrderSync(shop, warehouse_engine, opts(), now=ticking).run()
    t = opencart_sync_state
    with warehouse_engine.connect() as conn:
        run_started, run_finished = conn.execute(
            sa.select(t.c.last_run_started_at, t.c.last_run_finished_at).where(t.c.shop == "s")
        ).one()
    result = OrderSync(shop, warehouse_engine, opts(), now=ticking).backfill(1, 10)
    with warehouse_engine.connect() as conn:
        started, finished, stats = conn.execute(
            sa.select(t.c.last_run_started_at, t.c.last_run_finished_at, t.c.last_run_stats).where(
                t.c.shop == "s"
            )
        ).one()
    assert run_started < run_finished < started < finished
    assert '"ids_read": 10' in stats and result.ids_read == 10


def test_overlapping_backfill_fails_naming_holder_and_range(warehouse_engine: sa.Engine) -> None:
    shop = FakeShop()
    second: list[object] = []
    first = OrderSync(shop, warehouse_engine, opts(), now=clock, after_batch=lambda _: run_second())

    def run_second() -> None:
        if not second:
            sync = OrderSync(shop, warehouse_engine, opts(), now=clock, lock_wait=timedelta(0))
            try:
                second.append(sync.backfill(15, 25))
            except SyncLockedError as exc:
                second.append(exc)

    first.backfill(10, 19)
    [err] = second
    assert isinstance(err, SyncLockedError)
    assert str(err) == (
        f"ids 15..25 of shop 's' overlap ids 10..19, being backfilled by {first._holder} "
        "since 2026-11-27 01:00:00 UTC; retry later"
    )
    assert held(warehouse_engine) == []


def test_overlapping_range_waits_until_released(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    take_range(warehouse_engine, shop="s", first_id=1, last_id=50, holder="other-host:42", now=clock)
    refused = threading.Event()
    attempts: list[datetime] = []

    def counting_clock() -> datetime:
        # the clock is read once per attempt, before its check: a second read means the first was refused
        attempts.append(NOW)
        if len(attempts) >= 2:
            refused.set()
        return NOW

    out: list[object] = []
    waiter = in_thread(
        lambda: take_range(
            warehouse_engine,
            shop="s",
            first_id=40,
            last_id=60,
            holder="me:1",
            now=counting_clock,
            wait=timedelta(seconds=GUARD_S),
            poll_s=0.01,
        ),
        out,
    )
    assert refused.wait(GUARD_S)
    release_range(warehouse_engine, shop="s", first_id=1, last_id=50, holder="other-host:42")
    waiter.join()
    assert out == [None]
    assert held(warehouse_engine) == [("s", 40, 60, "me:1")]


def test_overlapping_ranges_taken_at_once_have_one_winner(warehouse_engine: sa.Engine) -> None:
    """The check-then-insert is serialised: of takers released together, exactly one gets in."""
    upgrade(warehouse_engine)
    takers, rounds = 6, 8
    for shop in (f"s{n}" for n in range(rounds)):  # several rounds: a race shows up only sometimes
        # the shop's state row exists already (its first insert would serialise the takers by itself)
        take_range(warehouse_engine, shop=shop, first_id=500, last_id=600, holder="x:1", now=clock)
        release_range(warehouse_engine, shop=shop, first_id=500, last_id=600, holder="x:1")
        barrier = threading.Barrier(takers)
        out: list[object] = []

        def take(i: int, shop: str = shop, barrier: threading.Barrier = barrier) -> Callable[[], object]:
            def go() -> object:
                barrier.wait(GUARD_S)
                take_range(
                    warehouse_engine,
                    shop=shop,
                    first_id=i,
                    last_id=100 + i,
                    holder=f"h{i}",
                    now=clock,
                    wait=timedelta(0),
                )
                return i

            return go

        threads = [in_thread(take(i), out) for i in range(takers)]
        for t in threads:
            t.join()
        winners = [o for o in out if isinstance(o, int)]
        assert len(winners) == 1, (shop, out)
        assert all(isinstance(o, SyncLockedError) for o in out if not isinstance(o, int)), out
        [w] = winners
        assert [row for row in held(warehouse_engine) if row[0] == shop] == [(shop, w, 100 + w, f"h{w}")]


def test_other_shops_and_adjacent_ranges_do_not_block(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    take_range(warehouse_engine, shop="s", first_id=10, last_id=19, holder="a:1", now=clock)
    take_range(
        warehouse_engine, shop="s", first_id=20, last_id=29, holder="b:1", now=clock, wait=timedelta(0)
    )
    take_range(
        warehouse_engine, shop="t", first_id=10, last_id=19, holder="c:1", now=clock, wait=timedelta(0)
    )
    with pytest.raises(
        SyncLockedError, match=r"ids 19\.\.20 of shop 's' overlap ids 10\.\.19, being backfilled by a:1"
    ):
        take_range(
            warehouse_engine, shop="s", first_id=19, last_id=20, holder="d:1", now=clock, wait=timedelta(0)
        )
    with pytest.raises(ValueError, match="first_id"):
        take_range(warehouse_engine, shop="s", first_id=5, last_id=4, holder="d:1", now=clock)


def test_dead_or_stale_holder_is_taken_over(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    dead = dead_holder()
    take_range(warehouse_engine, shop="s", first_id=1, last_id=20, holder=dead, now=clock)
    two_hours_ago = NOW - timedelta(hours=2)
    take_range(
        warehouse_engine, shop="s", first_id=21, last_id=40, holder="other-host:7", now=lambda: two_hours_ago
    )
    take_range(warehouse_engine, shop="s", first_id=41, last_id=60, holder="other-host:8", now=clock)
    sync = OrderSync(FakeShop(), warehouse_engine, opts(), now=clock, lock_wait=timedelta(0))
    result = sync.backfill(1, 40)  # the killed process's range and the expired one
    assert result.orders_inserted == 40
    assert held(warehouse_engine) == [("s", 41, 60, "other-host:8")]  # the live one stays
    with pytest.raises(SyncLockedError, match="other-host:8"):
        sync.backfill(40, 41)


def test_range_is_released_when_the_backfill_fails(warehouse_engine: sa.Engine) -> None:
    def boom(last_id: int) -> None:
        assert held(warehouse_engine)[0][1:3] == (10, 29)
        raise RuntimeError("crash after a batch")

    with pytest.raises(RuntimeError, match="crash after a batch"):
        OrderSync(FakeShop(), warehouse_engine, opts(), now=clock, after_batch=boom).backfill(10, 29)
    assert held(warehouse_engine) == []
    again = OrderSync(FakeShop(), warehouse_engine, opts(), now=clock, lock_wait=timedelta(0)).backfill(
        10, 29
    )
    assert (again.orders_inserted, again.orders_unchanged) == (13, 7)  # the first batch had committed


def test_heartbeat_refreshes_the_range_and_stops_when_it_was_taken_over(sqlite_engine: sa.Engine) -> None:
    ticks = iter(NOW + timedelta(minutes=m) for m in range(1000))
    stamps: list[datetime] = []

    def tick() -> datetime:
        return next(ticks)

    def check(last_id: int) -> None:
        t = opencart_sync_range_lock
        with sqlite_engine.begin() as conn:
            stamps.append(conn.execute(sa.select(t.c.locked_at)).scalar_one())
            if last_id >= 23:  # another backfill took the range over after the second batch
                conn.execute(t.update().values(holder="thief:1"))

    with pytest.raises(SyncLockedError, match=r"lock of ids 10\.\.39 of shop 's' was taken over"):
        OrderSync(FakeShop(), sqlite_engine, opts(), now=tick, after_batch=check).backfill(10, 39)
    assert len(stamps) == 2 and stamps[0] < stamps[1]  # refreshed by each batch's transaction
    with sqlite_engine.connect() as conn:
        loaded = sorted(r[0] for r in conn.execute(sa.select(opencart_orders.c.order_id)))
    assert loaded == list(range(10, 24))  # the batch after the theft was rolled back
    assert held(sqlite_engine) == [("s", 10, 39, "thief:1")]  # not released: not ours any more


def _rows(engine: sa.Engine, table: sa.Table, shop: str) -> list[tuple[object, ...]]:
    skip = {"shop", "id"}
    cols = [c for c in table.columns if c.name not in skip]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*cols).where(table.c.shop == shop))
        return sorted((tuple(r) for r in rows), key=repr)


def test_backfill_beside_run_leaves_the_same_rows_as_one_after_the_other(warehouse_engine: sa.Engine) -> None:
    """run() and a backfill of overlapping ids may run at once: both upsert, so rows are identical."""
    shop = FakeShop()
    inside = {"run": threading.Event(), "backfill": threading.Event()}

    def meet(me: str, other: str) -> Callable[[int], None]:
        def hook(last_id: int) -> None:
            if not inside[me].is_set():
                inside[me].set()
                assert inside[other].wait(GUARD_S), f"{other} never ran beside {me}"

        return hook

    out: list[object] = []
    threads = [
        in_thread(
            lambda: OrderSync(
                shop, warehouse_engine, opts("c"), now=clock, after_batch=meet("run", "backfill")
            ).run(),
            out,
        ),
        in_thread(
            lambda: OrderSync(
                shop, warehouse_engine, opts("c"), now=clock, after_batch=meet("backfill", "run")
            ).backfill(1, 60),
            out,
        ),
    ]
    for t in threads:
        t.join()
    assert all(isinstance(o, SyncResult) for o in out), out
    serial = [
        OrderSync(shop, warehouse_engine, opts("q"), now=clock).run(),
        OrderSync(shop, warehouse_engine, opts("q"), now=clock).backfill(1, 60),
    ]
    assert [r.orders_inserted for r in serial] == [60, 0]
    for table in (opencart_orders, opencart_order_history, opencart_quarantine):
        assert _rows(warehouse_engine, table, "c") == _rows(warehouse_engine, table, "q"), table.name
    assert len(_rows(warehouse_engine, opencart_order_history, "c")) == 60  # each event once
    with warehouse_engine.connect() as conn:
        assert read_hwm(conn, shop="c") == read_hwm(conn, shop="q") == 60


def test_sqlite_batch_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "wh.db"
    # an engine that alone would give up on a busy file after 0.1 s
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    released = threading.Event()
    blockers: list[threading.Thread] = []

    class BlockingShop(FakeShop):
        def order_info_raw(self, order_id: int) -> dict[str, Any]:
            if order_id == 19 and not blockers:
                other = sqlite3.connect(path, timeout=GUARD_S, isolation_level=None, check_same_thread=False)
                other.execute("BEGIN IMMEDIATE")  # another writer holds the file's write lock

                def hold() -> None:
                    # hold it long enough for the last batch's commit to meet it (set early on failure)
                    released.wait(0.5)
                    other.execute("COMMIT")
                    other.close()

                blockers.append(threading.Thread(target=hold))
                blockers[0].start()
            return super().order_info_raw(order_id)

    try:
        upgrade(engine)
        result = OrderSync(BlockingShop(), engine, opts(), now=clock).backfill(10, 19)
        blockers[0].join()
        assert result.orders_inserted == 10
        with begin_write(engine) as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        released.set()
        engine.dispose()


def test_begin_write_never_shortens_a_longer_sqlite_timeout(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}", connect_args={"timeout": 600})
    try:
        with begin_write(engine) as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 600_000
    finally:
        engine.dispose()


def test_backfill_on_duckdb(tmp_path: Path) -> None:
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    try:
        result = OrderSync(FakeShop(), engine, opts(), now=clock).backfill(5, 24)
        assert result.orders_inserted == 20
        assert held(engine) == []
    finally:
        engine.dispose()


def test_upgrade_from_version_1_adds_the_range_lock_table(warehouse_engine: sa.Engine) -> None:
    from oc_connector.warehouse.migrate import schema_version_table
    from oc_connector.warehouse.orders_schema import opencart_absent_ids
    from oc_connector.warehouse.schema import metadata

    later = {opencart_sync_range_lock.name, opencart_absent_ids.name}  # tables of versions 2 and 3
    v1 = [t for t in metadata.sorted_tables if t.name not in later]
    with warehouse_engine.begin() as conn:
        schema_version_table.create(conn)
        metadata.create_all(conn, tables=v1)
        conn.execute(schema_version_table.insert().values(version=1))
    assert not sa.inspect(warehouse_engine).has_table(opencart_sync_range_lock.name)
    OrderSync(FakeShop(), warehouse_engine, opts(), now=clock).backfill(1, 3)
    assert current_version(warehouse_engine) == SCHEMA_VERSION
    assert all(sa.inspect(warehouse_engine).has_table(name) for name in later)
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(opencart_orders)).scalar() == 3


def test_backfill_does_not_wait_for_the_shop_lock_but_run_does(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    # a run() elsewhere
    ShopLock(engine=warehouse_engine, shop="s", holder="other-host:42", now=clock).acquire()
    sync = OrderSync(FakeShop(), warehouse_engine, opts(), now=clock, lock_wait=timedelta(0))
    assert sync.backfill(1, 10).orders_inserted == 10
    with pytest.raises(SyncLockedError, match=r"another sync of shop 's' is running: held by other-host:42"):
        sync.run()
