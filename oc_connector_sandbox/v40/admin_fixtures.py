"""The 4.0 admin's recorded shop: orders, coupons and vouchers the 4.0.2.3 admin recordings were made from.

Loaded from ``data/recorded40_admin.json`` (built from the recordings by the test suite's
``tests/support/sandbox40_fixtures.py``, whose docstring lists what each part is made from) into the
3.0 tables. How 4.0 data sits in them:

* ``payment_method`` / ``shipping_method`` hold the method **name** and ``payment_code`` /
  ``shipping_code`` the ``ext.option`` code, the two keys of 4.0's JSON column that the admin pages
  show; the shipping JSON's ``cost``, ``tax_class_id`` and ``text`` are not kept (no admin page shows them).
* Values keep 4.0.2.3's defects as stored: an empty ``payment_firstname`` and ``&amp;amp;`` in
  address fields entered through the 4.0 API; the pages print stored values unescaped.
* ``oc_order.language_id`` 1 (en-gb) for every order (4.0 stores ``language_code``, empty in the truth).
"""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox.fixtures import read_data
from oc_connector_sandbox.state import ShopState

__all__ = ["FIXTURE", "load_admin_fixtures40"]

FIXTURE = "recorded40_admin.json"
_INT_COLUMNS = {
    "order_id",
    "order_status_id",
    "customer_id",
    "customer_group_id",
    "invoice_no",
    "payment_country_id",
    "shipping_country_id",
}
_SKIP = {"products", "options", "totals", "vouchers", "history", "filler", "seen_only_in_lists"}


def _insert(state: ShopState, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    state.db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))


def load_admin_fixtures40(state: ShopState) -> None:
    """Fill a shop holding only reference data with the 4.0 admin recordings' orders, coupons, vouchers."""
    data = read_data(FIXTURE)
    currency_ids = {c["code"]: int(c["currency_id"]) for c in data["currencies"]}
    with state.lock:
        state.db.execute("BEGIN")
        state.db.execute("DELETE FROM oc_currency")
        for c in data["currencies"]:
            _insert(
                state,
                "oc_currency",
                {
                    "currency_id": int(c["currency_id"]),
                    "title": c["title"],
                    "code": c["code"],
                    "symbol_left": c["symbol_left"],
                    "symbol_right": c["symbol_right"],
                    "decimal_place": c["decimal_place"],
                    "value": c["value"],
                    "status": int(c["status"]),
                    "date_modified": "2026-04-16 10:00:00",
                },
            )
        for order in data["orders"]:
            row = {k: (int(v) if k in _INT_COLUMNS else v) for k, v in order.items() if k not in _SKIP}
            row.setdefault("store_name", "Your Store")
            row["store_url"] = "http://127.0.0.1:8081/"
            row["currency_id"] = currency_ids[row["currency_code"]]
            _insert(state, "oc_order", row)
            order_id = row["order_id"]
            for p in order.get("products", ()):
                _insert(
                    state,
                    "oc_order_product",
                    {
                        "order_product_id": int(p["order_product_id"]),
                        "order_id": order_id,
                        "product_id": int(p["product_id"]),
                        "name": p["name"],
                        "model": p["model"],
                        "quantity": int(p["quantity"]),
                        "price": p["price"],
                        "total": p["total"],
                        "tax": p["tax"],
                        "reward": int(p["reward"]),
                    },
                )
            for o in order.get("options", ()):
                _insert(
                    state,
                    "oc_order_option",
                    {
                        "order_id": order_id,
                        "order_product_id": int(o["order_product_id"]),
                        "product_option_id": int(o["product_option_id"]),
                        "product_option_value_id": int(o["product_option_value_id"]),
                        "name": o["name"],
                        "value": o["value"],
                        "type": o["type"],
                    },
                )
            for t in order.get("totals", ()):
                _insert(
                    state,
                    "oc_order_total",
                    {
                        "order_id": order_id,
                        "code": t["code"],
                        "title": t["title"],
                        "value": t["value"],
                        "sort_order": int(t["sort_order"]),
                    },
                )
            for v in order.get("vouchers", ()):
                _insert(
                    state,
                    "oc_order_voucher",
                    {
                        "order_id": order_id,
                        "voucher_id": int(v["voucher_id"]),
                        "description": v["description"],
                        "code": v["code"],
                        "from_name": v["from_name"],
                        "from_email": "",
                        "to_name": v["to_name"],
                        "to_email": "",
                        "voucher_theme_id": 0,
                        "message": "",
                        "amount": v["amount"],
                    },
                )
            for h in order.get("history", ()):
                _insert(
                    state,
                    "oc_order_history",
                    {
                        "order_history_id": int(h["order_history_id"]),
                        "order_id": order_id,
                        "order_status_id": int(h["order_status_id"]),
                        "notify": int(h["notify"]),
                        "comment": h["comment"],
                        "date_added": h["date_added"],
                    },
                )
        state.db.execute(
            "CREATE TABLE IF NOT EXISTS oc_upload (upload_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " filename TEXT NOT NULL DEFAULT '', code TEXT NOT NULL, date_added TEXT NOT NULL DEFAULT '')"
        )
        for upload in data["uploads"]:
            _insert(state, "oc_upload", {**upload, "filename": upload["name"]})
        for coupon in data["coupons"]:
            _insert(state, "oc_coupon", coupon)
        for use in data["coupon_history"]:
            _insert(state, "oc_coupon_history", use)
        for voucher in data["vouchers"]:
            _insert(state, "oc_voucher", voucher)
        state.db.execute("COMMIT")
    state.settings.update(
        config_invoice_prefix=data["settings"]["config_invoice_prefix"],
        config_pagination_admin=int(data["settings"]["config_pagination_admin"]),
        config_currency=data["settings"]["config_currency"],
    )
