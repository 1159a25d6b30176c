"""4.0 order writes over the shared ``oc_order*`` tables: add, edit, delete, load, history.

How a 4.0 order sits in the sandbox's 3.0 columns (as ``v40.admin_fixtures`` stores the recorded ones):

* 4.0's JSON ``payment_method`` (``{"code":"cod.cod","name":"Cash On Delivery"}``) is kept as its
  ``name`` in ``payment_method`` and its ``ext.option`` ``code`` in ``payment_code``; the shipping
  quote likewise in ``shipping_method`` / ``shipping_code`` (both ``''`` without shipping). The
  quote's ``cost``, ``tax_class_id`` and ``text`` are not kept: ``order.load`` takes them from the
  flat rate's current settings (the same unless the rate changed since the confirm).
* ``payment_firstname`` is always ``''`` (4.0.2.3 never copies it; the first confirm prints the PHP
  warning), ``custom_field`` and the address ``*_custom_field`` are JSON (``[]`` when empty).
* Gift vouchers sold get 10 lowercase hex codes; an edit deletes the order's vouchers (4.0 does not
  disable them as 3.0 does) and issues new ones; a delete deletes them too.
* Not kept: ``payment_address_id`` / ``shipping_address_id`` / ``language_code`` (4.0-only columns;
  ``language_code`` is never written by 4.0.2.3's API either).

Status changes go through the shared ``history.add_order_history`` (the same state machine as 3.0).
"""

from __future__ import annotations

import json
from typing import Any

from oc_connector_sandbox.app import _int, php_json
from oc_connector_sandbox.history import add_order_history
from oc_connector_sandbox.routes_order import write_content
from oc_connector_sandbox.schema import ORDER_ADDRESS_COLS
from oc_connector_sandbox.state import ShopState
from oc_connector_sandbox.totals import CartLine, Total, session_currency
from oc_connector_sandbox.v40 import shop
from oc_connector_sandbox.v40.catalog import Call
from oc_connector_sandbox.v40.storefront import php_warning

__all__ = ["add_history", "delete_order", "load_order", "order_fields", "save_order"]

_ORDER_PHP = "catalog/model/checkout/order.php"
# Columns editOrder rewrites (currency, language, client and dates of the first confirm stay).
_EDITED = (
    "invoice_prefix",
    "store_id",
    "store_name",
    "store_url",
    "customer_id",
    "customer_group_id",
    "firstname",
    "lastname",
    "email",
    "telephone",
    "custom_field",
    "payment_method",
    "payment_code",
    "shipping_method",
    "shipping_code",
    "comment",
    "total",
    "affiliate_id",
    "commission",
    *(
        f"{kind}_{col}"
        for kind in ("payment", "shipping")
        for col in (*ORDER_ADDRESS_COLS, "country_id", "zone_id", "custom_field")
    ),
)


def _json(value: Any) -> str:
    """``json_encode`` of a PHP value (an empty array is ``[]``)."""
    return php_json(value if value else []).decode()


