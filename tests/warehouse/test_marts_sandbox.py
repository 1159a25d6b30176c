"""The marts agree with SQL over the sandbox shop's own tables after a real sync (SQLite, PostgreSQL).

The sync runs with admin credentials, so the order lines and totals are loaded too.

The sandbox keeps money as decimal text: its sums in Python Decimal are the truth the marts must
meet exactly. The sync reads the shop's processing and complete statuses from its admin settings
page and records them (opencart_revenue_statuses).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa

import oc_connector.warehouse.marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.admin.client import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector_sandbox import Sandbox

Q = Decimal("0.0001")


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox.start(orders=60, seed=23, php_notices=False, catalogue=True)
    try:
        # a refund and a chargeback beside the generated statuses; Pending orders stay revenue (shop default)
        ids = [int(r["order_id"]) for r in sandbox.query(
            "SELECT order_id FROM oc_order WHERE order_status_id = 5 ORDER BY order_id LIMIT 2")]
        sandbox.set_order_status(ids[0], 11)
        sandbox.set_order_status(ids[1], 13)
        yield sandbox
    finally:
        sandbox.stop()


def _sync(sb: Sandbox, engine: sa.Engine) -> None:
    fast = RateLimit(per_second=1000, burst=1000)
    retry = RetryPolicy(initial_backoff=0.01, jitter=0.0)
    client = OpenCartClient(
        sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True,
        rate_limit=fast, retry=retry,
    )
    admin = AdminClient(
        sb.url, username=sb.admin_username, password=Secret(sb.admin_password), allow_insecure_http=True,
        rate_limit=fast, retry=retry,
    )
    try:
        options = SyncOptions(shop="sb", workers=2, batch_size=50, admin_history=False)
        OrderSync(client, engine, options, admin=admin, now=lambda: datetime(2030, 1, 1)).run()
    finally:
        client.close()
        admin.close()


def _shop_orders(sb: Sandbox) -> list[dict[str, Any]]:
    statuses = {int(s) for k in ("config_processing_status", "config_complete_status")
                for s in sb.state.get_setting(k, [])}
    rows = sb.query(
        "SELECT order_id, order_status_id, currency_code, currency_value, total, customer_id, email,"
        " substr(date_added, 1, 10) AS day FROM oc_order WHERE order_status_id > 0"
    )
    for row in rows:
        row["revenue"] = int(row["order_status_id"]) in statuses
        row["refund"] = int(row["order_status_id"]) in (11, 13)
        row["total"] = Decimal(row["total"])
        in_currency = row["total"] * Decimal(row["currency_value"])
        row["in_currency"] = in_currency.quantize(Q, rounding=ROUND_HALF_UP)
    return rows


def _exact(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Q)


@pytest.fixture
def synced(sb: Sandbox, warehouse_engine: sa.Engine) -> sa.Engine:
    _sync(sb, warehouse_engine)
    return warehouse_engine


def test_daily_sales_equal_the_shop_tables(sb: Sandbox, synced: sa.Engine) -> None:
    truth: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 6 + [0, 0, 0])
    for o in _shop_orders(sb):
        t = truth[(o["day"], o["currency_code"])]
        t[6] += 1
        if o["revenue"]:
            t[7] += 1
            t[2] += o["in_currency"]
            t[5] += o["total"]
        if o["refund"]:
            t[8] += 1
            t[1] += o["in_currency"]
            t[4] += o["total"]
        if o["revenue"] or o["refund"]:
            t[0] += o["in_currency"]
            t[3] += o["total"]
    expected = [
        (day, cur, t[6], t[7], t[8], *(v.quantize(Q) for v in t[:6]))
        for (day, cur), t in sorted(truth.items())
    ]
    with synced.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT CAST(day AS VARCHAR(10)), currency_code, SUM(orders), SUM(revenue_orders),"
            " SUM(refunded_orders), SUM(gross_order_currency), SUM(refunds_order_currency),"
            " SUM(net_order_currency), SUM(gross_default_currency), SUM(refunds_default_currency),"
            " SUM(net_default_currency) FROM mart_daily_sales GROUP BY 1, 2 ORDER BY 1, 2"
        )).all()
    got = [(d, c, int(n), int(r), int(f), *(_exact(v) for v in vs)) for d, c, n, r, f, *vs in rows]
    assert got == expected
    assert sum(e[3] for e in expected) > 10 and sum(e[4] for e in expected) >= 2
    assert sum(e[2] for e in expected) > sum(e[3] for e in expected)  # canceled/failed orders are left out


def test_customer_lifetime_value_equals_the_shop_tables(sb: Sandbox, synced: sa.Engine) -> None:
    truth: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Decimal(0)])
    for o in _shop_orders(sb):
        key = f"customer:{o['customer_id']}" if int(o["customer_id"]) > 0 else f"guest:{o['email'].lower()}"
        truth[key][0] += 1
        if o["revenue"]:
            truth[key][1] += 1
            truth[key][2] += o["total"]
    with synced.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT customer_key, orders, revenue_orders, lifetime_value_default_currency FROM mart_customers"
            " WHERE shop = 'sb' ORDER BY customer_key"
        )).all()
    assert [(k, n, r, _exact(v)) for k, n, r, v in rows] == [
        (k, n, r, v.quantize(Q)) for k, (n, r, v) in sorted(truth.items())
    ]


def _shown(value: Any, rate: Any) -> Decimal:
    """Money as the admin pages display it: in the order currency, to the cent (spec 10.7)."""
    return (Decimal(str(value)) * Decimal(str(rate))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_sales_by_product_equal_the_shop_order_lines(sb: Sandbox, synced: sa.Engine) -> None:
    revenue = {o["order_id"]: o for o in _shop_orders(sb) if o["revenue"]}
    truth: dict[tuple[int, str], list[Any]] = defaultdict(lambda: [set(), 0, Decimal(0)])
    for p in sb.query("SELECT order_id, product_id, quantity, total, tax FROM oc_order_product"):
        order = revenue.get(p["order_id"])
        if order is None:
            continue
        t = truth[(int(p["product_id"]), order["currency_code"])]
        t[0].add(p["order_id"])
        t[1] += int(p["quantity"])
        t[2] += _shown(Decimal(p["total"]) + Decimal(p["tax"]) * int(p["quantity"]), order["currency_value"])
    with synced.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT product_id, currency_code, orders, units, revenue_order_currency, details_loaded"
            " FROM mart_sales_by_product WHERE shop = 'sb' ORDER BY product_id, currency_code"
        )).all()
    assert len(truth) > 5
    assert [(p, c, n, u, _exact(r), bool(d)) for p, c, n, u, r, d in rows] == [
        (p, c, len(t[0]), t[1], t[2].quantize(Q), True) for (p, c), t in sorted(truth.items())
    ]


def test_tax_and_shipping_equal_the_shop_order_totals(sb: Sandbox, synced: sa.Engine) -> None:
    revenue = {o["order_id"]: o for o in _shop_orders(sb) if o["revenue"]}
    truth: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for o in revenue.values():
        truth[(o["day"], o["currency_code"])][0] += 1
    for t in sb.query("SELECT order_id, code, value FROM oc_order_total WHERE code IN ('tax', 'shipping')"):
        order = revenue.get(t["order_id"])
        if order is not None:
            slot = 1 if t["code"] == "tax" else 2
            truth[(order["day"], order["currency_code"])][slot] += _shown(t["value"], order["currency_value"])
    with synced.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT CAST(day AS VARCHAR(10)), currency_code, SUM(revenue_orders), SUM(tax_order_currency),"
            " SUM(shipping_order_currency), MIN(CASE WHEN details_loaded THEN 1 ELSE 0 END)"
            " FROM mart_tax_shipping WHERE shop = 'sb' GROUP BY 1, 2 ORDER BY 1, 2"
        )).all()
    assert sum(t[1] for t in truth.values()) > 0
    assert [(d, c, int(n), _exact(tax), _exact(ship), int(ok)) for d, c, n, tax, ship, ok in rows] == [
        (d, c, t[0], t[1].quantize(Q), t[2].quantize(Q), 1) for (d, c), t in sorted(truth.items())
    ]
