"""The sandbox's order pages against the real shop: recorded orders loaded into the sandbox read the same.

The rows of ``admin_pages_truth.json`` (the shop's own order, line, option, total and voucher rows)
are inserted into the sandbox; AdminClient then reads every order page and the invoices, and the
records must equal those parsed from the recorded pages of the same orders.
"""

from __future__ import annotations

import json
from typing import Any

from oc_connector.admin.order_pages import parse_invoice_page, parse_order_page
from oc_connector_sandbox.admin import AdminApp
from oc_connector_sandbox.schema import DDL
from tests.sandbox.admin.test_admin_e2e import _client, shop  # noqa: F401  (fixture)
from tests.support.recorded_exchanges import RECORDED_DIR, load

ORDER_INFO = load("admin_order_info.json")
INVOICE = load("admin_order_invoice.json")


def _load_truth(db: Any) -> list[int]:
    for statement in DDL.split(";"):
        table = statement.split("(")[0].split()[-1] if "CREATE TABLE" in statement else ""
        if table in (
            "oc_order",
            "oc_order_product",
            "oc_order_option",
            "oc_order_total",
            "oc_order_voucher",
            "oc_currency",
            "oc_customer_group_description",
        ):
            db.execute(statement)
    truth = json.loads((RECORDED_DIR / "admin_pages_truth.json").read_text(encoding="utf-8"))
    for c in truth["currencies"]:
        db.execute(
            "INSERT INTO oc_currency (currency_id, title, code, symbol_left, symbol_right, decimal_place, value,"  # noqa: E501
            " status, date_modified) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '')",
            (
                c["currency_id"],
                c["code"],
                c["code"],
                c["symbol_left"],
                c["symbol_right"],
                c["decimal_place"],
                c["value"],
            ),
        )
    db.execute("INSERT INTO oc_customer_group_description VALUES (1, 1, 'Default', '')")
    db.execute(
        "INSERT OR IGNORE INTO oc_order_status VALUES (3, 1, 'Shipped'), (14, 1, 'Expired'), (7, 1, 'Canceled')"  # noqa: E501
    )
    ids = []
    for order in truth["orders"].values():
        if order is None:
            continue
        ids.append(int(order["order_id"]))
        db.execute(
            "INSERT INTO oc_order (order_id, invoice_no, invoice_prefix, store_name, store_url, customer_id,"
            " customer_group_id, firstname, lastname, email, telephone, total, order_status_id, currency_id,"
            " currency_code, currency_value, payment_method, shipping_method, date_added, date_modified)"
            " VALUES (?, ?, ?, 'Your Store', 'http://127.0.0.1/', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'Bank Transfer',"  # noqa: E501
            " ?, ?, ?)",
            (
                order["order_id"],
                order["invoice_no"],
                order["invoice_prefix"],
                order["customer_id"],
                order["customer_group_id"],
                order["firstname"],
                order["lastname"],
                order["email"],
                order["telephone"],
                order["total"],
                order["order_status_id"],
                order["currency_code"],
                order["currency_value"],
                "Flat Shipping Rate" if order["shipping_code"] else "",
                order["date_added"],
                order["date_modified"],
            ),
        )
        for p in order["products"]:
            db.execute(
                "INSERT INTO oc_order_product VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    p["order_product_id"],
                    p["order_id"],
                    p["product_id"],
                    p["name"],
                    p["model"],
                    p["quantity"],
                    p["price"],
                    p["total"],
                    p["tax"],
                    p["reward"],
                ),
            )
        for o in order["options"]:
            db.execute(
                "INSERT INTO oc_order_option VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    o["order_option_id"],
                    o["order_id"],
                    o["order_product_id"],
                    o["product_option_id"],
                    o["product_option_value_id"],
                    o["name"],
                    o["value"],
                    o["type"],
                ),
            )
        for t in order["totals"]:
            db.execute(
                "INSERT INTO oc_order_total VALUES (?, ?, ?, ?, ?, ?)",
                (t["order_total_id"], t["order_id"], t["code"], t["title"], t["value"], t["sort_order"]),
            )
        for v in order["vouchers"]:
            db.execute(
                "INSERT INTO oc_order_voucher (order_voucher_id, order_id, voucher_id, description, code, from_name,"  # noqa: E501
                " from_email, to_name, to_email, voucher_theme_id, message, amount) VALUES (?, ?, ?, ?, ?, ?, '', ?,"  # noqa: E501
                " '', ?, '', ?)",
                (
                    v["order_voucher_id"],
                    v["order_id"],
                    v["voucher_id"],
                    v["description"],
                    v["code"],
                    v["from_name"],
                    v["to_name"],
                    v["voucher_theme_id"],
                    v["amount"],
                ),
            )
    db.commit()
    return sorted(ids)


def _comparable(lines: Any) -> list[tuple[Any, ...]]:
    # File options show the upload's name on the real shop; the sandbox keeps no uploads.
    return [
        (ln.name, ln.model, tuple(o for o in ln.options if o[0] != "File"), ln.quantity, ln.price, ln.total)
        for ln in lines
    ]


def test_order_pages_and_invoices_read_like_the_real_shop(shop: tuple[str, AdminApp, Any]) -> None:  # noqa: F811
    base, _, state = shop
    ids = _load_truth(state.db)
    client = _client(base)
    for exchange in ORDER_INFO:
        if "Page Not Found!" in exchange.body:
            continue
        real = parse_order_page(exchange.body)
        ours = client.order_page(real.order_id)
        assert _comparable(ours.lines) == _comparable(real.lines), real.order_id
        assert (ours.vouchers, ours.totals) == (real.vouchers, real.totals), real.order_id
        assert (ours.customer_id, ours.email, ours.telephone, ours.customer_group, ours.reward) == (
            real.customer_id,
            real.email,
            real.telephone,
            real.customer_group,
            real.reward,
        ), real.order_id
        assert (ours.currency_left, ours.currency_right) == (real.currency_left, real.currency_right)
    real_blocks = {
        b.order_id: b for e in INVOICE if e.route == "sale/order/invoice" for b in parse_invoice_page(e.body)
    }
    ours_blocks = list(client.order_invoices([*ids, 607, 999999], batch_size=40))
    assert [b.order_id for b in ours_blocks] == ids
    for block in (b for b in ours_blocks if b.order_id in real_blocks):
        real_block = real_blocks[block.order_id]
        assert _comparable(block.lines) == _comparable(real_block.lines), block.order_id
        assert (block.vouchers, block.totals, block.invoice) == (
            real_block.vouchers,
            real_block.totals,
            real_block.invoice,
        )
