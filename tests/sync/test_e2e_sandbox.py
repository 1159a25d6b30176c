"""End to end: the real OpenCartClient against a started sandbox shop, into SQLite and PostgreSQL.

Every expectation is computed from the sandbox's own tables (``oc_order`` joined with the lookups
that ``api/order/info`` joins in), never from what the sync itself wrote.
"""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.admin.client import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.errors import AuthenticationError, IPNotAllowedError, SyncLockedError
from oc_connector.secret import Secret
from oc_connector.sync.run import DEFAULT_FINAL_STATUSES, OrderSync, SyncOptions, SyncResult
from oc_connector.warehouse.orders_schema import (
    INT_FIELDS,
    JSON_FIELDS,
    MONEY_FIELDS,
    RATE_FIELDS,
    TEXT_FIELDS,
    opencart_order_history,
    opencart_orders,
    opencart_quarantine,
    opencart_sync_state,
)
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox

ORDERS = 300
SEED = 11
GAP = 10
FAST = RateLimit(per_second=1000, burst=1000)
QUICK_RETRY = RetryPolicy(initial_backoff=0.01, jitter=0.0)  # the declared policy, with short waits
INFO = "api/order/info"
# the shop's order/info answer, rebuilt in SQL from oc_order and the tables it joins in
SHOP_ORDERS_SQL = """
SELECT o.*, s.name AS order_status, l.code AS language_code,
  pz.code AS payment_zone_code, pc.iso_code_2 AS payment_iso_code_2, pc.iso_code_3 AS payment_iso_code_3,
  sz.code AS shipping_zone_code, sc.iso_code_2 AS shipping_iso_code_2, sc.iso_code_3 AS shipping_iso_code_3
FROM oc_order o
LEFT JOIN oc_order_status s ON s.order_status_id = o.order_status_id AND s.language_id = 1
LEFT JOIN oc_language l ON l.language_id = o.language_id
LEFT JOIN oc_zone pz ON pz.zone_id = o.payment_zone_id
LEFT JOIN oc_country pc ON pc.country_id = o.payment_country_id
LEFT JOIN oc_zone sz ON sz.zone_id = o.shipping_zone_id
LEFT JOIN oc_country sc ON sc.country_id = o.shipping_country_id
ORDER BY o.order_id
"""
ZERO = "0000-00-00 00:00:00"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox.start(orders=ORDERS, seed=SEED, php_notices=True)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _client(sb: Sandbox, retry: RetryPolicy = QUICK_RETRY) -> OpenCartClient:
    return OpenCartClient(
        sb.url,
        api_key=sb.api_key,
        api_username=sb.api_username,
        allow_insecure_http=True,
        rate_limit=FAST,
        retry=retry,
    )


def _options(**kw: Any) -> SyncOptions:
    base: dict[str, Any] = {"shop": "sb", "workers": 4, "gap_tolerance": GAP, "batch_size": 50}
    return SyncOptions(**(base | kw))


def _sync(sb: Sandbox, engine: sa.Engine, now: datetime, **kw: Any) -> SyncResult:
    after_batch = kw.pop("after_batch", None)
    client = _client(sb, kw.pop("retry", QUICK_RETRY))
    try:
        return OrderSync(client, engine, _options(**kw), now=lambda: now, after_batch=after_batch).run()
    finally:
        client.close()


def _date(text: str) -> datetime | None:
    return None if text in (ZERO, "") else datetime.fromisoformat(text)


def _text(value: Any) -> str:
    return html.unescape("" if value is None else str(value))


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    """What one oc_order row must become in opencart_orders (typed, unescaped, JSON as text)."""
    out: dict[str, Any] = {"order_id": int(row["order_id"])}
    for name in INT_FIELDS:
        out[name] = int(row[name])
    for name in (*MONEY_FIELDS, *RATE_FIELDS):
        out[name] = Decimal(str(row[name]))
    for name in TEXT_FIELDS:
        out[name] = None if name == "order_status" and row[name] is None else _text(row[name])
    for name in JSON_FIELDS:
        out[name] = json.loads(row[name]) if row[name] else None
    for name in ("date_added", "date_modified"):
        out[name] = _date(row[name])
        out[f"{name}_utc"] = out[name]  # the sandbox shop runs on UTC
    return out