def order_fields(call: Call, total: float, ships: bool) -> dict[str, Any]:
    """The ``oc_order`` columns of the session's order (``payment_firstname`` left out: the 4.0.2.3 bug)."""
    st, session = call.state, call.session
    customer = session.get("customer") or {}
    fields: dict[str, Any] = {
        "invoice_prefix": st.get_setting("config_invoice_prefix", ""),
        "store_id": int(st.get_setting("config_store_id", 0)),
        "store_name": st.get_setting("config_name", ""),
        "store_url": st.get_setting("config_url", st.base_url),
        "customer_id": _int(str(customer.get("customer_id") or "0")),
        "customer_group_id": _int(str(customer.get("customer_group_id") or "0")),
        "firstname": customer.get("firstname", ""),
        "lastname": customer.get("lastname", ""),
        "email": customer.get("email", ""),
        "telephone": customer.get("telephone", ""),
        "custom_field": _json(customer.get("custom_field")),
        "comment": str(session.get("comment", "")),
        "total": f"{total:.4f}",
        "affiliate_id": 0,
        "commission": "0.0000",
    }
    pay = (
        session.get("payment_address")
        if int(st.get_setting("config_checkout_payment_address", 0) or 0)
        else None
    )
    for col in ORDER_ADDRESS_COLS:
        if col != "firstname" or pay is None:
            fields[f"payment_{col}"] = str((pay or {}).get(col, ""))
    fields["payment_country_id"] = _int(str((pay or {}).get("country_id") or "0"))
    fields["payment_zone_id"] = _int(str((pay or {}).get("zone_id") or "0"))
    fields["payment_custom_field"] = _json((pay or {}).get("custom_field"))
    method = session.get("payment_method")
    method = method if isinstance(method, dict) else {}
    fields["payment_method"] = str(method.get("name", ""))
    fields["payment_code"] = str(method.get("code", ""))
    ship = session.get("shipping_address") if ships else None
    for col in ORDER_ADDRESS_COLS:
        fields[f"shipping_{col}"] = str((ship or {}).get(col, ""))
    fields["shipping_country_id"] = _int(str((ship or {}).get("country_id") or "0"))
    fields["shipping_zone_id"] = _int(str((ship or {}).get("zone_id") or "0"))
    fields["shipping_custom_field"] = _json((ship or {}).get("custom_field"))
    quote = session.get("shipping_method") if ships else None
    quote = quote if isinstance(quote, dict) else {}
    fields["shipping_method"] = str(quote.get("name", ""))
    fields["shipping_code"] = str(quote.get("code", ""))
    return fields


def _code(app: Any) -> str:
    return "".join(app.state.rng.choice("0123456789abcdef") for _ in range(10))


def save_order(
    call: Call, fields: dict[str, Any], items: list[CartLine], totals: list[Total], tax_view: dict[str, Any]
) -> int:
    """``addOrder`` (no ``order_id`` in the session) or ``editOrder``; returns the session's order id."""
    st = call.state
    view = shop.guest_view(call.session)
    order_id = call.session.get("order_id")
    if order_id is None:
        if int(st.get_setting("config_checkout_payment_address", 0) or 0):
            call.warnings.append(php_warning('Undefined array key "payment_firstname"', _ORDER_PHP, 15))
        cur = session_currency(call.app, call.session)
        env = call.req.environ
        stamp = st.clock.stamp()
        row = {
            **fields,
            "payment_firstname": "",
            "marketing_id": 0,
            "tracking": "",
            "language_id": 1,
            "currency_id": int(cur["currency_id"]),
            "currency_code": cur["code"],
            "currency_value": str(cur["value"]),
            "ip": call.req.remote_addr,
            "forwarded_ip": env.get("HTTP_X_FORWARDED_FOR") or env.get("HTTP_CLIENT_IP") or "",
            "user_agent": env.get("HTTP_USER_AGENT", ""),
            "accept_language": env.get("HTTP_ACCEPT_LANGUAGE", ""),
            "order_status_id": 0,
            "invoice_no": 0,
            "date_added": stamp,
            "date_modified": stamp,
        }
        with st.lock:
            st.db.execute("BEGIN")
            try:
                cur_row = st.db.execute(
                    f"INSERT INTO oc_order ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                    tuple(row.values()),
                )
                new_id = int(cur_row.lastrowid or 0)
                write_content(call.app, view, tax_view, new_id, items, totals, new_code=_code)
                st.db.execute("COMMIT")
            except BaseException:
                st.db.execute("ROLLBACK")
                raise
        call.session["order_id"] = new_id
        return new_id
    order_id = int(order_id)
    if not st.query("SELECT 1 FROM oc_order WHERE order_id = ?", (order_id,)):
        return order_id
    add_history(call, order_id, 0)
    values = {k: fields[k] for k in _EDITED if k in fields}
    values["date_modified"] = st.clock.stamp()
    with st.lock:
        st.db.execute("BEGIN")
        try:
            sets = ", ".join(f"{c} = ?" for c in values)
            st.db.execute(f"UPDATE oc_order SET {sets} WHERE order_id = ?", (*values.values(), order_id))
            for table in (
                "oc_order_product",
                "oc_order_option",
                "oc_order_voucher",
                "oc_order_total",
                "oc_voucher",
            ):
                st.db.execute(f"DELETE FROM {table} WHERE order_id = ?", (order_id,))
            write_content(call.app, view, tax_view, order_id, items, totals, new_code=_code)
            st.db.execute("COMMIT")
        except BaseException:
            st.db.execute("ROLLBACK")
            raise
    return order_id


