"""``query`` results equal the shop's own tables (the sandbox's SQLite store) for a set of filters.

Orders are queried on the admin list and on the synced warehouse; products and customers on the
admin lists. The expected rows are computed from ``oc_order`` / ``oc_product`` / ``oc_customer`` with
the filters' documented meaning.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.resources import Customers, Orders, Products
from oc_connector.sync.options import SyncOptions
from oc_connector.sync.run import OrderSync
from oc_connector_sandbox import Sandbox
from oc_connector_sandbox.admin_orders import fold

FILTERS: list[dict[str, Any]] = [
    {},
    {"status": 5},
    {"status": [1, 2]},
    {"status": 0},
    {"customer": "an"},
    {"date_added_from": date(2026, 3, 1), "date_added_to": date(2026, 6, 30)},
    {"date_added_from": date(2026, 10, 1)},
    {"date_modified_from": date(2026, 3, 21), "date_modified_to": date(2026, 3, 21)},
    {"date_modified_to": date(2026, 2, 1), "status": [2, 3, 5]},
    {"email": "ALICE.30@example.com"},
    {"total_min": "200", "total_max": "1000", "store": 0},
    {"customer": "a", "status": 5, "date_added_from": date(2026, 1, 1), "total_max": 900},
]


def _expected(sb: Sandbox, f: dict[str, Any], *, name: Any = fold) -> list[int]:
    out = []
    for row in sb.query("SELECT * FROM oc_order ORDER BY order_id DESC"):
        added, modified = (date.fromisoformat(row[c][:10]) for c in ("date_added", "date_modified"))
        statuses = f.get("status")
        statuses = [statuses] if isinstance(statuses, int) else statuses
        checks = [
            row["order_status_id"] in statuses if statuses is not None else row["order_status_id"] > 0,
            "customer" not in f or name(f["customer"]) in name(f"{row['firstname']} {row['lastname']}"),
            "email" not in f or row["email"].lower() == f["email"].lower(),
            "store" not in f or row["store_id"] == f["store"],
            "date_added_from" not in f or added >= f["date_added_from"],
            "date_added_to" not in f or added <= f["date_added_to"],
            "date_modified_from" not in f or modified >= f["date_modified_from"],
            "date_modified_to" not in f or modified <= f["date_modified_to"],
            "total_min" not in f or Decimal(row["total"]) >= Decimal(str(f["total_min"])),
            "total_max" not in f or Decimal(row["total"]) <= Decimal(str(f["total_max"])),
        ]
        if all(checks):
            out.append(int(row["order_id"]))
    return out


def test_admin_order_queries_equal_the_shop_tables(
    sb: Sandbox, api: OpenCartClient, admin: AdminClient
) -> None:
    orders = Orders(api=api, admin=admin)
    for f in FILTERS:
        rows = orders.query(**f)
        assert rows.channel == "admin" and rows.as_of is None
        got = [r.order_id for r in rows]
        expected = _expected(sb, f)
        assert sorted(got) == sorted(expected), f
        if "date_added_from" in f:
            assert got == sorted(got, key=lambda i: sb.query(
                "SELECT date_added FROM oc_order WHERE order_id = ?", (i,))[0]["date_added"], reverse=True)


def test_a_date_range_reads_only_the_pages_it_needs(sb: Sandbox, admin: AdminClient) -> None:
    sb.add_orders(60)  # 90 orders: 5 list pages
    start = len(sb.request_log)
    newest = max(date.fromisoformat(r["date_added"][:10])
                 for r in sb.query("SELECT date_added FROM oc_order"))
    rows = Orders(api=None, admin=admin).query(date_added_from=newest).all()
    assert rows and all(r.date_added == newest for r in rows)
    assert [route for route, _, _ in list(sb.request_log)[start:]] == ["common/login", "sale/order"]


def test_warehouse_order_queries_equal_the_shop_tables_as_of_the_last_sync(
    sb: Sandbox, api: OpenCartClient, warehouse_engine: sa.Engine
) -> None:
    OrderSync(api, warehouse_engine, SyncOptions(shop="sb", workers=2, gap_tolerance=10, batch_size=50)).run()
    orders = Orders(api=None, warehouse=warehouse_engine, shop="sb")
    start = len(sb.request_log)
    for f in FILTERS:
        rows = orders.query(**f)
        assert rows.channel == "warehouse" and rows.as_of is not None
        # the warehouse holds names unescaped (the shop stores "Smith &amp; Sons"; its LIKE sees "amp")
        assert [r.order_id for r in rows] == _expected(sb, f, name=lambda s: html.unescape(s).lower()), f
    assert len(sb.request_log) == start  # the shop is not asked


@pytest.mark.parametrize(
    ("filters", "where"),
    [
        ({}, "1"),
        ({"name": "i"}, "lower(pd.name) LIKE 'i%'"),
        ({"status": False}, "p.status = 0"),
        ({"quantity": 7}, "p.quantity = 7"),
        ({"model": "Product 1"}, "p.model LIKE 'Product 1%'"),
    ],
)
def test_product_queries_equal_the_shop_tables(
    sb: Sandbox, admin: AdminClient, filters: Any, where: str
) -> None:
    sb.execute("UPDATE oc_product SET status = 0 WHERE product_id = 33")
    sql = ("SELECT p.product_id FROM oc_product p JOIN oc_product_description pd"
           " ON pd.product_id = p.product_id AND pd.language_id = 1 WHERE ")
    expected = sb.query(sql + where)
    got = Products(admin=admin).query(**filters)
    assert got.channel == "admin"
    assert sorted(r.product_id for r in got) == sorted(r["product_id"] for r in expected)


def test_product_and_customer_reads(sb: Sandbox, admin: AdminClient) -> None:
    product = Products(admin=admin).read(30)
    assert (product.channel, product.value.name) == ("admin", sb.query(
        "SELECT name FROM oc_product_description WHERE product_id = 30")[0]["name"])
    some = sb.query("SELECT customer_id, email FROM oc_customer ORDER BY customer_id LIMIT 1")[0]
    assert Customers(admin=admin).read(some["customer_id"]).value.email == some["email"]


@pytest.mark.parametrize(
    ("filters", "where"),
    [
        ({}, "1"),
        ({"status": True}, "status = 1"),
        ({"email": "customer4"}, "email LIKE 'customer4%'"),
        ({"customer_group_id": 1, "status": True}, "customer_group_id = 1 AND status = 1"),
    ],
)
def test_customer_queries_equal_the_shop_tables(
    sb: Sandbox, admin: AdminClient, filters: Any, where: str
) -> None:
    expected = sb.query(f"SELECT customer_id FROM oc_customer WHERE {where}")  # noqa: S608 - literal filters
    got = Customers(admin=admin).query(**filters)
    assert sorted(r.customer_id for r in got) == sorted(r["customer_id"] for r in expected)


def test_customer_name_query_equals_the_shop_table(sb: Sandbox, admin: AdminClient) -> None:
    wanted = [r["customer_id"] for r in sb.query("SELECT * FROM oc_customer")
              if "ava" in fold(f"{r['firstname']} {r['lastname']}")]
    assert wanted
    assert sorted(r.customer_id for r in Customers(admin=admin).query(name="Ava")) == sorted(wanted)