def _shop_rows(sb: Sandbox, *, skip: frozenset[int] = frozenset()) -> dict[int, dict[str, Any]]:
    return {
        int(r["order_id"]): _expected(r) for r in sb.query(SHOP_ORDERS_SQL) if int(r["order_id"]) not in skip
    }


def _warehouse_rows(
    engine: sa.Engine, shop: str = "sb", *, deleted: bool = False
) -> dict[int, dict[str, Any]]:
    t = opencart_orders
    cond = [t.c.shop == shop] + ([] if deleted else [t.c._deleted_at.is_(None)])
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(*cond).order_by(t.c.order_id)).mappings().all()
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        rec = {k: r[k] for k in r if not k.startswith("_") and k != "shop"}
        for name in JSON_FIELDS:
            rec[name] = json.loads(rec[name]) if rec[name] is not None else None
        out[int(r["order_id"])] = rec
    return out


def _assert_equal_to_shop(sb: Sandbox, engine: sa.Engine) -> None:
    shop, wh = _shop_rows(sb), _warehouse_rows(engine)
    assert sorted(wh) == sorted(shop)
    for oid, expected in shop.items():
        got = wh[oid]
        assert set(got) == set(expected), oid
        for name, value in expected.items():
            assert got[name] == value, (oid, name, got[name], value)
            if isinstance(value, Decimal):
                assert isinstance(got[name], Decimal), (oid, name)


def _history(engine: sa.Engine, shop: str = "sb") -> list[Any]:
    h = opencart_order_history
    with engine.connect() as conn:
        return list(conn.execute(sa.select(h).where(h.c.shop == shop).order_by(h.c.order_id, h.c.id)))


def _quarantine(engine: sa.Engine) -> dict[str, Any]:
    q = opencart_quarantine
    with engine.connect() as conn:
        return {r.entity_id: r for r in conn.execute(sa.select(q).where(q.c.shop == "sb"))}


def _hwm(engine: sa.Engine, shop: str = "sb") -> int:
    s = opencart_sync_state
    with engine.connect() as conn:
        return int(conn.execute(sa.select(s.c.high_water_mark).where(s.c.shop == shop)).scalar_one())


def _now(sb: Sandbox) -> datetime:
    return sb.clock.now() + timedelta(minutes=5)


def _expected_rereads(sb: Sandbox, now: datetime, lookback: timedelta = timedelta(days=30)) -> int:
    """Open orders plus orders added within the lookback, from the shop's own table."""
    since = (now - lookback).strftime("%Y-%m-%d %H:%M:%S")
    rows = sb.query("SELECT order_status_id, date_added FROM oc_order")
    return sum(
        1 for r in rows if int(r["order_status_id"]) not in DEFAULT_FINAL_STATUSES or r["date_added"] >= since
    )


def _max_id(sb: Sandbox) -> int:
    return int(sb.query("SELECT MAX(order_id) AS m FROM oc_order")[0]["m"])


