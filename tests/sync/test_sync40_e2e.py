"""End to end on OpenCart 4.0: the sync against a started 4.0 sandbox shop, into SQLite and PostgreSQL.

4.0 has no API order read: orders, lines, totals and history come from the admin pages. Every
expectation is computed from the sandbox's own tables (``oc_order`` and the tables its pages join
in, ``oc_order_product``, ``oc_order_total``, ``oc_order_history``), with what the 4.0 pages cannot
show as documented (warehouse/README.md, "OpenCart 4.0 shops"): days instead of timestamps, NULL
for the columns no 4.0 page shows, totals to the cent of the order currency.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.admin40 import Admin40Client, AdminOrderReader
from oc_connector.api.client import OpenCartClient
from oc_connector.api.order_fields import INT_FIELDS, JSON_FIELDS, TEXT_FIELDS
from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.warehouse.details_schema import opencart_customers, opencart_products
from oc_connector.warehouse.orders_schema import opencart_order_history, opencart_orders, opencart_quarantine
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox
from tests.sync.test_e2e_details import (
    _rows,
    _shop_lines,
    _shop_totals,
    _shop_vouchers,
    _warehouse_lines,
    _warehouse_totals,
    _warehouse_vouchers,
)

ORDERS = 40
FAST = RateLimit(per_second=1000, burst=1000)
QUICK_RETRY = RetryPolicy(initial_backoff=0.01, jitter=0.0)
INFO = "sale/order.info"
CENT = Decimal("0.01")
# columns no 4.0 page shows: NULL in the warehouse
NOT_SHOWN = frozenset({
    "store_url", "language_id", "currency_id", "payment_zone_code", "shipping_zone_code",
    "payment_iso_code_2", "payment_iso_code_3", "shipping_iso_code_2", "shipping_iso_code_3",
    "payment_address_format", "shipping_address_format", *JSON_FIELDS,
})  # fmt: skip
SHOP_ORDERS_SQL = """
SELECT o.*, s.name AS order_status, l.code AS language_code
FROM oc_order o
LEFT JOIN oc_order_status s ON s.order_status_id = o.order_status_id AND s.language_id = 1
LEFT JOIN oc_language l ON l.language_id = o.language_id
ORDER BY o.order_id
"""
HISTORY_SQL = """
SELECT oh.order_id, oh.date_added, oh.comment, os.name AS status, oh.notify
FROM oc_order_history oh
JOIN oc_order_status os ON os.order_status_id = oh.order_status_id AND os.language_id = 1
"""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=ORDERS, seed=5, catalogue=True, version="4.0") as sandbox:
        yield sandbox


def _rates(sb: Sandbox) -> dict[str, str]:
    """The shop's currency rates (what a caller configures: the 4.0 pages show none)."""
    return {r["code"]: r["value"] for r in sb.query("SELECT code, value FROM oc_currency")}


def _admin(sb: Sandbox, retry: RetryPolicy = QUICK_RETRY) -> Admin40Client:
    return Admin40Client(sb.url, username=sb.admin_username, password=sb.admin_password,
                         allow_insecure_http=True, rate_limit=FAST, retry=retry)


def _options(sb: Sandbox, **kw: Any) -> SyncOptions:
    base: dict[str, Any] = {"shop": "sb", "workers": 4, "batch_size": 10, "currency_values": _rates(sb)}
    return SyncOptions(**(base | kw))


def _sync(sb: Sandbox, engine: sa.Engine, *, now: datetime, retry: RetryPolicy = QUICK_RETRY,
          after_batch: Any = None, **kw: Any) -> SyncResult:
    """A sync given the catalog client (which finds the version at its login) and the 4.0 admin."""
    api = OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username,
                         allow_insecure_http=True, rate_limit=FAST, retry=retry)
    admin = _admin(sb, retry)
    try:
        return OrderSync(api, engine, _options(sb, **kw), admin=admin, now=lambda: now,
                         after_batch=after_batch).run()
    finally:
        api.close()
        admin.close()


