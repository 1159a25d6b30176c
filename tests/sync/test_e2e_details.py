"""End to end: order lines, totals, sold vouchers, products and customers from a sandbox shop's admin.

Every expectation is computed from the sandbox's own tables (``oc_order_product``, ``oc_order_option``,
``oc_order_total``, ``oc_order_voucher``, ``oc_product``, ``oc_customer``), with money as the pages
display it: round((value [+ tax]) x currency_value, 2), half up (spec 10.7).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.admin.client import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.warehouse.details_schema import (
    opencart_customers,
    opencart_order_products,
    opencart_order_totals,
    opencart_order_vouchers,
    opencart_products,
)
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_quarantine
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector_sandbox import Sandbox

ORDERS = 120
FAST = RateLimit(per_second=1000, burst=1000)
QUICK_RETRY = RetryPolicy(initial_backoff=0.01, jitter=0.0)
NOW = datetime(2026, 11, 2, 12, 0, 0)
CENT = Decimal("0.01")
ADMIN_ROUTES = (
    "common/login",
    "catalog/product",
    "customer/customer",
    "sale/order/invoice",
    "sale/order/info",
    "setting/setting",
)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox.start(orders=ORDERS, seed=5, catalogue=True)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _clients(sb: Sandbox) -> tuple[OpenCartClient, AdminClient]:
    api = OpenCartClient(
        sb.url,
        api_key=sb.api_key,
        api_username=sb.api_username,
        allow_insecure_http=True,
        rate_limit=FAST,
        retry=QUICK_RETRY,
    )
    admin = AdminClient(
        sb.url,
        username=sb.admin_username,
        password=Secret(sb.admin_password),
        allow_insecure_http=True,
        rate_limit=FAST,
        retry=QUICK_RETRY,
    )
    return api, admin


def _sync(sb: Sandbox, engine: sa.Engine, *, admin: bool = True, **kw: Any) -> SyncResult:
    api, adm = _clients(sb)
    options = SyncOptions(shop="sb", gap_tolerance=10, batch_size=50, admin_history=False, **kw)
    try:
        return OrderSync(api, engine, options, admin=adm if admin else None, now=lambda: NOW).run()
    finally:
        api.close()
        adm.close()


def _shown(value: Any, rate: Any) -> Decimal:
    return (Decimal(str(value)) * Decimal(str(rate))).quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: Any) -> str:
    return html.unescape(str(value))


def _shop_lines(sb: Sandbox, *, uploads_by_name: bool = False) -> list[tuple[Any, ...]]:
    """The shop's order lines as the warehouse should hold them.

    ``uploads_by_name``: a file option shows its upload's name (the 4.0 page; without an upload
    the option is left out), not the stored upload code.
    """
    uploads = {}
    if uploads_by_name:  # only the 4.0 shop has the table
        uploads = {r["code"]: r["name"] for r in sb.query("SELECT code, name FROM oc_upload")}
    out = []
    line_no: dict[int, int] = {}
    for p in sb.query(
        "SELECT op.*, o.currency_code, o.currency_value FROM oc_order_product op"
        " JOIN oc_order o ON o.order_id = op.order_id ORDER BY op.order_id, op.order_product_id"
    ):
        no = line_no.get(p["order_id"], 0)
        line_no[p["order_id"]] = no + 1
        tax, qty = Decimal(str(p["tax"])), int(p["quantity"])
        options = []
        for o in sb.query(
            "SELECT name, value, type FROM oc_order_option WHERE order_product_id = ?"
            " ORDER BY order_option_id",
            (p["order_product_id"],),
        ):
            value = uploads.get(o["value"]) if uploads_by_name and o["type"] == "file" else o["value"]
            if value is not None:
                options.append({"name": _text(o["name"]), "value": _text(value)})
        out.append(
            (
                p["order_id"],
                no,
                p["product_id"],
                _text(p["name"]),
                _text(p["model"]),
                qty,
                _shown(Decimal(str(p["price"])) + tax, p["currency_value"]),
                _shown(Decimal(str(p["total"])) + tax * qty, p["currency_value"]),
                p["currency_code"],
                options,
                "; ".join(f"{o['name']}: {o['value']}" for o in options),
            )
        )
    return out


def _shop_totals(sb: Sandbox) -> list[tuple[Any, ...]]:
    out = []
    line_no: dict[int, int] = {}
    for t in sb.query(
        "SELECT t.*, o.currency_code, o.currency_value FROM oc_order_total t"
        " JOIN oc_order o ON o.order_id = t.order_id ORDER BY t.order_id, t.sort_order, t.order_total_id"
    ):
        no = line_no.get(t["order_id"], 0)
        line_no[t["order_id"]] = no + 1
        value = _shown(t["value"], t["currency_value"])
        out.append((t["order_id"], no, t["code"], _text(t["title"]), value, t["currency_code"]))
    return out


def _shop_vouchers(sb: Sandbox) -> list[tuple[Any, ...]]:
    rows = sb.query(
        "SELECT v.*, o.currency_code, o.currency_value FROM oc_order_voucher v"
        " JOIN oc_order o ON o.order_id = v.order_id ORDER BY v.order_id, v.order_voucher_id"
    )
    return [
        (
            v["order_id"],
            v["voucher_id"],
            _text(v["description"]),
            _shown(v["amount"], v["currency_value"]),
            v["currency_code"],
        )
        for v in rows
    ]


def _shop_products(sb: Sandbox) -> list[tuple[Any, ...]]:
    rows = sb.query(
        "SELECT p.product_id, pd.name, p.model, p.price, p.quantity, p.status FROM oc_product p"
        " JOIN oc_product_description pd ON pd.product_id = p.product_id ORDER BY p.product_id"
    )
    return [
        (
            r["product_id"],
            _text(r["name"]),
            _text(r["model"]),
            _shown(r["price"], 1),
            r["quantity"],
            bool(r["status"]),
        )
        for r in rows
    ]


def _shop_customers(sb: Sandbox) -> list[tuple[Any, ...]]:
    rows = sb.query(
        "SELECT c.*, g.name AS grp FROM oc_customer c JOIN oc_customer_group_description g"
        " ON g.customer_group_id = c.customer_group_id AND g.language_id = 1 ORDER BY c.customer_id"
    )
    return [
        (
            r["customer_id"],
            _text(f"{r['firstname']} {r['lastname']}"),
            r["email"],
            r["grp"],
            bool(r["status"]),
            date.fromisoformat(r["date_added"][:10]),
        )
        for r in rows
    ]


def _rows(engine: sa.Engine, table: sa.Table, *cols: str) -> list[tuple[Any, ...]]:
    keys = [c for c in table.primary_key.columns if c.name != "shop"]
    with engine.connect() as conn:
        result = conn.execute(sa.select(*(table.c[c] for c in cols)).order_by(*keys))
        return [tuple(r) for r in result]


def _warehouse_lines(engine: sa.Engine) -> list[tuple[Any, ...]]:
    cols = (
        "order_id",
        "line_no",
        "product_id",
        "name",
        "model",
        "quantity",
        "unit_price",
        "line_total",
        "currency_code",
        "options",
        "options_text",
    )
    return [
        (*r[:6], Decimal(str(r[6])), Decimal(str(r[7])), r[8], json.loads(r[9]), r[10])
        for r in _rows(engine, opencart_order_products, *cols)
    ]


def _warehouse_totals(engine: sa.Engine) -> list[tuple[Any, ...]]:
    cols = ("order_id", "line_no", "code", "title", "value", "currency_code")
    return [(*r[:4], Decimal(str(r[4])), r[5]) for r in _rows(engine, opencart_order_totals, *cols)]


def _warehouse_vouchers(engine: sa.Engine) -> list[tuple[Any, ...]]:
    cols = ("order_id", "voucher_id", "description", "amount", "currency_code")
    return [(*r[:3], Decimal(str(r[3])), r[4]) for r in _rows(engine, opencart_order_vouchers, *cols)]


def _warehouse_products(engine: sa.Engine) -> list[tuple[Any, ...]]:
    cols = ("product_id", "name", "model", "price", "quantity", "status")
    return [(*r[:3], Decimal(str(r[3])), r[4], bool(r[5])) for r in _rows(engine, opencart_products, *cols)]


def _warehouse_customers(engine: sa.Engine) -> list[tuple[Any, ...]]:
    cols = ("customer_id", "name", "email", "customer_group", "status", "date_added")
    return [(*r[:4], bool(r[4]), r[5]) for r in _rows(engine, opencart_customers, *cols)]


def _assert_equal_to_shop(sb: Sandbox, engine: sa.Engine) -> None:
    assert _warehouse_lines(engine) == _shop_lines(sb)
    assert _warehouse_totals(engine) == _shop_totals(sb)
    assert _warehouse_vouchers(engine) == _shop_vouchers(sb)
    assert _warehouse_products(engine) == _shop_products(sb)
    assert _warehouse_customers(engine) == _shop_customers(sb)


def _admin_requests(sb: Sandbox) -> int:
    return sum(sb.request_count(r) for r in ADMIN_ROUTES)


def test_details_equal_the_shops_rows_and_a_changed_order_is_replaced(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    # a duplicate (name, model) and a renamed product: their orders' lines need the order page
    iphone = sb.query(
        "SELECT name, model FROM oc_product p JOIN oc_product_description d USING (product_id)"
        " WHERE product_id = 40"
    )[0]
    sb.add_product(name=iphone["name"], model=iphone["model"], price="101.0000")
    sb.execute("UPDATE oc_product_description SET name = 'MacBook (2026)' WHERE product_id = 43")
    assert sb.query("SELECT COUNT(*) AS n FROM oc_order_voucher")[0]["n"] > 0  # the seed sells some

    result = _sync(sb, warehouse_engine)

    _assert_equal_to_shop(sb, warehouse_engine)
    assert result.details == "loaded"
    assert result.order_lines == len(_shop_lines(sb))
    assert result.order_totals == len(_shop_totals(sb))
    assert result.order_vouchers == len(_shop_vouchers(sb))
    assert (result.products, result.customers) == (20, 50)
    assert result.admin_requests == _admin_requests(sb)
    fallback_orders = sb.query(
        "SELECT COUNT(DISTINCT order_id) AS n FROM oc_order_product WHERE product_id IN (40, 43)"
        " OR order_id IN (SELECT order_id FROM oc_order_voucher)"
    )[0]["n"]
    assert result.details_fallbacks == fallback_orders

    # a changed order: one line gone, another's quantity changed, the status moved on
    order_id = sb.query(
        "SELECT order_id FROM oc_order_product GROUP BY order_id HAVING COUNT(*) >= 2 LIMIT 1"
    )[0]["order_id"]
    first, second = sb.query(
        "SELECT order_product_id FROM oc_order_product WHERE order_id = ? ORDER BY order_product_id LIMIT 2",
        (order_id,),
    )
    sb.execute("DELETE FROM oc_order_product WHERE order_product_id = ?", (first["order_product_id"],))
    sb.execute("DELETE FROM oc_order_option WHERE order_product_id = ?", (first["order_product_id"],))
    sb.execute(
        "UPDATE oc_order_product SET quantity = 7 WHERE order_product_id = ?", (second["order_product_id"],)
    )
    sb.set_order_status(order_id, 3)
    before = _admin_requests(sb)

    again = _sync(sb, warehouse_engine, full=True)

    _assert_equal_to_shop(sb, warehouse_engine)
    assert again.orders_updated == 1
    assert (
        again.order_lines
        == sb.query("SELECT COUNT(*) AS n FROM oc_order_product WHERE order_id = ?", (order_id,))[0]["n"]
    )
    assert again.admin_requests == _admin_requests(sb) - before


def test_an_unparsable_page_quarantines_only_that_orders_details(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    # a currency with a symbol on both sides: the shop's pages show "$12.00€", which is refused
    sb.execute(
        "INSERT INTO oc_currency (currency_id, title, code, symbol_left, symbol_right, decimal_place, value,"
        " status, date_modified) VALUES (9, 'Odd', 'XTS', '$', '€', '2', '1.00000000', 1, '')"
    )
    bad = sb.query("SELECT MIN(order_id) AS i FROM oc_order")[0]["i"] + 3
    sb.execute("UPDATE oc_order SET currency_code = 'XTS' WHERE order_id = ?", (bad,))

    result = _sync(sb, warehouse_engine)

    assert result.details_quarantined == 1
    with warehouse_engine.connect() as conn:
        held = conn.execute(
            sa.select(
                opencart_quarantine.c.entity, opencart_quarantine.c.entity_id, opencart_quarantine.c.reason
            )
        ).all()
        loaded = conn.execute(sa.select(sa.func.count()).select_from(opencart_orders)).scalar_one()
    assert [(e, i) for e, i, _ in held] == [("order_details", str(bad))]
    assert "symbols on both sides" in held[0][2]
    assert loaded == ORDERS  # the header loads all the same
    lines = [r for r in _shop_lines(sb) if r[0] != bad]
    assert _warehouse_lines(warehouse_engine) == lines
    assert _warehouse_totals(warehouse_engine) == [r for r in _shop_totals(sb) if r[0] != bad]

    # fixed in the shop: the next run (nothing else changed) loads it and resolves the quarantine
    sb.execute("UPDATE oc_order SET currency_code = 'USD' WHERE order_id = ?", (bad,))
    sb.execute("UPDATE oc_currency SET symbol_left = '$' WHERE code = 'XTS'")
    again = _sync(sb, warehouse_engine, full=True)
    assert again.details_quarantined == 0
    assert _warehouse_lines(warehouse_engine) == _shop_lines(sb)
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(opencart_quarantine.c.resolved)).scalars().all() == [True]


def test_without_admin_credentials_the_details_stay_empty_and_the_result_says_so(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    result = _sync(sb, warehouse_engine, admin=False)

    assert result.orders_inserted == ORDERS
    assert result.details == "not loaded: no admin credentials"
    assert result.as_metadata()["details"] == "not loaded: no admin credentials"
    assert (result.order_lines, result.order_totals, result.admin_requests) == (0, 0, 0)
    assert _admin_requests(sb) == 0
    for table in (
        opencart_order_products,
        opencart_order_totals,
        opencart_order_vouchers,
        opencart_products,
        opencart_customers,
    ):
        assert _rows(warehouse_engine, table, "shop") == []
