"""The admin change feed end to end: a sandbox shop into SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.admin.client import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.feed import shop_day
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_quarantine, opencart_sync_state
from oc_connector.wire.ratelimit import RateLimit
from oc_connector_sandbox import Sandbox

FAST = RateLimit(per_second=1000, burst=1000)
GAP = 10
LIST = "sale/order"
INFO = "api/order/info"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox.start(orders=300, seed=11, php_notices=False)
    try:
        yield sandbox
    finally:
        sandbox.stop()


class _Clients:
    def __init__(self, sb: Sandbox) -> None:
        self.api = OpenCartClient(
            sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True,
            rate_limit=FAST,
        )
        self.admin = AdminClient(
            sb.url,
            username=sb.admin_username,
            password=Secret(sb.admin_password),
            allow_insecure_http=True,
            rate_limit=FAST,
        )

    def close(self) -> None:
        self.api.close()
        self.admin.close()


class _Run:
    """A run with fresh clients (each logs in once: no session expires between the runs' clocks)."""

    def __init__(self, sb: Sandbox, engine: sa.Engine, now: datetime, fail_list: bool = False) -> None:
        self.sb, self.engine, self.now, self.fail_list = sb, engine, now, fail_list

    def run(self) -> Any:
        clients = _Clients(self.sb)
        admin: Any = _FailingAdmin(clients.admin) if self.fail_list else clients.admin
        opts = SyncOptions(shop="sb", workers=2, gap_tolerance=GAP, batch_size=50)
        try:
            return OrderSync(clients.api, self.engine, opts, admin=admin, now=lambda: self.now).run()
        finally:
            clients.close()


def _sync(sb: Sandbox, engine: sa.Engine, now: datetime, *, fail_list: bool = False) -> _Run:
    return _Run(sb, engine, now, fail_list)


def _status(engine: sa.Engine, order_id: int) -> int:
    t = opencart_orders
    with engine.connect() as conn:
        return int(conn.execute(sa.select(t.c.order_status_id).where(t.c.order_id == order_id)).scalar_one())


def _old_final(sb: Sandbox) -> int:
    rows = sb.query(
        "SELECT order_id FROM oc_order WHERE order_status_id = 5 AND date_added < ?"
        " ORDER BY order_id LIMIT 1",
        ((sb.clock.now() - timedelta(days=200)).strftime("%Y-%m-%d %H:%M:%S"),),
    )
    return int(rows[0]["order_id"])


def _predicted(sb: Sandbox, engine: sa.Engine, now: datetime) -> tuple[int, int]:
    """(list pages, order/info reads) the next feed run makes, from the shop's table and the warehouse."""
    t = opencart_orders
    with engine.connect() as conn:
        since = conn.execute(sa.select(opencart_sync_state.c.feed_day)).scalar_one()
        known = {r.order_id: r for r in conn.execute(sa.select(t))}
        q = opencart_quarantine
        held = len(conn.execute(sa.select(q.c.entity_id).where(~q.c.resolved)).all())  # read every run
    pages = 0
    reads = 0
    for where in ("order_status_id > 0", "order_status_id = 0"):
        rows = sb.query(
            f"SELECT o.order_id, o.date_modified, o.order_status_id FROM oc_order o WHERE {where}"  # noqa: S608
            " ORDER BY o.date_modified DESC, o.order_id DESC"
        )
        n = 0
        while True:
            page = rows[n * 20 : n * 20 + 20]
            pages += 1
            n += 1
            last = page[-1]["date_modified"] if page else None
            if not page or n * 20 >= len(rows) or (last is not None and last[:10] < str(since)):
                break
        for r in rows[: n * 20]:
            day = r["date_modified"][:10]
            if day.startswith("0000") or day < str(since):
                continue
            w = known.get(r["order_id"])
            changed = w is None or str(w.date_modified)[:19] != r["date_modified"] or (
                w.order_status_id != r["order_status_id"]
            )
            future = w is not None and w.date_modified > now + timedelta(hours=1)
            if changed or (not future and str(shop_day(w._last_synced_at, "UTC")) <= day):
                reads += 1
    return pages + 1, reads + held  # + page 1 by o.order_id DESC: the newest id, no probe


def test_an_old_final_order_changed_between_runs_is_caught_at_the_predicted_cost(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = sb.clock.now() + timedelta(minutes=5)
    _sync(sb, warehouse_engine, now).run()
    # a no-change re-sync, a day later
    sb.clock.advance(86400)
    now += timedelta(days=1)
    pages, reads = _predicted(sb, warehouse_engine, now)
    before = sb.request_count(LIST), sb.request_count(INFO)
    result = _sync(sb, warehouse_engine, now).run()
    assert (sb.request_count(LIST) - before[0], sb.request_count(INFO) - before[1]) == (pages, reads)
    assert result.list_requests == pages
    # refund a 200-day-old Complete order
    old = _old_final(sb)
    sb.clock.advance(3600)
    now += timedelta(hours=1)
    sb.set_order_status(old, 11, comment="refund")
    pages, reads = _predicted(sb, warehouse_engine, now)
    before = sb.request_count(LIST), sb.request_count(INFO)
    result = _sync(sb, warehouse_engine, now).run()
    assert (sb.request_count(LIST) - before[0], sb.request_count(INFO) - before[1]) == (pages, reads)
    assert _status(warehouse_engine, old) == 11
    assert result.orders_updated >= 1


class _Crash(Exception):
    pass


class _FailingAdmin:
    """The admin client, failing on the second list page read."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin, self._lists = admin, 0

    def order_list(self, page: int = 1, **kw: Any) -> Any:
        self._lists += 1
        if self._lists == 2:
            raise _Crash("killed between pages")
        return self._admin.order_list(page, **kw)

    def order_history(self, order_id: int) -> Any:
        return self._admin.order_history(order_id)


class _Counted(_Run):
    """A feed run without the admin details: the shop requests are the feed's and the reads'."""

    def run(self) -> Any:
        clients = _Clients(self.sb)
        opts = SyncOptions(shop="sb", workers=2, gap_tolerance=GAP, batch_size=50, admin_details=False)
        try:
            return OrderSync(clients.api, self.engine, opts, admin=clients.admin, now=lambda: self.now).run()
        finally:
            clients.close()


def _routes(sb: Sandbox, since: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for route, _, _ in list(sb.request_log)[since:]:
        out[route] = out.get(route, 0) + 1
    return out


def test_a_no_change_run_costs_five_requests_and_one_percent_changed_adds_its_reads(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = sb.clock.now() + timedelta(minutes=5)
    _Counted(sb, warehouse_engine, now).run()
    # the day after: the orders modified on the first run's day are read once more (the list
    # shows days only: a change later that day would look the same), then the feed is quiet
    sb.clock.advance(86400)
    now += timedelta(days=1)
    _Counted(sb, warehouse_engine, now).run()
    sb.clock.advance(3600)
    now += timedelta(hours=1)
    mark = len(sb.request_log)
    result = _Counted(sb, warehouse_engine, now).run()
    # one admin login, the settings page (the shop's revenue statuses), the two listings by
    # date_modified, page 1 by order_id; no catalog login
    assert _routes(sb, mark) == {"common/login": 1, "setting/setting": 1, LIST: 3}
    assert (result.api_calls, result.list_requests, result.admin_requests) == (0, 3, 5)
    changed = [int(r["order_id"]) for r in sb.query(
        "SELECT order_id FROM oc_order WHERE order_status_id > 0 ORDER BY order_id LIMIT 3"
    )]  # 1 % of the 300
    for oid in changed:
        sb.set_order_status(oid, 2, comment="processing")
    sb.clock.advance(3600)
    now += timedelta(hours=1)
    mark = len(sb.request_log)
    result = _Counted(sb, warehouse_engine, now).run()
    # + one catalog login, each changed order's info and its admin history
    assert _routes(sb, mark) == {
        "common/login": 1, "setting/setting": 1, LIST: 3, "api/login": 1, INFO: 3, "sale/order/history": 3,
    }
    assert all(_status(warehouse_engine, oid) == 2 for oid in changed)
    assert result.orders_updated == 3


def test_a_crash_between_feed_pages_loses_nothing(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = sb.clock.now() + timedelta(minutes=5)
    _sync(sb, warehouse_engine, now).run()
    old = _old_final(sb)
    sb.clock.advance(3600)
    now += timedelta(hours=1)
    sb.set_order_status(old, 13, comment="chargeback")
    with warehouse_engine.connect() as conn:
        day_before = conn.execute(sa.select(opencart_sync_state.c.feed_day)).scalar_one()
    with pytest.raises(_Crash):
        _sync(sb, warehouse_engine, now, fail_list=True).run()
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_sync_state.c.feed_day)).scalar_one() == day_before
    result = _sync(sb, warehouse_engine, now).run()
    assert _status(warehouse_engine, old) == 13
    assert result.orders_updated >= 1


def test_a_deleted_order_is_soft_deleted_by_the_feed(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    zero = sb.query("SELECT order_id FROM oc_order WHERE date_modified LIKE '0000%'")
    assert zero  # the id listing renders those rows (as the shop does: 30/11/-0001)
    now = sb.clock.now() + timedelta(minutes=5)
    _Counted(sb, warehouse_engine, now).run()
    gone = _old_final(sb)
    sb.delete_order(gone)
    sb.clock.advance(3600)
    now += timedelta(hours=1)
    mark = len(sb.request_log)
    result = _Counted(sb, warehouse_engine, now).run()
    assert result.orders_deleted == 1
    t = opencart_orders
    with warehouse_engine.connect() as conn:
        deleted = conn.execute(sa.select(t.c.order_id).where(t.c._deleted_at.is_not(None))).scalars().all()
    assert deleted == [gone]
    # the shop's count fell: every id was listed (15 pages of 20, 1 of status 0) and the gone one read
    listed = sb.query("SELECT count(*) AS n FROM oc_order WHERE order_status_id > 0")[0]["n"]
    assert _routes(sb, mark)[INFO] >= 1
    assert result.list_requests >= 3 + -(-listed // 20)