def add_history(call: Call, order_id: int, status_id: int, comment: str = "", notify: bool = False) -> bool:
    """``addHistory``: the shared state machine, plus the order mail's warning for an order without shipping.

    The "new order" mail goes out when a status-0 order gets a status; 4.0.2.3's mail controller then
    reads the shipping method's name, which an order without shipping does not have.
    """
    rows = call.state.query(
        "SELECT order_status_id, shipping_method FROM oc_order WHERE order_id = ?", (order_id,)
    )
    if not rows:
        return False
    if not _int(str(rows[0]["order_status_id"])) and status_id and not rows[0]["shipping_method"]:
        call.warnings.append(
            php_warning(
                "Trying to access array offset on value of type null",
                "catalog/controller/mail/order.php",
                151,
            )
        )
    return add_order_history(
        call.state, order_id=order_id, status_id=status_id, comment=comment, notify=notify
    )


def delete_order(state: ShopState, order_id: int) -> bool:
    """``deleteOrder``: unconfirm (status 0), then delete the order, its rows and its gift vouchers.

    Returns:
        False if the order does not exist.
    """
    if not add_order_history(state, order_id=order_id, status_id=0):
        return False
    with state.lock:
        for table in (
            "oc_order",
            "oc_order_product",
            "oc_order_option",
            "oc_order_voucher",
            "oc_order_total",
            "oc_order_history",
            "oc_customer_transaction",
            "oc_voucher",
        ):
            state.db.execute(f"DELETE FROM {table} WHERE order_id = ?", (order_id,))
    return True


def _stored_address(call: Call, order: dict[str, Any], kind: str) -> dict[str, Any]:
    st = call.state
    zone = st.query("SELECT code FROM oc_zone WHERE zone_id = ? AND status = 1", (order[f"{kind}_zone_id"],))
    country = st.query(
        "SELECT iso_code_2, iso_code_3 FROM oc_country WHERE country_id = ? AND status = 1",
        (order[f"{kind}_country_id"],),
    )
    return {
        "address_id": 0,
        **{
            col: order[f"{kind}_{col}"]
            for col in (
                "firstname",
                "lastname",
                "company",
                "address_1",
                "address_2",
                "postcode",
                "city",
                "zone_id",
                "zone",
            )
        },
        "zone_code": zone[0]["code"] if zone else "",
        "country_id": order[f"{kind}_country_id"],
        "country": order[f"{kind}_country"],
        "iso_code_2": country[0]["iso_code_2"] if country else "",
        "iso_code_3": country[0]["iso_code_3"] if country else "",
        "address_format": order[f"{kind}_address_format"],
        "custom_field": _decode(order[f"{kind}_custom_field"]),
    }


def _stored_quote(call: Call, order: dict[str, Any]) -> dict[str, Any]:
    """The order's shipping quote as 4.0's JSON held it (cost and tax class from the flat rate)."""
    from oc_connector_sandbox.v40.routes_checkout import shipping_methods

    quote = dict((shipping_methods(call).get("flat") or {}).get("quote", {}).get("flat") or {})
    return {**quote, "code": order["shipping_code"], "name": order["shipping_method"]}


def _decode(text: Any) -> Any:
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError):
        return None