def _now(sb: Sandbox) -> datetime:
    return sb.clock.now() + timedelta(minutes=5)


def _day(stamp: str) -> datetime:
    return datetime.combine(datetime.fromisoformat(stamp).date(), datetime.min.time())


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    """What one oc_order row becomes in opencart_orders from a 4.0 shop (money compared as shown)."""
    out: dict[str, Any] = {"order_id": int(row["order_id"])}
    for name in INT_FIELDS:
        out[name] = None if name in NOT_SHOWN else int(row[name])
    for name in TEXT_FIELDS:
        out[name] = None if name in NOT_SHOWN else html.unescape(str(row[name] or ""))
    for name in JSON_FIELDS:
        out[name] = None
    out["commission"] = Decimal(str(row["commission"]))
    out["currency_value"] = Decimal(str(row["currency_value"]))
    out["total_shown"] = _shown(row["total"], row["currency_value"])
    for name in ("date_added", "date_modified"):
        out[name] = out[f"{name}_utc"] = _day(row[name])  # the pages show the day; the shop runs on UTC
    return out


def _shown(value: Any, rate: Any) -> Decimal:
    return (Decimal(str(value)) * Decimal(str(rate))).quantize(CENT, rounding=ROUND_HALF_UP)


def _shop_orders(sb: Sandbox) -> dict[int, dict[str, Any]]:
    return {int(r["order_id"]): _expected(r) for r in sb.query(SHOP_ORDERS_SQL)}


def _warehouse_orders(engine: sa.Engine) -> dict[int, dict[str, Any]]:
    t = opencart_orders
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t).where(t.c.shop == "sb", t.c._deleted_at.is_(None)).order_by(t.c.order_id)
        ).mappings().all()
    out = {}
    for r in rows:
        rec = {k: r[k] for k in r if not k.startswith("_") and k not in ("shop", "total")}
        for name in JSON_FIELDS:
            rec[name] = json.loads(rec[name]) if rec[name] is not None else None
        known = r["total"] is not None and r["currency_value"] is not None
        rec["total_shown"] = _shown(r["total"], r["currency_value"]) if known else None
        out[int(r["order_id"])] = rec
    return out


def _shop_history(sb: Sandbox) -> Counter[tuple[int, date, str, str, bool]]:
    return Counter(
        (int(r["order_id"]), datetime.fromisoformat(r["date_added"]).date(), html.unescape(r["status"]),
         html.unescape(r["comment"]), bool(r["notify"]))
        for r in sb.query(HISTORY_SQL)
    )


def _history(engine: sa.Engine) -> list[Any]:
    h = opencart_order_history
    with engine.connect() as conn:
        return list(conn.execute(sa.select(h).where(h.c.shop == "sb").order_by(h.c.order_id, h.c.id)))


def _warehouse_history(engine: sa.Engine) -> Counter[tuple[int, date, str, str, bool]]:
    return Counter(
        (h.order_id, h.changed_on, h.order_status, h.comment, h.notify) for h in _history(engine)
        if h.source == "admin"
    )