def test_sync_equals_shop_and_rerun_costs_only_rereads_and_probes(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = _now(sb)
    shop_ids = [int(r["order_id"]) for r in sb.query("SELECT order_id FROM oc_order ORDER BY order_id")]
    assert len(shop_ids) >= ORDERS and shop_ids[-1] > len(shop_ids)  # the generator leaves gaps
    first = _sync(sb, warehouse_engine, now)
    _assert_equal_to_shop(sb, warehouse_engine)
    max_id = _max_id(sb)
    # every id 1..max read once, then gap_tolerance probes above the top
    assert first.api_calls == max_id + GAP == sb.request_count(INFO)
    assert (first.orders_inserted, first.orders_updated, first.hwm_before, first.hwm_after) == (
        len(shop_ids),
        0,
        0,
        max_id,
    )
    # one observed history row per order, with its status and date_modified
    history = _history(warehouse_engine)
    assert len(history) == len(shop_ids) == first.history_rows
    wh = _warehouse_rows(warehouse_engine)
    for h in history:
        assert h.source == "observed"
        assert (h.order_status_id, h.order_status, h.changed_at) == (
            wh[h.order_id]["order_status_id"],
            wh[h.order_id]["order_status"],
            wh[h.order_id]["date_modified"],
        )
    meta = first.as_metadata()
    assert meta["shop"] == "sb" and meta["api_calls"] == first.api_calls == meta["ids_read"]
    assert meta["orders_inserted"] == len(shop_ids) and meta["hwm_after"] == max_id
    assert meta["quarantined"] == meta["orders_deleted"] == meta["retries"] == 0
    assert all(isinstance(v, (int, float, str)) for v in meta.values())
    with warehouse_engine.connect() as conn:
        stored = conn.execute(sa.select(opencart_sync_state.c.last_run_stats)).scalar_one()
    assert stored is not None and json.loads(stored)["orders_inserted"] == len(shop_ids)
    assert sb.api_key not in stored

    before = sb.request_count(INFO)
    second = _sync(sb, warehouse_engine, now)
    rereads = _expected_rereads(sb, now)
    assert 0 < rereads < len(shop_ids)
    assert sb.request_count(INFO) - before == rereads + GAP == second.api_calls
    assert (second.orders_inserted, second.orders_updated, second.orders_unchanged) == (0, 0, rereads)
    assert (second.history_rows, second.hwm_before, second.hwm_after) == (0, max_id, max_id)
    assert len(_history(warehouse_engine)) == len(shop_ids)
    _assert_equal_to_shop(sb, warehouse_engine)


def _open_ids(sb: Sandbox, n: int) -> list[int]:
    rows = sb.query(
        "SELECT order_id FROM oc_order WHERE order_status_id IN (1, 2, 3) ORDER BY order_id LIMIT ?", (n,)
    )
    return [int(r["order_id"]) for r in rows]


def test_status_change_and_deleted_order(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    now = _now(sb)
    _sync(sb, warehouse_engine, now)
    changed, gone = _open_ids(sb, 2)
    sb.clock.advance(60)
    sb.set_order_status(changed, 5, comment="shipped and done")
    sb.delete_order(gone)
    result = _sync(sb, warehouse_engine, now)
    assert (result.orders_updated, result.orders_deleted, result.history_rows) == (1, 1, 1)
    _assert_equal_to_shop(sb, warehouse_engine)  # the deleted order is no longer among the live rows
    rows = [h for h in _history(warehouse_engine) if h.order_id == changed]
    assert [(h.source, h.order_status_id, h.order_status) for h in rows][-1] == ("observed", 5, "Complete")
    modified = sb.query("SELECT date_modified AS m FROM oc_order WHERE order_id = ?", (changed,))[0]["m"]
    assert rows[-1].changed_at == datetime.fromisoformat(modified) and len(rows) == 2
    t = opencart_orders
    with warehouse_engine.connect() as conn:
        deleted_at = conn.execute(
            sa.select(t.c._deleted_at, t.c.order_status_id).where(t.c.shop == "sb", t.c.order_id == gone)
        ).one()
    assert deleted_at[0] == now and deleted_at[1] is not None  # kept, only marked


class Crash(RuntimeError):
    pass


def test_crash_between_batches_then_rerun(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    now = _now(sb)
    batches: list[int] = []

    def boom(last_id: int) -> None:
        batches.append(last_id)
        if len(batches) == 2:
            raise Crash(f"injected after batch ending at {last_id}")

    with pytest.raises(Crash):
        _sync(sb, warehouse_engine, now, after_batch=boom)
    crashed_at = batches[-1]
    # both committed batches are in, nothing beyond, and the mark covers exactly them
    assert _hwm(warehouse_engine) <= crashed_at
    assert max(_warehouse_rows(warehouse_engine)) <= crashed_at
    with warehouse_engine.connect() as conn:
        holder = conn.execute(sa.select(opencart_sync_state.c.lock_holder)).scalar_one()
    assert holder is None  # the crashed run released its lock
    result = _sync(sb, warehouse_engine, now)
    assert result.hwm_before == _hwm_before_of(crashed_at, sb) and result.hwm_after == _max_id(sb)
    _assert_equal_to_shop(sb, warehouse_engine)
    history = _history(warehouse_engine)
    assert sorted(h.order_id for h in history) == sorted(_shop_rows(sb))  # one row each, no duplicate


def _hwm_before_of(crashed_at: int, sb: Sandbox) -> int:
    """The highest existing order id at or below the id the crashed batch ended on."""
    return int(sb.query("SELECT MAX(order_id) AS m FROM oc_order WHERE order_id <= ?", (crashed_at,))[0]["m"])


def test_corrupted_orders_are_quarantined_and_load_once_fixed(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = _now(sb)
    bad_total, bad_date = _open_ids(sb, 2)
    sb.execute("UPDATE oc_order SET total = 'abc' WHERE order_id = ?", (bad_total,))
    sb.execute("UPDATE oc_order SET date_added = '2026-13-45 99:00:00' WHERE order_id = ?", (bad_date,))
    result = _sync(sb, warehouse_engine, now)
    assert result.quarantined == 2
    q = _quarantine(warehouse_engine)
    assert set(q) == {str(bad_total), str(bad_date)}
    assert q[str(bad_total)].reason == "total: not a number: 'abc'" and not q[str(bad_total)].resolved
    assert q[str(bad_date)].reason.startswith("date_added: bad date") and "2026-13-45" in q[str(bad_date)].raw
    assert json.loads(q[str(bad_total)].raw)["total"] == "abc"
    shop = _shop_rows(sb, skip=frozenset({bad_total, bad_date}))
    wh = _warehouse_rows(warehouse_engine)
    assert wh == shop and result.hwm_after == _max_id(sb)
    # the shop fixes them: the next run retries the quarantined ids and resolves them
    sb.execute("UPDATE oc_order SET total = '12.3400' WHERE order_id = ?", (bad_total,))
    sb.execute("UPDATE oc_order SET date_added = '2026-01-02 03:04:05' WHERE order_id = ?", (bad_date,))
    _sync(sb, warehouse_engine, now)
    _assert_equal_to_shop(sb, warehouse_engine)
    assert all(r.resolved for r in _quarantine(warehouse_engine).values())


def test_two_concurrent_syncs_do_not_corrupt_state(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    now = _now(sb)
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def one() -> None:
        start.wait()
        try:
            outcomes.append(_sync(sb, warehouse_engine, now))
        except SyncLockedError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert len(outcomes) == 2
    results = [o for o in outcomes if isinstance(o, SyncResult)]
    refused = [o for o in outcomes if isinstance(o, SyncLockedError)]
    assert results, outcomes
    for exc in refused:
        assert "another sync of shop 'sb' is running: held by" in str(exc)
    # whatever the interleaving, each order was inserted exactly once
    assert sum(r.orders_inserted for r in results) == len(_shop_rows(sb))
    _assert_equal_to_shop(sb, warehouse_engine)
    assert sorted(h.order_id for h in _history(warehouse_engine)) == sorted(_shop_rows(sb))
    assert _hwm(warehouse_engine) == _max_id(sb)
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_sync_state.c.lock_holder)).scalar_one() is None


def test_backfill_equals_incremental(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    now = _now(sb)
    _sync(sb, warehouse_engine, now)
    max_id = _max_id(sb)
    client = _client(sb)
    try:
        sync = OrderSync(client, warehouse_engine, _options(shop="bf"), now=lambda: now)
        low = sync.backfill(40, 120)
        assert low.hwm_before == low.hwm_after == 0 and low.api_calls == 81
        rest = [sync.backfill(1, 39), sync.backfill(121, max_id)]
    finally:
        client.close()
    assert _hwm(warehouse_engine, "bf") == 0  # backfill never moves the mark
    incremental, backfilled = _warehouse_rows(warehouse_engine), _warehouse_rows(warehouse_engine, "bf")
    assert low.orders_inserted == len([i for i in incremental if 40 <= i <= 120])
    assert low.orders_inserted + sum(r.orders_inserted for r in rest) == len(incremental)
    assert backfilled == incremental
    t = opencart_orders
    with warehouse_engine.connect() as conn:
        hashes = {
            (r.shop, r.order_id): (r._hash, r._raw)
            for r in conn.execute(sa.select(t.c.shop, t.c.order_id, t.c._hash, t.c._raw))
        }
    for oid in incremental:
        assert hashes[("bf", oid)] == hashes[("sb", oid)]
    assert sorted(h.order_id for h in _history(warehouse_engine, "bf")) == sorted(incremental)


@pytest.mark.parametrize(
    ("cut", "restore", "error"),
    [
        ("disable_api_user", "enable_api_user", AuthenticationError),
        ("revoke_ip", "allow_ip", IPNotAllowedError),
    ],
)
def test_access_lost_mid_run_ends_clearly_and_rerun_completes_exactly(
    sb: Sandbox, warehouse_engine: sa.Engine, cut: str, restore: str, error: type[Exception]
) -> None:
    now = _now(sb)
    batches: list[int] = []

    def lose_access(last_id: int) -> None:
        batches.append(last_id)
        if len(batches) == 1:
            getattr(sb, cut)()

    with pytest.raises(error) as info:
        _sync(sb, warehouse_engine, now, after_batch=lose_access)
    assert sb.api_key not in str(info.value)
    # each batch committed carries its mark, nothing beyond the last one is loaded, the lock is free.
    # Reads run up to a batch ahead of the commits: batches read in full before the access was cut
    # still commit; the run stops at the first read refused.
    assert batches[-1] < _max_id(sb)
    assert _hwm(warehouse_engine) == _hwm_before_of(batches[-1], sb)
    assert max(_warehouse_rows(warehouse_engine)) <= batches[-1]
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_sync_state.c.lock_holder)).scalar_one() is None
    if restore == "allow_ip":
        sb.allow_ip("127.0.0.1")
    else:
        getattr(sb, restore)()
    result = _sync(sb, warehouse_engine, now)
    assert result.hwm_after == _max_id(sb)
    _assert_equal_to_shop(sb, warehouse_engine)
    assert sorted(h.order_id for h in _history(warehouse_engine)) == sorted(_shop_rows(sb))


def test_transient_faults_are_retried_and_counted(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    rules = [
        FaultRule("http_503", route=INFO, every=9, retry_after=0),
        FaultRule("truncated_json", route=INFO, every=13),
        FaultRule("reset_before", route=INFO, every=17),
    ]
    sb.set_faults(FaultSchedule(rules, seed=1))
    # a fault on about one request in four: with 4 workers interleaving, one read can meet several
    # faults in a row, so the budget of attempts is raised for this test (the count is what is pinned)
    patient = RetryPolicy(max_attempts=12, initial_backoff=0.01, jitter=0.0)
    result = _sync(sb, warehouse_engine, _now(sb), retry=patient)
    fired = sum(r.fired for r in rules)
    assert fired > 0 and all(r.fired for r in rules)
    assert result.retries == fired == result.as_metadata()["retries"]
    assert sb.request_count(INFO) == result.api_calls + fired == _max_id(sb) + GAP + fired
    _assert_equal_to_shop(sb, warehouse_engine)


ADMIN_HISTORY_SQL = """
SELECT oh.order_id, oh.date_added, oh.comment, os.name AS status, oh.notify
FROM oc_order_history oh
JOIN oc_order_status os ON os.order_status_id = oh.order_status_id AND os.language_id = 1
"""


def _shop_admin_history(sb: Sandbox) -> list[tuple[int, date, str, str, bool]]:
    return sorted(
        (
            int(r["order_id"]),
            datetime.fromisoformat(r["date_added"]).date(),
            html.unescape(r["status"]),
            html.unescape(r["comment"]),  # stored escaped by the shop; the warehouse keeps plain text
            bool(r["notify"]),
        )
        for r in sb.query(ADMIN_HISTORY_SQL)
    )


def _warehouse_admin_history(engine: sa.Engine) -> list[tuple[int, date, str, str, bool]]:
    return sorted(
        (h.order_id, h.changed_on, h.order_status, h.comment, h.notify)
        for h in _history(engine)
        if h.source == "admin"
    )


def test_admin_history_equals_the_shops_history_idempotently(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = _now(sb)
    client = _client(sb)
    admin = AdminClient(
        sb.url,
        username=sb.admin_username,
        password=Secret(sb.admin_password),
        allow_insecure_http=True,
        rate_limit=FAST,
        retry=QUICK_RETRY,
    )
    try:
        sync = OrderSync(client, warehouse_engine, _options(), admin=admin, now=lambda: now)
        sync.run()
        assert _warehouse_admin_history(warehouse_engine) == _shop_admin_history(sb)
        changed = _open_ids(sb, 1)[0]
        sb.clock.advance(60)
        sb.set_order_status(changed, 7, comment="Canceled &amp; refunded", notify=True)
        before = sb.request_count("sale/order/history")
        result = sync.run()
        # only the changed order's admin history is read again; its new row is added once
        assert sb.request_count("sale/order/history") - before == 1
        assert result.history_rows == 2  # one observed, one admin
    finally:
        admin.close()
        client.close()
    assert _warehouse_admin_history(warehouse_engine) == _shop_admin_history(sb)
    mine = [h for h in _warehouse_admin_history(warehouse_engine) if h[0] == changed]
    assert ("Canceled", "Canceled & refunded", True) in {(h[2], h[3], h[4]) for h in mine}
    with warehouse_engine.connect() as conn:
        dump = "\n".join(str(r) for r in conn.execute(sa.select(opencart_order_history)))
    assert sb.admin_password not in dump


def test_sigkilled_sync_then_rerun_is_exact(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    now = _now(sb)
    schema = ""
    if warehouse_engine.dialect.name == "postgresql":
        with warehouse_engine.connect() as conn:
            schema = str(conn.execute(sa.text("SELECT current_schema()")).scalar_one())
    script = "tests.sync.killed_sandbox_sync"
    url = warehouse_engine.url.render_as_string(hide_password=False)
    env = os.environ | {"OC_TEST_SANDBOX_KEY": sb.api_key}
    proc = subprocess.run(
        [sys.executable, "-m", script, url, schema, sb.url, "120", now.isoformat()],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    with warehouse_engine.connect() as conn:
        holder = conn.execute(sa.select(opencart_sync_state.c.lock_holder)).scalar_one()
    assert holder is not None  # the killed process never released its lock
    killed_hwm = _hwm(warehouse_engine)
    loaded = _warehouse_rows(warehouse_engine)
    assert 0 < killed_hwm < _max_id(sb) and max(loaded) == killed_hwm
    assert loaded == _shop_rows(sb, skip=frozenset(i for i in _shop_rows(sb) if i > killed_hwm))
    # the rerun takes over the dead process's lock and completes exactly
    result = _sync(sb, warehouse_engine, now)
    assert result.hwm_before == killed_hwm and result.hwm_after == _max_id(sb)
    _assert_equal_to_shop(sb, warehouse_engine)
    assert sorted(h.order_id for h in _history(warehouse_engine)) == sorted(_shop_rows(sb))


def test_old_final_order_deleted_is_found_by_full_and_cleared_when_back(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = _now(sb)
    _sync(sb, warehouse_engine, now)
    since = (now - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    old = sb.query(
        "SELECT * FROM oc_order WHERE order_status_id = 5 AND date_added < ? ORDER BY order_id LIMIT 1",
        (since,),
    )[0]
    gone = int(old["order_id"])
    sb.execute("CREATE TABLE backup_order AS SELECT * FROM oc_order WHERE order_id = ?", (gone,))
    sb.delete_order(gone)
    # an incremental run does not re-read an old, final order: it cannot notice the deletion
    assert _sync(sb, warehouse_engine, now).orders_deleted == 0
    assert gone in _warehouse_rows(warehouse_engine)
    full = _sync(sb, warehouse_engine, now, full=True)
    assert full.orders_deleted == 1 and full.api_calls == len(_shop_rows(sb)) + 1 + GAP
    assert gone not in _warehouse_rows(warehouse_engine) and gone in _warehouse_rows(
        warehouse_engine, deleted=True
    )
    # the order comes back (restored from a backup): it is seen again and no longer deleted
    sb.execute("INSERT INTO oc_order SELECT * FROM backup_order")
    assert _sync(sb, warehouse_engine, now, full=True).orders_deleted == 0
    _assert_equal_to_shop(sb, warehouse_engine)


def test_cli_sync_against_the_sandbox_with_the_admin_channel(sb: Sandbox, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from oc_connector.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {
        "OPENCART_URL": sb.url,
        "OPENCART_API_KEY": sb.api_key,
        "OPENCART_ADMIN_USERNAME": sb.admin_username,
        "OPENCART_ADMIN_PASSWORD": sb.admin_password,
        "OPENCART_ALLOW_INSECURE_HTTP": "1",
        "WAREHOUSE_URL": url,
    }
    args = ["sync", "--shop", "sb", "--gap-tolerance", str(GAP), "--rate", "1000"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    n = len(_shop_rows(sb))
    assert f"shop sb: {n} new, 0 changed" in result.output
    assert f"high-water mark 0 -> {_max_id(sb)}" in result.output
    assert sb.api_key not in result.output and sb.admin_password not in result.output
    engine = sa.create_engine(url)
    try:
        _assert_equal_to_shop(sb, engine)
        assert _warehouse_admin_history(engine) == _shop_admin_history(sb)
    finally:
        engine.dispose()