def load_order(call: Call, order_id: int) -> bool:
    """``order.load``: put a stored order into the session and its lines into the cart.

    The lines come back with their stored price as an override (4.0 then adds the option prices on top
    again), gift vouchers with their stored amount converted once more from the session currency
    (both as 4.0.2.3 does), and coupon/voucher/reward codes from the totals' titles.
    """
    from oc_connector_sandbox import cart

    st, session = call.state, call.session
    rows = st.query("SELECT * FROM oc_order WHERE order_id = ?", (order_id,))
    if not rows:
        return False
    order = rows[0]
    session["order_id"] = order_id
    session["customer"] = {
        "customer_id": order["customer_id"],
        "customer_group_id": order["customer_group_id"],
        "firstname": order["firstname"],
        "lastname": order["lastname"],
        "email": order["email"],
        "telephone": order["telephone"],
        "custom_field": _decode(order["custom_field"]),
    }
    if int(st.get_setting("config_checkout_payment_address", 0) or 0):
        session["payment_address"] = _stored_address(call, order, "payment")
    else:
        session.pop("payment_address", None)
    session["payment_method"] = (
        {"code": order["payment_code"], "name": order["payment_method"]} if order["payment_method"] else None
    )
    if order["currency_code"]:
        session["currency"] = order["currency_code"]
    if order["shipping_method"]:
        session["shipping_address"] = _stored_address(call, order, "shipping")
        session["shipping_method"] = _stored_quote(call, order)
    if order["comment"]:
        session["comment"] = order["comment"]
    view = shop.guest_view(session)
    for product in st.query(
        "SELECT * FROM oc_order_product WHERE order_id = ? ORDER BY order_product_id", (order_id,)
    ):
        option: dict[str, Any] = {}
        for opt in st.query(
            "SELECT * FROM oc_order_option WHERE order_id = ? AND order_product_id = ? "
            "ORDER BY order_option_id",
            (order_id, product["order_product_id"]),
        ):
            key = str(opt["product_option_id"])
            if opt["type"] in ("select", "radio"):
                option[key] = str(opt["product_option_value_id"])
            elif opt["type"] == "checkbox":
                values = option.setdefault(key, {})
                values[str(len(values))] = str(opt["product_option_value_id"])
            else:
                option[key] = opt["value"]
        cart.add_item(
            call.app,
            view,
            call.token,
            int(product["product_id"]),
            int(product["quantity"]),
            option,
            override_price=float(product["price"]),
        )
    loaded = []
    for i, v in enumerate(
        st.query("SELECT * FROM oc_order_voucher WHERE order_id = ? ORDER BY order_voucher_id", (order_id,))
    ):
        stored = float(v["amount"])
        amount = shop.to_default(call, stored)
        loaded.append(
            (
                i,
                {
                    "code": v["code"],
                    "description": f"{_plain_money(call, stored)} Gift certificate for {v['to_name']}",
                    "to_name": v["to_name"],
                    "to_email": v["to_email"],
                    "from_name": v["from_name"],
                    "from_email": v["from_email"],
                    "voucher_theme_id": str(v["voucher_theme_id"]),
                    "message": v["message"],
                    "amount": amount,
                },
            )
        )
    shop.set_vouchers(session, loaded)
    if _int(str(order["affiliate_id"])):
        session["affiliate_id"] = order["affiliate_id"]
    for total in st.query(
        "SELECT code, title FROM oc_order_total WHERE order_id = ? ORDER BY sort_order", (order_id,)
    ):
        title = str(total["title"])
        start, end = title.find("("), title.rfind(")")
        if start >= 0 and end > 0:
            session[str(total["code"])] = title[start + 1 : end]
    return True


def _plain_money(call: Call, amount: float) -> str:
    """``currency->format(amount, session currency, 1.0)``: formatted without converting."""
    from oc_connector_sandbox.totals import php_round

    cur = session_currency(call.app, call.session)
    places = int(cur["decimal_place"] or 0)
    text = f"{php_round(amount, places):,.{places}f}"
    return f"{cur['symbol_left']}{text}{cur['symbol_right']}"