def _as_read(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    """Every invoice number reads, whichever order is read first (the shop's prefix has the default shape)."""
    return expected


def _assert_equal_to_shop(sb: Sandbox, engine: sa.Engine) -> None:
    shop, wh = _shop_orders(sb), _warehouse_orders(engine)
    assert sorted(wh) == sorted(shop)
    for oid, expected in shop.items():
        assert wh[oid] == _as_read(expected, wh[oid]), oid
    # a deleted order keeps its detail and history rows (filtered on opencart_orders._deleted_at)
    assert [r for r in _warehouse_lines(engine) if r[0] in wh] == _shop_lines(sb, uploads_by_name=True)
    assert [r for r in _warehouse_totals(engine) if r[0] in wh] == _shop_totals(sb)
    # a 4.0 order page links no sold voucher: voucher_id is NULL
    vouchers = [(v[0], None, *v[2:]) for v in _shop_vouchers(sb)]
    assert [r for r in _warehouse_vouchers(engine) if r[0] in wh] == vouchers
    history = _warehouse_history(engine)
    assert Counter({k: n for k, n in history.items() if k[0] in wh}) == _shop_history(sb)
    observed = [h for h in _history(engine) if h.source == "observed"]
    live = {(oid, r["order_status_id"], r["date_modified"]) for oid, r in wh.items()}
    assert live <= {(h.order_id, h.order_status_id, h.changed_at) for h in observed}


def _max_id(sb: Sandbox) -> int:
    return int(sb.query("SELECT MAX(order_id) AS m FROM oc_order")[0]["m"])


def _open_ids(sb: Sandbox, n: int) -> list[int]:
    rows = sb.query(
        "SELECT order_id FROM oc_order WHERE order_status_id IN (1, 2, 3) ORDER BY order_id LIMIT ?", (n,)
    )
    return [int(r["order_id"]) for r in rows]


def test_a_full_sync_equals_the_shops_tables_and_reads_each_order_page_once(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    result = _sync(sb, warehouse_engine, now=_now(sb))

    _assert_equal_to_shop(sb, warehouse_engine)
    assert (result.version, result.details) == ("4.0", "loaded")
    assert result.dimensions.startswith("not refreshed: OpenCart 4.0")
    assert result.revenue_statuses.startswith("not read: OpenCart 4.0")
    assert result.orders_inserted == len(_shop_orders(sb)) and result.hwm_after == _max_id(sb)
    # one page per id up to the newest listed (no probe past it; every currency's rate was given)
    assert sb.request_count(INFO) == _max_id(sb)
    assert sb.request_count("sale/order.history") == 0  # the page embeds the history
    assert sb.request_count("sale/order.invoice") == 0  # the details come from the same page
    assert sb.request_count("api/order/info") == 0
    # the list pages the run read gave every order its date_modified: no list read per order
    assert sb.request_count("sale/order.list") == result.list_requests
    assert result.list_requests < len(_shop_orders(sb)) / 2
    assert result.admin_requests == sum(sb.request_count(r) for r in (
        INFO, "sale/order.list", "common/login", "common/login.login"))
    for table in (opencart_products, opencart_customers):
        assert _rows(warehouse_engine, table, "shop") == []  # not refreshed on 4.0
    assert result.as_metadata()["version"] == "4.0"


def test_an_incremental_run_picks_up_a_status_change_a_new_order_and_a_delete(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = _now(sb)
    _sync(sb, warehouse_engine, now=now)
    changed, gone = _open_ids(sb, 2)
    sb.clock.advance(60)
    sb.set_order_status(changed, 5, comment="Shipped &amp; done", notify=True)
    sb.delete_order(gone)
    (new,) = sb.add_orders(1)
    stamp = sb.clock.stamp()  # made now, as a new order is
    sb.execute("UPDATE oc_order SET date_added = ?, date_modified = ? WHERE order_id = ?",
               (stamp, stamp, new))
    before = sb.request_count(INFO)

    again = _sync(sb, warehouse_engine, now=now + timedelta(minutes=2))

    _assert_equal_to_shop(sb, warehouse_engine)
    assert (again.orders_inserted, again.orders_updated, again.orders_deleted) == (1, 1, 1)
    assert again.hwm_after == new == _max_id(sb)
    # the changed, the gone (answers not-found) and the new order: one page each
    assert sb.request_count(INFO) - before == 3
    mine = {(h[2], h[3], h[4]) for h in _warehouse_history(warehouse_engine) if h[0] == changed}
    assert ("Complete", "Shipped & done", True) in mine
    t = opencart_orders
    with warehouse_engine.connect() as conn:
        deleted = conn.execute(sa.select(t.c._deleted_at).where(t.c.order_id == gone)).scalar_one()
    assert deleted is not None

    quiet = _sync(sb, warehouse_engine, now=now + timedelta(minutes=4))
    assert (quiet.orders_inserted, quiet.orders_updated, quiet.orders_deleted) == (0, 0, 0)
    # the list shows days: only what changed today, read today, is read once more
    today = sb.clock.stamp()[:10]
    assert quiet.ids_read == sum(1 for r in sb.query("SELECT date_modified FROM oc_order")
                                 if r["date_modified"][:10] == today)
    _assert_equal_to_shop(sb, warehouse_engine)


class Crash(RuntimeError):
    pass


def test_a_crash_between_batches_then_a_resume_gives_the_same_warehouse(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    now = _now(sb)
    batches: list[int] = []

    def boom(last_id: int) -> None:
        batches.append(last_id)
        if len(batches) == 2:
            raise Crash(f"injected after the batch ending at {last_id}")

    with pytest.raises(Crash):
        _sync(sb, warehouse_engine, now=now, after_batch=boom)
    assert max(_warehouse_orders(warehouse_engine)) <= batches[-1]

    resumed = _sync(sb, warehouse_engine, now=now)

    assert resumed.hwm_after == _max_id(sb)
    _assert_equal_to_shop(sb, warehouse_engine)
    assert sum(1 for h in _history(warehouse_engine) if h.source == "observed") == len(_shop_orders(sb))


def test_a_5xx_burst_and_an_expired_admin_session_still_converge(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    rules = [FaultRule("http_503", route=INFO, every=7, retry_after=0),
             FaultRule("http_502", route="sale/order.list", count=2)]
    sb.set_faults(FaultSchedule(rules, seed=3))
    admin_app = sb.app._admin_app()

    def expire(_last_id: int) -> None:
        if not expired:  # once: the shop forgets every admin session
            expired.append(_last_id)
            admin_app._sessions.clear()

    expired: list[int] = []

    patient = RetryPolicy(max_attempts=6, initial_backoff=0.01, jitter=0.0)
    result = _sync(sb, warehouse_engine, now=_now(sb), retry=patient, after_batch=expire)

    assert all(r.fired for r in rules)
    assert result.retries >= sum(r.fired for r in rules)
    assert expired and sb.request_count("common/login.login") >= 2  # logged in again after the expiry
    _assert_equal_to_shop(sb, warehouse_engine)
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(opencart_quarantine)).scalar_one() == 0


def test_an_unreadable_order_page_is_quarantined_and_loads_once_fixed(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    # a line whose product id is not a number: the order's page does not parse, its list row does
    bad = _open_ids(sb, 1)[0]
    line = sb.query("SELECT order_product_id, product_id FROM oc_order_product WHERE order_id = ? LIMIT 1",
                    (bad,))[0]
    sb.execute("UPDATE oc_order_product SET product_id = 'x' WHERE order_product_id = ?",
               (line["order_product_id"],))
    now = _now(sb)

    result = _sync(sb, warehouse_engine, now=now)

    assert result.quarantined == 1 and result.hwm_after == _max_id(sb)
    with warehouse_engine.connect() as conn:
        held = conn.execute(sa.select(opencart_quarantine.c.entity_id, opencart_quarantine.c.reason)).all()
    assert [h[0] for h in held] == [str(bad)] and held[0][1].startswith("sale/order.info unreadable")
    assert bad not in _warehouse_orders(warehouse_engine)

    sb.execute("UPDATE oc_order_product SET product_id = ? WHERE order_product_id = ?",
               (line["product_id"], line["order_product_id"]))
    _sync(sb, warehouse_engine, now=now + timedelta(minutes=1))
    _assert_equal_to_shop(sb, warehouse_engine)
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_quarantine.c.resolved)).scalars().all() == [True]


def test_without_rates_a_foreign_currency_order_has_no_total_and_the_default_currency_rate_is_1(
    sb: Sandbox, sqlite_engine: sa.Engine
) -> None:
    _sync(sb, sqlite_engine, now=_now(sb), currency_values=None)

    wh = _warehouse_orders(sqlite_engine)
    with sqlite_engine.connect() as conn:
        totals = dict(conn.execute(sa.select(opencart_orders.c.order_id, opencart_orders.c.total)).all())
    shop = sb.query("SELECT order_id, currency_code, total FROM oc_order")
    assert {r["currency_code"] for r in shop} >= {"USD", "EUR"}
    for r in shop:
        got = wh[int(r["order_id"])]
        if r["currency_code"] == "USD":  # the shop's default: rate 1, the total as the page shows it
            assert got["currency_value"] == 1
            assert Decimal(str(totals[r["order_id"]])) == _shown(r["total"], 1)
        else:
            assert got["currency_value"] is None and totals[r["order_id"]] is None


def test_a_4_0_shop_without_admin_credentials_is_refused_naming_the_variables(
    sb: Sandbox, sqlite_engine: sa.Engine
) -> None:
    api = OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True)
    try:
        with pytest.raises(ConfigurationError) as info:
            OrderSync(api, sqlite_engine, SyncOptions(shop="sb")).run()
    finally:
        api.close()
    assert "OPENCART_ADMIN_USERNAME" in str(info.value) and "OPENCART_ADMIN_PASSWORD" in str(info.value)
    assert api.version is ShopVersion.V4_0  # found at the login, before anything was read
    assert sb.request_count(INFO) == 0


def test_a_reader_given_as_the_client_needs_no_catalog_login(sb: Sandbox, sqlite_engine: sa.Engine) -> None:
    admin = _admin(sb)
    try:
        reader = AdminOrderReader(admin, currency_values=_rates(sb), cache_size=64)
        result = OrderSync(reader, sqlite_engine, _options(sb), admin=admin, now=lambda: _now(sb)).run()
    finally:
        admin.close()
    assert result.version == "4.0"
    assert sb.request_count("api/account/login") == sb.request_count("api/login") == 0
    _assert_equal_to_shop(sb, sqlite_engine)


def test_the_recorded_4_0_2_3_shop_loads_equal_to_its_tables_with_its_defects_normalised(
    warehouse_engine: sa.Engine,
) -> None:
    with Sandbox.start(fixtures="recorded", version="4.0") as shop:
        result = _sync(shop, warehouse_engine, now=_now(shop), batch_size=50)
        _assert_equal_to_shop(shop, warehouse_engine)
        stored = {int(r["order_id"]): r for r in shop.query("SELECT * FROM oc_order")}
    assert result.quarantined == 0 and result.orders_inserted == len(stored)
    wh = _warehouse_orders(warehouse_engine)
    # 4.0.2.3 never copies the payment first name of an API order: kept empty, as stored
    empty = {oid for oid, r in stored.items() if r["payment_firstname"] == ""}
    assert empty and {oid for oid, r in wh.items() if r["payment_firstname"] == ""} == empty
    # "&amp;amp;" on the admin page is the stored row's; unescaped once, as every text
    doubled = [oid for oid, r in stored.items() if "&amp;amp;" in r["payment_company"]]
    assert doubled and all(wh[oid]["payment_company"] == "Smith &amp; Sons Ltd" for oid in doubled)
    # the JSON methods: the name in *_method, the extension.option code in *_code
    assert {r["payment_code"] for r in wh.values()} >= {"bank_transfer.bank_transfer", "cod.cod"}
    assert all("{" not in (r["payment_method"] or "") for r in wh.values())


def test_a_backfill_of_an_id_range_reads_exactly_that_range_and_keeps_the_mark(
    sb: Sandbox, sqlite_engine: sa.Engine
) -> None:
    admin = _admin(sb)
    try:
        sync = OrderSync(admin, sqlite_engine, _options(sb), admin=admin, now=lambda: _now(sb))
        result = sync.backfill(5, 14)
    finally:
        admin.close()
    shop = {oid: row for oid, row in _shop_orders(sb).items() if 5 <= oid <= 14}
    assert (result.version, result.hwm_before, result.hwm_after) == ("4.0", 0, 0)
    assert result.ids_read == 10 and sb.request_count(INFO) == 10
    wh = _warehouse_orders(sqlite_engine)
    assert sorted(wh) == sorted(shop)
    assert all(wh[oid] == _as_read(row, wh[oid]) for oid, row in shop.items())
    lines = _shop_lines(sb, uploads_by_name=True)
    assert _warehouse_lines(sqlite_engine) == [r for r in lines if r[0] in shop]
