"""``api/order/add`` and ``api/order/edit`` (spec 4.8, 4.9)."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any, NamedTuple

from oc_connector_sandbox import cart
from oc_connector_sandbox.app import NO_PERMISSION, CatalogApp, Request, _int, route
from oc_connector_sandbox.history import add_order_history
from oc_connector_sandbox.routes_checkout import find_quote
from oc_connector_sandbox.schema import ORDER_ADDRESS_COLS
from oc_connector_sandbox.totals import (
    CartLine,
    TotalsResult,
    cart_lines,
    compute_totals_full,
    needs_shipping,
    product_taxes,
    session_currency,
    session_vouchers,
)

__all__ = ["check_order", "new_voucher_code", "write_content"]

_CODE_CHARS = string.ascii_uppercase + string.ascii_lowercase + string.digits
STOCK_ERROR = "Warning: Products marked with *** are not available in the desired quantity or not in stock!"


def new_voucher_code(app: CatalogApp) -> str:
    """OpenCart ``token(10)``: 10 random characters from A-Z a-z 0-9."""
    return "".join(app.state.rng.choice(_CODE_CHARS) for _ in range(10))


def check_order(app: CatalogApp, req: Request, session: dict[str, Any], lines: list[CartLine]) -> str | None:
    """Checks 1-7 of spec 4.8; each failing check overwrites the previous message."""
    error: str | None = None
    if not session.get("customer"):
        error = "Warning: Customer details needs to be set!"
    if not session.get("payment_address"):
        error = "Warning: Payment address required!"
    posted_payment = req.p("payment_method")
    if error is None and posted_payment:
        methods = session.get("payment_methods") or {}
        if not methods:
            error = "Warning: No Payment options are available!"
        elif posted_payment not in methods:
            error = "Warning: Payment method required!"
        else:
            session["payment_method"] = methods[posted_payment]
    if not session.get("payment_method"):
        error = "Warning: Payment method required!"
    if needs_shipping(lines):
        if not session.get("shipping_address"):
            error = "Warning: Shipping address required!"
        posted_shipping = req.p("shipping_method")
        if error is None and posted_shipping:
            if not session.get("shipping_methods"):
                error = "Warning: No Shipping options are available!"
            else:
                quote = find_quote(session, posted_shipping)
                if quote is None:
                    error = "Warning: Shipping method required!"
                else:
                    session["shipping_method"] = quote
        if not session.get("shipping_method"):
            error = "Warning: Shipping method required!"
    else:
        for key in ("shipping_address", "shipping_method", "shipping_methods"):
            session.pop(key, None)
    stock_checkout = int(app.state.get_setting("config_stock_checkout", 0))
    if (not lines and not session_vouchers(session)) or (
        not stock_checkout and any(not line.stock for line in lines)
    ):
        error = STOCK_ERROR
    for line in lines:
        summed = sum(other.quantity for other in lines if other.product_id == line.product_id)
        if line.minimum > summed:
            error = f"Warning: Minimum order amount for {line.name} is {line.minimum}!"
            break
    return error


def _php_json(value: Any) -> str:
    """``json_encode`` of a PHP array: an empty one is ``[]``."""
    return json.dumps(value) if value else "[]"


def _order_fields(app: CatalogApp, session: dict[str, Any], req: Request, total: float) -> dict[str, Any]:
    st = app.state
    customer = session.get("customer") or {}
    pay = session.get("payment_address") or {}
    ship = session.get("shipping_address") or {}
    pm = session.get("payment_method") or {}
    sm = session.get("shipping_method") or {}
    custom = customer.get("custom_field", [])
    fields: dict[str, Any] = {
        "invoice_prefix": st.get_setting("config_invoice_prefix", ""),
        "store_id": int(st.get_setting("config_store_id", 0)),
        "store_name": st.get_setting("config_name", ""),
        "store_url": st.get_setting("config_url", st.base_url),
        "customer_id": int(customer.get("customer_id") or 0),
        "customer_group_id": int(customer.get("customer_group_id") or 0),
        "firstname": customer.get("firstname", ""),
        "lastname": customer.get("lastname", ""),
        "email": customer.get("email", ""),
        "telephone": customer.get("telephone", ""),
        "custom_field": custom if isinstance(custom, str) else _php_json(custom),
        "payment_method": pm.get("title", ""),
        "payment_code": pm.get("code", ""),
        "payment_country_id": _int(str(pay.get("country_id") or "0")),
        "payment_zone_id": _int(str(pay.get("zone_id") or "0")),
        "payment_custom_field": _php_json(pay.get("custom_field")),
        "shipping_method": sm.get("title", "") if ship else "",
        "shipping_code": sm.get("code", "") if ship else "",
        "shipping_country_id": _int(str(ship.get("country_id") or "0")),
        "shipping_zone_id": _int(str(ship.get("zone_id") or "0")),
        "shipping_custom_field": _php_json(ship.get("custom_field")),
        "comment": req.p("comment") or "",
        "total": f"{total:.4f}",
        "affiliate_id": 0,
        "commission": "0.0000",
        "date_modified": st.clock.stamp(),
    }
    for col in ORDER_ADDRESS_COLS:
        fields[f"payment_{col}"] = str(pay.get(col, ""))
        fields[f"shipping_{col}"] = str(ship.get(col, "")) if ship else ""
    return fields


def write_content(
    app: CatalogApp,
    session: dict[str, Any],
    tax_session: dict[str, Any],
    order_id: int,
    lines: list[CartLine],
    totals: list[Any],
    new_code: Callable[[CatalogApp], str] = new_voucher_code,
) -> None:
    """Insert an order's lines, options, sold gift vouchers (codes from ``new_code``) and totals.

    Shared by both dialects (4.0 passes its own voucher code generator); the caller holds the lock
    and the transaction.
    """
    db = app.state.db
    now = app.state.clock.stamp()
    for line in lines:
        unit_tax = sum(product_taxes(app, tax_session, line.price, line.tax_class_id).values())
        cur = db.execute(
            "INSERT INTO oc_order_product (order_id, product_id, name, model, quantity, price, total, tax, "
            "reward) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order_id,
                line.product_id,
                line.name,
                line.model,
                line.quantity,
                f"{line.price:.4f}",
                f"{line.total:.4f}",
                f"{unit_tax:.4f}",
                line.reward,
            ),
        )
        op_id = cur.lastrowid
        for opt in line.option:
            db.execute(
                "INSERT INTO oc_order_option (order_id, order_product_id, product_option_id, "
                "product_option_value_id, name, value, type) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    order_id,
                    op_id,
                    _int(str(opt["product_option_id"])),
                    _int(str(opt["product_option_value_id"] or "0")),
                    opt["name"],
                    opt["value"],
                    opt["type"],
                ),
            )
    for v in session_vouchers(session):
        code = new_code(app)
        vals = (
            str(v.get("from_name", "")),
            str(v.get("from_email", "")),
            str(v.get("to_name", "")),
            str(v.get("to_email", "")),
            _int(str(v.get("voucher_theme_id") or "0")),
            str(v.get("message", "")),
            f"{float(v.get('amount') or 0):.4f}",
        )
        cur = db.execute(
            "INSERT INTO oc_voucher (order_id, code, from_name, from_email, to_name, to_email, "
            "voucher_theme_id, message, amount, status, date_added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (order_id, code, *vals, now),
        )
        db.execute(
            "INSERT INTO oc_order_voucher (order_id, voucher_id, description, code, from_name, from_email, "
            "to_name, to_email, voucher_theme_id, message, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order_id, cur.lastrowid, str(v.get("description", "")), code, *vals),
        )
    for t in totals:
        db.execute(
            "INSERT INTO oc_order_total (order_id, code, title, value, sort_order) VALUES (?, ?, ?, ?, ?)",
            (order_id, t.code, t.title, f"{t.value:.4f}", t.sort_order),
        )


def _tax_view(session: dict[str, Any], before: dict[str, Any] | None = None) -> dict[str, Any]:
    """The session as the tax code sees it: the tax shipping address is fixed at request start.

    ``check_order`` may drop ``shipping_address`` (nothing ships); OpenCart's tax object still
    uses the address it was given by the startup controller for this request.
    """
    view = dict(session)
    if before is not None and "shipping_address" in before:
        view["shipping_address"] = before["shipping_address"]
    return view


def _status(app: CatalogApp, req: Request) -> int:
    posted = req.p("order_status_id")
    if posted is not None:  # isset(): an empty or "0" value gives status 0 (a "missing order")
        return _int(posted)
    return int(app.state.get_setting("config_order_status_id", 1))


class _Priced(NamedTuple):
    token: str | None
    lines: list[CartLine]
    tax_session: dict[str, Any]
    result: TotalsResult
    fields: dict[str, Any]


def _priced_order(app: CatalogApp, req: Request, session: dict[str, Any]) -> _Priced | str:
    """The first steps of order/add and order/edit: the failing check's error, or the priced order.

    The cart is read, the checks run, then the totals are computed on the tax view taken before
    the checks (see :func:`_tax_view`) and the ``oc_order`` fields are built from them.
    """
    token = req.get.get("api_token")
    lines = cart_lines(app, session, token)
    tax_session = _tax_view(session)
    error = check_order(app, req, session, lines)
    if error:
        return error
    tax_session = _tax_view(session, tax_session)
    result = compute_totals_full(app, tax_session, token)
    return _Priced(token, lines, tax_session, result, _order_fields(app, session, req, result.total))


@route("api/order/add")
def api_order_add(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.8."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    priced = _priced_order(app, req, session)
    if isinstance(priced, str):
        return {"error": priced}
    token, lines, tax_session, result, fields = priced
    st = app.state
    cur_row = session_currency(app, session)
    env = req.environ
    fields.update(
        {
            "marketing_id": 0,
            "tracking": "",
            "language_id": 1,
            "currency_id": int(cur_row["currency_id"]),
            "currency_code": cur_row["code"],
            "currency_value": str(cur_row["value"]),
            "ip": req.remote_addr,
            "forwarded_ip": env.get("HTTP_X_FORWARDED_FOR") or env.get("HTTP_CLIENT_IP") or "",
            "user_agent": env.get("HTTP_USER_AGENT", ""),
            "accept_language": env.get("HTTP_ACCEPT_LANGUAGE", ""),
            "date_added": fields["date_modified"],
            "order_status_id": 0,
            "invoice_no": 0,
        }
    )
    with st.lock:
        st.db.execute("BEGIN")
        try:
            cols = ", ".join(fields)
            cur = st.db.execute(
                f"INSERT INTO oc_order ({cols}) VALUES ({', '.join('?' for _ in fields)})",
                tuple(fields.values()),
            )
            order_id = int(cur.lastrowid or 0)
            write_content(app, session, tax_session, order_id, lines, result.totals)
            st.db.execute("COMMIT")
        except BaseException:
            st.db.execute("ROLLBACK")
            raise
    add_order_history(st, order_id=order_id, status_id=_status(app, req))
    cart.clear_cart(app, session, token or "")
    return {"success": "Success: You have modified orders!", "order_id": order_id}


@route("api/order/edit")
def api_order_edit(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.9."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    st = app.state
    order_id = _int(req.q("order_id") or "0")
    if not st.query("SELECT order_id FROM oc_order WHERE order_id = ?", (order_id,)):
        return {"error": "Warning: Order could not be found!"}
    priced = _priced_order(app, req, session)
    if isinstance(priced, str):
        return {"error": priced}
    _, lines, tax_session, result, fields = priced
    add_order_history(st, order_id=order_id, status_id=0)
    with st.lock:
        old_vouchers = [
            r[0]
            for r in st.db.execute(
                "SELECT voucher_id FROM oc_voucher WHERE order_id = ?", (order_id,)
            ).fetchall()
        ]
        st.db.execute("BEGIN")
        try:
            sets = ", ".join(f"{c} = ?" for c in fields)
            st.db.execute(f"UPDATE oc_order SET {sets} WHERE order_id = ?", (*fields.values(), order_id))
            for table in ("oc_order_product", "oc_order_option", "oc_order_voucher", "oc_order_total"):
                st.db.execute(f"DELETE FROM {table} WHERE order_id = ?", (order_id,))
            st.db.execute("UPDATE oc_voucher SET status = 0 WHERE order_id = ?", (order_id,))
            write_content(app, session, tax_session, order_id, lines, result.totals)
            st.db.execute("COMMIT")
        except BaseException:
            st.db.execute("ROLLBACK")
            raise
    status = _status(app, req)
    add_order_history(st, order_id=order_id, status_id=status)
    with st.lock:
        # addOrderHistory toggles every voucher of the order; the replaced codes stay disabled.
        for vid in old_vouchers:
            st.db.execute("UPDATE oc_voucher SET status = 0 WHERE voucher_id = ?", (vid,))
        if status:
            st.db.execute(
                "DELETE FROM oc_order_history WHERE order_id = ? AND order_status_id = 0", (order_id,)
            )
    return {"success": "Success: You have modified orders!"}
